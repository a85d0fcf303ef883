"""The Drive folder source against the stand-in: recursion, paging, versions, lazy bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest
from test_google_support import calls_of

from sheetsbot.google import DriveFileGone, GoogleClient, NotShared
from sheetsbot.reports.prepare import prepare
from sheetsbot.sources.drive import DriveFolder
from sheetsbot.sources.local import LocalFolder
from sheetsbot.testing.google_standin import StandIn

#: The stand-in, a key, a client, a blank Sheet and a sink (see test_google_support).
pytest_plugins = ["test_google_support"]

BUSINESS = "(Child) ASIN,Sessions - Total,Units Ordered,Ordered Product Sales\nB01,12,3,$45.00\n"


@pytest.fixture
def tree(exports: Path) -> Path:
    """US/2026-W46, US/2026-W47 and DE/ads, a native Sheet, and clutter to ignore."""
    files = {
        "US/2026-W46/BusinessReport-11-16-26.csv": BUSINESS,
        "US/2026-W47/BusinessReport-11-23-26.csv": BUSINESS.replace("12", "15"),
        "US/2026-W47/Sponsored Products Campaign report.csv": "Campaign Name,Spend\nAlpha,3.5\n",
        "DE/ads/Sponsored_Brands_Campaign_report.csv": "Campaign Name,Spend\nBeta,7.25\n",
        "DE/ads/.~lock.report.csv#": "lock",
        "DE/~$Budget.xlsx": "office lock",
        ".DS_Store": "finder",
        "notes.txt": "team notes\n",
    }
    for rel, text in files.items():
        path = exports / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    book = openpyxl.Workbook()
    book.active.append(["Month", "Target"])
    book.active.append(["2026-11", 142000])
    book.save(exports / "US" / "Targets.gsheet.xlsx")  # a native Google Sheet in Drive
    return exports


def test_recursive_listing_reads_like_the_local_folder(google: StandIn, client: GoogleClient,
                                                       tree: Path) -> None:
    source = DriveFolder(google.folder_id, client)
    files = list(source.files())
    assert [f.path for f in files] == [
        "DE/ads/Sponsored_Brands_Campaign_report.csv",
        "US/2026-W46/BusinessReport-11-16-26.csv",
        "US/2026-W47/BusinessReport-11-23-26.csv",
        "US/2026-W47/Sponsored Products Campaign report.csv",
        "US/Targets.xlsx",
        "notes.txt",
    ]
    local = {f.path for f in LocalFolder(tree).files()}
    assert {f.path for f in files if not f.path.endswith("Targets.xlsx")} <= local
    assert files[1].folders == ("US", "2026-W46") and files[1].name == "BusinessReport-11-16-26.csv"
    assert "exports" in source.describe()
    # One files.list per level of folders (root; US, DE; 2026-W46, 2026-W47, ads), however
    # many folders a level holds.
    assert len(calls_of(google, "drive.files.list")) == 3


def test_versions_come_from_drive_without_downloading(google: StandIn, client: GoogleClient,
                                                      tree: Path) -> None:
    files = {f.path: f for f in DriveFolder(google.folder_id, client).files()}
    google.clear_calls()
    report = files["US/2026-W47/BusinessReport-11-23-26.csv"]
    expected = hashlib.md5((tree / report.path).read_bytes()).hexdigest()
    assert report.known_md5 == expected and report.md5() == expected
    assert report.size == (tree / report.path).stat().st_size and report.modified is not None
    assert google.calls == []  # listing gave everything: nothing downloaded
    assert report.read_bytes() == (tree / report.path).read_bytes()
    assert len(calls_of(google, "drive.files.get")) == 1


def test_a_native_sheet_is_versioned_by_modified_time_and_exported_as_xlsx(
        google: StandIn, client: GoogleClient, tree: Path) -> None:
    source = DriveFolder(google.folder_id, client)
    sheet = next(f for f in source.files() if f.path == "US/Targets.xlsx")
    assert sheet.known_md5 is not None and sheet.known_md5.startswith("modified:")
    assert sheet.mime_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data = sheet.read_bytes()
    assert data[:2] == b"PK" and calls_of(google, "drive.files.export")
    google.edit_cell(sheet.id, "Sheet!B2", "150000")  # someone edits the Sheet
    again = next(f for f in source.files() if f.path == "US/Targets.xlsx")
    assert again.known_md5 != sheet.known_md5


def test_paging(google: StandIn, client: GoogleClient, exports: Path) -> None:
    for i in range(7):
        (exports / f"report-{i}.csv").write_text(f"a,b\n{i},1\n")
    files = list(DriveFolder(google.folder_id, client, page_size=3).files())
    assert [f.name for f in files] == [f"report-{i}.csv" for i in range(7)]
    assert len(calls_of(google, "drive.files.list")) == 3  # 3 + 3 + 1


def test_a_file_deleted_between_list_and_download(google: StandIn, client: GoogleClient,
                                                  tree: Path) -> None:
    files = {f.path: f for f in DriveFolder(google.folder_id, client).files()}
    gone = files["US/2026-W46/BusinessReport-11-16-26.csv"]
    (tree / gone.path).unlink()
    with pytest.raises(DriveFileGone) as exc:
        gone.read_bytes()
    assert str(exc.value).startswith("US/2026-W46/BusinessReport-11-16-26.csv was deleted")
    # The report reader records it as a problem of that file; the run goes on.
    prepared = prepare(gone)
    assert prepared.tables == [] and prepared.problem is not None
    assert "was deleted or moved in Drive" in prepared.problem.problem
    assert files["US/2026-W47/BusinessReport-11-23-26.csv"].read_bytes()


def test_an_unshared_folder_says_what_to_share(tmp_path: Path) -> None:
    folder = tmp_path / "private"
    folder.mkdir()
    with StandIn(drive_folder=folder, folder_role="none") as google:
        key = tmp_path / "key.json"
        email = google.write_credentials(key)["client_email"]
        client = GoogleClient.from_key_file(key, base_url=google.url)
        with pytest.raises(NotShared) as exc:
            list(DriveFolder(google.folder_id, client).files())
    assert exc.value.role == "Viewer" and email in str(exc.value)
