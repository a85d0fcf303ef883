"""Hostile requests against the webhook (issue 13, Security): property-based fuzzing of the real
ASGI app in-process, a real uvicorn process on 127.0.0.1 fed malformed HTTP, and the timing of
the signature comparison.

The properties, for every request hypothesis makes up:

* nothing that is not signed with the secret, recently, and for the first time ever starts a run
  (the fake refresh counts its calls);
* nothing crashes the app: every answer is a status the OpenAPI document lists for that
  operation (404/405 for other paths), with the JSON error body ``{"error", "message"}``;
* the checks happen in the documented order: 413, 503, 401, 409, 400, 404, 429.

Example counts are bounded (the file runs in well under a minute); the tests carry the ``slow``
marker, which ``.ci/run`` runs like every other test. Defects found are strict xfails at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import inspect
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sheetsbot.worker import signing
from sheetsbot.worker.app import WorkerApp
from sheetsbot.worker.clock import FakeClock
from sheetsbot.worker.fake import FakeSheet
from sheetsbot.worker.openapi import document
from sheetsbot.worker.service import Worker
from sheetsbot.worker.settings import WorkerConfig
from sheetsbot.worker.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier
from sheetsbot.worker.webhook import MAX_BODY_BYTES

pytestmark = pytest.mark.slow

SECRET = "fuzz-secret-" + "0123456789abcdef"
SHEET = "1FuzzSheet"
BODY = json.dumps({"action": "refresh", "spreadsheet_id": SHEET}).encode()
START = "2026-11-24T10:00:00+00:00"

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- the app, called as an ASGI server calls it ----------------------------------------------------


async def _asgi(
    app: WorkerApp,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    chunks: list[bytes],
    query: bytes = b"",
) -> tuple[int, dict[str, str], bytes, int]:
    """(status, headers, raw body, bytes of the request body the app pulled). Exceptions propagate:
    a real server would turn them into a bare 500 without our JSON body, so any is a failure."""
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ] or [{"type": "http.request", "body": b"", "more_body": False}]
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if not pending:
            return {"type": "http.disconnect"}
        message = pending.pop(0)
        pulled += len(message["body"])
        return message

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode("utf-8", "replace"),
        "query_string": query,
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8080),
    }
    await app(scope, receive, send)
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, sent
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    out_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in starts[0]["headers"]}
    return starts[0]["status"], out_headers, body, pulled


def _b(text: str) -> bytes:
    """A header value as a server hands it over: latin-1 when it can be, else UTF-8 bytes."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), _b(v)) for k, v in headers.items()]


class Harness:
    """A worker on a fake clock whose refresh only counts (FakeSheet), called in-process."""

    def __init__(self, secret: str | None = SECRET, requests: int = 10_000) -> None:
        self.clock = FakeClock(START)
        self.sheet = FakeSheet(clock=self.clock)
        config = WorkerConfig.model_validate(
            {
                "weekly": None,
                "monthly_at": None,
                "poll_minutes": 0,
                "rate_limit": {"requests": requests, "per_seconds": 3600},
            }
        )
        self.worker = Worker(
            config,
            refresh=self.sheet.refresh,
            spreadsheet_id=SHEET,
            secret=secret,
            clock=self.clock,
        )
        self.worker.runner.start()

    @property
    def now(self) -> int:
        return int(self.clock.now().timestamp())

    def runs(self) -> int:
        assert self.worker.runner.wait_idle(5)
        return len(self.sheet.calls)

    def send(
        self,
        method: str,
        path: str,
        headers: list[tuple[bytes, bytes]] | dict[str, str],
        chunks: list[bytes] | bytes = b"",
        query: bytes = b"",
    ) -> tuple[int, dict[str, str], Any, int]:
        raw = _raw(headers) if isinstance(headers, dict) else headers
        parts = [chunks] if isinstance(chunks, bytes) else chunks
        status, out, payload, pulled = asyncio.run(
            _asgi(self.worker.app, method, path, raw, parts, query)
        )
        assert out["content-type"] == "application/json; charset=utf-8"
        parsed = json.loads(payload)
        _check_answer(method, path, status, out, parsed)
        return status, out, parsed, pulled

    def close(self) -> None:
        self.worker.runner.stop(1)


