"""How serve reaches the real run: job.run with checkpoints, and the Sheet's facts read back for the
scheduler (last weekly run, holidays) and the poll (processed files)."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from sheetsbot.config import Config, StoreConfig
from sheetsbot.periods import Period
from sheetsbot.sources.local import LocalFolder
from sheetsbot.workbook.state import ProcessedFile, State
from sheetsbot.worker.clock import FakeClock
from sheetsbot.worker.runs import Runner
from sheetsbot.worker.wiring import google_wiring, job_wiring, local_wiring


class MemorySink:
    def __init__(self, tabs: dict[str, list[list[object]]] | None = None) -> None:
        self.tabs = tabs or {}
        self.reads: list[list[str]] = []
        self.written: list[Any] = []

    def read_tabs(self, titles: list[str]) -> dict[str, list[list[object]]]:
        self.reads.append(titles)
        return {t: self.tabs[t] for t in titles if t in self.tabs}

    def missing_tabs(self, titles: list[str]) -> list[str]:
        return []

    def write(self, workbook: Any, replan: Any = None) -> object:
        self.written.append(workbook)
        return "wrote"


def berlin() -> Config:
    return Config(store=StoreConfig(time_zone="Europe/Berlin"))


def test_refresh_runs_job_run_for_the_last_complete_week_with_checkpoints(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sheetsbot import job

    seen: dict[str, Any] = {}

    def fake_run(source: Any, sink: Any, config: Config, week: Period, **kw: Any) -> str:
        seen.update(source=source, sink=sink, week=week, **kw)
        kw["progress"](None)  # job.run calls it per file
        sink.write("workbook")
        return "result"

    monkeypatch.setattr(job, "run", fake_run)
    clock = FakeClock("2026-11-23T05:00:00+00:00")  # Monday 06:00 in Berlin: last week is W47
    sink = MemorySink()
    wire = job_wiring(
        berlin(),
        lambda: LocalFolder(tmp_path),
        lambda: sink,
        spreadsheet_id="s",
        describe="t",
        clock=clock,
    )
    assert wire.refresh("schedule:weekly", None, "refresh") == "result"
    assert (
        seen["week"].label == "2026-W47"
        and seen["trigger"] == "schedule:weekly"
        and seen["now"] == clock.now()
    )
    assert sink.written == ["workbook"]
    assert wire.refresh("webhook:tasks", Period.parse("2026-W40"), "tasks") == "result"
    assert seen["week"].label == "2026-W40"


def test_a_stopping_worker_abandons_the_run_before_the_write(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sheetsbot import job

    sink = MemorySink()

    def fake_run(source: Any, sink: Any, config: Config, week: Period, **kw: Any) -> str:
        runner._abandon.set()  # SIGTERM's grace ran out while the files were being read
        sink.write("workbook")
        return "result"

    monkeypatch.setattr(job, "run", fake_run)
    wire = job_wiring(
        berlin(), lambda: LocalFolder(tmp_path), lambda: sink, spreadsheet_id="s", describe="t"
    )
    runner = Runner(wire.refresh)
    runner.start()
    run, _ = runner.submit("refresh", None, "webhook:refresh")
    assert runner.wait_idle(5)
    assert run.status == "abandoned" and sink.written == []
    runner.stop(1)


def test_facts_come_from_the_state_and_settings_tabs_in_one_read(tmp_path: Path) -> None:
    state = State(
        last_weekly_run="2026-11-23T06:31:02+00:00",
        processed={
            "US/a.csv": ProcessedFile(
                "US/a.csv", "a.csv", "m1", "business_date", "2026-W47", "2026-11-23T06:31:02+00:00"
            )
        },
    )
    settings = [
        ["Setting", "Scope", "Value"],
        ["holiday", "", "2026-12-01"],
        ["holiday", "", "2027-01-01"],
    ]
    sink = MemorySink({"_sheetsbot_state": state.encode(), "Settings": settings})
    wire = job_wiring(
        berlin(), lambda: LocalFolder(tmp_path), lambda: sink, spreadsheet_id="s", describe="t"
    )
    facts = wire.facts()
    assert facts.last_weekly_run == datetime(2026, 11, 23, 6, 31, 2, tzinfo=timezone.utc)
    assert facts.holidays == {date(2026, 12, 1), date(2027, 1, 1)}
    assert sink.reads == [["_sheetsbot_state", "Settings"]]
    # The poll compares the folder with the processed files (a local file has no md5 to list).
    (tmp_path / "US").mkdir()
    exported = tmp_path / "US" / "a.csv"
    exported.write_text("x")
    before = datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc).timestamp()
    os.utime(exported, (before, before))
    assert wire.new_exports() is False
    os.utime(exported, (before + 3600, before + 3600))  # replaced after it was processed
    assert wire.new_exports() is True
    (tmp_path / "US" / "b.csv").write_text("y")
    assert wire.new_exports() is True


def test_a_blank_sheet_has_no_facts(tmp_path: Path) -> None:
    wire = job_wiring(
        berlin(), lambda: LocalFolder(tmp_path), MemorySink, spreadsheet_id="s", describe="t"
    )
    facts = wire.facts()
    assert facts.last_weekly_run is None and facts.holidays == frozenset()


def test_google_wiring_starts_without_google_and_each_run_says_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sheetsbot.errors import SheetsbotError

    monkeypatch.setenv(
        "SHEETSBOT_SPREADSHEET_ID", "https://docs.google.com/spreadsheets/d/1FromEnv/edit"
    )
    monkeypatch.setenv("SHEETSBOT_GOOGLE_CREDENTIALS", str(tmp_path / "no-such-key.json"))
    monkeypatch.setenv(
        "SHEETSBOT_GOOGLE_API_URL", "http://127.0.0.1:9"
    )  # nothing leaves this machine
    wire = google_wiring(berlin())  # no connection yet
    assert wire.spreadsheet_id == "1FromEnv"
    with pytest.raises(SheetsbotError) as err:
        wire.refresh("webhook:refresh", None, "refresh")
    assert "no-such-key.json" in str(err.value) or "not available in this install" in str(err.value)
    with pytest.raises(SheetsbotError):
        wire.facts()


@pytest.mark.slow
def test_local_wiring_runs_the_real_job_and_the_scheduler_reads_back_its_weekly_run(
    tmp_path: Path,
) -> None:
    from sheetsbot.demo.paths import CONFIG_PATH, DEMO_WEEK, EXPORTS_DIR
    from sheetsbot.worker.settings import load_settings

    exports = tmp_path / "exports"
    shutil.copytree(EXPORTS_DIR, exports)
    config, _ = load_settings(CONFIG_PATH)
    clock = FakeClock("2026-11-30T06:00:00+00:00")
    wire = local_wiring(str(exports), str(tmp_path / "team.xlsx"), clock=clock)(config)
    assert wire.facts().last_weekly_run is None
    assert wire.new_exports() is True
    runner = Runner(wire.refresh, clock=clock)
    runner.start()
    run, _ = runner.submit("refresh", Period.parse(DEMO_WEEK), "schedule:weekly")
    assert runner.wait_idle(120)
    runner.stop(1)
    assert run.status == "succeeded", run.errors
    assert run.summary["files_read"] > 0 and run.message.startswith(f"Week {DEMO_WEEK} refreshed.")
    assert wire.facts().last_weekly_run == clock.now()
    assert wire.new_exports() is False
