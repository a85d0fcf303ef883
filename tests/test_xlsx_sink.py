"""The xlsx sink, checked by reading the file back with openpyxl, and in LibreOffice."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest
from openpyxl.chart import BarChart, LineChart
from openpyxl.formatting.rule import Rule
from openpyxl.worksheet.worksheet import Worksheet

from sheetsbot.sinks.xlsx import LISTS_TAB_TITLE, XlsxSink, XlsxSinkError, read_tabs
from sheetsbot.workbook.model import (
    Cell,
    Chart,
    ChartSeries,
    Column,
    ConditionalRule,
    GridRange,
    NumberFormat,
    Protection,
    Style,
    Tab,
    Validation,
    Workbook,
)

REPO = Path(__file__).resolve().parents[1]
GREEN, YELLOW, RED = "#B7E1CD", "#FCE8B2", "#F4C7C3"
#: Texts that a spreadsheet would turn into something else if written carelessly.
TRICKY_TEXTS = [
    '=HYPERLINK("http://x","y")',
    "+1 555",
    "-abc",
    "@home",
    "=1+1",
    "#N/A",
    "tab\there",
    "line one\nline two",
    "_x0041_ literal",
    "  padded  ",
    "0012",
]
STATE_TITLE = "_sheetsbot_state"
WEEKS = ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]


def sample_workbook() -> Workbook:
    """A small but complete model: every feature the sink renders, on five tabs."""
    # Hidden data tab: the weekly trend the Dashboard's charts read (source_tab).
    state = Tab(key="state", title=STATE_TITLE, header=False, frozen_rows=0, hidden=True)
    state.rows = [[Cell.text("week"), Cell.text("sales"), Cell.text("ad spend"), Cell.text("acos")]]
    for i, week in enumerate(WEEKS):
        state.rows.append(
            [
                Cell.text(week),
                Cell.number(10_000 + 1_500 * i, NumberFormat.CURRENCY, "USD"),
                Cell.number(1_200 + 300 * (i % 2), NumberFormat.CURRENCY, "USD"),
                Cell.number(0.22 + 0.05 * (i % 3), NumberFormat.PERCENT),
            ]
        )
    state.protections.append(Protection(GridRange(0, None, 0, 4), "sheetsbot state: do not edit"))

    dashboard = Tab(
        key="dashboard",
        title="Dashboard",
        header=False,
        frozen_rows=1,
        tab_colour="#1A73E8",
        widths={0: 180, 1: 120, 2: 120},
    )
    title_style = Style(bold=True, size=14, foreground="#1A73E8")
    dashboard.rows = [
        [Cell.text("Week 2026-W47 · Demo store", title_style)],
        [
            Cell.text("KPI", Style(bold=True, background="#E8EAED")),
            Cell.text("Value", Style(bold=True, background="#E8EAED")),
            Cell.text("Light", Style(bold=True, background="#E8EAED", align="center")),
        ],
        [
            Cell.text("Sales"),
            Cell.number(14_500.5, NumberFormat.CURRENCY, "USD"),
            Cell.text("green", Style(align="center")),
        ],
        [
            Cell.text("ACoS"),
            Cell.number(0.41, NumberFormat.PERCENT),
            Cell.text("red", Style(align="center")),
        ],
        [
            Cell.text("TACoS"),
            Cell.number(0.13, NumberFormat.PERCENT),
            Cell.text("yellow", Style(align="center")),
        ],
        [
            Cell.text("Why", Style(italic=True)),
            Cell.text(
                "ACoS above 35 % on two campaigns; see Ads", Style(wrap=True, foreground="#5F6368")
            ),
        ],
    ]
    for light, colour in (("green", GREEN), ("yellow", YELLOW), ("red", RED)):
        dashboard.rules.append(
            ConditionalRule(GridRange(2, 5, 2, 3), "text_eq", (light,), colour, description=light)
        )
    dashboard.rules += [
        ConditionalRule(GridRange(3, 5, 1, 2), "<=", ("0.25",), GREEN, description="ACoS <= 25 %"),
        ConditionalRule(
            GridRange(3, 5, 1, 2), ">", ("0.35",), RED, "#990000", description="ACoS > 35 %"
        ),
        ConditionalRule(
            GridRange(3, 5, 1, 2), "formula", ("=ISNUMBER(B4)",), YELLOW, description="between"
        ),
    ]
    last = 1 + len(WEEKS)
    dashboard.charts = [
        Chart(
            "Sales and ad spend",
            "line",
            GridRange(1, last, 0, 1),
            (
                ChartSeries("Sales", GridRange(1, last, 1, 2)),
                ChartSeries("Ad spend", GridRange(1, last, 2, 3), axis="right"),
            ),
            anchor_row=7,
            anchor_col=0,
            source_tab=STATE_TITLE,
        ),
        Chart(
            "ACoS by week",
            "column",
            GridRange(1, None, 0, 1),
            (ChartSeries("ACoS", GridRange(1, None, 3, 4)),),
            anchor_row=7,
            anchor_col=5,
            width=480,
            height=280,
            source_tab="state",
        ),
    ]
    dashboard.protections.append(Protection(GridRange(0, None, 0, 3), "generated"))

    asins = Tab(key="asins", title="ASINs", frozen_rows=1, frozen_cols=2, tab_colour="#188038")
    asins.columns = [
        Column("asin", "ASIN", width=120),
        Column("title", "Title", width=320),
        Column("sales", "Sales", NumberFormat.CURRENCY),
        Column("units", "Units", NumberFormat.INTEGER),
        Column("conversion", "Conversion", NumberFormat.PERCENT),
        Column("launched", "Launched", NumberFormat.DATE),
        Column("prime", "Prime"),
    ]
    asins.rows = [
        [
            Cell.text("B0AAA00001"),
            Cell.text(TRICKY_TEXTS[0], note="a title that looks like a formula"),
            Cell.number(1234.5, NumberFormat.CURRENCY, "USD"),
            Cell.number(120, NumberFormat.INTEGER),
            Cell.number(0.125, NumberFormat.PERCENT),
            Cell.date(dt.date(2025, 3, 1)),
            Cell(True),
        ],
        [
            Cell.text("B0AAA00002"),
            Cell.text("Garlic press, stainless"),
            Cell.number(99.0, NumberFormat.CURRENCY, "EUR"),
            Cell.number(7, NumberFormat.INTEGER),
            Cell.number(0.031, NumberFormat.PERCENT),
            Cell.date(dt.date(2026, 1, 15)),
            Cell(False),
        ],
        [
            Cell.text("B0AAA00003"),
            Cell.text(None),
            Cell.number(None, NumberFormat.CURRENCY, "USD"),
            Cell.number(float("nan"), NumberFormat.INTEGER),
            Cell.number(0.07, NumberFormat.PERCENT),
            Cell.date(None),
            Cell(),
        ],
    ]
    asins.rows += [
        [Cell.text(f"B0TRICKY{i:02d}"), Cell.text(text)] for i, text in enumerate(TRICKY_TEXTS)
    ]
    asins.rules = [
        ConditionalRule(
            GridRange(1, None, 4, 5), ">=", ("0.1",), GREEN, description="conversion >= 10 %"
        ),
        ConditionalRule(
            GridRange(1, None, 4, 5), "<", ("0.05",), RED, description="conversion < 5 %"
        ),
        ConditionalRule(
            GridRange(1, None, 4, 5), "formula", ("=ISNUMBER(E2)",), YELLOW, description="between"
        ),
        ConditionalRule(
            GridRange(1, 4, 3, 4), "between", ("10", "100"), YELLOW, description="few units"
        ),
    ]
    asins.protections.append(Protection(GridRange(1, None, 0, 7), "generated"))

    tasks = Tab(key="tasks", title="Tasks", frozen_rows=1, team_edited=True, tab_colour="#E37400")
    tasks.columns = [
        Column("key", "Key", width=90),
        Column("action", "Action", width=420),
        Column("owner", "Owner", team_owned=True),
        Column("due", "Due", NumberFormat.DATE, team_owned=True),
        Column("status", "Status", team_owned=True),
    ]
    tasks.rows = [
        [
            Cell.text("ads.cut|US|C1|2026-W47"),
            Cell.text("Cut budget 20 %"),
            Cell.text("Li Wei"),
            Cell.date(dt.date(2026, 11, 25)),
            Cell.text("To do"),
        ],
        [
            Cell.text("inv.restock|US|B0A|2026-W47"),
            Cell.text("Restock 300 units"),
            Cell.text("Wang Fang"),
            Cell.date(dt.date(2026, 11, 24)),
            Cell.text("Doing"),
        ],
    ]
    tasks.validations = [Validation(GridRange(1, 500, 4, 5), ("To do", "Doing", "Done", "Blocked"))]
    tasks.rules = [
        ConditionalRule(GridRange(1, None, 4, 5), "text_eq", ("Done",), GREEN, description="done")
    ]
    tasks.protections.append(Protection(GridRange(1, None, 0, 2), "generated"))

    settings = Tab(
        key="settings",
        title="Settings",
        frozen_rows=1,
        team_edited=True,
        note="The team's knobs. Values only: sheetsbot never runs a formula from this tab.",
    )
    settings.columns = [
        Column("setting", "Setting", width=220),
        Column("value", "Value", team_owned=True),
    ]
    settings.rows = [
        [Cell.text("monthly_sales_target"), Cell.number(60_000, NumberFormat.INTEGER)],
        [Cell.text("owner.ads"), Cell.text("Li Wei")],
    ]
    settings.validations = [Validation(GridRange(2, 3, 1, 2), ("Li Wei", "Chen Jing"), strict=True)]
    return Workbook("Demo store — sheetsbot", "en", [dashboard, asins, tasks, settings, state])


def _write(path: Path, workbook: Workbook | None = None) -> openpyxl.Workbook:
    XlsxSink(path).write(workbook or sample_workbook())
    return openpyxl.load_workbook(path)


@pytest.fixture
def book(tmp_path: Path) -> openpyxl.Workbook:
    return _write(tmp_path / "book.xlsx")


def _argb(colour: str) -> str:
    return "FF" + colour.lstrip("#").upper()


# -- tabs --------------------------------------------------------------------------------------


def test_tabs_in_order_with_titles_hidden_state_colours_and_frozen_panes(
    book: openpyxl.Workbook,
) -> None:
    assert book.sheetnames == ["Dashboard", "ASINs", "Tasks", "Settings", STATE_TITLE]
    assert [ws.sheet_state for ws in book.worksheets] == ["visible"] * 4 + ["hidden"]
    assert book.active.title == "Dashboard"  # never a hidden tab
    assert book["Dashboard"].sheet_properties.tabColor.rgb == "FF1A73E8"
    assert book["ASINs"].sheet_properties.tabColor.rgb == "FF188038"
    assert book["Settings"].sheet_properties.tabColor is None
    assert book["ASINs"].freeze_panes == "C2"
    assert book["Tasks"].freeze_panes == "A2"
    assert book["Dashboard"].freeze_panes == "A2"
    assert book[STATE_TITLE].freeze_panes is None
    assert book["ASINs"].sheet_properties.codeName == "asins"  # the model key, for tools


def test_column_widths_are_pixels_over_seven(book: openpyxl.Workbook) -> None:
    asins = book["ASINs"].column_dimensions
    assert asins["A"].width == pytest.approx(120 / 7)
    assert asins["B"].width == pytest.approx(320 / 7)
    assert asins["C"].width == pytest.approx(110 / 7)  # Column's default width
    dashboard = book["Dashboard"].column_dimensions  # free layout: Tab.widths
    assert [dashboard[c].width for c in "ABC"] == pytest.approx([180 / 7, 120 / 7, 120 / 7])


def test_bad_or_duplicate_titles_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    for title in ("Sales/Ads", "x" * 32, "'quoted'"):
        with pytest.raises(XlsxSinkError, match="cannot be an xlsx tab title"):
            XlsxSink(tmp_path / "a.xlsx").write(Workbook("t", "en", [Tab("a", title)]))
    with pytest.raises(XlsxSinkError, match="used twice"):
        XlsxSink(tmp_path / "a.xlsx").write(
            Workbook("t", "en", [Tab("a", "Tasks"), Tab("b", "TASKS")])
        )
    assert not (tmp_path / "a.xlsx").exists()


# -- cells -------------------------------------------------------------------------------------


def test_header_row_comes_from_the_columns(book: openpyxl.Workbook) -> None:
    ws = book["ASINs"]
    headers = ["ASIN", "Title", "Sales", "Units", "Conversion", "Launched", "Prime"]
    assert [c.value for c in ws[1]] == headers
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFE8EAED"


def test_numbers_dates_and_booleans_keep_their_types_and_formats(book: openpyxl.Workbook) -> None:
    ws = book["ASINs"]
    sales, eur, units, conv, launched, prime = (ws[a] for a in ("C2", "C3", "D2", "E2", "F2", "G2"))
    assert (sales.value, sales.data_type, sales.number_format) == (1234.5, "n", "$#,##0.00")
    assert (eur.value, eur.number_format) == (99.0, '"€"#,##0.00')
    assert (units.value, units.data_type, units.number_format) == (120, "n", "#,##0")
    # Full precision: rounding is only a format.
    assert (conv.value, conv.number_format) == (0.125, "0.0%")
    assert launched.is_date and launched.value == dt.datetime(2025, 3, 1)
    assert launched.number_format == "yyyy-mm-dd"
    assert (prime.value, prime.data_type, ws["G3"].value) == (True, "b", False)
    # None and NaN are empty cells, never 0 or "nan".
    row_with_blanks = [ws.cell(row=4, column=c).value for c in range(2, 8)]
    assert row_with_blanks == [None, None, None, 0.07, None, None]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_text_stays_a_literal_string(book: openpyxl.Workbook, text: str) -> None:
    ws = book["ASINs"]
    row = 5 + TRICKY_TEXTS.index(text)
    cell = ws.cell(row=row, column=2)
    assert cell.data_type == "s"
    # "_xHHHH_" is an escaped character to Excel and LibreOffice, so the literal one is written
    # with its "_" escaped; read_tabs and LibreOffice give it back as it was (tests below).
    assert cell.value == (text.replace("_x0041_", "_x005F_x0041_") if "_x0041_" in text else text)


def test_first_title_that_looks_like_a_formula_is_text_too(book: openpyxl.Workbook) -> None:
    cell = book["ASINs"]["B2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x","y")', "s")


def test_the_raw_xml_holds_no_formula(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    with zipfile.ZipFile(path) as archive:
        sheets = [
            archive.read(n).decode()
            for n in archive.namelist()
            if n.startswith("xl/worksheets/sheet")
        ]
    assert not any("<f>" in xml or "<f " in xml for xml in sheets)


def test_styles_and_notes(book: openpyxl.Workbook) -> None:
    ws = book["Dashboard"]
    title = ws["A1"]
    assert title.font.b and title.font.sz == 14 and title.font.color.rgb == "FF1A73E8"
    assert title.font.name == "Calibri"  # a nameless font falls back to a serif in LibreOffice
    assert ws["A6"].font.i
    assert ws["B6"].alignment.wrap_text and ws["B6"].font.color.rgb == "FF5F6368"
    assert ws.row_dimensions[6].height > 15  # a wrapped text gets the row height it needs
    assert ws["C3"].alignment.horizontal == "center"
    assert ws["A2"].fill.fill_type == "solid" and ws["A2"].fill.fgColor.rgb == "FFE8EAED"
    assert book["ASINs"]["B2"].comment.text == "a title that looks like a formula"
    assert book["Settings"]["A1"].comment.text.startswith("The team's knobs.")
    newline = book["ASINs"].cell(row=5 + TRICKY_TEXTS.index("line one\nline two"), column=2)
    assert newline.alignment.wrap_text  # its two lines show, as Excel does on Alt+Enter


def test_nothing_is_protected(book: openpyxl.Workbook) -> None:
    # Sheets protects generated ranges with a warning only; xlsx cannot, so it protects nothing.
    assert not any(ws.protection.sheet for ws in book.worksheets)
    assert not book.security or not book.security.lockStructure


# -- rules and dropdowns -----------------------------------------------------------------------


def _rules(ws: Worksheet) -> list[tuple[str, Rule]]:
    """(range, rule) in priority order: the first rule that holds colours the cell."""
    found = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            found.append((str(cf.sqref), rule))
    return sorted(found, key=lambda item: item[1].priority)


def test_traffic_light_rules_keep_order_ranges_and_colours(book: openpyxl.Workbook) -> None:
    rules = _rules(book["ASINs"])
    assert [
        (sqref, r.type, r.formula, r.dxf.fill.fgColor.rgb, r.stopIfTrue) for sqref, r in rules
    ] == [
        # Comparisons only colour numbers: an empty cell would compare as 0 and turn red.
        ("E2:E1048576", "expression", ["AND(ISNUMBER(E2),E2>=0.1)"], _argb(GREEN), True),
        ("E2:E1048576", "expression", ["AND(ISNUMBER(E2),E2<0.05)"], _argb(RED), True),
        ("E2:E1048576", "expression", ["ISNUMBER(E2)"], _argb(YELLOW), True),
        ("D2:D4", "expression", ["AND(ISNUMBER(D2),D2>=10,D2<=100)"], _argb(YELLOW), True),
    ]
    assert [r.priority for _, r in rules] == sorted(r.priority for _, r in rules)  # first wins


def test_text_rules_and_font_colours(book: openpyxl.Workbook) -> None:
    rules = _rules(book["Dashboard"])
    text_rules = [
        (sqref, r.operator, r.formula, r.dxf.fill.fgColor.rgb)
        for sqref, r in rules
        if r.type == "cellIs"
    ]
    assert text_rules == [
        ("C3:C5", "equal", ['"green"'], _argb(GREEN)),
        ("C3:C5", "equal", ['"yellow"'], _argb(YELLOW)),
        ("C3:C5", "equal", ['"red"'], _argb(RED)),
    ]
    red = [r for sqref, r in rules if r.formula == ["AND(ISNUMBER(B4),B4>0.35)"]]
    assert red and red[0].dxf.font.color.rgb == "FF990000"


def test_rules_are_replaced_not_piled_up(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    first = [len(_rules(ws)) for ws in _write(path).worksheets]
    second = [len(_rules(ws)) for ws in _write(path).worksheets]
    assert first == second and sum(first) == 11


def test_dropdowns(book: openpyxl.Workbook) -> None:
    (status,) = book["Tasks"].data_validations.dataValidation
    assert (status.type, status.formula1, str(status.sqref)) == (
        "list",
        '"To do,Doing,Done,Blocked"',
        "E2:E500",
    )
    assert status.allow_blank and status.showErrorMessage and status.errorStyle == "warning"
    assert not status.showDropDown  # openpyxl's flag is inverted: True would hide the arrow
    (owner,) = book["Settings"].data_validations.dataValidation
    assert (owner.formula1, str(owner.sqref), owner.errorStyle) == (
        '"Li Wei,Chen Jing"',
        "B3",
        "stop",
    )


def test_dropdown_options_with_commas_are_kept_on_a_hidden_list_tab(tmp_path: Path) -> None:
    tab = Tab("tasks", "Tasks", columns=[Column("owner", "Owner")])
    tab.validations = [Validation(GridRange(1, 10, 0, 1), ("Chen, Jing", 'Li "Wei"', "x" * 300))]
    book = _write(tmp_path / "book.xlsx", Workbook("t", "en", [tab]))
    (dropdown,) = book["Tasks"].data_validations.dataValidation
    assert dropdown.formula1 == f"'{LISTS_TAB_TITLE}'!$A$1:$A$3"
    lists = book[LISTS_TAB_TITLE]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(row=r, column=1).value for r in (1, 2, 3)] == [
        "Chen, Jing",
        'Li "Wei"',
        "x" * 300,
    ]
    # Written again without such a dropdown, the list tab goes: it is generated, not the team's.
    assert LISTS_TAB_TITLE not in _write(tmp_path / "book.xlsx", sample_workbook()).sheetnames


# -- charts ------------------------------------------------------------------------------------


def test_charts_read_the_right_cells(book: openpyxl.Workbook) -> None:
    charts = book["Dashboard"]._charts
    assert len(charts) == 2
    line, column = charts
    assert isinstance(line, LineChart) and isinstance(column, BarChart) and column.type == "col"
    state = f"'{STATE_TITLE}'"
    (sales,) = line.series
    assert sales.val.numRef.f == f"{state}!$B$2:$B$5"
    assert sales.cat.numRef.f == f"{state}!$A$2:$A$5"  # the weeks: the domain
    assert sales.tx.v == "Sales"
    # The right-axis series sits on a second chart sharing the categories, with its own axis.
    (secondary,) = line._charts[1:]
    (spend,) = secondary.series
    assert spend.val.numRef.f == f"{state}!$C$2:$C$5" and spend.tx.v == "Ad spend"
    assert secondary.y_axis.axId != line.y_axis.axId and secondary.y_axis.crosses == "max"
    # end_row=None reads to the last row the source tab has.
    (acos,) = column.series
    assert acos.val.numRef.f == f"{state}!$D$2:$D$5"
    assert column.y_axis.number_format.formatCode == "0.0%"  # the axis reads like its cells


def test_chart_titles_anchors_and_sizes(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    ws = openpyxl.load_workbook(path)["Dashboard"]
    line, column = ws._charts
    assert (line.anchor._from.row, line.anchor._from.col) == (7, 0)
    assert (column.anchor._from.row, column.anchor._from.col) == (7, 5)
    title = "".join(r.t for p in line.title.tx.rich.p for r in p.r)
    assert title == "Sales and ad spend"
    emu_per_pixel = 9525
    assert (line.anchor.ext.width, line.anchor.ext.height) == pytest.approx(
        (600 * emu_per_pixel, 300 * emu_per_pixel), rel=1e-3)
    assert (column.anchor.ext.width, column.anchor.ext.height) == pytest.approx(
        (480 * emu_per_pixel, 280 * emu_per_pixel), rel=1e-3)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/charts/chart1.xml").decode()
    assert re.search(r'smooth val="0"', xml)  # straight lines between weeks, no invented curves
    assert re.search(r'delete val="0"', xml)  # axes shown in Excel too


def test_a_chart_on_a_missing_tab_is_an_error(tmp_path: Path) -> None:
    workbook = sample_workbook()
    workbook.tab("dashboard").charts[0] = Chart(
        "x", "line", GridRange(1, 3, 0, 1), (), 0, 0, source_tab="nope"
    )
    with pytest.raises(ValueError, match="nope"):
        XlsxSink(tmp_path / "x.xlsx").write(workbook)


# -- the file ----------------------------------------------------------------------------------


def test_summary(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    summary = XlsxSink(path).write(sample_workbook())
    assert summary.tabs == ("Dashboard", "ASINs", "Tasks", "Settings", STATE_TITLE)
    assert summary.tabs_written == 5
    assert summary.size_bytes == path.stat().st_size
    assert summary.cells == sum(
        1
        for ws in openpyxl.load_workbook(path)
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    )
    assert summary.kept_tabs == () and summary.warnings == ()
    assert f"wrote 5 tabs, {summary.cells} cells" in str(summary)


def test_team_tabs_survive_a_rewrite_in_place(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _write(path)
    book = openpyxl.load_workbook(path)
    team = book.create_sheet("Team notes", index=1)  # between Dashboard and ASINs
    team.append(["Supplier", "Lead time", "Next call", "Twice", "Our top seller"])
    team.append(["Acme", 45, dt.datetime(2026, 12, 1), "=B2*2", "=ASINs!C2"])
    team["A1"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFFFF00")
    team.column_dimensions["A"].width = 30
    last = book.create_sheet("Archive")  # after the generated tabs
    last["A1"] = "old week"
    book["Tasks"]["E2"] = "Done"  # an edit in a generated tab: the job merges it, the sink replaces
    book.save(path)

    summary = XlsxSink(path).write(sample_workbook())
    book = openpyxl.load_workbook(path)
    expected = ["Dashboard", "Team notes", "ASINs", "Tasks", "Settings", STATE_TITLE, "Archive"]
    assert book.sheetnames == expected
    assert summary.kept_tabs == ("Team notes", "Archive")
    team = book["Team notes"]
    assert [[c.value for c in row] for row in team.iter_rows()] == [
        ["Supplier", "Lead time", "Next call", "Twice", "Our top seller"],
        ["Acme", 45, dt.datetime(2026, 12, 1), "=B2*2", "=ASINs!C2"],
    ]
    # The team's formulas stay formulas, and one into a replaced tab still finds it by title.
    assert team["D2"].data_type == "f" and team["E2"].data_type == "f"
    assert team["A1"].fill.fgColor.rgb == "FFFFFF00" and team.column_dimensions["A"].width == 30
    assert book["Archive"]["A1"].value == "old week"
    assert book["Tasks"]["E2"].value == "To do"  # generated tabs are the model's
    assert book.active.title == "Dashboard"
    assert sum(ws.sheet_view.tabSelected for ws in book.worksheets) == 1


def test_what_openpyxl_drops_from_a_team_tab_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _write(path)
    book = openpyxl.load_workbook(path)
    team = book.create_sheet("Team notes")
    team.append(["week", 10])
    chart = BarChart()
    chart.add_data(openpyxl.chart.Reference(team, min_col=2, min_row=1, max_row=1))
    team.add_chart(chart, "D2")
    book.save(path)
    # A text box beside the team's chart, as Excel or LibreOffice would save it.
    text_box = (
        "<twoCellAnchor><from><col>1</col><colOff>0</colOff><row>9</row><rowOff>0</rowOff></from>"
        "<to><col>4</col><colOff>0</colOff><row>12</row><rowOff>0</rowOff></to>"
        '<sp macro="" textlink=""><nvSpPr><cNvPr id="9" name="TextBox 1"/><cNvSpPr txBox="1"/>'
        "</nvSpPr><spPr/><txBody><a:bodyPr/><a:p><a:r><a:t>call Acme</a:t></a:r></a:p></txBody>"
        "</sp><clientData/></twoCellAnchor>"
    )
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            # Into every drawing: only team tabs are reported, generated ones are rewritten.
            if re.fullmatch(r"xl/drawings/drawing\d+\.xml", name):
                data = data.replace(b"</wsDr>", text_box.encode() + b"</wsDr>")
            target.writestr(name, data)
    os.replace(patched, path)

    summary = XlsxSink(path).write(sample_workbook())
    assert summary.warnings == (
        "Team notes: 1 drawing object(s) (shapes, text boxes, controls or pictures) cannot be "
        "kept by openpyxl and were dropped",
    )
    assert len(openpyxl.load_workbook(path)["Team notes"]._charts) == 1  # the chart is kept


def test_a_team_chartsheet_keeps_its_place(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    _write(path)
    book = openpyxl.load_workbook(path)
    chartsheet = book.create_chartsheet("Team chart", 1)
    chart = BarChart()
    chart.add_data(openpyxl.chart.Reference(book["ASINs"], min_col=3, min_row=1, max_row=3))
    chartsheet.add_chart(chart)
    book.save(path)
    book = _write(path)
    assert book.sheetnames == ["Dashboard", "Team chart", "ASINs", "Tasks", "Settings", STATE_TITLE]


def test_generated_tabs_new_to_the_file_join_the_others(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    small = sample_workbook()
    small.tabs = [t for t in small.tabs if t.key != "settings"]
    _write(path, small)
    book = openpyxl.load_workbook(path)
    book.create_sheet("Team")
    book.save(path)
    # The generated tabs take the generated places in the model's order; the team's stay put.
    assert _write(path).sheetnames == [
        "Dashboard",
        "ASINs",
        "Tasks",
        "Settings",
        STATE_TITLE,
        "Team",
    ]


def test_matching_titles_ignores_case_like_excel(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "tasks"
    book.save(path)
    assert _write(path).sheetnames == ["Dashboard", "ASINs", "Tasks", "Settings", STATE_TITLE]


def test_an_error_in_the_model_leaves_the_previous_file_intact(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    before = path.read_bytes()
    broken = sample_workbook()
    broken.tab("tasks").rows.append([Cell(object())])  # type: ignore[arg-type]  # cannot be rendered
    with pytest.raises(TypeError, match="cannot write"):
        XlsxSink(path).write(broken)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_a_crash_while_saving_leaves_the_previous_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    before = path.read_bytes()

    def half_save(self: openpyxl.Workbook, target: object) -> None:
        target.write(b"PK\x03\x04 half a zip")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", half_save)
    with pytest.raises(OSError, match="disk full"):
        XlsxSink(path).write(sample_workbook())
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]  # no temporary file left


def test_a_file_that_is_not_a_workbook_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_text("my notes, not a workbook")
    with pytest.raises(XlsxSinkError, match="never overwrites"):
        XlsxSink(path).write(sample_workbook())
    assert path.read_text() == "my notes, not a workbook"


def test_permissions_of_an_existing_file_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    os.chmod(path, 0o640)
    XlsxSink(path).write(sample_workbook())
    assert path.stat().st_mode & 0o777 == 0o640


def test_values_xlsx_cannot_hold_are_reported(tmp_path: Path) -> None:
    tab = Tab("t", "T", header=False)
    long_text = "A" * 45_000  # a state chunk: openpyxl alone would cut it to 32,767 characters
    tab.rows = [
        [
            Cell.number(float("inf")),
            Cell.text("bell\x07"),
            Cell.text(long_text),
            Cell(dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.timezone.utc), NumberFormat.DATETIME),
        ]
    ]
    path = tmp_path / "x.xlsx"
    summary = XlsxSink(path).write(Workbook("t", "en", [tab]))
    assert len(summary.warnings) == 3
    assert read_tabs(path, ["T"])["T"] == [
        [None, "bell\ufffd", long_text, dt.datetime(2026, 11, 23, 7, 30)]
    ]


def test_a_currency_that_is_not_a_code_is_written_without_symbol(tmp_path: Path) -> None:
    assert Cell.number(5.0, NumberFormat.CURRENCY, float("nan")).currency is None  # type: ignore[arg-type]
    tab = Tab("t", "T", header=False)
    # Cell.number already drops a NaN currency; a Cell built directly must not crash the sink.
    tab.rows = [[Cell(5.0, NumberFormat.CURRENCY, float("nan"))]]  # type: ignore[arg-type]
    path = tmp_path / "x.xlsx"
    summary = XlsxSink(path).write(Workbook("t", "en", [tab]))
    assert openpyxl.load_workbook(path)["T"]["A1"].number_format == "#,##0.00"
    assert len(summary.warnings) == 1 and "nan" in summary.warnings[0]


# -- reading back ------------------------------------------------------------------------------


def test_read_tabs_of_a_missing_file_or_tab_is_empty(tmp_path: Path) -> None:
    assert read_tabs(tmp_path / "none.xlsx", ["Tasks", "Settings"]) == {"Tasks": [], "Settings": []}
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    assert read_tabs(path, ["Run log"]) == {"Run log": []}


def test_read_tabs_returns_the_teams_edits_as_python_values(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    sink = XlsxSink(path)
    sink.write(sample_workbook())
    book = openpyxl.load_workbook(path)
    tasks, settings = book["Tasks"], book["Settings"]
    tasks["E2"] = "Done"
    tasks["D3"] = dt.date(2026, 12, 1)
    tasks.append(
        ["", "Call the supplier", "Chen Jing", dt.date(2026, 11, 30), "To do"]
    )  # a row of theirs
    settings["B2"] = "=40000+20000"  # a formula: comes back as text, never evaluated
    settings["B3"] = "Chen Jing"
    settings.append(["holiday", dt.date(2026, 12, 25)])
    book.save(path)

    got = sink.read_tabs(["Tasks", "settings", STATE_TITLE])
    assert got["Tasks"] == [
        ["Key", "Action", "Owner", "Due", "Status"],
        ["ads.cut|US|C1|2026-W47", "Cut budget 20 %", "Li Wei", dt.date(2026, 11, 25), "Done"],
        [
            "inv.restock|US|B0A|2026-W47",
            "Restock 300 units",
            "Wang Fang",
            dt.date(2026, 12, 1),
            "Doing",
        ],
        [None, "Call the supplier", "Chen Jing", dt.date(2026, 11, 30), "To do"],
    ]
    assert got["settings"] == [
        ["Setting", "Value"],
        ["monthly_sales_target", "=40000+20000"],
        ["owner.ads", "Chen Jing"],
        ["holiday", dt.date(2026, 12, 25)],
    ]
    assert got[STATE_TITLE][0] == ["week", "sales", "ad spend", "acos"]
    assert got[STATE_TITLE][1] == ["2026-W44", 10000, 1200, 0.22]


def test_read_tabs_returns_texts_exactly_as_written(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    rows = read_tabs(path, ["ASINs"])["ASINs"]
    assert [row[1] for row in rows[4:]] == TRICKY_TEXTS
    assert rows[3] == ["B0AAA00003", None, None, None, 0.07]  # trailing empty cells left out


def test_read_tabs_of_an_unreadable_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(XlsxSinkError, match="cannot read"):
        read_tabs(path, ["Tasks"])


# -- a real client: LibreOffice ----------------------------------------------------------------


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc "
                    "(CI installs it)")
    return found


def _convert(soffice: str, source: Path, to: str, out: Path) -> subprocess.CompletedProcess[str]:
    # A throw-away profile: a LibreOffice the developer has open does not interfere.
    profile = (out / "lo-profile").as_uri()
    return subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_libreoffice_converts_the_file_to_pdf(tmp_path: Path) -> None:
    soffice = _soffice()
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    done = _convert(soffice, path, "pdf", tmp_path / "pdf")
    pdf = tmp_path / "pdf" / "book.pdf"
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr.lower(), done.stderr
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))
    assert pages >= 4  # every visible tab prints on at least one page


@pytest.mark.slow
def test_libreoffice_reads_what_was_meant(tmp_path: Path) -> None:
    """LibreOffice opens the file and saves it again: what it understood is what it writes."""
    soffice = _soffice()
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    done = _convert(soffice, path, "xlsx", tmp_path / "lo")
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(tmp_path / "lo" / "book.xlsx")
    assert book.sheetnames == ["Dashboard", "ASINs", "Tasks", "Settings", STATE_TITLE]
    assert book[STATE_TITLE].sheet_state == "hidden"
    asins = book["ASINs"]
    texts = [asins.cell(row=5 + i, column=2) for i in range(len(TRICKY_TEXTS))]
    assert [c.value for c in texts] == TRICKY_TEXTS  # no formula, no error, no "A" for _x0041_
    assert all(c.data_type == "s" for c in texts)
    assert asins["C2"].value == 1234.5 and "$" in asins["C2"].number_format
    assert asins["F2"].value == dt.datetime(2025, 3, 1)
    # (Frozen panes are view settings, which headless LibreOffice neither loads nor saves.)
    assert len(_rules(asins)) == 4
    (dropdown,) = book["Tasks"].data_validations.dataValidation
    assert dropdown.formula1 == '"To do,Doing,Done,Blocked"'
    assert len(book["Dashboard"]._charts) == 2


def _screenshots_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots", REPO / "tools" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_screenshots_are_named_by_tab_key_else_by_title(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    book = openpyxl.load_workbook(path)
    for title in ("Run log", "任务", "Run-log"):  # the team's tabs: no sheetsbot key
        book.create_sheet(title)
    book.save(path)
    shots = _screenshots_tool()._tabs_to_shoot(path)
    assert [(s.title, s.name) for s in shots] == [
        ("Dashboard", "dashboard"), ("ASINs", "asins"), ("Tasks", "tasks"),
        ("Settings", "settings"), ("Run log", "run-log"), ("任务", "tab-7"),
        ("Run-log", "run-log-2"),
    ]  # the hidden state tab is never shot


@pytest.mark.slow
def test_screenshots_tool_makes_one_png_per_visible_tab(tmp_path: Path) -> None:
    _soffice()
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed: apt-get install poppler-utils (CI installs it)")
    path = tmp_path / "book.xlsx"
    XlsxSink(path).write(sample_workbook())
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "screenshots.py"),
            "--xlsx",
            str(path),
            "--out",
            str(tmp_path / "shots"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "shots").iterdir())
    assert names == [
        "asins.png",
        "dashboard.png",
        "settings.png",
        "tasks.png",
    ]  # the hidden tab is not shot
    for png in (tmp_path / "shots").iterdir():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tabs_with_protected_ranges_say_why_they_are_not_protected_in_xlsx(tmp_path: Path) -> None:
    from sheetsbot.workbook.model import GridRange, Protection

    tab = Tab("t", "T")
    tab.protections.append(Protection(GridRange(0, None, 0, 2), "generated"))
    plain = Tab("u", "U")
    path = tmp_path / "p.xlsx"
    XlsxSink(path).write(Workbook("t", "en", [tab, plain], unprotected_note="Excel has no warning-only protection"))
    book = openpyxl.load_workbook(path)
    assert "warning-only" in book["T"]["A1"].comment.text
    assert book["U"]["A1"].comment is None
    assert not book["T"].protection.sheet