_DOC = document()["paths"]


def _operation(path: str) -> str | None:
    if path in _DOC:
        return path
    if path.startswith("/v1/runs/") and re.fullmatch(r"/v1/runs/[A-Za-z0-9_-]{1,64}", path):
        return "/v1/runs/{run_id}"
    return None


def _check_answer(method: str, path: str, status: int, headers: dict[str, str], body: Any) -> None:
    """A documented status for the operation, and the documented JSON shape of an error."""
    template = _operation(path)
    if template is None:  # no such endpoint; the body limit still comes first
        assert status in (404, 413), (path, status, body)
    else:
        ops = _DOC[template]
        op = ops.get(method.lower()) or next(iter(ops.values()))
        assert str(status) in op["responses"], (method, path, status, body)
    if status >= 400:
        assert isinstance(body, dict) and set(body) == {"error", "message"}, body
        assert isinstance(body["error"], str) and body["error"]
        assert isinstance(body["message"], str) and body["message"]
        assert SECRET not in body["message"]
    if status in (429,):
        assert headers["retry-after"].isdigit()
    if status == 405:
        assert headers["allow"] in ("GET", "POST")


@pytest.fixture
def h() -> Iterator[Harness]:
    harness = Harness()
    yield harness
    harness.close()


def _mac(secret: str | bytes, text: bytes, algo: str = "sha256") -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, text, algo).hexdigest()


def _signed(ts: str, body: bytes, secret: str = SECRET) -> dict[str, str]:
    text = _b(ts) + b"." + body
    return {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: "sha256=" + _mac(secret, text)}


# -- strategies ------------------------------------------------------------------------------------

#: A signature header that is wrong for (timestamp, body): every way a sender gets it wrong.
_BAD_SIGNATURES = st.sampled_from(
    [
        "flip",  # one hex digit changed (position drawn)
        "truncate",
        "extend",
        "no_prefix",
        "upper_prefix",
        "colon",
        "sha1",
        "sha512",
        "md5",
        "sha3_256_labelled_sha256",
        "blake2s_labelled_sha256",
        "other_body",
        "other_timestamp",
        "no_dot",
        "body_only",
        "wrong_secret",
        "secret_prefix",
        "empty_secret",
        "two_signatures",
        "zeros",
        "non_hex",
        "unicode",
        "empty",
        "missing",
    ]
)


def _bad_signature(kind: str, ts: str, body: bytes, pos: int) -> str | None:
    text = _b(ts) + b"." + body
    good = _mac(SECRET, text)
    if kind == "flip":
        i = pos % 64
        return "sha256=" + good[:i] + ("0" if good[i] != "0" else "1") + good[i + 1 :]
    if kind == "truncate":
        return "sha256=" + good[: pos % 64]
    if kind == "extend":
        return "sha256=" + good + "0" * (1 + pos % 8)
    if kind == "no_prefix":
        return good
    if kind == "upper_prefix":
        return "SHA256=" + good
    if kind == "colon":
        return "sha256:" + good
    if kind in ("sha1", "sha512", "md5"):
        return f"{kind}=" + _mac(SECRET, text, kind)
    if kind == "sha3_256_labelled_sha256":
        return "sha256=" + _mac(SECRET, text, "sha3_256")
    if kind == "blake2s_labelled_sha256":
        return "sha256=" + _mac(SECRET, text, "blake2s")
    if kind == "other_body":
        return "sha256=" + _mac(SECRET, ts.encode() + b"." + body + b" ")
    if kind == "other_timestamp":
        return "sha256=" + _mac(SECRET, str(int(ts) + 1 + pos % 5).encode() + b"." + body)
    if kind == "no_dot":
        return "sha256=" + _mac(SECRET, ts.encode() + body)
    if kind == "body_only":
        return "sha256=" + _mac(SECRET, body)
    if kind == "wrong_secret":
        return "sha256=" + _mac(SECRET.upper(), text)
    if kind == "secret_prefix":
        return "sha256=" + _mac(SECRET[:-1], text)
    if kind == "empty_secret":
        return "sha256=" + _mac(b"", text)
    if kind == "two_signatures":
        return f"sha256={good}, sha256={good}"
    if kind == "zeros":
        return "sha256=" + "0" * 64
    if kind == "non_hex":
        return "sha256=" + good[:63] + "g"
    if kind == "unicode":
        return "sha256=" + good[:63] + "\u00e9"
    if kind == "empty":
        return ""
    return None  # missing


