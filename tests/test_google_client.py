"""The Google client's parts: URLs and the base-URL override, settings from config and
environment, the key file, retries, and the one-line errors (against the stand-in)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
from test_google_support import FAST, calls_of

from sheetsbot.config import parse_config
from sheetsbot.errors import SheetsbotError
from sheetsbot.google import (
    CredentialsError,
    CredentialsRejected,
    DriveFileGone,
    GoogleApiError,
    GoogleClient,
    GoogleError,
    GoogleUnavailable,
    NotShared,
    RetryPolicy,
    WriteOutcomeUnknown,
    connect,
    google_settings,
    urls,
)
from sheetsbot.google.credentials import read_key
from sheetsbot.google.retry import Backoff, parse_retry_after
from sheetsbot.testing.google_standin import StandIn

#: The stand-in, a key, a client, a blank Sheet and a sink (see test_google_support).
pytest_plugins = ["test_google_support"]

# ------------------------------------------------------------------------------ urls


def test_every_url_is_googles_own() -> None:
    assert urls.batch_update("1AbC") == "https://sheets.googleapis.com/v4/spreadsheets/1AbC:batchUpdate"
    assert urls.drive_export("x/y") == "https://www.googleapis.com/drive/v3/files/x%2Fy/export"
    assert urls.SCOPES == ("https://www.googleapis.com/auth/drive.readonly",
                           "https://www.googleapis.com/auth/spreadsheets")


def test_base_url_from_the_environment() -> None:
    assert urls.api_base({}) is None
    assert urls.api_base({"SHEETSBOT_GOOGLE_API_URL": " http://127.0.0.1:8765/ "}) == (
        "http://127.0.0.1:8765")
    assert urls.token_uri("http://proxy:1/google") == "http://proxy:1/google/token"
    with pytest.raises(ValueError, match="not an http"):
        urls.api_base({"SHEETSBOT_GOOGLE_API_URL": "127.0.0.1:8765"})


# -------------------------------------------------------------------------- settings


def test_environment_overrides_the_config(tmp_path: Path) -> None:
    config = parse_config("google:\n  credentials: keys/sa.json\n  drive_folder_id: F1\n"
                          "  spreadsheet_id: S1\n", str(tmp_path / "store.yaml"))
    assert google_settings(config, {}) == (tmp_path / "keys" / "sa.json", "F1", "S1")
    env = {"SHEETSBOT_GOOGLE_CREDENTIALS": "other.json", "SHEETSBOT_DRIVE_FOLDER_ID": "F2",
           "SHEETSBOT_SPREADSHEET_ID": "https://docs.google.com/spreadsheets/d/S2/edit#gid=0"}
    credentials, folder, sheet = google_settings(config, env)
    assert (credentials, folder, sheet) == (Path("other.json"), "F2", "S2")
    empty = parse_config("google:\n  drive_folder_id: ''\n", "x.yaml")
    assert google_settings(empty, {"SHEETSBOT_SPREADSHEET_ID": "  "}) == (None, None, None)
    with pytest.raises(CredentialsError, match="SHEETSBOT_GOOGLE_CREDENTIALS"):
        connect(empty)


# ------------------------------------------------------------------------------ keys


def test_key_file_problems_are_one_line_with_the_fix(tmp_path: Path) -> None:
    cases = {
        "missing.json": None,
        "bad.json": "{not json",
        "oauth.json": json.dumps({"installed": {"client_id": "x"}}),
        "partial.json": json.dumps({"type": "service_account", "client_email": "a@b"}),
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        with pytest.raises(CredentialsError) as exc:
            read_key(path)
        message = str(exc.value)
        assert "\n" not in message and str(path) in message and "key" in message
    assert "OAuth client secret" in _message(tmp_path / "oauth.json")
    assert "lacks private_key" in _message(tmp_path / "partial.json")


def _message(path: Path) -> str:
    try:
        read_key(path)
    except CredentialsError as exc:
        return str(exc)
    raise AssertionError("no error")


def test_any_key_file_works_against_the_base_url(google: StandIn, tmp_path: Path) -> None:
    """google-auth posts to the key's token_uri: sheetsbot rewrites it to <base>/token."""
    info = google.credentials_info()
    info["token_uri"] = urls.TOKEN_URI  # a key as Google issues it
    path = tmp_path / "google-issued.json"
    path.write_text(json.dumps(info))
    client = GoogleClient.from_key_file(path, base_url=google.url, policy=FAST)
    client.fetch_token()
    assert client.client_email == info["client_email"]
    assert calls_of(google, "oauth2.token")[0].status == 200


