"""The scheduler on a fake clock: weekly run in local time across DST, poll, monthly, catch-up,
retries.

Nothing here sleeps for schedule times: the clock is moved and ``tick()`` runs what is due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import schedule

from sheetsbot.periods import Period
from sheetsbot.worker.clock import FakeClock
from sheetsbot.worker.fake import FakeSheet
from sheetsbot.worker.runs import Run, Runner
from sheetsbot.worker.scheduler import Scheduler, SheetFacts, first_working_day, last_due
from sheetsbot.worker.settings import WeeklyRun, WorkerConfig

UTC = timezone.utc


@dataclass
class Recorder:
    """A run queue that records what the scheduler asks for, at which (fake) time."""

    clock: FakeClock
    submitted: list[tuple[datetime, str, str]] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    busy_now: bool = False

    def submit(self, action: str, week: Period | None, trigger: str) -> tuple[Run, bool]:
        self.submitted.append((self.clock.now(), action, trigger))
        run = Run(
            id=f"r{len(self.runs)}",
            sheet="s",
            action=action,
            week=week,
            requested=self.clock.now(),
            triggers={trigger: 1},
        )
        self.runs.append(run)
        return run, False

    def busy(self) -> bool:
        return self.busy_now

    def triggers(self) -> list[str]:
        return [t for _, _, t in self.submitted]


def settings(**changes: object) -> WorkerConfig:
    base = {"poll_minutes": 0, "monthly_at": None}
    base.update(changes)
    return WorkerConfig.model_validate(base)


def run_for(
    clock: FakeClock, scheduler: Scheduler, span: timedelta, step: timedelta = timedelta(minutes=10)
) -> None:
    end = clock.now() + span
    while clock.now() < end:
        clock.advance(step.total_seconds())
        scheduler.tick()


@pytest.mark.parametrize(
    ("zone", "start", "offsets"),
    [
        # Europe/Berlin leaves summer time on Sunday 2026-10-25: 07:30 is 05:30 UTC, then 06:30.
        ("Europe/Berlin", "2026-10-12T12:00:00+00:00", ["+02:00", "+01:00", "+01:00", "+01:00"]),
        # America/Los_Angeles leaves it on Sunday 2026-11-01.
        (
            "America/Los_Angeles",
            "2026-10-19T20:00:00+00:00",
            ["-07:00", "-08:00", "-08:00", "-08:00"],
        ),
        # And Berlin enters summer time on Sunday 2026-03-29.
        ("Europe/Berlin", "2026-03-16T12:00:00+00:00", ["+01:00", "+02:00", "+02:00", "+02:00"]),
    ],
)
def test_weekly_run_stays_at_local_time_across_daylight_saving(
    zone: str, start: str, offsets: list[str]
) -> None:
    clock = FakeClock(start)
    queue = Recorder(clock)
    scheduler = Scheduler(
        settings(weekly={"day": "monday", "at": "07:30"}), zone, queue, clock=clock
    )
    run_for(clock, scheduler, timedelta(days=28))
    fired = [when.astimezone(ZoneInfo(zone)) for when, _, _ in queue.submitted]
    assert [f.strftime("%a %H:%M") for f in fired] == ["Mon 07:30"] * 4
    assert [f.isoformat()[-6:] for f in fired] == offsets
    assert queue.triggers() == ["schedule:weekly"] * 4
    assert [(f - fired[0]).days for f in fired] == [0, 7, 14, 21]


def test_next_run_is_reported_in_the_store_time_zone() -> None:
    clock = FakeClock("2026-10-20T00:00:00+00:00")
    scheduler = Scheduler(settings(), "America/Los_Angeles", Recorder(clock), clock=clock)
    # The first Monday after the change: 07:30 PST is 15:30 UTC.
    assert scheduler.next_run("weekly") == datetime(
        2026, 10, 26, 7, 30, tzinfo=ZoneInfo("America/Los_Angeles")
    )
    clock.set("2026-10-27T00:00:00+00:00")
    scheduler.tick()
    assert scheduler.next_run("weekly").astimezone(UTC) == datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
    jobs = scheduler.status()["jobs"]
    assert jobs == [{"job": "weekly", "next_run": "2026-11-02T07:30-08:00"}]


def test_the_fake_clock_is_only_seen_by_this_scheduler() -> None:
    clock = FakeClock("2001-01-01T00:00:00+00:00")
    Scheduler(settings(), "UTC", Recorder(clock), clock=clock)
    other = schedule.Scheduler()
    job = other.every().hour.do(lambda: None)
    assert job.next_run.year >= 2024  # the real time, not 2001


def test_poll_starts_a_run_only_when_the_folder_has_something_new() -> None:
    clock = FakeClock("2026-11-24T10:00:00+00:00")
    queue = Recorder(clock)
    answers = iter([False, False, True, False])
    calls = []

    def new_exports() -> bool:
        calls.append(clock.now())
        return next(answers)

    scheduler = Scheduler(
        settings(weekly=None, poll_minutes=15), "UTC", queue, new_exports=new_exports, clock=clock
    )
    run_for(clock, scheduler, timedelta(minutes=60), step=timedelta(minutes=5))
    assert len(calls) == 4
    assert queue.triggers() == ["schedule:poll"]
    assert queue.submitted[0][0] == datetime(2026, 11, 24, 10, 45, tzinfo=UTC)

    queue.busy_now = True  # a run in progress reads the folder itself: no look, no run
    run_for(clock, scheduler, timedelta(minutes=30), step=timedelta(minutes=5))
    assert len(calls) == 4


def test_a_failing_poll_is_logged_and_the_next_poll_still_happens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock("2026-11-24T10:00:00+00:00")
    queue = Recorder(clock)
    outcomes = iter([ConnectionError("Drive unreachable"), True])

    def new_exports() -> bool:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    scheduler = Scheduler(
        settings(weekly=None, poll_minutes=10), "UTC", queue, new_exports=new_exports, clock=clock
    )
    with caplog.at_level(logging.WARNING, "sheetsbot.worker"):
        run_for(clock, scheduler, timedelta(minutes=20))
    assert (
        "poll failed: ConnectionError: Drive unreachable; the next poll is in 10 min" in caplog.text
    )
    assert queue.triggers() == ["schedule:poll"]


def test_first_working_day() -> None:
    assert first_working_day(2026, 11) == date(2026, 11, 2)  # Nov 1 is a Sunday
    assert first_working_day(2026, 12) == date(2026, 12, 1)
    assert first_working_day(2027, 1, [date(2027, 1, 1)]) == date(
        2027, 1, 4
    )  # holiday Friday, weekend
    assert first_working_day(2026, 12, [date(2026, 12, 1), date(2026, 12, 2)]) == date(2026, 12, 3)


def test_monthly_summary_on_the_first_working_day_with_holidays_from_config_and_settings() -> None:
    clock = FakeClock("2026-11-25T12:00:00+00:00")
    queue = Recorder(clock)
    # The config knows New Year; the team's Settings tab adds 1 December.
    facts = SheetFacts(holidays=frozenset({date(2026, 12, 1)}))
    scheduler = Scheduler(
        settings(weekly=None, monthly_at="07:00"),
        "Asia/Shanghai",
        queue,
        facts=lambda: facts,
        holidays=[date(2027, 1, 1)],
        clock=clock,
    )
    run_for(clock, scheduler, timedelta(days=45), step=timedelta(hours=1))
    fired = [when.astimezone(ZoneInfo("Asia/Shanghai")) for when, _, _ in queue.submitted]
    assert [f.strftime("%Y-%m-%d %H:%M") for f in fired] == ["2026-12-02 07:00", "2027-01-04 07:00"]
    assert {a for _, a, _ in queue.submitted} == {"monthly"}
    assert queue.triggers() == ["schedule:monthly"] * 2


def test_last_due() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    at_nine = datetime(2026, 11, 23, 9, 0, tzinfo=berlin)  # a Monday
    assert last_due(at_nine, "monday", "07:30", "Europe/Berlin") == datetime(
        2026, 11, 23, 7, 30, tzinfo=berlin
    )
    at_seven = datetime(2026, 11, 23, 7, 0, tzinfo=berlin)
    assert last_due(at_seven, "monday", "07:30", "Europe/Berlin") == datetime(
        2026, 11, 16, 7, 30, tzinfo=berlin
    )
    # Across the October change, the due time is still 07:30 local.
    after = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)
    assert (
        last_due(after, "monday", "07:30", "Europe/Berlin").isoformat()
        == "2026-10-26T07:30:00+01:00"
    )


@pytest.mark.parametrize(
    ("now", "last", "caught_up"),
    [
        # Down on Monday morning, back at 09:00: last run a week ago -> run now.
        ("2026-11-23T08:00:00+00:00", "2026-11-16T06:31:00+00:00", True),
        # Back at 09:00 and the run happened at 07:31 today: nothing to do.
        ("2026-11-23T08:00:00+00:00", "2026-11-23T06:31:00+00:00", False),
        # Started at 07:00 on Monday: today's run is still ahead, last week's happened.
        ("2026-11-23T06:00:00+00:00", "2026-11-16T06:31:00+00:00", False),
        # Down for the whole week and more.
        ("2026-11-27T12:00:00+00:00", "2026-11-09T06:30:00+00:00", True),
        # A Sheet that never had a weekly run: its first run.
        ("2026-11-24T12:00:00+00:00", None, True),
    ],
)
def test_catch_up_at_start(now: str, last: str | None, caught_up: bool) -> None:
    clock = FakeClock(now)
    queue = Recorder(clock)
    facts = SheetFacts(last_weekly_run=datetime.fromisoformat(last) if last else None)
    scheduler = Scheduler(settings(), "Europe/Berlin", queue, facts=lambda: facts, clock=clock)
    scheduler.catch_up()
    assert queue.triggers() == (["schedule:weekly"] if caught_up else [])


def test_catch_up_with_an_unreadable_sheet_runs_anyway_and_says_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock("2026-11-24T12:00:00+00:00")
    queue = Recorder(clock)

    def facts() -> SheetFacts:
        raise PermissionError("403: the caller does not have permission")

    scheduler = Scheduler(settings(), "Europe/Berlin", queue, facts=facts, clock=clock)
    with caplog.at_level(logging.INFO, "sheetsbot.worker"):
        scheduler.catch_up()
    assert queue.triggers() == ["schedule:weekly"]
    assert "cannot read the last weekly run from the Sheet (PermissionError: 403" in caplog.text


def test_a_failed_weekly_run_is_retried_with_backoff(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock("2026-11-23T06:00:00+00:00")  # Monday 07:00 in Berlin
    queue = Recorder(clock)
    scheduler = Scheduler(settings(retry_minutes=15), "Europe/Berlin", queue, clock=clock)
    run_for(clock, scheduler, timedelta(minutes=30))
    assert len(queue.runs) == 1
    queue.runs[0].status = "failed"
    with caplog.at_level(logging.WARNING, "sheetsbot.worker"):
        scheduler.tick()
    assert "weekly run r0 failed; trying again in 15 min" in caplog.text
    run_for(clock, scheduler, timedelta(minutes=10))
    assert len(queue.runs) == 1
    run_for(clock, scheduler, timedelta(minutes=10))
    assert len(queue.runs) == 2 and queue.triggers()[1] == "schedule:weekly"
    queue.runs[1].status = "failed"
    scheduler.tick()
    assert "trying again in 30 min" in caplog.text
    run_for(clock, scheduler, timedelta(minutes=40))
    assert len(queue.runs) == 3
    queue.runs[2].status = "succeeded"
    run_for(clock, scheduler, timedelta(hours=6))
    assert len(queue.runs) == 3  # no more retries once it worked
    assert scheduler.next_run("retry") is None


def test_a_job_that_raises_is_retried_and_the_scheduler_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock("2026-11-23T06:00:00+00:00")
    calls: list[datetime] = []

    class Flaky(Recorder):
        def submit(self, action: str, week: Period | None, trigger: str) -> tuple[Run, bool]:
            calls.append(self.clock.now())
            if len(calls) == 1:
                raise RuntimeError("boom")
            return super().submit(action, week, trigger)

    queue = Flaky(clock)
    scheduler = Scheduler(settings(retry_minutes=5), "Europe/Berlin", queue, clock=clock)
    with caplog.at_level(logging.WARNING, "sheetsbot.worker"):
        run_for(clock, scheduler, timedelta(minutes=45), step=timedelta(minutes=1))
    assert "weekly job failed: RuntimeError: boom; trying again in 5 min" in caplog.text
    assert queue.triggers() == ["schedule:weekly"]
    assert queue.submitted[0][0] - calls[0] == timedelta(minutes=5)


def test_end_to_end_with_a_real_runner_a_failing_run_is_retried_until_it_succeeds() -> None:
    clock = FakeClock("2026-11-23T06:00:00+00:00")
    sheet = FakeSheet(fail=1, clock=clock, time_zone="Europe/Berlin")
    runner = Runner(sheet.refresh, sheet="s", clock=clock)
    runner.start()
    try:
        scheduler = Scheduler(
            settings(retry_minutes=15), "Europe/Berlin", runner, facts=sheet.facts, clock=clock
        )
        scheduler.catch_up()  # Monday 07:00 local: last week's run never happened -> run now
        assert runner.wait_idle(5)
        assert runner.last_finished.status == "failed"
        assert sheet.last_weekly_run is None
        scheduler.tick()
        clock.advance(minutes=15)
        scheduler.tick()
        assert runner.wait_idle(5)
        assert runner.last_finished.status == "succeeded"
        assert sheet.last_weekly_run == clock.now()  # the weekly trigger reached the refresh
        # The regular 07:30 run still happens; the catch-up did not replace it.
        run_for(clock, scheduler, timedelta(minutes=30))
        assert runner.wait_idle(5)
        assert [c[0] for c in sheet.calls] == ["schedule:weekly"] * 3
    finally:
        runner.stop(1)


def test_the_scheduler_thread_runs_catch_up_and_stops() -> None:
    clock = FakeClock("2026-11-24T12:00:00+00:00")
    queue = Recorder(clock)
    scheduler = Scheduler(
        settings(weekly=WeeklyRun(day="monday", at="07:30").model_dump()),
        "UTC",
        queue,
        facts=SheetFacts,
        clock=clock,
    )
    scheduler.start()
    try:
        for _ in range(200):
            if queue.submitted and scheduler.status()["last_tick"]:
                break
            import time

            time.sleep(0.01)
        assert scheduler.alive
        assert queue.triggers() == ["schedule:weekly"]  # the catch-up: a fresh Sheet's first run
        assert scheduler.status()["last_tick"] == "2026-11-24T12:00:00+00:00"
    finally:
        scheduler.stop()
    assert not scheduler.alive


def test_weekly_run_is_right_on_a_machine_whose_own_clock_is_in_another_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # schedule keeps next_run as naive *machine-local* time; a VM set to New York (which
    # changes on Nov 1) must still run Berlin's 07:30 (which changed on Oct 25).
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        clock = FakeClock("2026-10-19T12:00:00+00:00")
        queue = Recorder(clock)
        scheduler = Scheduler(settings(), "Europe/Berlin", queue, clock=clock)
        run_for(clock, scheduler, timedelta(days=21))
        fired = [
            when.astimezone(ZoneInfo("Europe/Berlin")).isoformat() for when, _, _ in queue.submitted
        ]
        assert fired == [
            "2026-10-26T07:30:00+01:00",
            "2026-11-02T07:30:00+01:00",
            "2026-11-09T07:30:00+01:00",
        ]
    finally:
        monkeypatch.undo()
        time.tzset()