_BAD_TIMESTAMPS = st.one_of(
    st.integers(301, 10**9).map(lambda d: ("old", d)),
    st.integers(301, 10**9).map(lambda d: ("future", d)),
    st.sampled_from(
        ["", " ", "-1", "+1763978400", "1.7e9", "1763978400.0", "0x1", "now", "１２３", "٣",
         "1" * 13, "9" * 40, "1763978400 ", " 1763978400", "NaN", "-0"]
    ).map(lambda t: ("text", t)),
    st.text(max_size=20).filter(lambda t: not t.isascii() or not t.isdigit()).map(
        lambda t: ("text", t)
    ),
)

_CONTENT_TYPES = st.sampled_from(
    [
        None,
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/json; charset=latin-1",
        "",
        "*/*",
        "x" * 5000,
    ]
)

_MALFORMED = st.one_of(
    st.sampled_from(
        [
            b"",
            b"{",
            b"not json",
            b"\xff\xfe{}",
            b"\x00",
            b"[" * 20_000,
            b'{"a":' * 12_000,  # under 64 KiB, nested too deep for json
            b"null",
            b"[]",
            b'"refresh"',
            b"1e999999",
            b'{"action": "refresh"}',
            b'{"action": "refresh", "spreadsheet_id": ""}',
            b'{"action": "refresh", "spreadsheet_id": "' + SHEET.encode() + b'", "x": 1}',
            b'{"action": "REFRESH", "spreadsheet_id": "' + SHEET.encode() + b'"}',
            b'{"action": "refresh", "spreadsheet_id": "' + SHEET.encode() + b'", "week": "2026-W99"}',
            b'{"action": "refresh", "spreadsheet_id": "' + SHEET.encode() + b'", "week": 1'
            + b"1" * 5000 + b"}",
            b'{"action": "refresh", "spreadsheet_id": "' + SHEET.encode() + b'"',
            b'{"action": ["refresh"], "spreadsheet_id": "' + SHEET.encode() + b'"}',
            '{"action": "refresh", "spreadsheet_id": "1Fuzz\u0000Sheet"}'.encode(),
            b'\xef\xbb\xbf{"action": "refresh", "spreadsheet_id": "' + SHEET.encode() + b'"}',
        ]
    ),
    st.binary(max_size=200).filter(lambda b: not _parses(b)),
)


def _parses(body: bytes) -> bool:
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("action") in ("refresh", "tasks", "monthly")


# -- 1. the order of the checks, with every combination of defects ---------------------------------

_ORDER = [
    ("big", 413),
    ("nosecret", 503),
    ("badsig", 401),
    ("badts", 401),
    ("replay", 409),
    ("badjson", 400),
    ("othersheet", 404),
    ("rate", 429),
]


