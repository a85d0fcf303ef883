"""The workbook model rendered as an ``.xlsx`` file: the Sheet for anyone without a Google account.

    from sheetsbot.sinks.xlsx import XlsxSink, read_tabs

    sink = XlsxSink("sheetsbot-demo.xlsx")
    existing = sink.read_tabs(["Tasks", "Settings", "_sheetsbot_state"])   # the team's edits
    summary = sink.write(workbook)          # a sheetsbot.workbook.model.Workbook
    print(summary)                          # wrote 9 tabs, 18,204 cells, 212 KB to ...

What the file holds: every tab of the model in order, with its title, tab colour, hidden state,
frozen panes, column widths, typed cells (numbers with their number format, dates as dates,
booleans, and text always as a literal string, never a formula), cell styles, notes (as
comments), conditional-format rules, dropdown validations and charts. Protected ranges are not
rendered: xlsx has no warning-only protection (the builder explains that in a note on the tab).

Team tabs survive: when the file already exists, every tab whose title the model does not
generate stays where it is, and the generated tabs (matched by title, ignoring case as Excel
does) are replaced. The team's tabs go through openpyxl's load and save, which keeps their
values, formulas, styles, widths, merged cells, comments, conditional formats, data validations
and charts (data kept, some chart formatting lost), but drops what openpyxl cannot read: shapes,
text boxes and form controls, pictures (unless Pillow is installed), and the x14 extensions
(sparklines, slicers, some data bars, icon sets and dropdowns); a comment keeps its text but not
its box size. openpyxl drops drawings silently, so the sink counts them in the file
and, with anything openpyxl warns about while loading, lists them in ``WriteSummary.warnings``.

The file is written atomically: a temporary file in the same folder, then ``os.replace``, so a
crash (or an error in the model) leaves the previous file as it was.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import posixpath
import re
import secrets
import warnings
import zipfile
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart._chart import ChartBase
from openpyxl.comments import Comment
from openpyxl.drawing.image import PILImage
from openpyxl.formatting.rule import CellIsRule, FormulaRule, Rule
from openpyxl.styles import DEFAULT_FONT, Alignment, Font, PatternFill
from openpyxl.styles.numbers import is_datetime
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.child import INVALID_TITLE_REGEX
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sheetsbot.errors import SheetsbotError
from sheetsbot.workbook.model import (
    Cell,
    Chart,
    ConditionalRule,
    GridRange,
    Style,
    Tab,
    Validation,
    Workbook,
    pattern_for,
)

__all__ = ["LISTS_TAB_TITLE", "WriteSummary", "XlsxSink", "XlsxSinkError", "read_tabs"]

#: Excel's last row: where a range "to the bottom" (``end_row=None``) ends.
MAX_ROW = 1_048_576
#: Excel's longest sheet title.
MAX_TITLE = 31
#: Excel shows at most this many characters of a cell and flags longer ones as damaged.
MAX_CELL_CHARS = 32_767
#: An inline dropdown list (``"a,b,c"``) is limited to 255 characters by Excel.
MAX_INLINE_LIST = 255
#: Dropdown options that cannot be written inline (a comma, or too long) are kept on this hidden
#: tab, one column per validation. It is generated like the model's tabs: rewritten every time.
LISTS_TAB_TITLE = "_sheetsbot_lists"
#: Screen pixels per character of column width (Calibri 11's digit is 7 pixels wide).
PIXELS_PER_CHAR = 7
#: Width of a column the model gives no width (Excel's default, 8.43 characters).
DEFAULT_COLUMN_PIXELS = 64
#: Height of one line of 11-point text, and Excel's tallest row, in points.
LINE_POINTS = 15.0
MAX_ROW_POINTS = 409.0
#: Average width of a character of 11-point Calibri in pixels, to estimate wrapped lines.
AVERAGE_CHAR_PIXELS = 6.5
#: Centimetres per pixel at 96 dpi (openpyxl sizes charts in cm, the model in pixels).
CM_PER_PIXEL = 2.54 / 96

#: ``_xHHHH_`` in a string is an escaped character to Excel and LibreOffice: a literal one is
#: written with its underscore escaped (``_x005F_xHHHH_``); read_tabs undoes that.
_OOXML_ESCAPE_RE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class XlsxSinkError(SheetsbotError):
    """The xlsx file cannot be read or replaced (not a workbook, open elsewhere, bad title)."""


@dataclass(frozen=True)
class WriteSummary:
    """What one :meth:`XlsxSink.write` did."""

    path: Path
    #: Titles of the generated tabs, in the model's order.
    tabs: tuple[str, ...]
    #: Non-empty cells written (header rows included).
    cells: int
    #: Size of the file written.
    size_bytes: int
    #: The team's own tabs carried over from the previous file, in their order.
    kept_tabs: tuple[str, ...] = ()
    #: Things worth telling the team (openpyxl's losses on team tabs, cells Excel cannot show).
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tabs_written(self) -> int:
        return len(self.tabs)

    def __str__(self) -> str:
        kept = ""
        if self.kept_tabs:
            kept = f" (kept {len(self.kept_tabs)} team tab(s): {', '.join(self.kept_tabs)})"
        return (f"wrote {self.tabs_written} tabs, {self.cells:,} cells, "
                f"{math.ceil(self.size_bytes / 1024):,} KB to {self.path}{kept}")


class XlsxSink:
    """Writes a :class:`Workbook` model to one ``.xlsx`` file and reads the team's tabs back."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read_tabs(self, titles: Sequence[str]) -> dict[str, list[list[object]]]:
        return read_tabs(self.path, titles)

    def missing_tabs(self, titles: list[str]) -> list[str]:
        """Which of ``titles`` an existing file lacks (a new file lacks none: it is created)."""
        if not self.path.exists():
            return []
        present = {t.casefold() for t in _sheet_titles(self.path)}
        return [t for t in titles if t.casefold() not in present]

    def write(self, workbook: Workbook, replan: object = None) -> WriteSummary:
        """Render ``workbook`` into the file, keeping the team's own tabs, atomically.

        ``replan`` is accepted for the job's sink protocol and never needed: the file is read
        and replaced by this one process, so the plan cannot go stale between the two."""
        _check_titles(workbook)
        book, load_warnings = _open_existing(self.path)
        generated = {t.title.casefold() for t in workbook.tabs} | {LISTS_TAB_TITLE.casefold()}
        old_sheets = list(book._sheets)  # worksheets and chartsheets, in tab order
        is_generated = [s.title.casefold() in generated for s in old_sheets]
        kept = tuple(s.title for s, gen in zip(old_sheets, is_generated, strict=True) if not gen)
        if kept:
            load_warnings += _drawing_losses(self.path, kept)
        for sheet, gen in zip(old_sheets, is_generated, strict=True):
            if gen:
                book.remove(sheet)

        renderer = _Renderer(book, workbook.unprotected_note)
        new_sheets = [renderer.render_tab(tab) for tab in workbook.tabs]
        for tab, sheet in zip(workbook.tabs, new_sheets, strict=True):
            renderer.render_charts(tab, sheet)
        lists_sheet = renderer.finish_lists()

        _arrange(book, old_sheets, is_generated, new_sheets, lists_sheet)
        _select_first_visible(book)
        size = _save_atomically(book, self.path)
        lock_warnings = _open_elsewhere_warnings(self.path)
        return WriteSummary(
            path=self.path, tabs=tuple(t.title for t in workbook.tabs), cells=renderer.cells,
            size_bytes=size, kept_tabs=kept,
            warnings=tuple(load_warnings + renderer.warnings + lock_warnings),
        )


