"""Signed webhook requests: HMAC-SHA256 over ``"<timestamp>.<raw body>"`` with the shared secret.

    from sheetsbot.worker.signing import Verifier, sign_headers
    headers = sign_headers(secret, body)        # what the Sheet's menu sends, for tests and tools
    verifier = Verifier(secret)
    digest = verifier.verify(headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER], body)
    ReplayCache().remember(digest)              # False the second time: a replay

A request carries ``X-Sheetsbot-Timestamp: <unix seconds>`` and
``X-Sheetsbot-Signature: sha256=<hex>``. The timestamp is inside the signed text, so it cannot
be changed without the secret, and a signature is only good for five minutes either side of
the worker's clock; the replay cache remembers every accepted signature for that long.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections import OrderedDict

from sheetsbot.errors import SheetsbotError
from sheetsbot.worker.clock import SYSTEM_CLOCK, Clock

TIMESTAMP_HEADER = "X-Sheetsbot-Timestamp"
SIGNATURE_HEADER = "X-Sheetsbot-Signature"
#: How far a request's timestamp may be from the worker's clock, either way.
TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")


class SignatureError(SheetsbotError):
    """The request is not signed with the shared secret, or not recently (an HTTP 401)."""


class ReplayCacheFull(SheetsbotError):
    """More signed requests in the last ten minutes than the cache may remember (an HTTP 429)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("too many signed requests in the last minutes; try again shortly")
        self.retry_after = retry_after


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` for a timestamp (as sent, unix seconds) and the raw body bytes."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def sign_headers(secret: str, body: bytes = b"", timestamp: int | None = None) -> dict[str, str]:
    """The two headers that sign ``body`` (``b""`` for a GET), timestamped now unless given."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature(secret, stamp, body)}


class Verifier:
    def __init__(
        self, secret: str, clock: Clock = SYSTEM_CLOCK, tolerance: int = TOLERANCE_SECONDS
    ) -> None:
        self._key = secret.encode("utf-8")
        self._clock = clock
        self.tolerance = tolerance

    def verify(self, timestamp: str | None, signature_header: str | None, body: bytes) -> str:
        """Check the headers against the body; return the signature's hex digest (the replay key).

        Raises :class:`SignatureError` with a message that says which check failed; all of
        them are one HTTP status (401), and none echoes what was sent.
        """
        if not timestamp:
            raise SignatureError(f"missing {TIMESTAMP_HEADER} header (unix seconds)")
        if not _TIMESTAMP.match(timestamp):
            raise SignatureError(f"{TIMESTAMP_HEADER} must be a whole number of unix seconds")
        if not signature_header:
            raise SignatureError(f"missing {SIGNATURE_HEADER} header (sha256=<hex HMAC>)")
        m = _SIGNATURE.match(signature_header.strip())
        if not m:
            raise SignatureError(f"{SIGNATURE_HEADER} must be sha256= followed by 64 hex digits")
        given = m.group(1).lower()
        expected = hmac.new(
            self._key, timestamp.encode("ascii") + b"." + body, hashlib.sha256
        ).hexdigest()
        # Constant time: how many leading characters match must not show in the response time.
        if not hmac.compare_digest(expected, given):
            raise SignatureError(
                "the signature does not match: the secret differs from the worker's, "
                "or the body was changed"
            )
        skew = self._clock.now().timestamp() - int(timestamp)
        if abs(skew) > self.tolerance:
            when = "old" if skew > 0 else "in the future"
            raise SignatureError(
                f"the timestamp is {abs(int(skew))} s {when} (at most {self.tolerance} s allowed): "
                "check the clock of the sender, or send the request again"
            )
        return given


class ReplayCache:
    """Remembers accepted signatures until they are stale anyway, bounded in size and time.

    A signature is accepted while its timestamp is within ``tolerance`` of the clock, so one
    first seen now is stale within ``2 × tolerance``: it is forgotten then. Entries expire in
    insertion order, so expiry is a pop from the front. When the cache is full of live
    entries it refuses new ones (the caller answers 429) rather than forget a live one,
    which would let that request be replayed.
    """

    def __init__(
        self,
        clock: Clock = SYSTEM_CLOCK,
        *,
        # A signature stays valid for ±TOLERANCE around its timestamp: remember it longer than
        # that whole window (plus slack), so one signed with the clock ahead cannot be replayed.
        ttl: float = 2 * TOLERANCE_SECONDS + 60,
        max_entries: int = 10_000,
    ) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, key: str) -> bool:
        """True when ``key`` is new (and is now remembered); False for a replay."""
        now = self._clock.monotonic()
        with self._lock:
            while self._seen:
                first, expires = next(iter(self._seen.items()))
                if expires > now:
                    break
                del self._seen[first]
            if key in self._seen:
                return False
            if len(self._seen) >= self._max:
                oldest = next(iter(self._seen.values()))
                raise ReplayCacheFull(retry_after=max(1.0, oldest - now))
            self._seen[key] = now + self._ttl
            return True

    def __len__(self) -> int:
        return len(self._seen)
