"""The in-memory spreadsheet: sheets, sparse cells, and the resource shape Google returns.

A :class:`Spreadsheet` keeps what ``spreadsheets.get`` reports in Google's own JSON shapes
(``SheetProperties``, ``GridRange``, ``ProtectedRange``...), plus cells stored sparsely as
``CellData`` keyed by ``(row, column)``. Handlers never mutate a live spreadsheet: they work
on :meth:`Spreadsheet.clone` and the store swaps the copy in once every request succeeded,
which is what makes ``batchUpdate`` all or nothing.

Usage::

    book = Spreadsheet.new("1abc", "Weekly KPIs")
    sheet, area = book.resolve("Sheet1!A1:B2")     # area is a GridArea (zero-based, half-open)
    sheet.set_cell(0, 0, {"userEnteredValue": {"stringValue": "hi"}})
    book.resource()                                # what spreadsheets.get answers
"""

from __future__ import annotations

import copy
import math
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

from . import a1
from .cells import JsonDict
from .errors import ApiError

MAX_CELLS = 10_000_000
MAX_COLUMNS = a1.MAX_COLUMNS
DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26
DEFAULT_ROW_PIXELS, DEFAULT_COLUMN_PIXELS = 21, 100

# What a new spreadsheet's properties hold besides its title, as Google reports them
# (copied from the recorded responses: these are Google's defaults, not ours to invent).
DEFAULT_FORMAT: JsonDict = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
DEFAULT_THEME: JsonDict = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": "TEXT", "color": {"rgbColor": {}}},
        {"colorType": "BACKGROUND", "color": {"rgbColor": {"red": 1, "green": 1, "blue": 1}}},
        {"colorType": "ACCENT1",
         "color": {"rgbColor": {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}}},
        {"colorType": "ACCENT2",
         "color": {"rgbColor": {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}}},
        {"colorType": "ACCENT3",
         "color": {"rgbColor": {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}}},
        {"colorType": "ACCENT4",
         "color": {"rgbColor": {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}}},
        {"colorType": "ACCENT5",
         "color": {"rgbColor": {"red": 1, "green": 0.42745098, "blue": 0.003921569}}},
        {"colorType": "ACCENT6",
         "color": {"rgbColor": {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}}},
        {"colorType": "LINK",
         "color": {"rgbColor": {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}}},
    ],
}

# Per-sheet collections that spreadsheets.get reports next to "properties", in Google's order.
SHEET_COLLECTIONS = (
    "merges", "conditionalFormats", "filterViews", "protectedRanges", "basicFilter", "charts",
    "bandedRanges", "developerMetadata", "rowGroups", "columnGroups", "slicers", "tables",
)


@dataclass(frozen=True)
class GridArea:
    """A resolved, bounded rectangle: zero-based, end-exclusive."""

    start_row: int
    end_row: int
    start_col: int
    end_col: int

    @property
    def rows(self) -> int:
        return self.end_row - self.start_row

    @property
    def cols(self) -> int:
        return self.end_col - self.start_col


def new_id(length: int = 44) -> str:
    """A Drive-style id: starts with ``1``, URL-safe characters."""
    return "1" + secrets.token_urlsafe(length)[: length - 1]


def random_int_id() -> int:
    # Google's sheet, protected-range and chart ids are positive 31-bit integers.
    return secrets.randbelow(2**31 - 1) + 1


# --------------------------------------------------------------------------- colours
def _float32(value: float) -> float | int:
    """The shortest decimal that survives a float32 round trip, as Google prints colours."""
    packed = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(1, 10):
        text = f"{packed:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == packed:
            number = float(text)
            return int(number) if number.is_integer() else number
    return packed


def quantize_color(color: JsonDict) -> JsonDict:
    """Sheets stores 8 bits per channel; zero channels are omitted (proto3 defaults)."""
    out: JsonDict = {}
    for channel in ("red", "green", "blue"):
        value = color.get(channel)
        if value:
            level = math.floor(float(value) * 255 + 1e-6)
            if level:
                out[channel] = _float32(level / 255)
    if color.get("alpha") is not None:
        out["alpha"] = color["alpha"]
    return out


_COLOR_PAIRS = (("backgroundColor", "backgroundColorStyle"),
                ("foregroundColor", "foregroundColorStyle"),
                ("tabColor", "tabColorStyle"), ("color", "colorStyle"))