# -- reading ----------------------------------------------------------------------------------


def read_tabs(path: str | os.PathLike[str], titles: Sequence[str]) -> dict[str, list[list[object]]]:
    """The raw values of the named tabs: ``{title: rows}``, each row a list of cell values.

    Values are plain Python (``str``, ``int``/``float``, ``bool``, ``datetime``, ``date`` for a
    date-only format, ``None`` for an empty cell); a formula comes back as its text (``"=A1*2"``),
    never evaluated. Like the Sheets API, trailing empty cells and rows are left out. A missing
    file or tab gives ``[]``; a tab is found by title ignoring case, as Excel matches them.
    """
    path = Path(path)
    found: dict[str, list[list[object]]] = {title: [] for title in titles}
    if not path.exists():
        return found
    try:
        with warnings.catch_warnings():
            # What openpyxl cannot read is reported by write(), where it matters; not twice.
            warnings.simplefilter("ignore")
            # read_only: only the requested tabs are parsed; data_only=False keeps formulas.
            book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # not a workbook, truncated, foreign: say so, in one line
        raise XlsxSinkError(f"{path}: cannot read it as an xlsx workbook ({exc})") from exc
    try:
        by_title = {name.casefold(): name for name in book.sheetnames}
        for title in titles:
            name = by_title.get(title.casefold())
            if name is None:
                continue
            sheet = book[name]
            if not hasattr(sheet, "iter_rows"):  # a chartsheet has no cells
                continue
            sheet.reset_dimensions()  # trust the cells, not a <dimension> another tool wrote
            rows = [[_plain_value(c) for c in row] for row in sheet.iter_rows()]
            found[title] = _trim(rows)
    finally:
        book.close()
    return found


