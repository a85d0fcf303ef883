"""One run per Sheet at a time; triggers that arrive meanwhile coalesce into one follow-up run.

    runner = Runner(refresh, sheet="1AbC…")     # refresh(trigger, week, action) -> RunResult
    runner.start()
    run, coalesced = runner.submit("refresh", None, "webhook:refresh")
    runner.get(run.id).status                   # queued → running → succeeded | failed | abandoned
    runner.stop(grace=20)                       # SIGTERM: finish or abandon the current run

The refresh function does the work (``job.run`` with the Drive source and the Sheets sink in
production, a fake in tests) in the runner's own thread. It may call :func:`checkpoint`
between steps: once shutdown has waited out its grace period, the next checkpoint raises
:class:`RunAbandoned`, so the run stops before its one all-or-nothing write and the Sheet
keeps the previous run whole. A write already sent is waited for, never cut.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sheetsbot.errors import SheetsbotError
from sheetsbot.periods import Period
from sheetsbot.worker.clock import SYSTEM_CLOCK, Clock
from sheetsbot.worker.logs import redact

log = logging.getLogger("sheetsbot.worker.runs")

ACTIONS = ("refresh", "tasks", "monthly")
Status = Literal["queued", "running", "succeeded", "failed", "abandoned"]
#: refresh(trigger, week or None for the last complete week, action) -> a RunResult (or alike).
Refresh = Callable[[str, "Period | None", str], Any]

# The trigger a coalesced run is recorded under: the weekly one first, because job.run keeps
# the last weekly run in the Sheet's state only for that trigger (the catch-up at start reads it).
_TRIGGER_RANK = {"schedule:weekly": 0, "schedule:monthly": 1}


class RunAbandoned(SheetsbotError):
    """The worker is stopping and the run gave up before writing anything."""


class WorkerStopping(SheetsbotError):
    """The worker is shutting down and takes no new runs (an HTTP 503)."""


class QueueFull(SheetsbotError):
    """Too many different runs are waiting (an HTTP 429)."""


@dataclass(eq=False)
class Run:
    id: str
    sheet: str
    action: str
    week: Period | None
    requested: datetime
    #: Every trigger folded into this run, with how often it came.
    triggers: dict[str, int] = field(default_factory=dict)
    status: Status = "queued"
    started: datetime | None = None
    finished: datetime | None = None
    summary: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    #: The outcome in plain words, for the menu's toast.
    message: str = ""
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def key(self) -> tuple[str, str | None]:
        return self.action, self.week.label if self.week else None

    @property
    def trigger(self) -> str:
        order = list(self.triggers)
        return min(order, key=lambda t: (_TRIGGER_RANK.get(t, 9), order.index(t)))

    @property
    def finished_ok(self) -> bool:
        return self.status == "succeeded"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.id,
            "status": self.status,
            "action": self.action,
            "week": self.week.label if self.week else None,
            "trigger": self.trigger,
            # dict() copies in one step: the runner may add a trigger meanwhile.
            "triggers": sum(dict(self.triggers).values()),
            "requested": _iso(self.requested),
            "started": _iso(self.started),
            "finished": _iso(self.finished),
            "summary": self.summary,
            "errors": list(self.errors),
            "message": self.message,
        }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat(timespec="seconds") if when else None


_local = threading.local()


def checkpoint() -> None:
    """Called by a refresh between steps; raises :class:`RunAbandoned` once shutdown says so.

    Outside a runner's thread it does nothing, so a refresh function also works on its own.
    """
    runner: Runner | None = getattr(_local, "runner", None)
    if runner is not None and runner._abandon.is_set():
        raise RunAbandoned(
            "the worker is stopping; the run stopped before writing, "
            "and the Sheet keeps the previous run"
        )


class Runner:
    """The run queue of one Sheet, worked by one thread."""

    def __init__(
        self,
        refresh: Refresh,
        *,
        sheet: str = "",
        clock: Clock = SYSTEM_CLOCK,
        keep: int = 200,
        max_queued: int = 8,
        on_finish: Callable[[Run], None] | None = None,
    ) -> None:
        self.sheet = sheet
        self.on_finish = on_finish
        self._refresh = refresh
        self._clock = clock
        self._keep = keep
        self._max_queued = max_queued
        self._queue: deque[Run] = deque()
        self._runs: OrderedDict[str, Run] = OrderedDict()
        self._current: Run | None = None
        self._last_finished: Run | None = None
        self._closed = False
        self._abandon = threading.Event()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    # -- the public side -------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="sheetsbot-runner", daemon=True)
            self._thread.start()

    def submit(self, action: str, week: Period | None, trigger: str) -> tuple[Run, bool]:
        """Queue a run, or fold the trigger into the queued run that would do the same work.

        Returns the run and whether the trigger was coalesced into one already waiting. A
        trigger during a run queues one follow-up (the running one may have listed the folder
        before the new export arrived); every further trigger joins that follow-up.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        with self._cond:
            if self._closed:
                raise WorkerStopping("the worker is shutting down; try again in a minute")
            key = (action, week.label if week else None)
            for waiting in self._queue:
                if waiting.key == key:
                    waiting.triggers[trigger] = waiting.triggers.get(trigger, 0) + 1
                    return waiting, True
            if len(self._queue) >= self._max_queued:
                raise QueueFull(
                    f"{len(self._queue)} different runs are already waiting for this Sheet"
                )
            run = Run(
                id=_new_id(),
                sheet=self.sheet,
                action=action,
                week=week,
                requested=self._clock.now(),
                triggers={trigger: 1},
            )
            self._queue.append(run)
            self._runs[run.id] = run
            self._forget_old()
            self._cond.notify_all()
        log.info(
            "run %s queued: %s (%s)",
            run.id,
            action,
            trigger,
            extra={"event": "run_queued", "run_id": run.id, "action": action, "trigger": trigger},
        )
        return run, False

    def get(self, run_id: str) -> Run | None:
        with self._cond:
            return self._runs.get(run_id)

    def latest(self) -> Run | None:
        """The last finished run; the running or queued one when none has finished yet."""
        with self._cond:
            return self._last_finished or self._current or (self._queue[0] if self._queue else None)

    @property
    def current(self) -> Run | None:
        return self._current

    @property
    def last_finished(self) -> Run | None:
        return self._last_finished

    @property
    def queued(self) -> int:
        return len(self._queue)

    def busy(self) -> bool:
        with self._cond:
            return self._current is not None or bool(self._queue)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing runs or waits (tests and the benchmark use it)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._current is None and not self._queue, timeout)

    def stop(self, grace: float, write_allowance: float = 10.0) -> Run | None:
        """Take no new runs, drop the queued ones, and let the current run finish within ``grace``
        seconds; after that it is abandoned at its next checkpoint. A write in flight gets
        ``write_allowance`` more seconds. Returns the run that was in progress, if any.
        """
        with self._cond:
            self._closed = True
            for run in self._queue:
                self._close(run, "abandoned", "not started: the worker stopped before its turn")
            self._queue.clear()
            self._cond.notify_all()
            current = self._current
        if current is not None:
            log.info(
                "waiting up to %.0f s for run %s to finish",
                grace,
                current.id,
                extra={"event": "shutdown_wait", "run_id": current.id},
            )
            if not current.done.wait(grace):
                self._abandon.set()
                log.warning(
                    "run %s did not finish within %.0f s; abandoning it before it writes",
                    current.id,
                    grace,
                    extra={"event": "run_abandoning", "run_id": current.id},
                )
                if not current.done.wait(write_allowance):
                    # Still inside the one batchUpdate: Google applies it whole or not at all.
                    log.warning(
                        "run %s is still writing; exiting without waiting longer "
                        "(the Sheet gets the whole run or none of it)",
                        current.id,
                        extra={"event": "run_left_writing", "run_id": current.id},
                    )
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        return current

    # -- the worker thread -------------------------------------------------------------------
    def _work(self) -> None:
        _local.runner = self
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if not self._queue:
                    return
                run = self._queue.popleft()
                run.status = "running"
                run.started = self._clock.now()
                self._current = run
            try:
                self._execute(run)
            except (
                BaseException
            ):  # pragma: no cover - _execute handles Exception; this keeps the books
                self._finish(run, "failed", "the run stopped unexpectedly", ["internal error"])
                raise

    def _execute(self, run: Run) -> None:
        log.info(
            "run %s started: %s for %s (%s)",
            run.id,
            run.action,
            run.week.label if run.week else "the last complete week",
            run.trigger,
            extra={"event": "run_started", "run_id": run.id, "trigger": run.trigger},
        )
        try:
            result = self._refresh(run.trigger, run.week, run.action)
        except RunAbandoned as exc:
            self._finish(run, "abandoned", str(exc), [])
        except Exception as exc:
            error = one_line(exc)
            if not isinstance(exc, SheetsbotError):
                # Unexpected: keep the traceback in the log (redacted like every line).
                log.error(
                    "run %s crashed",
                    run.id,
                    exc_info=True,
                    extra={"event": "run_crashed", "run_id": run.id},
                )
            self._finish(run, "failed", f"The {_NOUN[run.action]} failed: {error}", [error])
        else:
            summary, message, problems = describe(result, run.action)
            self._finish(run, "succeeded", message, problems, summary)

    def _finish(
        self,
        run: Run,
        status: Status,
        message: str,
        errors: list[str],
        summary: dict[str, Any] | None = None,
    ) -> None:
        with self._cond:
            self._close(run, status, message, errors, summary)
            self._current = None
            self._last_finished = run
            self._cond.notify_all()
        if self.on_finish is not None:
            self.on_finish(run)
        level = logging.INFO if status == "succeeded" else logging.WARNING
        took = (
            (run.finished - run.started).total_seconds() if run.finished and run.started else None
        )
        log.log(
            level,
            "run %s %s: %s",
            run.id,
            status,
            message,
            extra={"event": "run_finished", "run_id": run.id, "status": status, "seconds": took},
        )

    def _close(
        self,
        run: Run,
        status: Status,
        message: str,
        errors: list[str] | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        # The status last: a reader in the web thread never sees "succeeded" without its summary.
        run.finished = self._clock.now()
        run.message = redact(message)
        run.errors = [redact(e) for e in (errors or [])]
        run.summary = summary
        run.status = status
        run.done.set()

    def _forget_old(self) -> None:
        # Bounded memory: finished runs beyond ``keep`` are dropped, oldest first.
        finished = [r for r in self._runs.values() if r.done.is_set()]
        for run in finished[: max(0, len(self._runs) - self._keep)]:
            del self._runs[run.id]


def _new_id() -> str:
    # Unguessable, so knowing one run's id says nothing about another's.
    return "r_" + secrets.token_hex(8)


_NOUN = {"refresh": "refresh", "tasks": "task update", "monthly": "monthly summary"}


def one_line(exc: BaseException, limit: int = 500) -> str:
    """An exception as one line a person can act on, secrets removed."""
    text = str(exc) if isinstance(exc, SheetsbotError) else f"{type(exc).__name__}: {exc}"
    text = " ".join(redact(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _count(value: Any) -> int:
    if isinstance(value, (list, tuple, set, dict)):
        return len(value)
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def describe(result: Any, action: str = "refresh") -> tuple[dict[str, Any], str, list[str]]:
    """Summary fields, a sentence in plain words and the per-file problems of a run's result.

    Duck-typed on :class:`sheetsbot.job.RunResult`'s fields, so fakes need only the ones
    they have.
    """
    week = getattr(result, "week", None)
    label = getattr(week, "label", week)
    problems = [redact(str(p)) for p in (getattr(result, "problems", None) or [])]
    summary = {
        "week": label,
        "files_seen": _count(getattr(result, "files_seen", 0)),
        "files_read": _count(getattr(result, "files_read", 0)),
        "files_skipped": _count(getattr(result, "files_skipped", 0)),
        "problems": len(problems),
        "warnings": _count(getattr(result, "warnings", 0)),
        "red": [str(r) for r in (getattr(result, "red", None) or [])][:20],
        "tasks_created": _count(getattr(result, "tasks_created", 0)),
        "tasks_open": _count(getattr(result, "tasks_open", 0)),
        "duration": getattr(result, "duration", None),
    }
    red = _count(getattr(result, "red", 0))
    head = {
        "refresh": "refreshed",
        "tasks": "tasks regenerated",
        "monthly": "monthly summary written",
    }[action]
    parts = [f"Week {label} {head}." if label else f"{head.capitalize()}."]
    read = _count(getattr(result, "files_read", 0))
    skipped = _count(getattr(result, "files_skipped", 0))
    if read:
        parts.append(f"{_plural(read, 'new export')} read ({skipped} already in the Sheet).")
    else:
        parts.append(f"No new exports ({skipped} already in the Sheet).")
    if problems:
        parts.append(f"{_plural(len(problems), 'file')} could not be used: see the Run log.")
    parts.append(f"{_plural(red, 'KPI')} in red." if red else "No KPI in red.")
    parts.append(f"{summary['tasks_created']} new tasks, {summary['tasks_open']} open.")
    return summary, " ".join(parts), problems[:20]
