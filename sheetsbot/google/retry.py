"""When and how long to wait before asking Google again.

Sheets quotas are per minute, so a ``429`` says "later", not "never": sheetsbot retries
``429``, ``5xx`` and dropped connections with exponential backoff and jitter, waits at least
what ``Retry-After`` asks, and gives up when one logical call has used its deadline.
Whether a call may be retried at all is the caller's decision (:mod:`sheetsbot.google.client`):
a ``batchUpdate`` whose answer was lost is never simply sent again.

    backoff = Backoff(RetryPolicy(deadline=60))
    while True:
        response = send()
        if response.status_code != 429:
            break
        backoff.wait(parse_retry_after(response.headers.get("Retry-After")), "Sheets answered 429")
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sheetsbot.google.errors import GoogleUnavailable

#: HTTP statuses that mean "try again later" for an idempotent call.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of one logical call (all its attempts together)."""

    #: Seconds from the first attempt after which no new attempt starts.
    deadline: float = 180.0
    #: First backoff step; doubled on every retry, up to ``max_delay``.
    base_delay: float = 0.5
    max_delay: float = 32.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt + 1``.

        Equal jitter (half fixed, half random) spreads the retries of several workers that
        hit the same quota minute; ``Retry-After`` is a floor, never shortened.
        """
        step = min(self.max_delay, self.base_delay * (2 ** attempt))
        jittered = step / 2 + rng.uniform(0, step / 2)
        return max(jittered, retry_after or 0.0)


class Backoff:
    """The retry schedule of one logical call; :meth:`wait` sleeps or raises at the deadline."""

    def __init__(self, policy: RetryPolicy, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.policy = policy
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.started = clock()
        self.attempt = 0

    @property
    def elapsed(self) -> float:
        return self._clock() - self.started

    def wait(self, retry_after: float | None, why: str) -> float:
        """Sleep before the next attempt; raise :class:`GoogleUnavailable` past the deadline.

        ``why`` is the last failure in words; it becomes the message when giving up.
        """
        delay = self.policy.delay(self.attempt, retry_after, self._rng)
        if self.elapsed + delay > self.policy.deadline:
            raise GoogleUnavailable(
                f"{why}; gave up after {self.attempt + 1} attempt(s) in {self.elapsed:.0f} s "
                f"(deadline {self.policy.deadline:.0f} s) — Google is overloaded or unreachable, "
                "the next run tries again")
        self._sleep(delay)
        self.attempt += 1
        return delay


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: a number of seconds or an HTTP date; None if absent or bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
