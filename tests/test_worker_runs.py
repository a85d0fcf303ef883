"""One run per Sheet at a time, coalescing, outcomes in plain words, shutdown: finish or abandon."""

from __future__ import annotations

import logging
import time

import pytest

from sheetsbot.errors import SheetsbotError
from sheetsbot.periods import Period
from sheetsbot.worker.fake import FakeResult, FakeSheet
from sheetsbot.worker.runs import QueueFull, Runner, WorkerStopping, describe, one_line


@pytest.fixture
def held() -> tuple[FakeSheet, Runner]:
    """A runner whose runs wait until the test releases them."""
    sheet = FakeSheet(hold=True)
    runner = Runner(sheet.refresh, sheet="sheet-1")
    runner.start()
    yield sheet, runner
    sheet.release.set()
    runner.stop(1)


def test_a_trigger_during_a_run_queues_one_follow_up_and_the_rest_join_it(
    held: tuple[FakeSheet, Runner],
) -> None:
    sheet, runner = held
    first, coalesced = runner.submit("refresh", None, "webhook:refresh")
    assert not coalesced
    assert sheet.started.wait(2)
    assert runner.get(first.id).status == "running"
    follow_ups = [runner.submit("refresh", None, "webhook:refresh") for _ in range(50)]
    assert {run.id for run, _ in follow_ups} == {follow_ups[0][0].id} != {first.id}
    assert [c for _, c in follow_ups] == [False] + [True] * 49
    assert follow_ups[0][0].triggers == {"webhook:refresh": 50}
    sheet.release.set()
    assert runner.wait_idle(5)
    assert len(sheet.calls) == 2
    assert runner.get(first.id).status == runner.get(follow_ups[0][0].id).status == "succeeded"


def test_never_two_runs_at_once() -> None:
    sheet = FakeSheet(hold=True)
    active, most = [0], [0]
    inner = sheet.refresh

    def counting(trigger: str, week: Period | None, action: str) -> FakeResult:
        active[0] += 1
        most[0] = max(most[0], active[0])
        try:
            return inner(trigger, week, action)
        finally:
            active[0] -= 1

    runner = Runner(counting)
    runner.start()
    runner.submit("refresh", None, "webhook:refresh")
    assert sheet.started.wait(2)
    for action in ("tasks", "monthly", "refresh", "tasks"):
        runner.submit(action, None, "webhook:" + action)
    sheet.release.set()
    assert runner.wait_idle(5)
    assert most[0] == 1
    # refresh ran; tasks, monthly and the second refresh waited; the second tasks joined its twin.
    assert [c[2] for c in sheet.calls] == ["refresh", "tasks", "monthly", "refresh"]
    runner.stop(1)


def test_different_weeks_are_different_runs(held: tuple[FakeSheet, Runner]) -> None:
    _, runner = held
    w46, w47 = Period.parse("2026-W46"), Period.parse("2026-W47")
    runner.submit("refresh", None, "webhook:refresh")
    a, _ = runner.submit("refresh", w46, "webhook:refresh")
    b, _ = runner.submit("refresh", w47, "webhook:refresh")
    c, coalesced = runner.submit("refresh", Period.parse("2026-W47"), "webhook:refresh")
    assert a.id != b.id and c.id == b.id and coalesced


def test_a_coalesced_run_carries_the_weekly_trigger(held: tuple[FakeSheet, Runner]) -> None:
    # job.run keeps the last weekly run in the Sheet only for the trigger "schedule:weekly".
    sheet, runner = held
    runner.submit("refresh", None, "webhook:refresh")
    assert sheet.started.wait(2)
    follow, _ = runner.submit("refresh", None, "webhook:refresh")
    runner.submit("refresh", None, "schedule:poll")
    runner.submit("refresh", None, "schedule:weekly")
    assert follow.trigger == "schedule:weekly"
    sheet.release.set()
    assert runner.wait_idle(5)
    assert sheet.calls[-1][0] == "schedule:weekly"
    assert follow.to_dict()["triggers"] == 3


def test_a_failed_run_keeps_a_clear_error_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    sheet = FakeSheet(
        fail=1, error="403 from Sheets; token ya29.a0AfB_byC-secret-token was refused"
    )
    runner = Runner(sheet.refresh)
    runner.start()
    run, _ = runner.submit("refresh", None, "webhook:refresh")
    assert runner.wait_idle(5)
    assert run.status == "failed"
    assert run.errors == ["403 from Sheets; token [redacted] was refused"]
    assert run.message == "The refresh failed: 403 from Sheets; token [redacted] was refused"
    assert "ya29" not in caplog.text
    second, _ = runner.submit("refresh", None, "webhook:refresh")  # the runner goes on
    assert runner.wait_idle(5)
    assert second.status == "succeeded"
    runner.stop(1)