def test_a_key_google_does_not_know_is_rejected(google: StandIn, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    info = google.credentials_info()
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    info.update(private_key=pem, private_key_id="deleted-key")
    path = tmp_path / "revoked.json"
    path.write_text(json.dumps(info))
    client = GoogleClient.from_key_file(path, base_url=google.url, policy=FAST)
    with pytest.raises(CredentialsRejected) as exc:
        client.get_spreadsheet("x", fields="spreadsheetId")
    assert "invalid_grant" in str(exc.value) and info["client_email"] in str(exc.value)


# -------------------------------------------------------------------------- retries


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    policy = RetryPolicy(deadline=100, base_delay=1, max_delay=8)
    rng = random.Random(7)
    delays = [policy.delay(n, None, rng) for n in range(6)]
    assert all(step / 2 <= d <= step for d, step in zip(delays, [1, 2, 4, 8, 8, 8], strict=True))
    assert len(set(delays)) == len(delays)  # jitter
    assert policy.delay(0, 5.0, rng) == 5.0  # Retry-After is a floor


def test_backoff_gives_up_at_the_deadline() -> None:
    now = [0.0]
    backoff = Backoff(RetryPolicy(deadline=3, base_delay=1, max_delay=1),
                      clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    backoff.wait(None, "429")
    backoff.wait(None, "429")
    with pytest.raises(GoogleUnavailable, match="gave up after 3 attempt"):
        backoff.wait(2.5, "Sheets answered 429")


def test_retry_after_as_seconds_or_date() -> None:
    now = datetime(2026, 11, 23, 8, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Mon, 23 Nov 2026 08:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None) is None


def test_reads_are_retried_and_writes_are_not_resent(google: StandIn, client: GoogleClient) -> None:
    sheet = google.add_spreadsheet("KPIs")
    google.set_faults("get:1=503;get:2=429/0;batchUpdate:1=500;batchUpdate:2=reset")
    assert client.get_spreadsheet(sheet, fields="spreadsheetId")["spreadsheetId"] == sheet
    body = {"requests": [{"addSheet": {"properties": {"title": "X"}}}]}
    with pytest.raises(WriteOutcomeUnknown):
        client.batch_update(sheet, body)
    with pytest.raises(WriteOutcomeUnknown):
        client.batch_update(sheet, body)
    assert client.calls["sheets.spreadsheets.get"] == 3
    assert client.calls["sheets.spreadsheets.batchUpdate"] == 2


def test_persistent_429_ends_with_a_clear_error(google: StandIn, key_file: Path) -> None:
    sheet = google.add_spreadsheet("KPIs")
    impatient = GoogleClient.from_key_file(
        key_file, base_url=google.url, policy=RetryPolicy(deadline=1.5, base_delay=0.01))
    google.set_faults("get:*=429")
    with pytest.raises(GoogleUnavailable) as exc:
        impatient.get_spreadsheet(sheet, fields="spreadsheetId")
    assert "429" in str(exc.value) and "next run" in str(exc.value)


def test_unreachable_google_is_retried_then_reported(key_file: Path) -> None:
    client = GoogleClient.from_key_file(key_file, base_url="http://127.0.0.1:9",
                                        policy=RetryPolicy(deadline=0.5, base_delay=0.05))
    with pytest.raises(GoogleUnavailable, match="token endpoint"):
        client.get_spreadsheet("x", fields="spreadsheetId")


def test_errors_belong_to_one_hierarchy() -> None:
    for kind in (CredentialsError, CredentialsRejected, GoogleApiError, GoogleUnavailable,
                 NotShared, WriteOutcomeUnknown, DriveFileGone):
        assert issubclass(kind, GoogleError) and issubclass(kind, SheetsbotError)
    gone = DriveFileGone("US/x.csv", "1abc")
    assert isinstance(gone, OSError) and str(gone).startswith("US/x.csv was deleted")


def test_drive_404_on_the_folder_says_share_as_viewer(google: StandIn,
                                                      client: GoogleClient) -> None:
    with pytest.raises(NotShared) as exc:
        client.get_file("1nope", fields="id", what="folder")
    assert exc.value.role == "Viewer" and client.client_email in str(exc.value)
    with pytest.raises(GoogleApiError) as other:
        client.download("1nope")
    assert other.value.status == 404


def test_calls_are_counted(google: StandIn, client: GoogleClient) -> None:
    sheet = google.add_spreadsheet("KPIs")
    client.get_spreadsheet(sheet, fields="spreadsheetId")
    client.batch_update(sheet, {"requests": [{"addSheet": {"properties": {"title": "X"}}}]})
    assert client.sheets_calls == 2
    assert client.bytes_sent["sheets.spreadsheets.batchUpdate"] == calls_of(
        google, "sheets.spreadsheets.batchUpdate")[0].request_bytes
    assert client.gspread.open_by_key(sheet).worksheet("X").title == "X"  # gspread, same session
