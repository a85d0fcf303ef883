"""The ASGI application: reads a request within the size limit, hands it to the webhook, sends JSON.

    app = WorkerApp(webhook)                     # any ASGI server; `serve` runs it under uvicorn
    uvicorn.run(app, host="127.0.0.1", port=8080, lifespan="off")
    status, headers, body = asyncio.run(call(app, "GET", "/healthz"))   # in-process, for tests

Hand-written rather than a framework: four routes, and the one thing a framework would get in
the way of is the body limit, which must refuse a body over 64 KiB from its Content-Length (or
as soon as the chunks read pass the limit) before any of it is parsed. Handlers are fast and
never block: a run only queues, the work happens in the runner's thread.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from sheetsbot.worker.webhook import MAX_BODY_BYTES, Request, Response, Webhook, error

log = logging.getLogger("sheetsbot.worker.http")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class WorkerApp:
    def __init__(self, webhook: Webhook, *, max_body: int = MAX_BODY_BYTES) -> None:
        self.webhook = webhook
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets: not served
            return
        started = time.perf_counter()
        method, path = scope["method"], scope["path"]
        headers = _headers(scope)
        body = await self._read_body(headers, receive)
        if body is None:
            response = error(413, "body_too_large", f"the body is over {self.max_body} bytes")
        else:
            try:
                request = Request(
                    method,
                    path,
                    headers,
                    body,
                    dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))),
                )
                response = self.webhook.handle(request)
            except Exception:
                log.exception(
                    "request failed: %s %s", method, path[:200], extra={"event": "http_error"}
                )
                response = error(500, "internal", "the worker failed on this request; see its log")
        await _send_json(send, response)
        level = logging.DEBUG if path == "/healthz" and response.status == 200 else logging.INFO
        log.log(
            level,
            "%s %s %d",
            method,
            path[:200],
            response.status,
            extra={
                "event": "http",
                "status": response.status,
                "ms": round((time.perf_counter() - started) * 1000, 2),
                "client": (scope.get("client") or ("?",))[0],
            },
        )

    async def _read_body(self, headers: dict[str, str], receive: Receive) -> bytes | None:
        """The body, or None as soon as it is known to be over the limit (nothing more is read)."""
        declared = headers.get("content-length", "")
        # ASCII digits only ("²".isdigit() is True), and no number too long for int().
        if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > self.max_body):
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        # A repeated header is joined, so two signatures can never pass as one.
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


async def _send_json(send: Send, response: Response) -> None:
    payload = json.dumps(response.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(payload)).encode()),
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
    ]
    headers += [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _lifespan(receive: Receive, send: Send) -> None:
    # The worker's threads are started and stopped by `serve`, not here; this only answers.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def call(
    app: WorkerApp,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    chunks: list[bytes] | None = None,
    query: str = "",
) -> tuple[int, dict[str, str], Any]:
    """Call the app in-process as a server would: (status, headers, parsed JSON body)."""
    parts = chunks if chunks is not None else [body]
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(parts) - 1}
        for i, c in enumerate(parts)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()
        ],
        "client": ("127.0.0.1", 0),
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return (
        start["status"],
        {k.decode(): v.decode() for k, v in start["headers"]},
        json.loads(payload),
    )
