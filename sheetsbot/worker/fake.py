"""A stand-in for the Google run, for the worker's tests, the Apps Script test and the benchmark.

    sheet = FakeSheet(seconds=0.5)               # each run takes half a second
    worker = Worker(settings, refresh=sheet.refresh, facts=sheet.facts, spreadsheet_id="sheet-1")
    sheet.calls                                  # [("webhook:refresh", None, "refresh"), …]
    sheet.release.set()                          # with hold=True, runs wait for this event

``python -m sheetsbot.worker --fake-runs SECONDS`` serves with it: everything but Google is
real (server, signatures, scheduler, runs, shutdown). Like the real run it calls
:func:`~sheetsbot.worker.runs.checkpoint` between steps and ends with a short "write" that is
never interrupted, and it remembers the last weekly run as the Sheet's state does.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from sheetsbot.errors import SheetsbotError
from sheetsbot.periods import Period, last_complete_week
from sheetsbot.worker.clock import SYSTEM_CLOCK, Clock
from sheetsbot.worker.runs import checkpoint
from sheetsbot.worker.scheduler import SheetFacts


@dataclass
class FakeResult:
    """The fields of :class:`sheetsbot.job.RunResult` that the worker reports."""

    week: Period
    files_seen: int = 12
    files_read: list[str] = field(
        default_factory=lambda: [
            "US/2026-W47/BusinessReport-11-23-26.csv (business_asin, 2026-W47)"
        ]
    )
    files_skipped: int = 11
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    red: list[str] = field(default_factory=lambda: ["US acos", "US B0EXAMPLE1 conversion"])
    tasks_created: int = 2
    tasks_open: int = 9
    duration: float = 0.0


class FakeSheet:
    def __init__(
        self,
        seconds: float = 0.0,
        *,
        fail: int = 0,
        error: str = "the Sheet is not shared with the service account",
        hold: bool = False,
        cpu: bool = False,
        clock: Clock = SYSTEM_CLOCK,
        time_zone: str = "UTC",
    ) -> None:
        self.seconds = seconds
        self.fail = fail  # the first ``fail`` runs raise
        self.error = error
        self.cpu = cpu  # burn CPU instead of sleeping: a run that competes for the GIL
        self.clock = clock
        self.time_zone = time_zone
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.started = threading.Event()
        self.calls: list[tuple[str, Period | None, str]] = []
        self.last_weekly_run: datetime | None = None
        self.facts_error: Exception | None = None
        self.holidays: frozenset = frozenset()
        self._lock = threading.Lock()

    def refresh(self, trigger: str, week: Period | None, action: str) -> FakeResult:
        with self._lock:
            self.calls.append((trigger, week, action))
            failing = len(self.calls) <= self.fail
        self.started.set()
        began = time.monotonic()
        while not self.release.wait(0.01):
            checkpoint()
        deadline = began + self.seconds
        while time.monotonic() < deadline:
            checkpoint()  # between "files", as job.run's progress callback does
            if self.cpu:
                _burn(0.02)
            else:
                time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))
        checkpoint()  # the last moment to give up: after this comes the one write
        if failing:
            raise SheetsbotError(self.error)
        if trigger == "schedule:weekly":
            self.last_weekly_run = self.clock.now()
        chosen = week or last_complete_week(self.clock.now(), self.time_zone)
        return FakeResult(week=chosen, duration=round(time.monotonic() - began, 2))

    def facts(self) -> SheetFacts:
        if self.facts_error is not None:
            raise self.facts_error
        return SheetFacts(last_weekly_run=self.last_weekly_run, holidays=self.holidays)


def _burn(seconds: float) -> None:
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