def test_an_unexpected_exception_is_logged_with_its_traceback_and_the_runner_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = []

    def refresh(trigger: str, week: Period | None, action: str) -> FakeResult:
        calls.append(trigger)
        if len(calls) == 1:
            raise KeyError("Settings")
        return FakeResult(week=Period.parse("2026-W47"))

    runner = Runner(refresh)
    runner.start()
    with caplog.at_level(logging.INFO, "sheetsbot.worker"):
        bad, _ = runner.submit("tasks", None, "webhook:tasks")
        assert runner.wait_idle(5)
        good, _ = runner.submit("tasks", None, "webhook:tasks")
        assert runner.wait_idle(5)
    assert bad.status == "failed" and bad.message == "The task update failed: KeyError: 'Settings'"
    assert good.status == "succeeded"
    assert "Traceback" in caplog.text and "run_crashed" in [
        getattr(r, "event", "") for r in caplog.records
    ]
    runner.stop(1)


def test_stop_lets_a_short_run_finish() -> None:
    sheet = FakeSheet(seconds=0.3)
    runner = Runner(sheet.refresh)
    runner.start()
    run, _ = runner.submit("refresh", None, "webhook:refresh")
    assert sheet.started.wait(2)
    queued, _ = runner.submit("tasks", None, "webhook:tasks")
    current = runner.stop(grace=5)
    assert current is run and run.status == "succeeded"
    assert (
        queued.status == "abandoned"
        and queued.message == "not started: the worker stopped before its turn"
    )
    with pytest.raises(WorkerStopping):
        runner.submit("refresh", None, "webhook:refresh")


def test_stop_abandons_a_long_run_before_it_writes(held: tuple[FakeSheet, Runner]) -> None:
    sheet, runner = held
    run, _ = runner.submit("refresh", None, "webhook:refresh")
    assert sheet.started.wait(2)
    began = time.monotonic()
    runner.stop(grace=0.2)
    assert time.monotonic() - began < 2
    assert run.status == "abandoned"
    assert run.message.startswith("the worker is stopping; the run stopped before writing")
    assert run.done.is_set()


def test_too_many_different_runs_waiting(held: tuple[FakeSheet, Runner]) -> None:
    sheet, runner = held
    runner.submit("refresh", None, "webhook:refresh")
    assert sheet.started.wait(2)
    for n in range(1, 9):
        runner.submit("refresh", Period.parse(f"2026-W{n:02d}"), "webhook:refresh")
    with pytest.raises(QueueFull):
        runner.submit("refresh", Period.parse("2026-W20"), "webhook:refresh")
    runner.submit("refresh", Period.parse("2026-W03"), "webhook:refresh")  # joining one still works


def test_finished_runs_are_forgotten_beyond_the_limit() -> None:
    runner = Runner(FakeSheet().refresh, keep=5)
    runner.start()
    ids = []
    for _ in range(12):
        run, _ = runner.submit("refresh", None, "webhook:refresh")
        ids.append(run.id)
        assert runner.wait_idle(5)
    assert runner.get(ids[0]) is None
    assert runner.get(ids[-1]) is not None
    assert len(runner._runs) <= 6
    assert runner.latest().id == ids[-1]
    runner.stop(1)


def test_describe_says_it_in_plain_words() -> None:
    result = FakeResult(
        week=Period.parse("2026-W47"),
        files_read=["a", "b", "c"],
        files_skipped=9,
        problems=["US/x.csv: no date column"],
        red=[],
        tasks_created=0,
        tasks_open=4,
    )
    summary, message, problems = describe(result, "refresh")
    assert message == (
        "Week 2026-W47 refreshed. 3 new exports read (9 already in the Sheet). "
        "1 file could not be used: see the Run log. No KPI in red. 0 new tasks, 4 open."
    )
    assert summary["files_read"] == 3 and summary["problems"] == 1 and summary["week"] == "2026-W47"
    assert problems == ["US/x.csv: no date column"]
    _, monthly, _ = describe(FakeResult(week=Period.parse("2026-W47"), files_read=[]), "monthly")
    assert monthly.startswith(
        "Week 2026-W47 monthly summary written. No new exports (11 already in the Sheet)."
    )


def test_one_line() -> None:
    assert one_line(SheetsbotError("the folder is not shared")) == "the folder is not shared"
    assert one_line(ValueError("bad\n  value")) == "ValueError: bad value"
    assert (
        one_line(RuntimeError("Authorization: Bearer abc.def.ghi.jkl"))
        == "RuntimeError: Authorization: [redacted]"
    )
    assert len(one_line(RuntimeError("x" * 2000))) == 500
