"""The worker's timetable on the ``schedule`` library: weekly refresh, folder poll, monthly summary.

    scheduler = Scheduler(worker_config, "Europe/Berlin", runner, facts=read_sheet_facts,
                          new_exports=folder_watch, clock=clock)
    scheduler.start()      # catch-up check, then a thread that runs what is due
    scheduler.tick()       # or, in tests: move the fake clock and run what is due now
    scheduler.status()     # {"alive": True, "jobs": [{"job": "weekly", "next_run": …}, …]}

- weekly: ``every().monday.at("07:30", time_zone)``: the time is local, so it stays 07:30 across
  daylight-saving changes (``schedule`` does the arithmetic with pytz).
- poll: every N minutes, a run only when the folder holds a new or changed export.
- monthly: a daily check at ``monthly_at`` that runs the summary on the first working day
  (Monday–Friday, not a holiday in the config or the Settings tab): ``schedule`` has no month.
- catch-up: ``schedule`` does not run what was missed while the machine was down, so at start
  the last successful weekly run (kept in the Sheet's state) is compared with the last due time.
- a failed job or run is logged and tried again after ``retry_minutes``, doubling up to 4 hours;
  nothing a job raises stops the scheduler.

``schedule`` reads ``datetime.datetime.now()`` itself. The clock is injected by binding the
library's ``datetime`` name to a module whose ``now()`` asks the clock of the Scheduler that is
calling into it (a context variable, so any other user of ``schedule`` sees the real time).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import logging
import threading
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import schedule

from sheetsbot.periods import Period
from sheetsbot.worker.clock import SYSTEM_CLOCK, Clock
from sheetsbot.worker.runs import Run, WorkerStopping, one_line
from sheetsbot.worker.settings import WorkerConfig

log = logging.getLogger("sheetsbot.worker.scheduler")

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MAX_RETRY_MINUTES = 240
#: The thread wakes at least this often, so it notices failed runs and healthz sees it alive.
MAX_SLEEP_SECONDS = 30.0


# -- the clock seen by ``schedule`` ------------------------------------------------------------

_active_clock: contextvars.ContextVar[Clock | None] = contextvars.ContextVar(
    "sheetsbot_schedule_clock", default=None
)


class _ClockedDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz: _dt.tzinfo | None = None) -> _dt.datetime:  # type: ignore[override]
        clock = _active_clock.get()
        if clock is None:
            return _dt.datetime.now(tz)
        instant = clock.now()
        if tz is None:
            # schedule keeps next_run as naive *local* time and converts with astimezone().
            return instant.astimezone().replace(tzinfo=None)
        return instant.astimezone(tz)


def _bind_schedule_clock() -> None:
    if getattr(schedule.datetime, "_sheetsbot_clocked", False):
        return
    shim = types.ModuleType("datetime", "datetime, with now() from the calling Scheduler's clock")
    shim.__dict__.update({k: v for k, v in vars(_dt).items() if not k.startswith("__")})
    shim.datetime = _ClockedDatetime  # type: ignore[attr-defined]
    shim._sheetsbot_clocked = True  # type: ignore[attr-defined]
    schedule.datetime = shim  # type: ignore[attr-defined]


@contextlib.contextmanager
def _using(clock: Clock) -> Iterator[None]:
    token = _active_clock.set(clock)
    try:
        yield
    finally:
        _active_clock.reset(token)


# -- what the scheduler needs from the rest of the worker -----------------------------------


@dataclass(frozen=True)
class SheetFacts:
    """What the scheduler reads from the Sheet: its state's last weekly run and the holidays."""

    last_weekly_run: datetime | None = None
    holidays: frozenset[date] = field(default_factory=frozenset)


class RunQueue(Protocol):
    def submit(self, action: str, week: Period | None, trigger: str) -> tuple[Run, bool]: ...

    def busy(self) -> bool: ...


def first_working_day(year: int, month: int, holidays: Iterable[date] = ()) -> date:
    """The first Monday–Friday of the month that is not a holiday."""
    off = set(holidays)
    day = date(year, month, 1)
    while day.weekday() >= 5 or day in off:
        day += timedelta(days=1)
    return day