def normalize_colors(obj: Any) -> Any:
    """Quantize colours and mirror ``xColor`` ↔ ``xColorStyle.rgbColor`` as Google does.

    Nulls are dropped on the way (proto3: null is "not set"), and a colour style left with
    nothing set counts as no colour at all.
    """
    if isinstance(obj, list):
        return [normalize_colors(item) for item in obj]
    if not isinstance(obj, dict):
        return obj
    out = {k: normalize_colors(v) for k, v in obj.items() if v is not None}
    for plain, style in _COLOR_PAIRS:
        if plain in out and isinstance(out[plain], dict) and _looks_like_color(out[plain]):
            out[plain] = quantize_color(out[plain])
            out.setdefault(style, {"rgbColor": dict(out[plain])})
        if style in out and isinstance(out[style], dict):
            if not out[style]:
                del out[style]
                out.pop(plain, None)
                continue
            rgb = out[style].get("rgbColor")
            if isinstance(rgb, dict):
                out[style] = {**out[style], "rgbColor": quantize_color(rgb)}
                out.setdefault(plain, dict(out[style]["rgbColor"]))
    return out


def with_color_partners(paths: list[str]) -> list[str]:
    """An update mask naming ``tabColorStyle`` also covers ``tabColor`` (and vice versa),
    since Google keeps the two in step."""
    partners = {a: b for a, b in _COLOR_PAIRS} | {b: a for a, b in _COLOR_PAIRS}
    out = list(paths)
    for path in paths:
        head, _, last = path.rpartition(".")
        if last in partners:
            twin = f"{head}.{partners[last]}" if head else partners[last]
            if twin not in out:
                out.append(twin)
    return out


def _looks_like_color(value: JsonDict) -> bool:
    return set(value) <= {"red", "green", "blue", "alpha"}


def grid_range_out(grid: JsonDict) -> JsonDict:
    """A GridRange/DimensionRange as Google prints it: ``sheetId`` 0 is omitted."""
    out = {k: v for k, v in grid.items() if v is not None}
    if out.get("sheetId") == 0:
        del out["sheetId"]
    return out


# ------------------------------------------------------------------------------ sheet
@dataclass
class Sheet:
    properties: JsonDict
    cells: dict[tuple[int, int], JsonDict] = field(default_factory=dict)
    row_meta: dict[int, JsonDict] = field(default_factory=dict)
    col_meta: dict[int, JsonDict] = field(default_factory=dict)
    extra: JsonDict = field(default_factory=dict)

    @classmethod
    def new(cls, sheet_id: int, title: str, index: int, rows: int = DEFAULT_ROWS,
            cols: int = DEFAULT_COLUMNS) -> Sheet:
        return cls(properties={
            "sheetId": sheet_id, "title": title, "index": index, "sheetType": "GRID",
            "gridProperties": {"rowCount": rows, "columnCount": cols},
        })

    @property
    def id(self) -> int:
        return int(self.properties.get("sheetId", 0))

    @property
    def title(self) -> str:
        return str(self.properties.get("title", ""))

    @property
    def grid(self) -> JsonDict:
        return self.properties.setdefault("gridProperties", {})

    @property
    def row_count(self) -> int:
        return int(self.grid.get("rowCount", 0))

    @property
    def col_count(self) -> int:
        return int(self.grid.get("columnCount", 0))

    def full_area(self) -> GridArea:
        return GridArea(0, self.row_count, 0, self.col_count)

    def cell(self, row: int, col: int) -> JsonDict | None:
        return self.cells.get((row, col))

    def set_cell(self, row: int, col: int, cell: JsonDict | None) -> None:
        if cell:
            self.cells[(row, col)] = cell
        else:
            self.cells.pop((row, col), None)

    def bounds_of_data(self, area: GridArea) -> tuple[int, int] | None:
        """(last row + 1, last col + 1) holding a value inside ``area``, or None."""
        last_row = last_col = -1
        for (r, c), cell in self.cells.items():
            if (area.start_row <= r < area.end_row and area.start_col <= c < area.end_col
                    and "userEnteredValue" in cell):
                last_row, last_col = max(last_row, r), max(last_col, c)
        return None if last_row < 0 else (last_row + 1, last_col + 1)

    def to_area(self, grid: JsonDict) -> GridArea:
        """A GridRange (unbounded sides allowed) clamped to this sheet."""
        return GridArea(
            max(0, int(grid.get("startRowIndex") or 0)),
            min(self.row_count, int(grid.get("endRowIndex", self.row_count)
                                    if grid.get("endRowIndex") is not None else self.row_count)),
            max(0, int(grid.get("startColumnIndex") or 0)),
            min(self.col_count, int(grid.get("endColumnIndex", self.col_count)
                                    if grid.get("endColumnIndex") is not None
                                    else self.col_count)),
        )

    def resource(self) -> JsonDict:
        out: JsonDict = {"properties": copy.deepcopy(self.properties)}
        for name in SHEET_COLLECTIONS:
            value = self.extra.get(name)
            if value:
                out[name] = copy.deepcopy(value)
        return out

    def grid_data(self, area: GridArea, default_format: JsonDict) -> JsonDict:
        """GridData for ``area``: rows of CellData (trailing empties trimmed) and metadata."""
        data: JsonDict = {}
        if area.start_row:
            data["startRow"] = area.start_row
        if area.start_col:
            data["startColumn"] = area.start_col
        rows: list[JsonDict] = []
        for r in range(area.start_row, area.end_row):
            values = []
            for c in range(area.start_col, area.end_col):
                values.append(self._cell_out(self.cells.get((r, c)), default_format))
            while values and not values[-1]:
                values.pop()
            rows.append({"values": values} if values else {})
        while rows and not rows[-1]:
            rows.pop()
        if rows:
            data["rowData"] = rows
        data["rowMetadata"] = [
            {"pixelSize": DEFAULT_ROW_PIXELS, **self.row_meta.get(r, {})}
            for r in range(area.start_row, area.end_row)
        ]
        data["columnMetadata"] = [
            {"pixelSize": DEFAULT_COLUMN_PIXELS, **self.col_meta.get(c, {})}
            for c in range(area.start_col, area.end_col)
        ]
        return data

    @staticmethod
    def _cell_out(cell: JsonDict | None, default_format: JsonDict) -> JsonDict:
        from .cells import format_value

        if not cell:
            return {}
        out = copy.deepcopy(cell)
        effective = cell.get("effectiveValue")
        number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat")
        if effective is not None:
            out["formattedValue"] = format_value(effective, number_format)
        if "userEnteredValue" in cell or "userEnteredFormat" in cell:
            out["effectiveFormat"] = _deep_merge(default_format, cell.get("userEnteredFormat", {}))
        return out