@FUZZ
@given(
    defects=st.sets(st.sampled_from([d for d, _ in _ORDER])),
    sig_kind=_BAD_SIGNATURES,
    pos=st.integers(0, 200),
    bad_ts=_BAD_TIMESTAMPS,
    malformed=_MALFORMED,
    over=st.integers(1, 200),
    delivery=st.sampled_from(["declared", "chunked", "lying"]),
    replay_form=st.sampled_from(["same", "upper_hex", "padded"]),
    content_type=_CONTENT_TYPES,
    junk=st.integers(0, 3),
)
def test_checks_happen_in_the_documented_order_and_only_a_clean_request_runs(
    defects: set[str],
    sig_kind: str,
    pos: int,
    bad_ts: tuple[str, Any],
    malformed: bytes,
    over: int,
    delivery: str,
    replay_form: str,
    content_type: str | None,
    junk: int,
) -> None:
    h = Harness(secret=None if "nosecret" in defects else SECRET, requests=1)
    try:
        sheet = "other-sheet" if "othersheet" in defects else SHEET
        body = (
            malformed
            if "badjson" in defects
            else json.dumps({"action": "refresh", "spreadsheet_id": sheet}).encode()
        )
        if "big" in defects:
            body += b" " * (MAX_BODY_BYTES + over - len(body))  # still valid JSON when it was
        ts = str(h.now)
        if "badts" in defects:
            what, value = bad_ts
            ts = (
                str(h.now - value) if what == "old"
                else str(h.now + value) if what == "future"
                else value
            )
        headers = _signed(ts, body)
        if "badsig" in defects:
            sig = _bad_signature(sig_kind, str(h.now) if "badts" not in defects else "0", body, pos)
            if sig_kind == "other_timestamp" and "badts" in defects:
                sig = "sha256=" + "1" * 64
            if sig is None:
                del headers[SIGNATURE_HEADER]
            else:
                headers[SIGNATURE_HEADER] = sig
        if content_type is not None:
            headers["Content-Type"] = content_type
        for i in range(junk):
            headers[f"X-Junk-{i}"] = "j" * (10 ** (i + 3))  # up to 100 kB of header
        if delivery == "declared":
            headers["Content-Length"] = str(len(body))
        elif delivery == "lying":
            headers["Content-Length"] = str(min(len(body), 10))
        chunks = [body[i : i + 7_000] for i in range(0, len(body), 7_000)] or [b""]

        if "rate" in defects:  # another, valid request takes the Sheet's only token first
            other = BODY + b"\n"
            first = h.send("POST", "/v1/trigger", _signed(str(h.now), other), other)
            assert first[0] in (202, 503)
        if "replay" in defects:  # the same signed request was received before
            h.send("POST", "/v1/trigger", headers, chunks)
            if replay_form == "upper_hex" and headers.get(SIGNATURE_HEADER, "").startswith("sha256="):
                value = headers[SIGNATURE_HEADER]
                headers[SIGNATURE_HEADER] = "sha256=" + value[7:].upper()
            elif replay_form == "padded" and SIGNATURE_HEADER in headers:
                headers[SIGNATURE_HEADER] = "  " + headers[SIGNATURE_HEADER] + "\t"
        before = h.runs()

        status, _, out, pulled = h.send("POST", "/v1/trigger", headers, chunks)

        expected = next((code for name, code in _ORDER if name in defects), 202)
        assert status == expected, (sorted(defects), status, out)
        assert h.runs() == before + (1 if status == 202 else 0)
        if status == 413:
            assert pulled <= MAX_BODY_BYTES + 7_000  # at most one chunk past the limit was read
            if delivery == "declared":
                assert pulled == 0  # refused from the Content-Length, nothing read
    finally:
        h.close()


# -- 2. anything at all: no crash, documented answers, no run --------------------------------------

_PATHS = st.one_of(
    st.sampled_from(
        [
            "/v1/trigger", "/v1/trigger/", "//v1/trigger", "/V1/TRIGGER", "/v1/trigger%00",
            "/v1/runs/latest", "/v1/runs/", "/v1/runs/../trigger", "/v1/runs/" + "a" * 64,
            "/v1/runs/" + "a" * 65, "/v1/runs/r_1?x", "/healthz", "/openapi.json", "/", "",
            "/v1/runs/\u00e9", "/v1/runs/latest/", "*",
        ]
    ),
    st.text(max_size=40).map(lambda t: "/" + t),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=70).map(
        lambda t: "/v1/runs/" + t
    ),
)
_METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE",
                            "get", "CONNECT", "X" * 100])
_HEADER_NAMES = st.one_of(
    st.sampled_from(["x-sheetsbot-signature", "x-sheetsbot-timestamp", "content-type",
                     "content-length", "transfer-encoding", "authorization", "host",
                     "x-forwarded-for", "expect", "cookie"]),
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=30),
)
_HEADER_VALUES = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=255), max_size=100),
    st.integers(0, 2**63).map(str),
    st.from_regex(r"sha256=[0-9a-fA-F]{64}", fullmatch=True),
    st.integers(1, 200_000).map(lambda n: "v" * n),
)