def last_due(now: datetime, weekday: str, at: str, time_zone: str) -> datetime:
    """The latest weekly due time (local day and time in ``time_zone``) at or before ``now``."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    hour, minute = (int(p) for p in at.split(":"))
    day = local.date() - timedelta(days=(local.weekday() - WEEKDAYS.index(weekday)) % 7)
    due = datetime.combine(day, time(hour, minute), tzinfo=zone)
    if due > local:
        due = datetime.combine(day - timedelta(days=7), time(hour, minute), tzinfo=zone)
    return due


@dataclass
class _Tracked:
    job: str
    action: str
    trigger: str
    run: Run
    attempt: int


class Scheduler:
    def __init__(
        self,
        settings: WorkerConfig,
        time_zone: str,
        runs: RunQueue,
        *,
        facts: Callable[[], SheetFacts] | None = None,
        new_exports: Callable[[], bool] | None = None,
        holidays: Iterable[date] = (),
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        _bind_schedule_clock()
        self.settings = settings
        self.time_zone = time_zone
        self._runs = runs
        self._facts = facts
        self._new_exports = new_exports
        self._holidays = frozenset(holidays)
        self._clock = clock
        self._schedule = schedule.Scheduler()
        self._tracked: list[_Tracked] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_tick: datetime | None = None
        # schedule.Scheduler is not thread-safe: one tick at a time (the thread, or a test).
        self._lock = threading.RLock()
        with _using(clock):
            if settings.weekly:
                day = getattr(self._schedule.every(), settings.weekly.day)
                day.at(settings.weekly.at, time_zone).do(self._guard, "weekly", self._weekly).tag(
                    "weekly"
                )
            if settings.poll_minutes and new_exports is not None:
                self._schedule.every(settings.poll_minutes).minutes.do(
                    self._guard, "poll", self._poll
                ).tag("poll")
            if settings.monthly_at:
                self._schedule.every().day.at(settings.monthly_at, time_zone).do(
                    self._guard, "monthly", self._monthly
                ).tag("monthly")

    # -- running -------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="sheetsbot-scheduler", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Look again now (a run finished: if it failed, its retry is scheduled without delay)."""
        self._wake.set()

    def _loop(self) -> None:
        self._guard("catch-up", self.catch_up)
        while not self._stop.is_set():
            self.tick()
            with self._lock, _using(self._clock):
                idle = self._schedule.idle_seconds
            self._wake.wait(
                min(max(idle if idle is not None else MAX_SLEEP_SECONDS, 0.2), MAX_SLEEP_SECONDS)
            )
            self._wake.clear()

    def tick(self) -> None:
        """Run every job that is due now, then look at the runs it started."""
        with self._lock, _using(self._clock):
            self.last_tick = self._clock.now()
            try:
                self._schedule.run_pending()
            except Exception as exc:  # _guard catches job errors; this is schedule itself failing
                log.error(
                    "the scheduler failed to run its jobs: %s",
                    one_line(exc),
                    extra={"event": "scheduler_error"},
                )
            self._check_runs()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def status(self) -> dict[str, Any]:
        # No lock: a poll may be waiting on Google inside tick(), and /healthz must answer anyway.
        jobs = [
            {
                "job": max((str(t) for t in j.tags), key=len) if j.tags else "?",
                "next_run": self._local(j.next_run),
            }
            for j in sorted(list(self._schedule.jobs), key=lambda j: j.next_run or datetime.max)
        ]
        last = self.last_tick
        return {
            "alive": self.alive,
            "last_tick": last.isoformat(timespec="seconds") if last else None,
            "time_zone": self.time_zone,
            "jobs": jobs,
        }

    def next_run(self, job: str) -> datetime | None:
        """When a job (``weekly``, ``poll``, ``monthly``, ``retry``) runs next, in store time."""
        times = [j.next_run for j in list(self._schedule.jobs) if job in j.tags and j.next_run]
        return self._to_zone(min(times)) if times else None

    def _to_zone(self, naive_local: datetime) -> datetime:
        # schedule keeps next_run as naive local time of the machine.
        return naive_local.astimezone(ZoneInfo(self.time_zone))

    def _local(self, naive_local: datetime | None) -> str | None:
        return self._to_zone(naive_local).isoformat(timespec="minutes") if naive_local else None

    # -- the jobs ------------------------------------------------------------------------------
    def _guard(self, name: str, job: Callable[[], None], attempt: int = 1) -> Any:
        """Run a job; an error is logged and the job tried again later, never raised to schedule."""
        try:
            job()
        except WorkerStopping:
            pass
        except Exception as exc:
            if name == "poll":
                log.warning(
                    "poll failed: %s; the next poll is in %d min",
                    one_line(exc),
                    self.settings.poll_minutes,
                    extra={"event": "job_failed", "job": name},
                )
            else:
                delay = self._retry_in(
                    job=name, attempt=attempt, retry=lambda: self._guard(name, job, attempt + 1)
                )
                log.warning(
                    "%s job failed: %s; trying again in %d min",
                    name,
                    one_line(exc),
                    delay,
                    extra={"event": "job_failed", "job": name, "attempt": attempt},
                )
        return None

    def _weekly(self) -> None:
        self._submit("weekly", "refresh", "schedule:weekly")

    def _poll(self) -> None:
        if self._runs.busy():
            # The run in progress (or its follow-up) reads the folder anyway.
            log.debug(
                "poll skipped: a run is in progress or waiting", extra={"event": "poll_skipped"}
            )
            return
        assert self._new_exports is not None
        if self._new_exports():
            log.info(
                "new or changed exports in the folder: starting a run",
                extra={"event": "poll_found"},
            )
            self._submit("poll", "refresh", "schedule:poll")

    def _monthly(self) -> None:
        today = self._clock.now().astimezone(ZoneInfo(self.time_zone)).date()
        holidays = set(self._holidays)
        if self._facts is not None:
            try:
                holidays |= self._facts().holidays
            except Exception as exc:
                log.warning(
                    "cannot read the holidays in the Sheet's Settings (%s); using the config's",
                    one_line(exc),
                    extra={"event": "facts_unreadable"},
                )
        first = first_working_day(today.year, today.month, holidays)
        if today == first:
            self._submit("monthly", "monthly", "schedule:monthly")

    def catch_up(self) -> None:
        """Start the weekly run now if the machine was down when it was due.

        The Sheet's state records the last successful weekly run. When it is older than the
        last due time, or the Sheet has none (a new Sheet: its first run), run now. When the
        Sheet cannot be read, run anyway: runs are idempotent, and the run's own error says
        clearly what is wrong (not shared, unreachable) and is retried.
        """
        weekly = self.settings.weekly
        if weekly is None:
            return
        due = last_due(self._clock.now(), weekly.day, weekly.at, self.time_zone)
        last: datetime | None = None
        if self._facts is not None:
            try:
                last = self._facts().last_weekly_run
            except Exception as exc:
                log.warning(
                    "cannot read the last weekly run from the Sheet (%s); "
                    "running the weekly refresh now",
                    one_line(exc),
                    extra={"event": "facts_unreadable"},
                )
                self._submit("weekly", "refresh", "schedule:weekly", reason="catch-up")
                return
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=_dt.timezone.utc)
        if last is None or last < due:
            log.info(
                "the weekly run due %s has not run (last: %s); running it now",
                due.isoformat(timespec="minutes"),
                last.isoformat(timespec="minutes") if last else "never",
                extra={"event": "catch_up"},
            )
            self._submit("weekly", "refresh", "schedule:weekly", reason="catch-up")

    # -- runs and retries ------------------------------------------------------------------------
    def _submit(
        self, job: str, action: str, trigger: str, attempt: int = 1, reason: str | None = None
    ) -> None:
        run, coalesced = self._runs.submit(action, None, trigger)
        log.info(
            "%s%s: run %s%s",
            job,
            f" ({reason})" if reason else "",
            run.id,
            " (joined a waiting run)" if coalesced else "",
            extra={"event": "job_submitted", "job": job, "run_id": run.id},
        )
        if job in ("weekly", "monthly"):
            with self._lock:
                self._tracked.append(_Tracked(job, action, trigger, run, attempt))

    def _check_runs(self) -> None:
        """Schedule a retry for each weekly or monthly run that failed."""
        still = []
        for t in self._tracked:
            if t.run.status == "failed":
                delay = self._retry_in(t.job, t.attempt, self._resubmit(t))
                log.warning(
                    "%s run %s failed; trying again in %d min",
                    t.job,
                    t.run.id,
                    delay,
                    extra={
                        "event": "run_retry_scheduled",
                        "job": t.job,
                        "run_id": t.run.id,
                        "attempt": t.attempt,
                    },
                )
            elif t.run.status in ("queued", "running"):
                still.append(t)
        self._tracked = still

    def _resubmit(self, t: _Tracked) -> Callable[[], Any]:
        def again() -> None:
            self._submit(t.job, t.action, t.trigger, t.attempt + 1, reason="retry")

        return lambda: self._guard(t.job, again, t.attempt + 1)

    def _retry_in(self, job: str, attempt: int, retry: Callable[[], Any]) -> int:
        minutes = min(self.settings.retry_minutes * 2 ** (attempt - 1), MAX_RETRY_MINUTES)

        def once() -> Any:
            retry()
            return schedule.CancelJob

        with self._lock, _using(self._clock):
            self._schedule.every(minutes).minutes.do(once).tag("retry", f"retry:{job}")
        return minutes
