"""Replay recorded gspread ↔ Google exchanges against the stand-in and compare the answers.

A cassette (``tests/data/google-recordings/*.json``, vcrpy format) lists requests in order
with Google's real responses. :func:`replay` sends each request to a stand-in, rewriting the
ids Google handed out (spreadsheets, sheets, named and protected ranges) into the ids the
stand-in handed out, learned as the responses come in; it then compares status and body.
Bodies are compared as JSON, modulo those ids, timestamps (any RFC 3339 value matches) and
the service account's e-mail address.

Usage::

    python tests/google_standin/standin_cassettes.py     # prints agreement per cassette
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from sheetsbot.testing.google_standin import StandIn

CASSETTES = Path(__file__).resolve().parents[1] / "data" / "google-recordings"

# Keys whose values are ids the server chooses: recorded and replayed values are paired.
ID_KEYS = {"id", "spreadsheetId", "sheetId", "namedRangeId", "protectedRangeId", "chartId",
           "bandedRangeId", "metadataId", "filterViewId"}
TIME_KEYS = {"createdTime", "modifiedTime", "modifiedByMeTime", "viewedByMeTime"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
SERVICE_ACCOUNT = re.compile(r"[\w.-]+@[\w.-]+\.iam\.gserviceaccount\.com")
LONG_ID = re.compile(r"[A-Za-z0-9_-]{25,}")

# Cassettes left out, and why (docs/google-standin.md repeats this list).
OUT_OF_SCOPE = {
    "ClientTest.test_openall": "lists every spreadsheet the recording account owned then",
    "ClientTest.test_open_all_has_metadata": "same: depends on the account's whole Drive",
    "ClientTest.test_import_csv": "Drive v2 upload API (/upload/drive/v2), not served",
    "WorksheetTest.test_auto_resize_columns": "pixel widths depend on Google's font metrics",
}

# Set-up a cassette needs that the recording account had beforehand.
PRIVATE_SPREADSHEETS = {
    # A spreadsheet owned by someone else and not shared with the service account.
    "ClientTest.test_access_private_spreadsheet": "1jIKzPs8LsiZZdLdeMEP-5ZIHw6RkjiOmj1LrJN706Yc",
}


@dataclass
class Exchange:
    index: int
    method: str
    uri: str
    ok: bool
    detail: str = ""


@dataclass
class Result:
    name: str
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def agreed(self) -> int:
        return sum(e.ok for e in self.exchanges)

    @property
    def ok(self) -> bool:
        return self.agreed == len(self.exchanges)

    def failures(self) -> str:
        return "\n".join(f"#{e.index} {e.method} {e.uri}: {e.detail}"
                         for e in self.exchanges if not e.ok)


def in_scope(directory: Path = CASSETTES) -> list[Path]:
    return sorted(p for p in directory.glob("*.json") if p.stem not in OUT_OF_SCOPE)


class _Ids:
    """Recorded id ↔ replayed id, kept one-to-one."""

    def __init__(self, email: str) -> None:
        self.forward: dict[str, str] = {}
        self.email = email

    def pair(self, recorded: Any, actual: Any) -> str | None:
        key, value = str(recorded), str(actual)
        if key in self.forward:
            return None if self.forward[key] == value else (
                f"id {key!r} was paired with {self.forward[key]!r}, now {value!r}")
        if value in self.forward.values():
            return f"replayed id {value!r} already paired with another recorded id"
        self.forward[key] = value
        return None

    def rewrite_text(self, text: str) -> str:
        text = SERVICE_ACCOUNT.sub(self.email, text)
        return LONG_ID.sub(lambda m: self.forward.get(m.group(0), m.group(0)), text)

    def rewrite_json(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: self.rewrite_json(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.rewrite_json(v, key) for v in value]
        if key in ID_KEYS and str(value) in self.forward:
            mapped = self.forward[str(value)]
            return int(mapped) if isinstance(value, int) else mapped
        if isinstance(value, str):
            return self.rewrite_text(value)
        return value


def _compare(recorded: Any, actual: Any, ids: _Ids, path: str = "") -> str | None:
    key = path.rsplit(".", 1)[-1]
    if key in ID_KEYS and not isinstance(recorded, (dict, list)):
        if type(recorded) is not type(actual):
            return f"{path}: {recorded!r} vs {actual!r} (type)"
        return ids.pair(recorded, actual)
    if key in TIME_KEYS:
        if isinstance(actual, str) and RFC3339.match(actual):
            return None
        return f"{path}: {actual!r} is not an RFC 3339 timestamp"
    if isinstance(recorded, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {actual!r:.200}"
        if set(recorded) != set(actual):
            missing, extra = set(recorded) - set(actual), set(actual) - set(recorded)
            return f"{path}: missing {sorted(missing)}, unexpected {sorted(extra)}"
        for k in recorded:
            problem = _compare(recorded[k], actual[k], ids, f"{path}.{k}")
            if problem:
                return problem
        return None
    if isinstance(recorded, list):
        if not isinstance(actual, list) or len(recorded) != len(actual):
            return f"{path}: expected {json.dumps(recorded)[:300]}, got {json.dumps(actual)[:300]}"
        for i, (r, a) in enumerate(zip(recorded, actual, strict=True)):
            problem = _compare(r, a, ids, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(recorded, str):
        expected = ids.rewrite_text(recorded)
        return None if expected == actual else f"{path}: expected {expected!r}, got {actual!r}"
    if isinstance(recorded, float) or isinstance(actual, float):
        if isinstance(actual, (int, float)) and abs(recorded - actual) <= 1e-9 * max(
                1.0, abs(recorded)):
            return None
    elif recorded == actual and type(recorded) is type(actual):
        return None
    return f"{path}: expected {recorded!r}, got {actual!r}"


def _request_uri(uri: str, base: str, ids: _Ids) -> str:
    parts = urlsplit(uri)
    path = "/".join(quote(ids.rewrite_text(unquote(seg)), safe="!:'(),*$@=+&;")
                    for seg in parts.path.split("/"))
    query = ids.rewrite_text(parts.query)
    return f"{base}{path}" + (f"?{query}" if query else "")


def _request_body(body: Any, ids: _Ids) -> bytes | None:
    if body is None or body == "":
        return None
    if isinstance(body, dict):  # vcrpy stores binary bodies as {"string": ...}
        body = body.get("string", "")
    try:
        return json.dumps(ids.rewrite_json(json.loads(body))).encode()
    except ValueError:
        return ids.rewrite_text(body).encode()


def replay(cassette: Path, standin: StandIn) -> Result:
    """Replay one cassette against a started stand-in."""
    key = standin.credentials_info()
    email = key["client_email"]
    token = standin.authority.mint_token(email, [
        "https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive"])
    if cassette.stem in PRIVATE_SPREADSHEETS:
        standin.add_spreadsheet("Someone else's", share_with=None,
                                spreadsheet_id=PRIVATE_SPREADSHEETS[cassette.stem])
    ids = _Ids(email)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    result = Result(cassette.stem)
    data = json.loads(cassette.read_text(encoding="utf-8"))
    for index, interaction in enumerate(data["interactions"]):
        request, recorded = interaction["request"], interaction["response"]
        headers = {k: v[0] for k, v in (request.get("headers") or {}).items()
                   if k.lower() == "content-type"}
        url = _request_uri(request["uri"], standin.url, ids)
        answer = session.request(request["method"], url, data=_request_body(request["body"], ids),
                                 headers=headers)
        detail = _compare_response(recorded, answer, ids)
        result.exchanges.append(Exchange(index, request["method"], unquote(request["uri"]),
                                         detail is None, detail or ""))
    return result


def _compare_response(recorded: dict[str, Any], answer: requests.Response, ids: _Ids
                      ) -> str | None:
    status = recorded["status"]["code"]
    if answer.status_code != status:
        return f"status {answer.status_code} (recorded {status}): {answer.text[:300]}"
    body = recorded["body"].get("string", "") if isinstance(recorded["body"], dict) else ""
    if not body:
        return None if not answer.content else f"unexpected body {answer.text[:200]}"
    try:
        expected = json.loads(body)
    except ValueError:
        return None if answer.text == ids.rewrite_text(body) else (
            f"body {answer.text[:200]!r}, recorded {body[:200]!r}")
    try:
        actual = answer.json()
    except ValueError:
        return f"not JSON: {answer.text[:200]}"
    return _compare(expected, actual, ids)


def main() -> int:
    total = agreed = 0
    for cassette in in_scope():
        with StandIn() as standin:
            result = replay(cassette, standin)
        total += len(result.exchanges)
        agreed += result.agreed
        mark = "ok " if result.ok else "BAD"
        print(f"{mark} {result.agreed:3d}/{len(result.exchanges):3d} {result.name}")
        if not result.ok:
            print("    " + result.failures().replace("\n", "\n    ")[:2000])
    print(f"{len(in_scope())} cassettes, {agreed}/{total} exchanges agree "
          f"({100 * agreed / max(total, 1):.1f} %)")
    return 0 if agreed == total else 1


if __name__ == "__main__":
    sys.exit(main())