def _plain_value(cell: Any) -> object:
    value = cell.value
    if isinstance(value, str):
        # Undo the one escape this sink writes (see _literal_text). openpyxl undoes it itself
        # for the shared strings Excel and LibreOffice write, not for its own inline strings.
        return value.replace("_x005F_", "_") if "_x005F_" in value else value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dt.datetime):
        # openpyxl gives a datetime for every date-formatted cell; a date-only format is a date.
        return value.date() if is_datetime(cell.number_format) == "date" else value
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return value
    text = getattr(value, "text", None)  # ArrayFormula: its formula text
    return text if isinstance(text, str) else str(value)


def _trim(rows: list[list[object]]) -> list[list[object]]:
    trimmed = []
    for row in rows:
        end = len(row)
        while end and row[end - 1] in (None, ""):
            end -= 1
        trimmed.append(row[:end])
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


# -- the existing file -------------------------------------------------------------------------


def _check_titles(workbook: Workbook) -> None:
    seen: set[str] = set()
    for tab in workbook.tabs:
        title = tab.title
        bad = (not title or len(title) > MAX_TITLE or INVALID_TITLE_REGEX.search(title)
               or title.startswith("'") or title.endswith("'"))
        if bad:
            raise XlsxSinkError(
                f"tab {tab.key!r}: {title!r} cannot be an xlsx tab title (1–{MAX_TITLE} "
                "characters, none of : \\ / ? * [ ], no apostrophe first or last)")
        if title.casefold() in seen or title.casefold() == LISTS_TAB_TITLE.casefold():
            raise XlsxSinkError(
                f"tab {tab.key!r}: the title {title!r} is used twice (xlsx ignores case)")
        seen.add(title.casefold())


def _open_existing(path: Path) -> tuple[OpenpyxlWorkbook, list[str]]:
    """The file as it is (to keep the team's tabs), or a new empty workbook."""
    if not path.exists():
        book = OpenpyxlWorkbook()
        book.remove(book.active)  # the default "Sheet"
        return book, []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # rich_text keeps the formatting of runs inside the team's cells.
            book = load_workbook(path, rich_text=True)
        except Exception as exc:  # any reason at all: the file is not replaced, the run stops
            raise XlsxSinkError(
                f"{path} exists but cannot be read as an xlsx workbook ({exc}). sheetsbot never "
                "overwrites a file it cannot read: move it away or write to another path.") from exc
    return book, [f"{path.name}: {w.message}" for w in caught]


