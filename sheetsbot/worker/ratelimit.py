"""Token buckets per key: how many webhook triggers a Sheet may send, and when it may send again.

    limiter = RateLimiter(requests=30, per_seconds=60)
    wait = limiter.take("1AbC…")     # 0.0: go ahead; else seconds until a token is back (429)

A bucket holds ``requests`` tokens and refills at ``requests / per_seconds`` a second, so a
burst of clicks passes and a sustained flood is held to the average. Only Sheets the worker
serves get a bucket (an unknown one is a 404 first), so the table stays as small as the config.
"""

from __future__ import annotations

import threading

from sheetsbot.worker.clock import SYSTEM_CLOCK, Clock


class RateLimiter:
    def __init__(self, requests: int, per_seconds: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self.capacity = float(requests)
        self.rate = requests / per_seconds
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at monotonic)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend a token; return 0 when allowed, else the seconds until one is available."""
        now = self._clock.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