def _deep_merge(base: JsonDict, over: JsonDict) -> JsonDict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# ------------------------------------------------------------------------ spreadsheet
@dataclass
class Spreadsheet:
    id: str
    properties: JsonDict
    sheets: list[Sheet]
    named_ranges: list[JsonDict] = field(default_factory=list)
    developer_metadata: list[JsonDict] = field(default_factory=list)

    @classmethod
    def new(cls, spreadsheet_id: str, title: str, locale: str = "en_US",
            time_zone: str = "Etc/GMT") -> Spreadsheet:
        properties = {
            "title": title, "locale": locale, "autoRecalc": "ON_CHANGE", "timeZone": time_zone,
            "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
            "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME),
        }
        return cls(spreadsheet_id, properties, [Sheet.new(0, "Sheet1", 0)])

    def clone(self) -> Spreadsheet:
        return copy.deepcopy(self)

    @property
    def title(self) -> str:
        return str(self.properties.get("title", ""))

    @property
    def url(self) -> str:
        return f"https://docs.google.com/spreadsheets/d/{self.id}/edit"

    # ------------------------------------------------------------------ lookups
    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.id == sheet_id), None)

    def sheet_by_title(self, title: str) -> Sheet | None:
        found = next((s for s in self.sheets if s.title == title), None)
        if found is None:  # Google matches titles case-insensitively in ranges
            found = next((s for s in self.sheets if s.title.casefold() == title.casefold()), None)
        return found

    def ordered_sheets(self) -> list[Sheet]:
        return sorted(self.sheets, key=lambda s: s.properties.get("index", 0))

    def reindex(self) -> None:
        for i, sheet in enumerate(self.ordered_sheets()):
            sheet.properties["index"] = i

    def named_range(self, name: str) -> JsonDict | None:
        return next((n for n in self.named_ranges
                     if n.get("name", "").casefold() == name.casefold()), None)

    def total_cells(self) -> int:
        return sum(s.row_count * s.col_count for s in self.sheets)

    def check_limits(self) -> None:
        """Google's grid limits, checked after every change and before it is kept."""
        for sheet in self.sheets:
            if sheet.col_count > MAX_COLUMNS:
                raise ApiError.invalid_argument(
                    f"This action would increase the number of columns in sheet "
                    f"'{sheet.title}' above the limit of {MAX_COLUMNS} columns.")
        if self.total_cells() > MAX_CELLS:
            raise ApiError.invalid_argument(
                "This action would increase the number of cells in the workbook above the "
                f"limit of {MAX_CELLS} cells.")

    # ---------------------------------------------------------------- A1 ranges
    def resolve(self, text: str, clamp: bool = True) -> tuple[Sheet, GridArea]:
        """An A1 range (or sheet title, or named range) → (sheet, bounded area)."""
        unparsable = ApiError.invalid_argument(f"Unable to parse range: {text}")
        try:
            ref = a1.parse(text)
        except a1.A1Error:
            ref = None
        if ref is None or (ref.sheet is None and not ref.area and ref.name is None):
            sheet = self.sheet_by_title(text)  # e.g. an unquoted title with spaces
            if sheet is None:
                raise unparsable
            return sheet, sheet.full_area()
        if ref.sheet is not None:
            sheet = self.sheet_by_title(ref.sheet)
            if sheet is None:
                raise unparsable
        else:
            sheet = None
        if not ref.area:
            if ref.name is None:
                assert sheet is not None
                return sheet, sheet.full_area()
            if sheet is None:
                by_title = self.sheet_by_title(ref.name)
                if by_title is not None:
                    return by_title, by_title.full_area()
            named = self.named_range(ref.name)
            if named is None:
                raise unparsable
            grid = named.get("range", {})
            target = self.sheet_by_id(int(grid.get("sheetId", 0)))
            if target is None:
                raise unparsable
            return target, target.to_area(grid)
        if sheet is None:
            sheet = self.ordered_sheets()[0]
        start_row = ref.start_row or 0
        start_col = ref.start_col or 0
        end_row = ref.end_row if ref.end_row is not None else sheet.row_count
        end_col = ref.end_col if ref.end_col is not None else sheet.col_count
        if clamp:
            if start_row >= sheet.row_count or start_col >= sheet.col_count:
                raise self.grid_limit_error(sheet, text)
            end_row, end_col = min(end_row, sheet.row_count), min(end_col, sheet.col_count)
        return sheet, GridArea(start_row, end_row, start_col, end_col)

    @staticmethod
    def grid_limit_error(sheet: Sheet, text: str) -> ApiError:
        return ApiError.invalid_argument(
            f"Range ({text}) exceeds grid limits. Max rows: {sheet.row_count}, max columns: "
            f"{sheet.col_count}")

    def format_area(self, sheet: Sheet, area: GridArea) -> str:
        return a1.format_range(sheet.title, area.start_row, area.end_row, area.start_col,
                               area.end_col)

    # ----------------------------------------------------------------- resource
    def resource(self, data_ranges: list[tuple[Sheet, GridArea]] | None = None,
                 include_data: bool = False) -> JsonDict:
        """The Spreadsheet resource; with grid data for ``data_ranges`` or every sheet."""
        sheets_out = []
        wanted_ids = {s.id for s, _ in data_ranges} if data_ranges else None
        default_format = self.properties.get("defaultFormat", {})
        for sheet in self.ordered_sheets():
            if wanted_ids is not None and sheet.id not in wanted_ids:
                continue
            entry = sheet.resource()
            if include_data:
                areas = ([area for s, area in data_ranges if s.id == sheet.id]
                         if data_ranges else [sheet.full_area()])
                entry["data"] = [sheet.grid_data(area, default_format) for area in areas]
            sheets_out.append(entry)
        out: JsonDict = {
            "spreadsheetId": self.id,
            "properties": copy.deepcopy(self.properties),
            "sheets": sheets_out,
        }
        if self.named_ranges:
            out["namedRanges"] = copy.deepcopy(self.named_ranges)
        if self.developer_metadata:
            out["developerMetadata"] = copy.deepcopy(self.developer_metadata)
        out["spreadsheetUrl"] = self.url
        return out

    # -------------------------------------------------------------- persistence
    def to_json(self) -> JsonDict:
        return {
            "id": self.id,
            "properties": self.properties,
            "namedRanges": self.named_ranges,
            "developerMetadata": self.developer_metadata,
            "sheets": [
                {
                    "properties": s.properties,
                    "cells": [[r, c, cell] for (r, c), cell in sorted(s.cells.items())],
                    "rowMeta": {str(k): v for k, v in s.row_meta.items()},
                    "colMeta": {str(k): v for k, v in s.col_meta.items()},
                    "extra": s.extra,
                }
                for s in self.sheets
            ],
        }

    @classmethod
    def from_json(cls, data: JsonDict) -> Spreadsheet:
        sheets = [
            Sheet(
                properties=s["properties"],
                cells={(r, c): cell for r, c, cell in s.get("cells", [])},
                row_meta={int(k): v for k, v in s.get("rowMeta", {}).items()},
                col_meta={int(k): v for k, v in s.get("colMeta", {}).items()},
                extra=s.get("extra", {}),
            )
            for s in data["sheets"]
        ]
        return cls(data["id"], data["properties"], sheets, data.get("namedRanges", []),
                   data.get("developerMetadata", []))
