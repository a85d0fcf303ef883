"""Structured logs (text or JSON lines) that never carry a secret, a signature or a token."""

from __future__ import annotations

import io
import json
import logging

import pytest

from sheetsbot.worker import logs


@pytest.fixture
def capture() -> tuple[logging.Logger, io.StringIO, io.StringIO]:
    text, lines = io.StringIO(), io.StringIO()
    logger = logging.getLogger("sheetsbot.worker.test-logs")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    for stream, kind in ((text, "text"), (lines, "json")):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logs.formatter(kind))
        logger.addHandler(handler)
    yield logger, text, lines
    logger.handlers.clear()


def test_json_lines_carry_the_extra_fields(
    capture: tuple[logging.Logger, io.StringIO, io.StringIO],
) -> None:
    logger, text, lines = capture
    logger.info(
        "run %s finished", "r_1", extra={"event": "run_finished", "run_id": "r_1", "seconds": 1.5}
    )
    entry = json.loads(lines.getvalue())
    assert entry["message"] == "run r_1 finished" and entry["level"] == "info"
    assert entry["event"] == "run_finished" and entry["run_id"] == "r_1" and entry["seconds"] == 1.5
    assert entry["logger"] == "sheetsbot.worker.test-logs" and entry["time"].endswith("Z")
    assert (
        text.getvalue().split(" ", 1)[1]
        == "INFO sheetsbot.worker.test-logs: run r_1 finished seconds=1.5\n"
    )


def test_secrets_signatures_and_tokens_are_scrubbed_everywhere(
    capture: tuple[logging.Logger, io.StringIO, io.StringIO],
) -> None:
    logger, text, lines = capture
    secret = "the-webhook-secret-0123456789"
    logs.add_secret(secret)
    leaks = [
        secret,
        "sha256=" + "ab" * 32,
        "Bearer ya29.a0AfB_byDEADBEEF",
        "ya29.c.b0Aaekm1K",
        '"access_token": "1//0gLONGREFRESH"',
        "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
        "\\n-----END PRIVATE KEY-----\\n",
    ]
    for leak in leaks:
        logger.warning("Google said: %s", leak, extra={"detail": leak})
    try:
        raise RuntimeError(f"token {secret} refused")
    except RuntimeError:
        logger.exception("failed")
    out = text.getvalue() + lines.getvalue()
    for needle in (
        secret,
        "ab" * 32,
        "DEADBEEF",
        "b0Aaekm1K",
        "1//0gLONGREFRESH",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    ):
        assert needle not in out
    assert out.count("[redacted]") >= 2 * len(leaks)
    assert (
        '"access_token": "[redacted]' in out
    )  # the key stays: the line still says what was removed
    for line in lines.getvalue().splitlines():
        json.loads(line)


def test_configure_routes_uvicorn_through_the_same_handler() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        logs.configure("json", stream=stream)
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 7)
        assert json.loads(stream.getvalue())["message"] == "Started server process [7]"
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
