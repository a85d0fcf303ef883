"""``sheetsbot check`` logic: one line per check, and exactly what to share with whom."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sheetsbot.google.doctor import all_ok, run_checks
from sheetsbot.testing.google_standin import StandIn

#: The stand-in, a key, a client, a blank Sheet and a sink (see test_google_support).
pytest_plugins = ["test_google_support"]


def _config(tmp_path: Path, key: Path | str, folder: str, sheet: str) -> Path:
    path = tmp_path / "store.yaml"
    path.write_text(f"google:\n  credentials: {key}\n  drive_folder_id: '{folder}'\n"
                    f"  spreadsheet_id: '{sheet}'\n")
    return path


def _env(google: StandIn) -> dict[str, str]:
    return {"SHEETSBOT_GOOGLE_API_URL": google.url}


def _lines(results: list) -> dict[str, tuple[str, str]]:
    for result in results:
        assert "\n" not in result.line()  # every result is one line
    return {r.name: (r.status, r.message) for r in results}


def test_everything_in_place(google: StandIn, key_file: Path, tmp_path: Path) -> None:
    sheet = google.add_spreadsheet("Lumen KPIs")
    results = run_checks(_config(tmp_path, key_file, google.folder_id, sheet), environ=_env(google))
    lines = _lines(results)
    assert [r.name for r in results] == ["config", "credentials", "token", "drive folder", "sheet"]
    assert all_ok(results), results
    assert "editable by sheetsbot@" in lines["sheet"][1]
    assert google.url in lines["config"][1]


def test_wrong_credentials(google: StandIn, key_file: Path, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    info = json.loads(key_file.read_text())
    # A well-formed key, but not one this "Google" issued (as after the key was deleted).
    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    info.update(private_key=pem, private_key_id="deleted")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(info))
    lines = _lines(run_checks(_config(tmp_path, wrong, google.folder_id, "x"),
                              environ=_env(google)))
    status, message = lines["token"]
    assert status == "fail" and "refused the service-account key" in message
    assert info["client_email"] in message and "create a new JSON key" in message
    assert lines["drive folder"][0] == lines["sheet"][0] == "skipped"


def test_missing_key_file_and_ids(google: StandIn, tmp_path: Path) -> None:
    lines = _lines(run_checks(_config(tmp_path, "nowhere.json", "", ""), environ=_env(google)))
    status, message = lines["credentials"]
    assert status == "fail" and "credentials file not found" in message
    assert lines["drive folder"] == ("fail", lines["drive folder"][1])
    assert "google.drive_folder_id" in lines["drive folder"][1]
    assert "google.spreadsheet_id" in lines["sheet"][1]


def test_config_errors_stop_the_checks(tmp_path: Path) -> None:
    bad = tmp_path / "store.yaml"
    bad.write_text("google:\n  credential: x.json\n")
    lines = _lines(run_checks(bad, environ={}))
    assert lines["config"][0] == "fail" and "did you mean 'credentials'" in lines["config"][1]
    assert {s for s, _ in list(lines.values())[1:]} == {"skipped"}


def test_unshared_sheet_says_share_as_editor(google: StandIn, key_file: Path,
                                             tmp_path: Path) -> None:
    email = json.loads(key_file.read_text())["client_email"]
    private = google.add_spreadsheet("Team KPIs", share_with=None)
    status, message = _lines(run_checks(_config(tmp_path, key_file, google.folder_id, private),
                                        environ=_env(google)))["sheet"]
    assert status == "fail"
    assert message == (f"the Google Sheet {private} is not shared with {email}: open it, click "
                       f"Share and add {email} as Editor")


def test_sheet_shared_as_viewer_says_make_editor(google: StandIn, key_file: Path,
                                                 tmp_path: Path) -> None:
    viewer = google.add_spreadsheet("Team KPIs", role="reader")
    status, message = _lines(run_checks(_config(tmp_path, key_file, google.folder_id, viewer),
                                        environ=_env(google)))["sheet"]
    assert status == "fail" and "without edit rights" in message and "an Editor" in message


def test_unknown_sheet_id(google: StandIn, key_file: Path, tmp_path: Path) -> None:
    status, message = _lines(run_checks(_config(tmp_path, key_file, google.folder_id, "1nope"),
                                        environ=_env(google)))["sheet"]
    assert status == "fail" and "between /d/ and /edit" in message


@pytest.fixture
def private_folder(tmp_path: Path) -> Iterator[StandIn]:
    folder = tmp_path / "private"
    folder.mkdir()
    with StandIn(drive_folder=folder, folder_role="none") as standin:  # not shared with the bot
        yield standin


def test_unshared_folder_says_share_as_viewer(private_folder: StandIn, tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    email = private_folder.write_credentials(key)["client_email"]
    sheet = private_folder.add_spreadsheet("KPIs")
    status, message = _lines(run_checks(_config(tmp_path, key, private_folder.folder_id, sheet),
                                        environ=_env(private_folder)))["drive folder"]
    assert status == "fail"
    assert message == (f"the Drive folder {private_folder.folder_id} is not shared with {email} "
                       "(or the id is wrong): in Drive, right-click the folder → Share, add "
                       f"{email} as Viewer")


def test_a_file_id_instead_of_the_folder(google: StandIn, exports: Path, key_file: Path,
                                         tmp_path: Path) -> None:
    (exports / "report.csv").write_text("a,b\n1,2\n")
    sheet = google.add_spreadsheet("KPIs")
    file_id = google.store.files and next(
        f.id for f in _scan(google) if f.name == "report.csv")
    status, message = _lines(run_checks(_config(tmp_path, key_file, file_id, sheet),
                                        environ=_env(google)))["drive folder"]
    assert status == "fail" and "is a file, not a folder" in message


def _scan(google: StandIn) -> list:
    with google.store.transaction():
        google.store.scan_folder()
        return list(google.store.files.values())
