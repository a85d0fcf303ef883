"""The HTTP API in-process (the ASGI app as uvicorn calls it): signatures, the order of checks,
replays, rate limits, run status, health, the OpenAPI document, and fuzzing."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetsbot.worker import signing
from sheetsbot.worker.app import call
from sheetsbot.worker.clock import FakeClock
from sheetsbot.worker.fake import FakeSheet
from sheetsbot.worker.openapi import document
from sheetsbot.worker.service import Worker
from sheetsbot.worker.settings import WorkerConfig
from sheetsbot.worker.signing import sign_headers

SECRET = "test-secret-0123456789abcdef"
SHEET = "1AbCsheet"
BODY = json.dumps({"action": "refresh", "spreadsheet_id": SHEET}).encode()


class Api:
    """A worker on a fake clock with a fake run, called in-process."""

    def __init__(self, secret: str | None = SECRET, **worker_settings: Any) -> None:
        self.clock = FakeClock("2026-11-24T10:00:00+00:00")
        self.sheet = FakeSheet(hold=True, clock=self.clock)
        config = WorkerConfig.model_validate(
            {"weekly": None, "monthly_at": None, "poll_minutes": 0, **worker_settings}
        )
        self.worker = Worker(
            config,
            refresh=self.sheet.refresh,
            spreadsheet_id=SHEET,
            secret=secret,
            clock=self.clock,
        )
        self.worker.runner.start()
        self.seen: list[tuple[str, str, int]] = []

    def sign(self, body: bytes = b"", **changes: str) -> dict[str, str]:
        headers = sign_headers(SECRET, body, int(self.clock.now().timestamp()))
        headers.update(changes)
        return headers

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        **kw: Any,
    ) -> tuple[int, dict[str, str], Any]:
        status, out_headers, payload = asyncio.run(
            call(self.worker.app, method, path, headers=headers, body=body, **kw)
        )
        self.seen.append((method, path, status))
        return status, out_headers, payload

    def trigger(self, body: bytes = BODY, **header_changes: str) -> tuple[int, dict[str, str], Any]:
        return self.request("POST", "/v1/trigger", self.sign(body, **header_changes), body)

    def close(self) -> None:
        self.sheet.release.set()
        self.worker.runner.stop(1)


@pytest.fixture
def api() -> Api:
    a = Api()
    yield a
    a.close()


# -- accepted --------------------------------------------------------------------------------------


def test_a_signed_trigger_is_accepted_at_once_and_its_run_can_be_followed(api: Api) -> None:
    status, headers, body = api.trigger()
    assert status == 202
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert body == {"run_id": body["run_id"], "status": "queued", "coalesced": False}
    assert api.sheet.started.wait(2)
    path = f"/v1/runs/{body['run_id']}"
    status, _, run = api.request("GET", path, api.sign())
    assert status == 200 and run["status"] == "running" and run["trigger"] == "webhook:refresh"
    api.sheet.release.set()
    assert api.worker.runner.wait_idle(5)
    headers = api.sign()
    for _ in range(3):  # a GET may be repeated with the same signature
        status, _, run = api.request("GET", path, headers)
        assert status == 200
    assert run["status"] == "succeeded"
    assert run["message"].startswith("Week 2026-W47 refreshed.")
    assert run["summary"]["tasks_open"] == 9
    assert set(run) >= {"run_id", "status", "started", "finished", "summary", "errors"}
    status, _, latest = api.request(
        "GET", "/v1/runs/latest", api.sign(), query=f"spreadsheet_id={SHEET}"
    )
    assert status == 200 and latest["run_id"] == run["run_id"]


def test_triggers_during_a_run_coalesce_into_one_follow_up(api: Api) -> None:
    first = api.trigger()[2]["run_id"]
    assert api.sheet.started.wait(2)
    answers = []
    for _ in range(20):
        api.clock.advance(1)  # a new timestamp: the same request in the same second is a replay
        answers.append(api.trigger())
    assert {a[0] for a in answers} == {202}
    assert {a[2]["run_id"] for a in answers} - {first} == {answers[0][2]["run_id"]}
    assert [a[2]["coalesced"] for a in answers] == [False] + [True] * 19
    api.sheet.release.set()
    assert api.worker.runner.wait_idle(5)
    assert len(api.sheet.calls) == 2


def test_a_week_can_be_asked_for(api: Api) -> None:
    body = json.dumps({"action": "tasks", "spreadsheet_id": SHEET, "week": "2026-W45"}).encode()
    status, _, out = api.trigger(body)
    assert status == 202
    api.sheet.release.set()
    assert api.worker.runner.wait_idle(5)
    assert api.sheet.calls == [("webhook:tasks", api.sheet.calls[0][1], "tasks")]
    assert api.sheet.calls[0][1].label == "2026-W45"


# -- refused, in the documented order --------------------------------------------------------------


def test_413_comes_first_even_unsigned_and_nothing_is_read(api: Api) -> None:
    big = b"x" * (64 * 1024 + 1)
    status, _, body = api.request("POST", "/v1/trigger", {"Content-Length": str(len(big))}, big)
    assert status == 413 and body["error"] == "body_too_large"
    # Without a Content-Length (chunked), the limit applies as the chunks arrive.
    status, _, _ = api.request(
        "POST", "/v1/trigger", {}, chunks=[b"{" * 40_000, b"}" * 40_000, b"never read"]
    )
    assert status == 413
    # Exactly 64 KiB is allowed through to the next check.
    exact = b" " * (64 * 1024)
    assert api.request("POST", "/v1/trigger", {}, exact)[0] == 401


def test_without_a_secret_every_request_is_refused() -> None:
    api = Api(secret=None)
    try:
        status, _, body = api.request("POST", "/v1/trigger", api.sign(BODY), BODY)
        assert status == 503 and body["error"] == "webhook_disabled"
        assert "SHEETSBOT_WEBHOOK_SECRET" in body["message"]
        assert api.request("GET", "/v1/runs/latest", api.sign())[0] == 503
        status, _, health = api.request("GET", "/healthz")
        assert status == 200 and health["webhook"] == {"enabled": False}
        assert api.sheet.calls == []
    finally:
        api.close()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({signing.TIMESTAMP_HEADER: None}, "missing X-Sheetsbot-Timestamp"),
        ({signing.TIMESTAMP_HEADER: "yesterday"}, "must be a whole number of unix seconds"),
        ({signing.TIMESTAMP_HEADER: "1.5e9"}, "must be a whole number of unix seconds"),
        ({signing.SIGNATURE_HEADER: None}, "missing X-Sheetsbot-Signature"),
        ({signing.SIGNATURE_HEADER: "sha1=abc"}, "must be sha256= followed by 64 hex digits"),
        (
            {signing.SIGNATURE_HEADER: "sha256=" + "0" * 63},
            "must be sha256= followed by 64 hex digits",
        ),
        ({signing.SIGNATURE_HEADER: "sha256=" + "0" * 64}, "the signature does not match"),
    ],
)
def test_401_for_every_signature_problem(
    api: Api, headers: dict[str, str | None], reason: str
) -> None:
    sent = api.sign(BODY)
    for name, value in headers.items():
        if value is None:
            del sent[name]
        else:
            sent[name] = value
    status, _, body = api.request("POST", "/v1/trigger", sent, BODY)
    assert status == 401 and body["error"] == "unauthorized"
    assert reason in body["message"]
    assert SECRET not in json.dumps(body)
    assert api.sheet.calls == []


def test_401_for_a_changed_body_a_wrong_secret_and_a_stale_or_future_timestamp(api: Api) -> None:
    headers = api.sign(BODY)
    assert (
        api.request("POST", "/v1/trigger", headers, BODY.replace(b"refresh", b"monthly"))[0] == 401
    )
    wrong = sign_headers("another-secret-entirely-123", BODY, int(api.clock.now().timestamp()))
    assert api.request("POST", "/v1/trigger", wrong, BODY)[0] == 401
    old = sign_headers(SECRET, BODY, int(api.clock.now().timestamp()) - 301)
    status, _, body = api.request("POST", "/v1/trigger", old, BODY)
    assert status == 401 and body["message"].startswith(
        "the timestamp is 301 s old (at most 300 s allowed)"
    )
    future = sign_headers(SECRET, BODY, int(api.clock.now().timestamp()) + 400)
    status, _, body = api.request("POST", "/v1/trigger", future, BODY)
    assert status == 401 and "400 s in the future" in body["message"]
    edge = sign_headers(SECRET, BODY, int(api.clock.now().timestamp()) - 300)
    assert api.request("POST", "/v1/trigger", edge, BODY)[0] == 202


def test_a_repeated_signature_header_is_malformed(api: Api) -> None:
    headers = api.sign(BODY)
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"x-sheetsbot-signature", headers[signing.SIGNATURE_HEADER].encode()))

    async def go() -> int:
        sent: list[dict[str, Any]] = []
        pending = [{"type": "http.request", "body": BODY, "more_body": False}]

        async def receive() -> dict[str, Any]:
            return pending.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await api.worker.app(
            {"type": "http", "method": "POST", "path": "/v1/trigger", "headers": raw}, receive, send
        )
        return sent[0]["status"]

    assert asyncio.run(go()) == 401


def test_409_for_a_replay_even_of_a_request_that_was_refused_later(api: Api) -> None:
    headers = api.sign(BODY)
    assert api.request("POST", "/v1/trigger", headers, BODY)[0] == 202
    status, _, body = api.request("POST", "/v1/trigger", headers, BODY)
    assert status == 409 and body["error"] == "replayed"
    # The replay check comes before the body check: a bad body replayed is a 409, not a 400.
    junk = b"not json"
    junk_headers = api.sign(junk)
    assert api.request("POST", "/v1/trigger", junk_headers, junk)[0] == 400
    assert api.request("POST", "/v1/trigger", junk_headers, junk)[0] == 409
    assert len(api.sheet.calls) <= 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "the body is not JSON"),
        (b"\xff\xfe", "the body is not JSON"),
        (b"[" * 60_000, "the body is not JSON"),
        (b'["refresh"]', "must be a JSON object"),
        (b'{"spreadsheet_id": "1AbCsheet"}', "action must be one of refresh, tasks, monthly"),
        (b'{"action": "delete", "spreadsheet_id": "1AbCsheet"}', "action must be one of"),
        (b'{"action": "refresh"}', "spreadsheet_id must be the id of the Sheet"),
        (
            b'{"action": "refresh", "spreadsheet_id": 7}',
            "spreadsheet_id must be the id of the Sheet",
        ),
        (
            b'{"action": "refresh", "spreadsheet_id": "1AbCsheet", "week": "2026-13"}',
            "week must be a week",
        ),
        (
            b'{"action": "refresh", "spreadsheet_id": "1AbCsheet", "week": "2026-W54"}',
            "week must be a week",
        ),
        (
            b'{"action": "refresh", "spreadsheet_id": "1AbCsheet", "week": 47}',
            "week must be a week",
        ),
        (
            b'{"action": "refresh", "spreadsheet_id": "1AbCsheet", "force": true}',
            "unknown field 'force'",
        ),
    ],
)
def test_400_for_a_body_that_is_not_the_trigger_json(api: Api, body: bytes, message: str) -> None:
    status, _, out = api.trigger(body)
    assert status == 400 and out["error"] == "bad_request"
    assert message in out["message"]


def test_404_for_another_spreadsheet(api: Api) -> None:
    body = json.dumps({"action": "refresh", "spreadsheet_id": "someone-elses"}).encode()
    status, _, out = api.trigger(body)
    assert status == 404 and out["error"] == "unknown_spreadsheet"
    assert "someone-elses" not in out["message"]


def test_429_with_retry_after_when_a_sheet_sends_too_many() -> None:
    api = Api(rate_limit={"requests": 3, "per_seconds": 60})
    try:
        assert [api.trigger(BODY + b" " * n)[0] for n in range(3)] == [202, 202, 202]
        status, headers, body = api.trigger(BODY + b"   ")
        assert status == 429 and body["error"] == "too_many_requests"
        assert headers["retry-after"] == "20"
        api.clock.advance(20)
        assert api.trigger()[0] == 202
    finally:
        api.close()


def test_run_status_is_signed_and_unknown_runs_are_404(api: Api) -> None:
    assert api.request("GET", "/v1/runs/r_0000000000000000")[0] == 401
    status, _, body = api.request("GET", "/v1/runs/r_0000000000000000", api.sign())
    assert status == 404 and body["error"] == "unknown_run"
    assert api.request("GET", "/v1/runs/latest", api.sign())[0] == 404
    assert api.request("GET", "/v1/runs/not%20an%20id", api.sign())[0] == 404
    # Signed over the empty body: a signature over anything else does not pass.
    assert api.request("GET", "/v1/runs/latest", api.sign(b"x"))[0] == 401


def test_health_answers_without_a_signature_and_names_no_secret(api: Api) -> None:
    api.trigger()
    status, _, health = api.request("GET", "/healthz")
    assert status == 200
    assert health["status"] == "ok" and health["webhook"] == {"enabled": True}
    assert health["running"] or health["queued"]
    assert "alive" in health["scheduler"]
    assert SHEET not in json.dumps(health) and SECRET not in json.dumps(health)


def test_unknown_paths_and_methods(api: Api) -> None:
    assert api.request("GET", "/")[0] == 404
    status, headers, body = api.request("GET", "/v1/trigger")
    assert (status, headers["allow"], body["error"]) == (405, "POST", "method_not_allowed")
    assert api.request("POST", "/healthz")[0] == 405
    assert api.request("DELETE", "/v1/runs/latest")[0] == 405
    assert api.request("POST", "/openapi.json")[0] == 405


def test_signatures_are_compared_in_constant_time(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(signing.hmac, "compare_digest", spy)
    api.trigger()
    api.trigger(**{signing.SIGNATURE_HEADER: "sha256=" + "a" * 64})
    assert compared == [(64, 64), (64, 64)]


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    headers = sign_headers("k" * 20, b'{"a":1}', 1763880000)
    expected = hmac.new(b"k" * 20, b'1763880000.{"a":1}', hashlib.sha256).hexdigest()
    assert headers == {
        "X-Sheetsbot-Timestamp": "1763880000",
        "X-Sheetsbot-Signature": "sha256=" + expected,
    }


def test_the_replay_cache_is_bounded_in_time_and_size() -> None:
    clock = FakeClock("2026-11-24T10:00:00+00:00")
    cache = signing.ReplayCache(clock, ttl=600, max_entries=3)
    assert [cache.remember(k) for k in "abc"] == [True, True, True]
    assert cache.remember("a") is False
    with pytest.raises(signing.ReplayCacheFull) as full:
        cache.remember("d")  # refusing is safer than forgetting "a" while it could be replayed
    assert full.value.retry_after == 600
    clock.advance(600)
    assert cache.remember("d") is True and len(cache) == 1
    assert cache.remember("a") is True  # stale by now anyway: its timestamp would be refused


# -- the OpenAPI document --------------------------------------------------------------------------


def test_openapi_document_is_served_and_matches_every_answer_both_ways() -> None:
    """Every status the API gives is documented for its operation; every documented one happens."""
    seen: set[tuple[str, str, int]] = set()
    api, bare, slow = Api(), Api(secret=None), Api(rate_limit={"requests": 1, "per_seconds": 60})
    try:
        status, _, served = api.request("GET", "/openapi.json")
        assert status == 200 and served == json.loads(json.dumps(document()))
        big = b"x" * 70_000
        other = json.dumps({"action": "refresh", "spreadsheet_id": "other"}).encode()
        run_id = api.trigger()[2]["run_id"]
        replayed = api.sign(BODY)
        api.request("POST", "/v1/trigger", replayed, BODY)
        api.request("POST", "/v1/trigger", replayed, BODY)  # 409
        api.trigger(b"{}")  # 400
        api.trigger(other)  # 404
        api.request("POST", "/v1/trigger", {}, BODY)  # 401
        api.request("POST", "/v1/trigger", {}, big)  # 413
        api.request("GET", "/v1/trigger")  # 405
        bare.request("POST", "/v1/trigger", bare.sign(BODY), BODY)  # 503
        slow.trigger(), slow.trigger(BODY + b" ")  # 429
        for path in (f"/v1/runs/{run_id}", "/v1/runs/latest"):
            api.request("GET", path, api.sign())  # 200
            api.request("GET", path)  # 401
            api.request("GET", path, {}, big)  # 413
            api.request("POST", path)  # 405
            bare.request("GET", path, bare.sign())  # 503
        api.request("GET", "/v1/runs/r_unknown", api.sign())  # 404
        fresh = Api()  # no run yet: latest is a 404
        fresh.request("GET", "/v1/runs/latest", fresh.sign())
        fresh.close()
        seen.update(fresh.seen)
        for path in ("/healthz", "/openapi.json"):
            api.request("GET", path)
            api.request("POST", path)
            api.request("GET", path, {}, big)  # 413: the body limit holds on every route
        for a in (api, bare, slow):
            seen.update(a.seen)
    finally:
        for a in (api, bare, slow):
            a.close()
    paths = document()["paths"]
    produced: dict[tuple[str, str], set[str]] = {}
    for method, path, status in seen:
        template = path if path in paths else "/v1/runs/{run_id}"
        key = (template, method.lower())
        if key[1] not in paths[template]:
            assert status == 405
            key = (template, next(iter(paths[template])))  # 405 is documented on the operation
        produced.setdefault(key, set()).add(str(status))
    documented = {(p, m): set(op["responses"]) for p, ops in paths.items() for m, op in ops.items()}
    assert produced == documented


# -- fuzzing: nothing unsigned starts a run, nothing crashes the server ----------------------------

_header_values = st.one_of(
    st.none(),
    st.text(max_size=80),
    st.from_regex(r"sha256=[0-9a-f]{64}", fullmatch=True),
    st.integers(0, 2**40).map(str),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    timestamp=_header_values,
    signature=_header_values,
    method=st.sampled_from(["POST", "GET", "PUT"]),
    path=st.sampled_from(["/v1/trigger", "/v1/runs/latest", "/v1/runs/abc", "/healthz", "/x"]),
)
def test_fuzz_unsigned_requests_never_start_a_run_or_crash(
    api: Api, body: bytes, timestamp: str | None, signature: str | None, method: str, path: str
) -> None:
    headers = {}
    if timestamp is not None:
        headers[signing.TIMESTAMP_HEADER] = timestamp.encode("latin-1", "replace").decode("latin-1")
    if signature is not None:
        headers[signing.SIGNATURE_HEADER] = signature.encode("latin-1", "replace").decode("latin-1")
    status, _, out = api.request(method, path, headers, body)
    assert status < 500
    assert status not in (200, 202) or path == "/healthz"
    assert api.sheet.calls == [] and not api.worker.runner.busy()
    assert isinstance(out, dict)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=st.one_of(
        _json,
        st.fixed_dictionaries(
            {
                "action": st.sampled_from(["refresh", "tasks", "monthly", "x"]),
                "spreadsheet_id": st.sampled_from([SHEET, "other", ""]),
            },
            optional={
                "week": st.one_of(
                    st.none(), st.text(max_size=10), st.sampled_from(["2026-W47", "2026W01"])
                )
            },
        ),
    )
)
def test_fuzz_signed_bodies_get_a_clear_answer(payload: Any) -> None:
    api = Api(rate_limit={"requests": 10_000, "per_seconds": 1})
    try:
        body = json.dumps(payload).encode()
        status, _, out = api.trigger(body)
        assert status in (202, 400, 404), out
        assert status == 202 or out["message"]
        valid = (
            isinstance(payload, dict)
            and set(payload) <= {"action", "spreadsheet_id", "week"}
            and payload.get("action") in ("refresh", "tasks", "monthly")
            and payload.get("spreadsheet_id") == SHEET
        )
        if status == 202:
            assert valid
    finally:
        api.close()