#: A drawing anchor's content openpyxl keeps on re-save: charts, and pictures with Pillow.
_KEPT_DRAWINGS = {"graphicFrame"} | ({"pic"} if PILImage else set())
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _drawing_losses(path: Path, titles: Sequence[str]) -> list[str]:
    """openpyxl drops shapes, text boxes and controls (and pictures, without Pillow) from the
    team's tabs without a word: count them in the file, so the team hears what is lost."""
    found: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            def rels(part: str) -> dict[str, str]:
                folder, name = posixpath.split(part)
                rels_part = posixpath.join(folder, "_rels", name + ".rels")
                if rels_part not in archive.namelist():
                    return {}
                tree = ElementTree.fromstring(archive.read(rels_part))
                return {r.get("Id", ""): _resolve(folder, r.get("Target", ""))
                        for r in tree.iter(_PKG_REL) if r.get("Type", "").endswith("/drawing")
                        or r.get("Type", "").endswith("/worksheet")}

            book_rels = rels("xl/workbook.xml")
            workbook_xml = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            for sheet in workbook_xml.iter():
                if not sheet.tag.endswith("}sheet") or sheet.get("name") not in titles:
                    continue
                part = book_rels.get(sheet.get(_REL_NS + "id", ""))
                for drawing in rels(part).values() if part else ():
                    lost = sum(
                        1 for anchor in ElementTree.fromstring(archive.read(drawing))
                        if not any(child.tag.split("}")[-1] in _KEPT_DRAWINGS for child in anchor))
                    if lost:
                        found.append(
                            f"{sheet.get('name')}: {lost} drawing object(s) (shapes, text boxes, "
                            "controls or pictures) cannot be kept by openpyxl and were dropped")
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        pass  # a part we cannot follow: openpyxl loaded the file, so nothing to add
    return found


def _resolve(folder: str, target: str) -> str:
    """A relationship target as a path inside the zip (targets are relative or start at /)."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(
        posixpath.join(folder, target))


def _arrange(
    book: OpenpyxlWorkbook, old_sheets: list[Any], is_generated: list[bool],
    new_sheets: list[Worksheet], lists_sheet: Worksheet | None,
) -> None:
    """Tab order: team tabs keep their positions; generated tabs fill the generated slots in the
    model's order; generated tabs new to the file follow the last generated slot (or the end)."""
    fresh = iter(new_sheets)
    order: list[Any] = []
    last_generated_slot = -1
    for sheet, gen in zip(old_sheets, is_generated, strict=True):
        if not gen:
            order.append(sheet)
            continue
        nxt = next(fresh, None)
        if nxt is not None:
            order.append(nxt)
            last_generated_slot = len(order) - 1
    rest = list(fresh)
    at = last_generated_slot + 1 if last_generated_slot >= 0 else len(order)
    order[at:at] = rest
    if lists_sheet is not None:
        order.append(lists_sheet)
    # openpyxl's move_sheet counts positions among worksheets only (a chartsheet of the team's
    # would shift everything): set the order of all sheets at once.
    assert sorted(map(id, order)) == sorted(map(id, book._sheets))
    book._sheets[:] = order


def _select_first_visible(book: OpenpyxlWorkbook) -> None:
    """Open on the first visible tab; a hidden active tab or several selected tabs (Excel
    groups them, and a grouped edit changes every one) make a confusing or broken file."""
    sheets = book._sheets
    first = next((i for i, s in enumerate(sheets) if s.sheet_state == "visible"), 0)
    book.active = first
    for i, sheet in enumerate(sheets):
        views = getattr(sheet, "views", None)
        for view in getattr(views, "sheetView", []) or []:
            view.tabSelected = i == first


# -- rendering --------------------------------------------------------------------------------


def _sheet_titles(path: Path) -> list[str]:
    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # an unreadable file is reported by write(), not here
        return []
    try:
        return list(book.sheetnames)
    finally:
        book.close()


