"""Drive v3 over the shared folder, scheduled faults, the calls log, state and the CLI."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import gspread
import openpyxl
import pytest
import requests
from standin_helpers import bearer_session, error_of

from sheetsbot.testing.google_standin import StandIn

FOLDER = "application/vnd.google-apps.folder"
SHEET = "application/vnd.google-apps.spreadsheet"


def _list(session: requests.Session, standin: StandIn, **params: str) -> dict:
    answer = session.get(standin.url + "/drive/v3/files", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_folder_listing_with_q_and_paging(standin: StandIn) -> None:
    session = bearer_session(standin)
    top = _list(session, standin, q=f"'{standin.folder_id}' in parents and trashed = false",
                fields="files(id,name,mimeType),nextPageToken")
    assert sorted((f["name"], f["mimeType"]) for f in top["files"]) == [
        ("2026-W47", FOLDER), ("2026-W48", FOLDER), ("Targets", SHEET),
        ("notes.txt", "text/plain")]
    week = next(f for f in top["files"] if f["name"] == "2026-W47")
    seen, token = [], None
    while True:
        params = {"q": f"'{week['id']}' in parents and mimeType != '{FOLDER}'",
                  "pageSize": "1", "fields": "nextPageToken,files(name,size,md5Checksum,"
                  "modifiedTime,mimeType)"}
        if token:
            params["pageToken"] = token
        page = _list(session, standin, **params)
        seen.extend(page["files"])
        token = page.get("nextPageToken")
        if not token:
            break
    assert sorted(f["name"] for f in seen) == ["BusinessReport.csv", "Campaigns.csv"]
    report = next(f for f in seen if f["name"] == "BusinessReport.csv")
    body = b"ASIN,Sessions\nB01,12\n"
    assert report["size"] == str(len(body))
    assert report["md5Checksum"] == hashlib.md5(body).hexdigest()
    assert report["mimeType"] == "text/csv"
    named = _list(session, standin, q="name contains 'Business' or (name = 'notes.txt')")
    assert sorted(f["name"] for f in named["files"]) == [
        "BusinessReport.csv", "BusinessReport.csv", "notes.txt"]
    assert set(named["files"][0]) == {"kind", "id", "name", "mimeType"}  # v3 defaults
    future = _list(session, standin, q="modifiedTime > '2999-01-01T00:00:00'")
    assert future["files"] == []
    bad = session.get(standin.url + "/drive/v3/files", params={"q": "name ~ 'x'"})
    assert bad.status_code == 400
    assert error_of(bad)["errors"][0]["location"] == "q"


def test_new_export_dropped_into_the_folder_is_listed(standin: StandIn, exports: Path) -> None:
    session = bearer_session(standin)
    (exports / "2026-W48" / "Inventory.csv").write_text("sku,qty\nA,1\n")
    names = [f["name"] for f in _list(session, standin, q="name = 'Inventory.csv'")["files"]]
    assert names == ["Inventory.csv"]


def test_download_and_export(standin: StandIn, gc: gspread.Client, exports: Path) -> None:
    session = bearer_session(standin)
    notes = _list(session, standin, q="name = 'notes.txt'")["files"][0]
    media = session.get(f"{standin.url}/drive/v3/files/{notes['id']}", params={"alt": "media"})
    assert media.content == b"team notes\n"
    target = _list(session, standin, q=f"name = 'Targets' and mimeType = '{SHEET}'")["files"][0]
    csv = session.get(f"{standin.url}/drive/v3/files/{target['id']}/export",
                      params={"mimeType": "text/csv"})
    assert csv.text == "Month,Target\r\n2026-11,12000"
    xlsx = session.get(f"{standin.url}/drive/v3/files/{target['id']}/export", params={
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.active["B2"].value == 12000
    not_binary = session.get(f"{standin.url}/drive/v3/files/{target['id']}",
                             params={"alt": "media"})
    assert not_binary.status_code == 403
    # the native sheet also opens through the Sheets API
    assert gc.open_by_key(target["id"]).sheet1.get_all_values()[1] == ["2026-11", "12000"]
    created = gc.create("Made here")
    created.sheet1.update([["a", "b"], [1, 2]], "A1")
    from gspread.utils import ExportFormat

    assert gc.export(created.id, ExportFormat.CSV) == b"a,b\r\n1,2"


def test_create_in_folder_respects_the_folder_role(exports: Path, tmp_path: Path) -> None:
    for role, allowed in (("reader", False), ("writer", True)):
        with StandIn(drive_folder=exports, folder_role=role) as standin:
            key = tmp_path / f"{role}.json"
            standin.write_credentials(key)
            from sheetsbot.testing.google_standin import route_session

            gc = gspread.service_account(filename=str(key))
            route_session(gc.http_client.session, standin.url)
            if allowed:
                book = gc.create("Report", folder_id=standin.folder_id)
                listed = gc.list_spreadsheet_files(folder_id=standin.folder_id)
                assert book.id in [f["id"] for f in listed]
            else:
                with pytest.raises(gspread.exceptions.APIError) as excinfo:
                    gc.create("Report", folder_id=standin.folder_id)
                assert excinfo.value.response.status_code == 403


def test_permissions_and_delete(standin: StandIn, gc: gspread.Client) -> None:
    book = gc.create("Share me")
    book.share("boss@example.com", perm_type="user", role="writer", notify=False)
    emails = {p.get("emailAddress") for p in book.list_permissions()}
    assert "boss@example.com" in emails
    permission = next(p for p in book.list_permissions()
                      if p.get("emailAddress") == "boss@example.com")
    book.remove_permissions("boss@example.com")
    assert permission["id"] not in [p["id"] for p in book.list_permissions()]
    gc.del_spreadsheet(book.id)
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key(book.id)
    session = bearer_session(standin)
    folder_file = _list(session, standin, q="name = 'notes.txt'")["files"][0]
    refused = session.delete(f"{standin.url}/drive/v3/files/{folder_file['id']}")
    assert refused.status_code == 403


def test_429_with_retry_after_and_500(standin: StandIn, gc: gspread.Client) -> None:
    book = gc.create("Faults")
    standin.set_faults("values.get:1=429/7;values.get:2=500")
    session = bearer_session(standin)
    url = f"{standin.url}/v4/spreadsheets/{book.id}/values/A1"
    first = session.get(url)
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "7"
    assert error_of(first)["status"] == "RESOURCE_EXHAUSTED"
    second = session.get(url)
    assert second.status_code == 500 and error_of(second)["status"] == "INTERNAL"
    assert session.get(url).status_code == 200
    standin.set_faults("batchUpdate:*=503")
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        book.add_worksheet("x", 1, 1)
    assert excinfo.value.response.status_code == 503


def test_reset_after_applies_the_write_and_reset_before_does_not(standin: StandIn,
                                                                 gc: gspread.Client) -> None:
    book = gc.create("Resets")
    standin.set_faults("batchUpdate:1=reset-after;batchUpdate:2=reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        book.add_worksheet("Applied", 5, 5)
    assert standin.sheet_titles(book.id) == ["Sheet1", "Applied"]
    with pytest.raises(requests.exceptions.ConnectionError):
        book.add_worksheet("Not applied", 5, 5)
    assert standin.sheet_titles(book.id) == ["Sheet1", "Applied"]
    book.add_worksheet("Third time", 5, 5)
    assert standin.sheet_titles(book.id)[-1] == "Third time"
    faults = [c.fault for c in standin.calls if c.api_method.endswith(".batchUpdate")]
    assert faults == ["reset-after", "reset", None]


def test_faults_and_calls_over_http(standin: StandIn, gc: gspread.Client) -> None:
    posted = requests.post(standin.url + "/_standin/faults",
                           json={"spec": "files.create:1=500"})
    assert posted.status_code == 200
    assert posted.json()["faults"] == [{"rule": "files.create:1=500", "matched": 0}]
    with pytest.raises(gspread.exceptions.APIError):
        gc.create("Fails once")
    gc.create("Works")
    calls = requests.get(standin.url + "/_standin/calls").json()["calls"]
    creates = [c for c in calls if c["api_method"] == "drive.files.create"]
    assert [c["status"] for c in creates] == [500, 200]
    assert creates[1]["method"] == "POST" and creates[1]["path"] == "/drive/v3/files"
    assert creates[1]["request_bytes"] > 0 and creates[1]["duration_ms"] >= 0
    assert any(c["api_method"] == "oauth2.token" for c in calls)
    bad = requests.post(standin.url + "/_standin/faults", json={"spec": "nonsense"})
    assert bad.status_code == 400


def test_latency(exports: Path) -> None:
    with StandIn(drive_folder=exports, latency_ms=120) as standin:
        session = bearer_session(standin)
        started = time.perf_counter()
        session.get(standin.url + "/drive/v3/files")
        assert time.perf_counter() - started >= 0.12


def test_state_survives_a_restart(exports: Path, tmp_path: Path) -> None:
    import socket

    state, key = tmp_path / "state.json", tmp_path / "key.json"
    with socket.socket() as probe:  # a fixed port: the key's token_uri names it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with StandIn(drive_folder=exports, state=state, port=port) as standin:
        standin.write_credentials(key)
        from sheetsbot.testing.google_standin import route_session

        gc = gspread.service_account(filename=str(key))
        route_session(gc.http_client.session, standin.url)
        book = gc.create("Persistent")
        book.sheet1.update([["kept"]], "A1")
    with StandIn(drive_folder=exports, state=state, port=port) as again:
        gc = gspread.service_account(filename=str(key))  # the old key still works
        route_session(gc.http_client.session, again.url)
        assert gc.open_by_key(book.id).sheet1.acell("A1").value == "kept"


def test_cli_prints_one_ready_line_after_writing_credentials(exports: Path,
                                                             tmp_path: Path) -> None:
    key, state = tmp_path / "cli-key.json", tmp_path / "cli-state.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "sheetsbot.testing.google_standin", "--port", "0",
         "--drive-folder", str(exports), "--write-credentials", str(key), "--state",
         str(state), "--faults", "values.get:1=429"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[2])
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        assert ready["url"].startswith("http://127.0.0.1:")
        assert ready["folder_id"]
        info = json.loads(key.read_text())  # complete before the line was printed
        assert info["token_uri"] == ready["url"] + "/token"
        assert info["private_key"].strip().endswith("-----END PRIVATE KEY-----")
        health = requests.get(ready["url"] + "/_standin/health", timeout=5).json()
        assert health["folder_id"] == ready["folder_id"]
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert out == ""  # nothing after the ready line: logs go to stderr
    assert state.exists()


def test_cli_rejects_a_bad_fault_spec(exports: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sheetsbot.testing.google_standin", "--drive-folder",
         str(exports), "--faults", "oops"], capture_output=True, text=True, timeout=30,
        cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 2
    assert done.stdout == "" and "--faults" in done.stderr
