"""Full runs into a real .xlsx file, with the team editing it between runs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from sheetsbot import job
from sheetsbot.config import load_config
from sheetsbot.demo.paths import CONFIG_PATH, EXPORTS_DIR
from sheetsbot.periods import Period
from sheetsbot.sinks.xlsx import XlsxSink, read_tabs
from sheetsbot.sources.local import LocalFolder

NOW = dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.timezone.utc)
W47 = Period.parse("2026-W47")


def run(folder: Path, out: Path, week: Period = W47, now: dt.datetime = NOW) -> job.RunResult:
    return job.run(LocalFolder(folder), XlsxSink(out), load_config(CONFIG_PATH), week, now=now, trigger="test")


def cells(path: Path, skip: tuple[str, ...] = ("Run log",)) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    return {
        ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets if ws.title not in skip
    }


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    shutil.copytree(EXPORTS_DIR, folder)
    return folder


def test_the_same_week_twice_changes_nothing_but_the_run_log(exports: Path, tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    first = run(exports, out)
    before = cells(out)
    # The team deletes a generated tab: the next run recreates it, identical, and says so.
    book = openpyxl.load_workbook(out)
    del book["Inventory"]
    book.save(out)
    second = run(exports, out, now=NOW + dt.timedelta(hours=1))
    assert (len(first.files_read), first.files_skipped) == (41, 0)
    assert (len(second.files_read), second.files_skipped, second.tasks_created) == (0, 41, 0)
    assert cells(out) == before
    log = read_tabs(out, ["Run log"])["Run log"]
    assert len(log) == 3  # header + two runs, the newest at the bottom
    assert log[1][0] < log[2][0]
    warnings = log[2][log[0].index("Warnings")]
    assert "recreated tab(s) Inventory" in warnings


def test_team_edits_survive_and_new_exports_are_picked_up(exports: Path, tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    run(exports, out)

    # The team works in the file: a status, an owner, a note, a row of their own, a column of
    # their own, and a Settings value.
    book = openpyxl.load_workbook(out)
    tasks = book["Tasks"]
    header = [c.value for c in tasks[1]]
    col = {name: header.index(name) + 1 for name in header}
    tasks.cell(2, col["Status"], "Done")
    tasks.cell(3, col["Owner"], "Mei")
    tasks.cell(3, col["Notes"], "waiting for the supplier")
    tasks.cell(4, col["Due date"], dt.datetime(2026, 12, 1))
    hand_row = tasks.max_row + 1
    tasks.cell(hand_row, col["Action"], "=Call the 3PL about the damaged pallet")
    tasks.cell(hand_row, col["Owner"], "Chen Jing")
    tasks.cell(1, len(header) + 1, "Budget")
    tasks.cell(3, len(header) + 1, 120)
    settings = book["Settings"]
    for row in settings.iter_rows(min_row=2):
        if row[0].value == "monthly_sales_target" and row[1].value == "US":
            row[2].value = 100000
    book.save(out)
    edited = [list(r) for r in openpyxl.load_workbook(out)["Tasks"].iter_rows(values_only=True)]

    # A new week's run with a new export in the folder.
    week48 = Period.parse("2026-W48")
    extra = exports / "US" / "inventory" / "2026-W48"
    extra.mkdir(parents=True)
    shutil.copy(next((exports / "US" / "inventory" / "2026-W47").iterdir()), extra / "1.txt")
    result = run(exports, out, week=week48, now=NOW + dt.timedelta(days=7))
    assert result.files_read and all("2026-W48" in f or "inventory" in f for f in result.files_read)

    after = [list(r) for r in openpyxl.load_workbook(out)["Tasks"].iter_rows(values_only=True)]
    header_after = after[0]
    assert header_after[: len(header) + 1] == [*header, "Budget"]
    for i, row in enumerate(edited[1:], start=1):
        for name in ("Key", "Week", "Owner", "Due date", "Status", "Notes", "Budget"):
            j = header_after.index(name)
            assert after[i][j] == row[j], (i, name)
    assert after[hand_row - 1][col["Action"] - 1] == "=Call the 3PL about the damaged pallet"
    assert openpyxl.load_workbook(out)["Tasks"].cell(hand_row, col["Action"]).data_type == "s"
    status = header_after.index("Status")
    open_rules = [r[0].rsplit("|", 1)[0] for r in after[1:] if r[0] and r[status] != "Done"]
    assert len(open_rules) == len(set(open_rules)), "two open tasks for one rule and subject"
    settings_after = read_tabs(out, ["Settings"])["Settings"]
    assert ["monthly_sales_target", "US", 100000] in [r[:3] for r in settings_after]


class _Vanishing:
    """A folder whose file ``gone`` disappears between the listing and its read."""

    def __init__(self, folder: Path, gone: str) -> None:
        self.folder, self.gone = LocalFolder(folder), gone

    def files(self):  # type: ignore[no-untyped-def]
        def missing() -> bytes:
            raise FileNotFoundError(f"{self.gone} was deleted after it was listed")

        for file in self.folder.files():
            yield dataclasses.replace(file, _reader=missing) if file.path == self.gone else file


def test_a_file_that_cannot_be_read_is_named_and_read_again_next_run(exports: Path, tmp_path: Path) -> None:
    """Not read is not judged: it is not recorded as processed, so the next run reads it."""
    gone = "US/business/2026-W47/BusinessReport-11-23-26.csv"
    assert (exports / gone).exists()
    out, clean = tmp_path / "book.xlsx", tmp_path / "clean.xlsx"
    first = job.run(_Vanishing(exports, gone), XlsxSink(out), load_config(CONFIG_PATH), W47, now=NOW, trigger="test")
    assert [p for p in first.problems if p.startswith(gone)] == [
        f"{gone}: cannot read the file ({gone} was deleted after it was listed) — skipped, read again next run"
    ]
    assert not any(gone in f for f in first.files_read)
    second = run(exports, out, now=NOW + dt.timedelta(hours=1))
    assert [f for f in second.files_read if f.startswith(gone)] and len(second.files_read) == 1
    run(exports, clean, now=NOW + dt.timedelta(hours=1))
    after, reference = cells(out), cells(clean)
    # The numbers are the clean run's (tasks raised on the first run's partial data stay:
    # the team's tab is never pruned).
    for title in ("ASINs", "Ads", "Inventory"):
        assert after[title] == reference[title], title