class _Renderer:
    """Renders model tabs into one openpyxl workbook, sharing style objects between cells."""

    def __init__(self, book: OpenpyxlWorkbook, unprotected_note: str | None = None) -> None:
        self.book = book
        self.unprotected_note = unprotected_note
        self.cells = 0
        self.warnings: list[str] = []
        self._by_key: dict[str, tuple[Tab, Worksheet]] = {}
        self._by_title: dict[str, tuple[Tab, Worksheet]] = {}
        self._styles: dict[Style, tuple[Font, PatternFill | None, Alignment | None]] = {}
        self._lists: list[tuple[str, ...]] = []
        self._bad_currency_tabs: set[str] = set()

    # tabs

    def render_tab(self, tab: Tab) -> Worksheet:
        sheet = self.book.create_sheet(tab.title)
        self._by_key[tab.key] = self._by_title[tab.title] = (tab, sheet)
        if tab.key.isidentifier() and len(tab.key) <= MAX_TITLE:
            # Excel's code name: a stable id of the tab (tools/screenshots.py names files by it).
            sheet.sheet_properties.codeName = tab.key
        if tab.tab_colour:
            sheet.sheet_properties.tabColor = _argb(tab.tab_colour)
        if tab.hidden:
            sheet.sheet_state = "hidden"
        if tab.frozen_rows or tab.frozen_cols:
            sheet.freeze_panes = sheet.cell(row=tab.frozen_rows + 1, column=tab.frozen_cols + 1)
        widths = {index: column.width for index, column in enumerate(tab.columns)} | tab.widths
        for index, pixels in widths.items():
            sheet.column_dimensions[get_column_letter(index + 1)].width = pixels / PIXELS_PER_CHAR

        for r, row in enumerate(tab.grid(), start=1):
            height = 0.0
            for c, cell in enumerate(row, start=1):
                if cell is None:
                    continue
                style = self._write_cell(sheet, tab, r, c, cell)
                if style is not None and style.wrap and isinstance(cell.value, str):
                    width = widths.get(c - 1, DEFAULT_COLUMN_PIXELS)
                    height = max(height, _wrapped_height(cell.value, width, style.size))
            if height > LINE_POINTS:
                # Neither LibreOffice nor Excel grows a row to fit wrapped text on opening a
                # file: give the row the height its longest wrapped text needs.
                sheet.row_dimensions[r].height = min(height, MAX_ROW_POINTS)
        notes = [n for n in (tab.note, self.unprotected_note if tab.protections and not tab.hidden else None) if n]
        if notes:
            a1 = sheet["A1"]
            text = "\n\n".join(notes) + (f"\n\n{a1.comment.text}" if a1.comment else "")
            a1.comment = _comment(text)
        for rule in tab.rules:
            self._add_rule(sheet, rule)
        for validation in tab.validations:
            self._add_validation(sheet, tab, validation)
        # tab.protections: deliberately not rendered. Sheets protects them with a warning only;
        # xlsx protection would lock the team out instead (the builder notes this on the tab).
        return sheet

    def _write_cell(
        self, sheet: Worksheet, tab: Tab, row: int, col: int, cell: Cell,
    ) -> Style | None:
        """Write one cell; returns the style it got (a multi-line text is wrapped)."""
        value = cell.value
        target = sheet.cell(row=row, column=col)
        if isinstance(value, str):
            if value:
                text = self._literal_text(value, tab, target.coordinate)
                target.value = text
                if len(text) > MAX_CELL_CHARS:
                    # openpyxl silently cuts a string to Excel's limit, which would corrupt the
                    # hidden state tab's chunks: keep the text whole (openpyxl and LibreOffice
                    # read it back whole; Excel cuts it, see _literal_text's warning).
                    target._value = text
                # openpyxl makes a formula of any "=..." and an error of "#N/A": text stays text.
                target.data_type = "s"
                self.cells += 1
        elif isinstance(value, bool):
            target.value = value
            self.cells += 1
        elif isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                # xlsx has no infinity (a NaN is already blank in the model): blank, and say so.
                self.warnings.append(f"{tab.title}!{target.coordinate}: {value} left blank")
            else:
                target.value = value
                self.cells += 1
        elif isinstance(value, (dt.date, dt.datetime)):
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                # xlsx datetimes have no zone: keep the wall-clock time the model shows.
                value = value.replace(tzinfo=None)
            target.value = value
            self.cells += 1
        elif value is not None:
            raise TypeError(f"{tab.title}!{target.coordinate}: cannot write a "
                            f"{type(value).__name__} ({value!r})")
        if value is not None and not isinstance(value, str):
            pattern = self._pattern(tab, cell)
            if pattern:
                target.number_format = pattern
        style = cell.style
        if isinstance(value, str) and "\n" in value and not (style and style.wrap):
            # A multi-line text shows its lines only when wrapped (Excel wraps on Alt+Enter too).
            style = replace(style or Style(), wrap=True)
        if style is not None:
            font, fill, alignment = self._style(style)
            target.font = font
            if fill is not None:
                target.fill = fill
            if alignment is not None:
                target.alignment = alignment
        if cell.note:
            target.comment = _comment(cell.note)
        return style

    def _pattern(self, tab: Tab, cell: Cell) -> str | None:
        if cell.currency is None or isinstance(cell.currency, str):
            return cell.pattern
        # A currency that is not a code (a pandas NaN from a marketplace without one): the
        # number still goes in, without a symbol, and the run log hears about it once per tab.
        if tab.key not in self._bad_currency_tabs:
            self._bad_currency_tabs.add(tab.key)
            self.warnings.append(f"{tab.title}: currency {cell.currency!r} is not a currency "
                                 "code; amounts written without a symbol")
        return pattern_for(cell.format, None)

    def _literal_text(self, value: str, tab: Tab, coordinate: str) -> str:
        if ILLEGAL_CHARACTERS_RE.search(value):
            # Control characters (other than tab and newlines) are invalid in the file's XML.
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            self.warnings.append(f"{tab.title}!{coordinate}: control characters replaced by \ufffd")
        if len(value) > MAX_CELL_CHARS:
            self.warnings.append(
                f"{tab.title}!{coordinate}: {len(value):,} characters, more than the "
                f"{MAX_CELL_CHARS:,} an xlsx cell may hold: sheetsbot and LibreOffice read it "
                "whole, but Excel reports the file as damaged, and saving the file from Excel "
                "or LibreOffice cuts the text")
        return _OOXML_ESCAPE_RE.sub(r"_x005F_\1", value)

    def _style(self, style: Style) -> tuple[Font, PatternFill | None, Alignment | None]:
        cached = self._styles.get(style)
        if cached is None:
            # The workbook's own font, changed only where the model says: a bare Font() has no
            # name, and LibreOffice then falls back to a serif font.
            font = Font(name=DEFAULT_FONT.name, family=DEFAULT_FONT.family,
                        scheme=DEFAULT_FONT.scheme, size=style.size or DEFAULT_FONT.size,
                        bold=style.bold, italic=style.italic,
                        color=_argb(style.foreground) if style.foreground else None)
            fill = _solid(style.background) if style.background else None
            alignment = None
            if style.align or style.wrap:
                alignment = Alignment(horizontal=style.align, wrap_text=style.wrap or None)
            cached = self._styles[style] = (font, fill, alignment)
        return cached

    # rules and dropdowns

    def _add_rule(self, sheet: Worksheet, rule: ConditionalRule) -> None:
        fill = _solid(rule.background)
        font = Font(color=_argb(rule.foreground)) if rule.foreground else None
        operands = [_operand(v, text=rule.kind == "text_eq") for v in rule.values]
        expected = {"between": 2}.get(rule.kind, 1)
        if len(operands) != expected:
            raise ValueError(f"{sheet.title}: a {rule.kind!r} rule takes {expected} value(s), "
                             f"got {rule.values!r}")
        xlsx_rule: Rule
        if rule.kind == "text_eq":
            xlsx_rule = CellIsRule(operator="equal", formula=operands, fill=fill, font=font,
                                   stopIfTrue=True)
        elif rule.kind == "formula":
            xlsx_rule = FormulaRule(formula=operands, fill=fill, font=font, stopIfTrue=True)
        else:
            # Not a CellIsRule: Excel and LibreOffice compare an empty cell as 0 (and text as
            # greater than any number), so "< 5 %" down to the bottom would paint every empty
            # row red, and a blank "cannot be computed" value too. Only numbers get a light.
            cell = _top_left(rule.range)
            if rule.kind == "between":
                test = f"{cell}>={operands[0]},{cell}<={operands[1]}"
            else:
                test = f"{cell}{rule.kind}{operands[0]}"
            xlsx_rule = FormulaRule(formula=[f"AND(ISNUMBER({cell}),{test})"], fill=fill,
                                    font=font, stopIfTrue=True)
        # Rules are kept in the model's order, which is their priority: like Google Sheets, the
        # first rule that holds colours the cell (stopIfTrue), so a catch-all yellow comes last.
        sheet.conditional_formatting.add(_a1(rule.range), xlsx_rule)

    def _add_validation(self, sheet: Worksheet, tab: Tab, validation: Validation) -> None:
        options = validation.options
        inline = ",".join(o.replace('"', '""') for o in options)
        if any("," in o for o in options) or len(inline) > MAX_INLINE_LIST:
            # Excel splits an inline list at commas and caps it at 255 characters: refer to cells.
            self._lists.append(options)
            column = get_column_letter(len(self._lists))
            formula = f"{quote_sheetname(LISTS_TAB_TITLE)}!${column}$1:${column}${len(options)}"
        else:
            formula = f'"{inline}"'
        shown = ", ".join(options)
        dropdown = DataValidation(
            type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
            errorStyle="stop" if validation.strict else "warning",
            errorTitle=tab.title, error=f"Expected one of: {shown}"[:225],
        )
        dropdown.add(_a1(validation.range))
        sheet.add_data_validation(dropdown)

    def finish_lists(self) -> Worksheet | None:
        if not self._lists:
            return None
        sheet = self.book.create_sheet(LISTS_TAB_TITLE)
        sheet.sheet_state = "hidden"
        for col, options in enumerate(self._lists, start=1):
            for row, option in enumerate(options, start=1):
                sheet.cell(row=row, column=col, value=option).data_type = "s"
        return sheet

    # charts

    def render_charts(self, tab: Tab, sheet: Worksheet) -> None:
        for chart in tab.charts:
            built = self._chart(tab, chart)
            if built is not None:
                anchor = f"{get_column_letter(chart.anchor_col + 1)}{chart.anchor_row + 1}"
                sheet.add_chart(built, anchor)

    def _chart(self, tab: Tab, chart: Chart) -> ChartBase | None:
        source_tab, source = self._by_key[tab.key]
        if chart.source_tab is not None:
            # The model does not say whether source_tab is a key or a title: accept either.
            found = self._by_key.get(chart.source_tab) or self._by_title.get(chart.source_tab)
            if found is None:
                raise ValueError(f"{tab.title}: chart {chart.title!r} reads tab "
                                 f"{chart.source_tab!r}, which the model lacks")
            source_tab, source = found
        bottom = len(source_tab.grid())  # end_row=None: to the last row the source tab holds

        def reference(grid: GridRange) -> Reference | None:
            last = grid.end_row if grid.end_row is not None else bottom
            if last <= grid.start_row or grid.end_col <= grid.start_col:
                return None
            return Reference(source, min_col=grid.start_col + 1, max_col=grid.end_col,
                             min_row=grid.start_row + 1, max_row=last)

        categories = reference(chart.domain)
        if categories is None:
            self.warnings.append(f"{tab.title}: chart {chart.title!r} has no data rows; left out")
            return None
        primary, secondary = _new_chart(chart.kind), _new_chart(chart.kind)
        for series in chart.series:
            values = reference(series.range)
            if values is None:
                continue
            target = secondary if series.axis == "right" else primary
            line = Series(values, title=series.label)
            if chart.kind == "line":
                line.smooth = False  # openpyxl's default draws curves that invent values
            target.series.append(line)
            if len(target.series) == 1:
                pattern = self._pattern_at(source_tab, series.range)
                target.y_axis.number_format = pattern or "General"
        if not primary.series and secondary.series:  # every series on the right: one axis is enough
            primary, secondary = secondary, _new_chart(chart.kind)
        if not primary.series:
            self.warnings.append(f"{tab.title}: chart {chart.title!r} has no data rows; left out")
            return None
        primary.title = chart.title
        primary.set_categories(categories)
        primary.legend.position = "b"
        primary.width = chart.width * CM_PER_PIXEL
        primary.height = chart.height * CM_PER_PIXEL
        if secondary.series:
            secondary.set_categories(categories)
            secondary.y_axis.axId = 200  # its own value axis, drawn on the right
            secondary.y_axis.crosses = "max"
            secondary.y_axis.majorGridlines = None
            primary += secondary
        return primary

    @staticmethod
    def _pattern_at(tab: Tab, grid: GridRange) -> str | None:
        """The number format of a series' first typed cell, so its axis reads like its cells."""
        rows = tab.grid()
        for row in rows[grid.start_row: grid.end_row if grid.end_row is not None else len(rows)]:
            cell = row[grid.start_col] if grid.start_col < len(row) else None
            if cell is not None and cell.value is not None and not isinstance(cell.value, str):
                return cell.pattern
        return None


