"""Time for the worker: the system clock in production, a fake one that tests move by hand.

    from sheetsbot.worker.clock import FakeClock
    clock = FakeClock("2026-11-23T06:00:00+00:00")
    clock.now()                  # datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc)
    clock.advance(minutes=90)    # now() and monotonic() move together; nothing sleeps
    clock.monotonic()            # 5400.0 seconds since the clock was made

Everything in the worker that reads the time (the scheduler, run timestamps, the webhook's
timestamp window, the replay cache, rate limits) takes a clock, so the scheduler's weekly
run, a daylight-saving change or a five-minute-old signature are tested without sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for durations and expiries)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


SYSTEM_CLOCK = SystemClock()


class FakeClock:
    """A clock that stands still until a test moves it; safe to read from several threads."""

    def __init__(self, start: datetime | str) -> None:
        when = datetime.fromisoformat(start) if isinstance(start, str) else start
        if when.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime, e.g. '2026-11-23T06:00:00+00:00'")
        self._now = when.astimezone(timezone.utc)
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def advance(
        self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> datetime:
        step = timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)
        if step < timedelta(0):
            raise ValueError("a clock does not go back")
        with self._lock:
            self._now += step
            self._elapsed += step.total_seconds()
            return self._now

    def set(self, when: datetime | str) -> datetime:
        """Move forward to an instant (a string is parsed as ISO 8601 with its offset)."""
        target = datetime.fromisoformat(when) if isinstance(when, str) else when
        return self.advance((target - self.now()).total_seconds())
