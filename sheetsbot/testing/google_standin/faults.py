"""Scheduled faults: latency, 429s, 5xx, and connections dropped before or after a write.

A fault SPEC is a ``;``-separated list of ``TARGET:WHEN=ACTION`` rules::

    batchUpdate:3=reset-after;values.get:*=429;token:1=500;*:2-4=503

* ``TARGET`` names calls by their API method id, full (``sheets.spreadsheets.batchUpdate``)
  or short: the Sheets id without ``sheets.spreadsheets.`` (``batchUpdate``, ``values.get``,
  ``get``), the Drive id without ``drive.`` (``files.list``, ``permissions.create``);
  ``token`` is the token endpoint and ``*`` is every call.
* ``WHEN`` counts the calls that match the target, from 1: ``3`` (the third), ``2-4``,
  ``1,3``, ``*`` (all of them) or ``every3`` (the 3rd, 6th, ...).
* ``ACTION`` is ``429`` (with ``Retry-After: 1``; ``429/5`` sets the header to 5), ``500``,
  ``503``, ``reset`` (the connection is dropped before the call is applied),
  ``reset-after`` (the call is applied, then the connection is dropped without an answer),
  or ``delay/MS`` (that call only waits MS milliseconds).

The first rule that matches a call wins. Every rule counts its own matching calls, so
``values.get:2=500`` fails exactly the second ``values.get``, whatever else happens.

Usage::

    plan = FaultPlan.parse("batchUpdate:1=429")
    action = plan.next_action("sheets.spreadsheets.batchUpdate")   # Action(kind='429', ...)
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field


class FaultSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Action:
    kind: str  # "status", "reset", "reset-after", "delay"
    status: int = 0
    retry_after: int | None = None
    delay_ms: int = 0


@dataclass
class Rule:
    target: str
    when: str
    action: Action
    text: str
    seen: int = 0

    def applies_to(self, method_id: str) -> bool:
        return self.target == "*" or self.target in (method_id, short_id(method_id))

    def fires(self, count: int) -> bool:
        when = self.when
        if when == "*":
            return True
        if when.startswith("every"):
            step = int(when[5:])
            return count % step == 0
        for part in when.split(","):
            if "-" in part:
                low, high = part.split("-")
                if int(low) <= count <= int(high):
                    return True
            elif int(part) == count:
                return True
        return False


def short_id(method_id: str) -> str:
    """``sheets.spreadsheets.values.get`` → ``values.get``, ``drive.files.list`` → ``files.list``.
    """
    for prefix in ("sheets.spreadsheets.", "drive.", "oauth2."):
        if method_id.startswith(prefix):
            return method_id[len(prefix):]
    return method_id


_RULE_RE = re.compile(r"^(?P<target>[\w.*]+):(?P<when>\*|every\d+|\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*)"
                      r"=(?P<action>[\w/-]+)$")


def _parse_action(text: str) -> Action:
    if text in ("reset", "reset-after"):
        return Action(text)
    if text.startswith("delay/"):
        return Action("delay", delay_ms=int(text[6:]))
    code, _, retry = text.partition("/")
    if code in ("429", "500", "502", "503", "504"):
        status = int(code)
        retry_after = int(retry) if retry else (1 if status == 429 else None)
        return Action("status", status=status, retry_after=retry_after)
    raise FaultSpecError(f"unknown fault action {text!r}")


@dataclass
class FaultPlan:
    """The active rules; thread-safe, replaceable at runtime."""

    rules: list[Rule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def parse(cls, spec: str | None) -> FaultPlan:
        rules = []
        for chunk in (spec or "").split(";"):
            chunk = chunk.strip()
            if not chunk:
                continue
            found = _RULE_RE.match(chunk)
            if not found:
                raise FaultSpecError(f"bad fault rule {chunk!r}: expected TARGET:WHEN=ACTION")
            rules.append(Rule(found["target"], found["when"], _parse_action(found["action"]),
                              chunk))
        return cls(rules)

    def replace(self, other: FaultPlan) -> None:
        with self._lock:
            self.rules = other.rules

    def add(self, other: FaultPlan) -> None:
        with self._lock:
            self.rules = self.rules + other.rules

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            return [{"rule": r.text, "matched": r.seen} for r in self.rules]

    def next_action(self, method_id: str) -> Action | None:
        """Count this call against every matching rule; the first that fires wins."""
        chosen: Action | None = None
        with self._lock:
            for rule in self.rules:
                if rule.applies_to(method_id):
                    rule.seen += 1
                    if chosen is None and rule.fires(rule.seen):
                        chosen = rule.action
        return chosen
