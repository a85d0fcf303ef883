"""The worker's HTTP API as plain functions: a :class:`Request` in, a :class:`Response` out.

    webhook = Webhook(secret=secret, sheets={"1AbC…": runner})
    body = b'{"action": "refresh", "spreadsheet_id": "1AbC…"}'
    headers = lower_case(sign_headers(secret, body))
    response = webhook.handle(Request("POST", "/v1/trigger", headers, body))
    response.status, response.body  # 202, {"run_id": "r_…", "status": "queued", …}

``POST /v1/trigger`` is checked in this order, each failure a JSON error
``{"error": code, "message": plain words}``: the body size (413, done by the server before
anything is read), no secret configured (503), the signature and timestamp (401), a replay
(409), the body (400), the Sheet (404), the rate (429, with ``Retry-After``). Then 202 at once;
the run happens in the runner's thread. ``GET /v1/runs/{run_id}`` is signed over the empty body
and may be repeated. ``GET /healthz`` and ``GET /openapi.json`` need no signature.
The ASGI plumbing (reading the body within its limit, sending) is in :mod:`sheetsbot.worker.app`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sheetsbot.errors import SheetsbotError
from sheetsbot.periods import Period
from sheetsbot.worker.clock import SYSTEM_CLOCK, Clock
from sheetsbot.worker.ratelimit import RateLimiter
from sheetsbot.worker.runs import ACTIONS, QueueFull, Run, Runner, WorkerStopping
from sheetsbot.worker.settings import RateLimit
from sheetsbot.worker.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ReplayCache,
    ReplayCacheFull,
    SignatureError,
    Verifier,
)

MAX_BODY_BYTES = 64 * 1024
_RUN_PATH = re.compile(r"^/v1/runs/([A-Za-z0-9_-]{1,64})$")
_FIELDS = {"action", "spreadsheet_id", "week"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    #: Lower-case names; a repeated header is joined with ", " (two signatures are malformed).
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, code: str, message: str, **headers: str) -> Response:
    return Response(status, {"error": code, "message": message}, dict(headers))


def lower_case(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


class BadTrigger(SheetsbotError):
    """The body of a trigger is not the JSON the API takes (an HTTP 400)."""


@dataclass(frozen=True)
class Trigger:
    action: str
    spreadsheet_id: str
    week: Period | None


def parse_trigger(body: bytes, week_start: int = 0) -> Trigger:
    """``{"action": "refresh"|"tasks"|"monthly", "spreadsheet_id": "1A…", "week"?: "2026-W47"}``"""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadTrigger("the body is not JSON (UTF-8)") from None
    example = '{"action": "refresh", "spreadsheet_id": "<the Sheet\'s id>"}'
    if not isinstance(data, dict):
        raise BadTrigger(f"the body must be a JSON object such as {example}")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise BadTrigger(
            f"unknown field {unknown[0][:40]!r}; the fields are action, spreadsheet_id and week"
        )
    action = data.get("action")
    if action not in ACTIONS:
        raise BadTrigger("action must be one of " + ", ".join(ACTIONS))
    sheet = data.get("spreadsheet_id")
    if not isinstance(sheet, str) or not sheet.strip() or len(sheet) > 200:
        raise BadTrigger(
            "spreadsheet_id must be the id of the Sheet (the part of its URL after /d/)"
        )
    week = data.get("week")
    period = None
    if week is not None:
        try:
            period = (
                Period.parse(week, week_start)
                if isinstance(week, str) and len(week) <= 20
                else None
            )
        except SheetsbotError:
            period = None
        if period is None or period.kind != "week":
            raise BadTrigger(
                "week must be a week such as 2026-W47, or left out for the last complete week"
            )
    return Trigger(action, sheet.strip(), period)


class Webhook:
    def __init__(
        self,
        *,
        secret: str | None,
        sheets: Mapping[str, Runner],
        clock: Clock = SYSTEM_CLOCK,
        rate_limit: RateLimit | None = None,
        week_start: int = 0,
        health: Callable[[], dict[str, Any]] | None = None,
        replay_cache_size: int = 10_000,
    ) -> None:
        limit = rate_limit or RateLimit()
        self.sheets = dict(sheets)
        self.verifier = Verifier(secret, clock) if secret else None
        self.replays = ReplayCache(clock, max_entries=replay_cache_size)
        self.limiter = RateLimiter(limit.requests, limit.per_seconds, clock)
        self.week_start = week_start
        self._health = health or (lambda: {"status": "ok"})

    # -- routing ---------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        path = req.path
        if path == "/healthz":
            return self._only(req, "GET") or Response(200, self._health())
        if path == "/openapi.json":
            from sheetsbot.worker.openapi import document

            return self._only(req, "GET") or Response(200, document())
        if path == "/v1/trigger":
            return self._only(req, "POST") or self.trigger(req)
        m = _RUN_PATH.match(path)
        if m:
            return self._only(req, "GET") or self.run_status(req, m.group(1))
        return error(404, "not_found", "no such endpoint; see /openapi.json")

    @staticmethod
    def _only(req: Request, method: str) -> Response | None:
        if req.method == method:
            return None
        return error(405, "method_not_allowed", f"use {method} here", Allow=method)

    # -- endpoints -------------------------------------------------------------------------
    def trigger(self, req: Request) -> Response:
        refused, digest = self._authenticate(req)
        if refused:
            return refused
        try:
            fresh = self.replays.remember(digest)
        except ReplayCacheFull as exc:
            return error(
                429, "too_many_requests", str(exc), **{"Retry-After": _seconds(exc.retry_after)}
            )
        if not fresh:
            return error(
                409,
                "replayed",
                "this signed request was already received; "
                "each request needs a new timestamp and signature",
            )
        try:
            trigger = parse_trigger(req.body, self.week_start)
        except BadTrigger as exc:
            return error(400, "bad_request", str(exc))
        runner = self.sheets.get(trigger.spreadsheet_id)
        if runner is None:
            return error(
                404,
                "unknown_spreadsheet",
                "this worker does not keep that spreadsheet up to date "
                "(its config names another one in google.spreadsheet_id)",
            )
        wait = self.limiter.take(trigger.spreadsheet_id)
        if wait:
            return error(
                429,
                "too_many_requests",
                f"too many triggers for this Sheet; try again in {_seconds(wait)} s",
                **{"Retry-After": _seconds(wait)},
            )
        try:
            run, coalesced = runner.submit(
                trigger.action, trigger.week, f"webhook:{trigger.action}"
            )
        except WorkerStopping as exc:
            return error(503, "shutting_down", str(exc), **{"Retry-After": "30"})
        except QueueFull as exc:
            return error(
                429,
                "too_many_requests",
                f"{exc}; try again when they are done",
                **{"Retry-After": "30"},
            )
        return Response(202, {"run_id": run.id, "status": run.status, "coalesced": coalesced})

    def run_status(self, req: Request, run_id: str) -> Response:
        # Signed like a trigger, over the empty body; a GET may be repeated, so no replay check.
        refused, _ = self._authenticate(req)
        if refused:
            return refused
        run = (
            self._latest(req.query.get("spreadsheet_id"))
            if run_id == "latest"
            else self._find(run_id)
        )
        if run is None:
            what = (
                "no run since the worker started"
                if run_id == "latest"
                else "no run with that id (runs are kept in memory until the worker restarts)"
            )
            return error(404, "unknown_run", what)
        return Response(200, run.to_dict())

    def _find(self, run_id: str) -> Run | None:
        for runner in self.sheets.values():
            run = runner.get(run_id)
            if run is not None:
                return run
        return None

    def _latest(self, sheet: str | None) -> Run | None:
        runners = (
            [self.sheets[sheet]]
            if sheet in self.sheets
            else []
            if sheet
            else list(self.sheets.values())
        )
        runs = [r for r in (x.latest() for x in runners) if r is not None]
        return max(runs, key=lambda r: r.requested) if runs else None

    def _authenticate(self, req: Request) -> tuple[Response | None, str]:
        """(a refusal, "") or (None, the signature's digest)."""
        if self.verifier is None:
            return error(
                503,
                "webhook_disabled",
                "the worker has no webhook secret configured "
                "(worker.webhook_secret or SHEETSBOT_WEBHOOK_SECRET), so it refuses every request",
            ), ""
        try:
            digest = self.verifier.verify(
                req.headers.get(TIMESTAMP_HEADER.lower()),
                req.headers.get(SIGNATURE_HEADER.lower()),
                req.body,
            )
        except SignatureError as exc:
            return error(401, "unauthorized", str(exc)), ""
        return None, digest


def _seconds(value: float) -> str:
    return str(max(1, math.ceil(value)))