def _ascii_length(name: str, value: str) -> bool:
    # Content-Length values that are not ASCII digits, or that have over 4,300 of them, crash
    # the app: that defect has a test of its own (xfail below) and is kept out of this one.
    return name.lower() != "content-length" or (value.isascii() and len(value) < 4000)


@FUZZ
@given(
    method=_METHODS,
    path=_PATHS,
    headers=st.lists(st.tuples(_HEADER_NAMES, _HEADER_VALUES), max_size=12).map(
        lambda pairs: [p for p in pairs if _ascii_length(*p)]
    ),
    body=st.one_of(st.binary(max_size=2_000), st.integers(0, MAX_BODY_BYTES).map(lambda n: b"{" * n)),
    chunk=st.integers(1, 70_000),
    query=st.binary(max_size=200),
    many=st.integers(0, 2_000),
)
def test_any_request_gets_a_documented_json_answer_and_starts_no_run(
    h: Harness,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: bytes,
    chunk: int,
    query: bytes,
    many: int,
) -> None:
    if _operation(path) in ("/healthz", "/openapi.json"):  # 413 there: see the xfail below
        headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
    raw = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers]
    raw += [(b"x-many", b"1")] * many  # a request with thousands of headers
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    before = h.runs()
    status, _, out, _ = h.send(method, path, raw, chunks, query)
    assert status not in (202,)
    assert h.runs() == before
    if status == 200:
        assert path in ("/healthz", "/openapi.json") and method == "GET"


# -- 3. signatures ---------------------------------------------------------------------------------


@FUZZ
@given(kind=_BAD_SIGNATURES, pos=st.integers(0, 200), body=st.sampled_from([BODY, b"{}", b""]))
def test_no_wrong_signature_passes(h: Harness, kind: str, pos: int, body: bytes) -> None:
    ts = str(h.now)
    headers = _signed(ts, body)
    sig = _bad_signature(kind, ts, body, pos)
    if sig is None:
        del headers[SIGNATURE_HEADER]
    else:
        headers[SIGNATURE_HEADER] = sig
    before = h.runs()
    status, _, out, _ = h.send("POST", "/v1/trigger", headers, body)
    assert (status, out["error"]) == (401, "unauthorized")
    assert h.runs() == before
    # A signed GET is refused the same way.
    get_headers = dict(headers)
    status, _, _, _ = h.send("GET", "/v1/runs/latest", get_headers)
    assert status == 401


@FUZZ
@given(
    offset=st.integers(-10**6, 10**6),
    extra_zeros=st.integers(0, 2),
)
def test_timestamps_outside_five_minutes_are_refused_inside_accepted(
    h: Harness, offset: int, extra_zeros: int
) -> None:
    ts = "0" * extra_zeros + str(h.now + offset)
    assume(len(ts) <= 12)
    body = BODY + b" " * (offset % 50)  # a different signed request each time
    before = h.runs()
    status, _, out, _ = h.send("POST", "/v1/trigger", _signed(ts, body), body)
    if abs(offset) <= signing.TOLERANCE_SECONDS:
        assert status in (202, 409), out  # 409: hypothesis repeated an example
    else:
        assert status == 401 and "timestamp" in out["message"], out
        assert h.runs() == before


@FUZZ
@given(bad=_BAD_TIMESTAMPS)
def test_malformed_or_stale_timestamps_are_401_even_when_signed(
    h: Harness, bad: tuple[str, Any]
) -> None:
    what, value = bad
    ts = str(h.now - value) if what == "old" else str(h.now + value) if what == "future" else value
    # Signed with the secret over the timestamp exactly as sent: only the timestamp is wrong.
    raw = _raw(_signed(ts, BODY))
    before = h.runs()
    status, _, out, _ = h.send("POST", "/v1/trigger", raw, BODY)
    assert status == 401, (ts, out)
    assert h.runs() == before


