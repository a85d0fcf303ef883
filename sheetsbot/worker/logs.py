"""The worker's logs: one line per event, as text or JSON lines, with secrets scrubbed.

    from sheetsbot.worker import logs
    logs.configure("json")                      # or "text"; to stderr
    logs.add_secret(secret)                     # this exact value never reaches a log line
    log = logging.getLogger("sheetsbot.worker")
    log.info("run finished", extra={"event": "run_finished", "run_id": run.id})

Redaction is the safety net, not the plan: the worker never logs headers, bodies or
credentials in the first place. Every formatted line (message, arguments, traceback) still
goes through :func:`redact`, which replaces the registered secrets and anything shaped like a
signature, a bearer or OAuth token or a private key, so a token quoted in a Google error
message or an exception cannot leak.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from datetime import datetime, timezone
from typing import Any, Literal, TextIO

REDACTED = "[redacted]"

_PATTERNS = [
    # Signatures as the webhook carries them, and bare SHA-256 HMACs.
    re.compile(r"sha256=[0-9A-Fa-f]{8,}"),
    # Authorization headers and OAuth tokens (Google access tokens start with ya29.).
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\bya29\.[A-Za-z0-9._-]+"),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|id_token|assertion|client_secret|private_key_id)[\"']?\s*[:=]\s*[\"']?)[^\"'\s,}&]{6,}"
    ),
    # PEM private keys, whole or as JSON-escaped in a service-account file.
    re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S
    ),
]

_secrets: set[str] = set()
_lock = threading.Lock()


def add_secret(value: str | None) -> None:
    """Register a value (the webhook secret, a token) that must never appear in a log line."""
    if value and len(value) >= 6:  # a very short value would blank out ordinary words
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(_keep_prefix, text)
    return text


def _keep_prefix(match: re.Match[str]) -> str:
    # For "access_token": "…" keep the key so the line still says what was removed.
    if match.re.groups and match.group(1):
        return match.group(1) + REDACTED
    return REDACTED


# Attributes every LogRecord has; anything else came in through ``extra=`` and is a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",
    "taskName",
}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


def _timestamp(record: logging.LogRecord) -> str:
    return (
        datetime.fromtimestamp(record.created, timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ``extra`` fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        # Redacted field by field, before JSON escaping could hide a pattern behind backslashes.
        entry.update(
            {k: redact(v) if isinstance(v, str) else v for k, v in _fields(record).items()}
        )
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return redact(json.dumps(entry, ensure_ascii=False, default=lambda v: redact(str(v))))


class TextFormatter(logging.Formatter):
    """``2026-11-23T07:30:00.000Z INFO sheetsbot.worker.runs: run r_1 finished seconds=1.2``"""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {message}"
        # Fields the message already shows are not repeated.
        extra = " ".join(
            f"{k}={v}" for k, v in _fields(record).items() if k != "event" and str(v) not in message
        )
        if extra:
            line += " " + extra
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


def formatter(kind: Literal["text", "json"]) -> logging.Formatter:
    return JsonFormatter() if kind == "json" else TextFormatter()


def configure(
    kind: Literal["text", "json"] = "text", level: int | str = "INFO", stream: TextIO | None = None
) -> logging.Handler:
    """Send sheetsbot's and uvicorn's logs to one stream in one format; the process owns logging."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(kind))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print a second, unredacted copy.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return handler
