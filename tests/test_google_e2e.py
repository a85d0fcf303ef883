"""The whole run against Google (the stand-in): demo exports in a Drive folder → the Sheet.

``job.run(DriveFolder, GoogleSheetsSink, ...)`` twice (the second run downloads nothing and
changes no cell but the Run log), then with the team's edits and a new export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from test_google_support import calls_of, everything, sheet_of, sheets_calls

from sheetsbot.config import load_config
from sheetsbot.demo.paths import CONFIG_PATH, DEMO_WEEK, EXPORTS_DIR
from sheetsbot.google import GoogleClient
from sheetsbot.periods import Period
from sheetsbot.sinks.google_sheets import GoogleSheetsSink
from sheetsbot.sources.drive import DriveFolder
from sheetsbot.testing.google_standin import StandIn

#: The stand-in, a key, a client, a blank Sheet and a sink (see test_google_support).
pytest_plugins = ["test_google_support"]

NOW = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.timezone.utc)
TABS = ["Dashboard", "ASINs", "Ads", "Inventory", "Tasks", "Monthly", "Settings", "Run log"]


def _tasks_layer_ready() -> str | None:
    try:
        import sheetsbot.tasks as tasks
    except ImportError as exc:
        return f"sheetsbot.tasks cannot be imported ({exc}); the lead's job.run needs it"
    missing = [n for n in ("generate_tasks", "merge_tasks", "load_rules", "task_completion")
               if not hasattr(tasks, n)]
    return f"sheetsbot.tasks lacks {', '.join(missing)}" if missing else None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(_tasks_layer_ready() is not None, reason=str(_tasks_layer_ready())),
]


@pytest.fixture
def demo_exports(exports: Path) -> Path:
    shutil.copytree(EXPORTS_DIR, exports, dirs_exist_ok=True)
    return exports


def _downloads(google: StandIn) -> int:
    return len(calls_of(google, "drive.files.get")) + len(calls_of(google, "drive.files.export"))


def test_demo_runs_against_google(google: StandIn, client: GoogleClient, demo_exports: Path,
                                  sheet_id: str, sink: GoogleSheetsSink) -> None:
    from sheetsbot import job

    config = load_config(CONFIG_PATH)
    week = Period.parse(DEMO_WEEK)
    source = DriveFolder(google.folder_id, client)

    # Run 1: a blank Sheet becomes the whole workbook, in one read and one write.
    first = job.run(source, sink, config, week, now=NOW)
    summary = first.write_summary
    assert first.problems == [] and len(first.files_read) == first.files_seen > 30
    assert sheets_calls(google) == ["sheets.spreadsheets.get", "sheets.spreadsheets.batchUpdate"]
    assert summary.payload_bytes < 2_000_000 and summary.warnings == ()
    titles = google.sheet_titles(sheet_id)
    assert titles[:8] == TABS and len(titles) == 9  # + the hidden state tab
    assert sheet_of(google, sheet_id, titles[8])["properties"]["hidden"] is True
    assert sheet_of(google, sheet_id, "Dashboard").get("charts")
    assert len(google.cells(sheet_id, "Tasks")) > 1

    # Run 2, same exports: nothing downloaded, no cell changes but the Run log's.
    before = everything(google, sheet_id)
    google.clear_calls()
    second = job.run(source, sink, config, week, now=NOW)
    assert second.files_read == [] and second.files_skipped == first.files_seen
    assert _downloads(google) == 1  # the folder's own metadata, no file
    assert sheets_calls(google) == ["sheets.spreadsheets.get", "sheets.spreadsheets.batchUpdate"]
    after = everything(google, sheet_id)
    for title in titles:
        if title != "Run log":
            assert after[title]["cells"] == before[title]["cells"], title
    changed = {t: n for t, n in second.write_summary.cells_changed.items() if n}
    assert set(changed) == {"Run log"}
    assert len(google.cells(sheet_id, "Run log")) == len(before_rows := [
        k for k in before["Run log"]["cells"] if k.endswith(",0")]) + 1, before_rows

    # The team works in the Sheet; a new export arrives; run 3 reads only that file.
    tasks = google.cells(sheet_id, "Tasks")
    status_col = tasks[0].index("Status")
    notes_col = tasks[0].index("Notes")
    letter = chr(ord("A") + status_col)
    google.edit_cell(sheet_id, f"Tasks!{letter}2", "Done")
    google.edit_cell(sheet_id, f"Tasks!{chr(ord('A') + notes_col)}2", "done on Monday")
    google.edit_cell(sheet_id, f"Tasks!B{len(tasks) + 1}", "Order new packaging")
    new_file = _new_returns_export(demo_exports)
    google.clear_calls()
    third = job.run(source, sink, config, week, now=NOW + dt.timedelta(hours=1))
    assert [f.split(" (")[0] for f in third.files_read] == [new_file]
    assert _downloads(google) == 2  # the folder, then the one new file
    rows = google.cells(sheet_id, "Tasks")
    assert rows[1][0] == tasks[1][0] and rows[1][status_col] == "Done"
    assert rows[1][notes_col] == "done on Monday"
    assert any(r[1:2] == ["Order new packaging"] and r[0] == "" for r in rows)
    assert third.write_summary.sheets_calls == 1


def _new_returns_export(root: Path) -> str:
    """Two more US returns in the reporting week, in a file of their own."""
    source = root / "US" / "returns" / "FBA customer returns 2026-10-12_2026-11-22.csv"
    text = source.read_bytes().decode("utf-8", "replace")
    reader = list(csv.reader(io.StringIO(text)))
    header, rows = reader[0], reader[1:3]
    order = header.index("order-id")
    plate = header.index("license-plate-number")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for i, row in enumerate(rows):
        row = list(row)
        row[order] = f"111-000000{i}-999999{i}"
        row[plate] = f"LPNNEW{i:06d}"
        writer.writerow(row)
    rel = "US/returns/FBA customer returns 2026-11-16_2026-11-22.csv"
    (root / rel).write_text(out.getvalue(), encoding="utf-8")
    return rel