def test_hex_case_and_whitespace_do_not_make_a_new_request(h: Harness) -> None:
    headers = _signed(str(h.now), BODY)
    assert h.send("POST", "/v1/trigger", headers, BODY)[0] == 202
    upper = {**headers, SIGNATURE_HEADER: "sha256=" + headers[SIGNATURE_HEADER][7:].upper()}
    padded = {**headers, SIGNATURE_HEADER: " " + headers[SIGNATURE_HEADER] + " "}
    assert h.send("POST", "/v1/trigger", upper, BODY)[0] == 409
    assert h.send("POST", "/v1/trigger", padded, BODY)[0] == 409
    assert h.runs() == 1


# -- 4. replays ------------------------------------------------------------------------------------


@FUZZ
@given(
    skew=st.integers(-signing.TOLERANCE_SECONDS, signing.TOLERANCE_SECONDS),
    later=st.lists(st.integers(0, 700), min_size=1, max_size=5),
)
def test_an_accepted_request_is_never_accepted_again(skew: int, later: list[int]) -> None:
    # Boundary (skew +300 and exactly 600 s later) is excluded here: see the xfail below.
    h = Harness()
    try:
        headers = _signed(str(h.now + skew), BODY)
        assert h.send("POST", "/v1/trigger", headers, BODY)[0] == 202
        elapsed = 0
        for step in later:
            elapsed += step
            h.clock.advance(step)
            if skew - elapsed == -signing.TOLERANCE_SECONDS and elapsed == 2 * signing.TOLERANCE_SECONDS:
                continue
            status, _, out, _ = h.send("POST", "/v1/trigger", headers, BODY)
            assert status in (401, 409), (skew, elapsed, status, out)
        assert h.runs() == 1
    finally:
        h.close()


# -- 5. bodies around 64 KiB -----------------------------------------------------------------------


@FUZZ
@given(
    size=st.integers(MAX_BODY_BYTES - 64, MAX_BODY_BYTES + 64),
    delivery=st.sampled_from(["declared", "chunked", "lying", "declared_large"]),
    chunk=st.integers(1_000, 70_000),
    signed=st.booleans(),
    path=st.sampled_from(["/v1/trigger", "/v1/runs/latest"]),
)
def test_bodies_just_over_64_kib_are_413_before_anything_else(
    h: Harness, size: int, delivery: str, chunk: int, signed: bool, path: str
) -> None:
    body = BODY + b" " * (size - len(BODY))
    headers = _signed(str(h.now), body) if signed else {}
    if delivery == "declared":
        headers["Content-Length"] = str(size)
    elif delivery == "lying":
        headers["Content-Length"] = "12"
    elif delivery == "declared_large":
        headers["Content-Length"] = str(10**18)
    method = "POST" if path == "/v1/trigger" else "GET"
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    before = h.runs()
    status, _, out, pulled = h.send(method, path, headers, chunks)
    if size > MAX_BODY_BYTES or delivery == "declared_large":
        assert (status, out["error"]) == (413, "body_too_large")
        assert h.runs() == before
        if delivery in ("declared", "declared_large"):
            assert pulled == 0
    else:
        assert status != 413
        if method == "POST":
            assert status in ((202, 409) if signed else (401,)), out
        else:  # a GET is signed over its body, whatever it is
            assert status in ((200, 404) if signed else (401,)), out


# -- 6. content types and huge headers -------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content_type=_CONTENT_TYPES)
def test_the_content_type_does_not_change_the_answer(h: Harness, content_type: str | None) -> None:
    # The signature covers the exact bytes, which are parsed as JSON whatever the label says;
    # the label neither lets a request through nor breaks a signed one.
    h.clock.advance(1)
    headers = _signed(str(h.now), BODY)
    if content_type is not None:
        headers["Content-Type"] = content_type
    assert h.send("POST", "/v1/trigger", headers, BODY)[0] == 202
    unsigned = {"Content-Type": content_type or "application/json"}
    assert h.send("POST", "/v1/trigger", unsigned, BODY)[0] == 401