def _new_chart(kind: str) -> LineChart | BarChart:
    chart: LineChart | BarChart
    if kind == "line":
        chart = LineChart()
    elif kind == "column":
        chart = BarChart()
        chart.type = "col"
    else:
        raise ValueError(f"unknown chart kind {kind!r}")
    # openpyxl 3.1 leaves <c:delete> unset, which Excel reads as "axis deleted": show both axes.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


# -- small helpers ----------------------------------------------------------------------------


def _argb(colour: str) -> str:
    """``#RRGGBB`` → ``FFRRGGBB`` (opaque: an alpha of 00 is transparent to some readers)."""
    hex_part = colour.lstrip("#")
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", hex_part):
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    return "FF" + hex_part.upper()


def _solid(colour: str) -> PatternFill:
    # Both colours set: a cell fill uses fgColor, a conditional format's fill bgColor.
    return PatternFill(fill_type="solid", start_color=_argb(colour), end_color=_argb(colour))


def _a1(grid: GridRange) -> str:
    last_row = grid.end_row if grid.end_row is not None else MAX_ROW
    if last_row <= grid.start_row or grid.end_col <= grid.start_col:
        raise ValueError(f"empty range {grid}")
    return (f"{get_column_letter(grid.start_col + 1)}{grid.start_row + 1}:"
            f"{get_column_letter(grid.end_col)}{last_row}")