def test_huge_and_numerous_headers_are_answered(h: Harness) -> None:
    for name in (SIGNATURE_HEADER, TIMESTAMP_HEADER, "X-Junk"):
        headers = _signed(str(h.now), BODY)
        headers[name] = "sha256=" + "a" * 1_000_000
        status = h.send("POST", "/v1/trigger", headers, BODY)[0]
        assert status == (202 if name == "X-Junk" else 401)
        h.clock.advance(1)
    raw = _raw(_signed(str(h.now), BODY)) + [(b"x-sheetsbot-signature", b"sha256=" + b"0" * 64)] * 5_000
    assert h.send("POST", "/v1/trigger", raw, BODY)[0] == 401  # a repeated signature is malformed
    assert h.runs() == 1


# -- 7. a real server on 127.0.0.1 fed malformed HTTP ----------------------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int, subprocess.Popen[str], Path]]:
    config = tmp_path / "sheetsbot.yaml"
    config.write_text(
        f"google: {{spreadsheet_id: {SHEET}}}\n"
        "worker:\n  poll_minutes: 0\n  monthly_at: null\n  weekly: null\n"
    )
    log = tmp_path / "worker.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEETSBOT_")}
    env["SHEETSBOT_WEBHOOK_SECRET"] = SECRET
    stderr = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sheetsbot.worker", "--config", str(config), "--host", "127.0.0.1",
         "--port", "0", "--log-format", "json", "--fake-runs", "0"],
        stdout=subprocess.PIPE, stderr=stderr, env=env, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line, log.read_text()
        url = json.loads(line)["url"]
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port), proc, log
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
        stderr.close()


def _exchange(host: str, port: int, data: bytes, timeout: float = 3) -> bytes:
    """Send raw bytes; return the first answer (complete by its Content-Length), or what came
    before the server closed or went quiet."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # it may close early (a refused body): read what it said
            sock.sendall(data)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
                head, sep, rest = out.partition(b"\r\n\r\n")
                if sep:
                    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                    if m and len(rest) >= int(m.group(1)):
                        break
        except OSError:
            pass
        return out


def _status_of(answer: bytes) -> int | None:
    if not answer.startswith(b"HTTP/1.1 "):
        return None
    return int(answer[9:12])


def test_a_real_server_survives_malformed_http_and_runs_nothing(
    server: tuple[str, int, subprocess.Popen[str], Path]
) -> None:
    host, port, proc, log = server
    body = BODY
    signed = _signed(str(int(time.time())), body)
    head = "".join(f"{k}: {v}\r\n" for k, v in signed.items()).encode()
    big = b" " * (MAX_BODY_BYTES + 1)
    hostile = [
        b"GARBAGE\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64),  # a TLS hello
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nX-Junk: " + b"a" * 40_000 + b"\r\n\r\n",
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * 5_000 + b"\r\n",
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n\r\n{}",
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n{}",
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"
        b"2\r\n{}\r\n0\r\n\r\n",
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n" + big,
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n{}",
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"10000\r\n" + b" " * 0x10000 + b"\r\n10\r\n" + b" " * 16 + b"\r\n0\r\n\r\n",
        # Signed, but body changed after signing / signed twice with a smuggled second request.
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\n" + head
        + f"Content-Length: {len(body) + 1}\r\n\r\n".encode() + body + b" ",
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nX-Sheetsbot-Timestamp: 1\r\n"
        b"X-Sheetsbot-Signature: sha256=" + b"0" * 64 + b"\r\nContent-Length: 2\r\n\r\n{}"
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /healthz HTTP/9.9\r\n\r\n",
    ]
    statuses: list[int | None] = []
    for data in hostile:
        statuses.append(_status_of(_exchange(host, port, data)))
    # Whatever uvicorn/h11 refused itself (400, 431 …) or the app answered, nothing ran…
    assert all(s is None or s in (200, 400, 401, 404, 405, 413, 431, 503, 505) for s in statuses), statuses
    assert proc.poll() is None, log.read_text()
    # …the server still answers…
    health = _exchange(host, port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _status_of(health) == 200
    latest = _signed(str(int(time.time())), b"")
    head = "".join(f"{k}: {v}\r\n" for k, v in latest.items()).encode()
    answer = _exchange(host, port, b"GET /v1/runs/latest HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n")
    assert _status_of(answer) == 404 and b"no run since the worker started" in answer
    # …and a good request still works.
    good = _signed(str(int(time.time())), body)
    head = "".join(f"{k}: {v}\r\n" for k, v in good.items()).encode()
    answer = _exchange(
        host, port,
        b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\n" + head
        + f"Content-Length: {len(body)}\r\nContent-Type: application/json\r\n\r\n".encode() + body,
    )
    assert _status_of(answer) == 202, answer
    text = log.read_text()
    assert "Traceback" not in text and SECRET not in text, text[-3000:]


# -- 8. the comparison is constant-time ------------------------------------------------------------


def test_the_signature_is_compared_with_hmac_compare_digest() -> None:
    source = inspect.getsource(Verifier.verify)
    assert "hmac.compare_digest(expected, given)" in source
    code = "\n".join(
        line for line in source.splitlines() if not line.strip().startswith(("#", '"'))
    )
    assert "expected ==" not in code and "== expected" not in code and "given ==" not in code
    assert "expected !=" not in code and "!= expected" not in code


def test_wrong_signatures_differing_first_or_last_take_the_same_time() -> None:
    """A sanity check, not a benchmark: interleaved batches, medians, a generous bound."""
    clock = FakeClock(START)
    verifier = Verifier(SECRET, clock)
    ts = str(int(clock.now().timestamp()))
    good = _mac(SECRET, ts.encode() + b"." + BODY)
    first = "sha256=" + ("0" if good[0] != "0" else "1") + good[1:]
    last = "sha256=" + good[:63] + ("0" if good[63] != "0" else "1")
    far = "sha256=" + "".join("0" if c != "0" else "1" for c in good)

    def batch(sig: str, n: int = 300) -> float:
        began = time.perf_counter_ns()
        for _ in range(n):
            try:
                verifier.verify(ts, sig, BODY)
            except signing.SignatureError:
                pass
            else:  # pragma: no cover
                raise AssertionError("a wrong signature passed")
        return (time.perf_counter_ns() - began) / n

    for sig in (first, last, far):
        batch(sig, 200)  # warm up
    samples: dict[str, list[float]] = {"first": [], "last": [], "far": []}
    for _ in range(25):
        for name, sig in (("first", first), ("last", last), ("far", far)):
            samples[name].append(batch(sig))
    medians = {k: statistics.median(v) for k, v in samples.items()}
    spread = max(medians.values()) / min(medians.values())
    # A comparison that stops at the first differing byte would make "first" measurably faster
    # than "last"; HMAC work dominates here, so noise is a few percent. 1.5 leaves room for a
    # busy CI machine while still catching a per-byte early exit done in Python.
    assert spread < 1.5, medians


# -- 9. defects found by fuzzing, fixed; kept as regression tests ------------------------------


@pytest.mark.parametrize("length", ["\u00b2", "9" * 5000], ids=["superscript-two", "5000-digits"])
def test_an_odd_content_length_gets_a_json_answer(h: Harness, length: str) -> None:
    status, _, _, _ = h.send("POST", "/v1/trigger", {"Content-Length": length}, b"{}")
    assert status in (401, 413)


def test_413_on_health_is_documented(h: Harness) -> None:
    big = b"x" * (MAX_BODY_BYTES + 1)
    # send() also checks that the answer is one the OpenAPI document lists for the operation.
    status, _, _, _ = h.send("GET", "/healthz", {"Content-Length": str(len(big))}, big)
    assert status == 413


def test_a_future_dated_request_cannot_be_replayed_at_the_edge_of_the_window(h: Harness) -> None:
    headers = _signed(str(h.now + signing.TOLERANCE_SECONDS), BODY)
    assert h.send("POST", "/v1/trigger", headers, BODY)[0] == 202
    h.clock.advance(2 * signing.TOLERANCE_SECONDS)
    status = h.send("POST", "/v1/trigger", headers, BODY)[0]
    assert status in (401, 409)
    assert h.runs() == 1