def _wrapped_height(text: str, width_px: int, size: int | None) -> float:
    """Points a wrapped text needs in a column ``width_px`` wide (an estimate erring tall)."""
    scale = (size or DEFAULT_FONT.size) / DEFAULT_FONT.size
    per_line = max(1, int((width_px - 5) / (AVERAGE_CHAR_PIXELS * scale)))
    lines = sum(max(1, math.ceil(len(line) / per_line)) for line in text.split("\n"))
    return lines * LINE_POINTS * scale


def _top_left(grid: GridRange) -> str:
    """The range's first cell, relative: a rule's formula is written for it and shifts with
    each cell of the range, like both Excel and Google Sheets expect."""
    return f"{get_column_letter(grid.start_col + 1)}{grid.start_row + 1}"


def _operand(value: str, *, text: bool) -> str:
    """A rule's value as an xlsx formula: ``=...`` is a formula (without its ``=``), a number
    stays a number, anything else (and every ``text_eq`` value) is a quoted string."""
    if not text and value.startswith("="):
        return value[1:]
    if not text and _NUMBER_RE.match(value.strip()):
        return value.strip()
    return '"' + value.replace('"', '""') + '"'


def _comment(text: str) -> Comment:
    lines = sum(1 + len(line) // 45 for line in text.splitlines() or [""])
    return Comment(text, "sheetsbot", width=320, height=min(max(80, 16 * lines + 20), 480))


def _save_atomically(book: OpenpyxlWorkbook, path: Path) -> int:
    """Save to a temporary file beside ``path``, then rename it over ``path`` (atomic on one
    file system). Returns the size written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    temp, handle = _create_temp(path)
    try:
        with handle:
            book.save(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)  # the team's permissions on the file stay as they were
        size = temp.stat().st_size
        try:
            os.replace(temp, path)
        except PermissionError as exc:
            raise XlsxSinkError(f"{path}: cannot replace it ({exc}); is it open in Excel? "
                                "Close it and run again") from exc
    except BaseException:
        with suppress(FileNotFoundError):
            temp.unlink()
        raise
    _fsync_dir(path.parent)
    return size


def _create_temp(path: Path) -> tuple[Path, Any]:
    # open(..., "xb") rather than mkstemp: the new file gets the usual umask permissions, not 0600.
    for _ in range(100):
        temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return temp, open(temp, "xb")  # noqa: SIM115 - closed by the caller's with block
        except FileExistsError:
            continue
    raise XlsxSinkError(f"{path.parent}: cannot create a temporary file")


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort elsewhere."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _open_elsewhere_warnings(path: Path) -> list[str]:
    """Excel (``~$name``) and LibreOffice (``.~lock.name#``) leave a lock file while it is open."""
    locks = (path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#"))
    return [f"{path.name} is open in a spreadsheet program ({lock.name}): reopen it to see this run"
            for lock in locks if lock.exists()]
