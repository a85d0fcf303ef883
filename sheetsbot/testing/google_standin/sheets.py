"""Sheets API v4 handlers: ``spreadsheets.create/get`` and ``spreadsheets.values.*``.

``spreadsheets.batchUpdate`` lives in ``batch_update.py``. Every write works on a clone of
the spreadsheet and is committed only when the whole call succeeded (see :func:`commit`).

Usage (the server dispatches by method id)::

    reply = HANDLERS["sheets.spreadsheets.values.get"](call)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import cells as cellmod
from .context import Call, JsonDict, Reply
from .errors import ApiError
from .fields import apply_selector, parse_selector
from .spreadsheet import GridArea, Sheet, Spreadsheet, normalize_colors, random_int_id
from .store import ROLE_RANK, SHEET_MIME, DriveFile

CELL_TOO_LONG = ("Your input contains more than the maximum of 50000 characters in a single "
                 "cell.")


# -------------------------------------------------------------------- access & commit
def open_book(call: Call, write: bool) -> tuple[DriveFile, Spreadsheet]:
    """The spreadsheet named in the path, or Google's 404/403."""
    store = call.store
    spreadsheet_id = call.path["spreadsheetId"]
    file = store.files.get(spreadsheet_id)
    if file is None and store.drive_folder is not None:
        store.scan_folder()  # a ``.gsheet.xlsx`` dropped into the folder since the last scan
        file = store.files.get(spreadsheet_id)
    if file is None or file.mime_type != SHEET_MIME or file.trashed:
        raise ApiError.not_found()
    role = store.role_of(file, call.email)
    if role == 0 or (write and role < ROLE_RANK["writer"]):
        raise ApiError.permission_denied()
    return file, store.spreadsheet_for(file)


def commit(call: Call, file: DriveFile, book: Spreadsheet) -> None:
    """Swap a changed clone in, after the grid limits hold for the result."""
    book.check_limits()
    call.store.spreadsheets[file.id] = book
    file.name = book.title
    call.store.touch(file.id)


# ------------------------------------------------------------------ spreadsheets.*
def create_spreadsheet(call: Call) -> Reply:
    body: JsonDict = call.body or {}
    title = (body.get("properties") or {}).get("title") or "Untitled spreadsheet"
    file = call.store.add_file(title, SHEET_MIME, [], call.email)
    book = build_spreadsheet(file.id, body)
    call.store.spreadsheets[file.id] = book
    book.check_limits()
    return Reply(200, book.resource(), mutated=True)


def build_spreadsheet(spreadsheet_id: str, body: JsonDict) -> Spreadsheet:
    """A new spreadsheet from a ``Spreadsheet`` request body (properties, sheets, data)."""
    props = body.get("properties") or {}
    book = Spreadsheet.new(spreadsheet_id, props.get("title") or "Untitled spreadsheet",
                           props.get("locale") or "en_US", props.get("timeZone") or "Etc/GMT")
    for key, value in props.items():
        if key not in ("title",) and value is not None:
            book.properties[key] = normalize_colors(value)
    requested = body.get("sheets") or []
    if requested:
        book.sheets = []
        for index, spec in enumerate(requested):
            sprops = spec.get("properties") or {}
            grid = sprops.get("gridProperties") or {}
            sheet = Sheet.new(
                sprops.get("sheetId", 0 if index == 0 else random_int_id()),
                sprops.get("title") or f"Sheet{index + 1}", index,
                grid.get("rowCount", 1000), grid.get("columnCount", 26))
            for key, value in sprops.items():
                if key not in ("sheetId", "title", "index", "gridProperties") and value is not None:
                    sheet.properties[key] = normalize_colors(value)
            sheet.grid.update({k: v for k, v in grid.items() if v is not None})
            for data in spec.get("data") or []:
                r0, c0 = data.get("startRow", 0), data.get("startColumn", 0)
                for r, row in enumerate(data.get("rowData") or []):
                    for c, cell in enumerate(row.get("values") or []):
                        entered = cell.get("userEnteredValue")
                        stored = cellmod.make_cell(entered, None)
                        if stored and cell.get("userEnteredFormat"):
                            stored["userEnteredFormat"] = normalize_colors(
                                cell["userEnteredFormat"])
                        sheet.set_cell(r0 + r, c0 + c, stored)
            book.sheets.append(sheet)
    return book


def get_spreadsheet(call: Call) -> Reply:
    _, book = open_book(call, write=False)
    ranges = call.query.get("ranges") or []
    selector_text = call.query.get("fields")
    tree = parse_selector(selector_text) if selector_text else None
    wants_data = bool(call.query.get("includeGridData")) or bool(
        tree and "data" in (tree.get("sheets") or {}))
    areas = [book.resolve(text) for text in ranges] or None
    resource = book.resource(areas, include_data=wants_data)
    if tree is None:
        return Reply(200, resource, selected=True)
    selected = apply_selector(resource, tree)
    for sheet in selected.get("sheets", []):
        for data in sheet.get("data", []):
            _prune_grid_data(data)
    return Reply(200, selected, selected=True)


def _prune_grid_data(data: JsonDict) -> None:
    """After a selector, drop cells/rows left empty, as Google does for GridData."""
    rows = data.get("rowData")
    if rows is None:
        return
    for row in rows:
        values = row.get("values")
        if values is not None:
            while values and not values[-1]:
                values.pop()
            if not values:
                del row["values"]
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        del data["rowData"]


# --------------------------------------------------------------------- values: reads
def _rows_for(sheet: Sheet, area: GridArea, render: str, dates: str, major: str
              ) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for r in range(area.start_row, area.end_row):
        row = [cellmod.render(sheet.cell(r, c), render, dates)
               for c in range(area.start_col, area.end_col)]
        while row and row[-1] == "":
            row.pop()
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    if major == "COLUMNS":
        width = max((len(r) for r in rows), default=0)
        columns = [[row[c] if c < len(row) else "" for row in rows] for c in range(width)]
        for col in columns:
            while col and col[-1] == "":
                col.pop()
        return columns
    return rows


def value_range(book: Spreadsheet, text: str, query: dict[str, Any]) -> JsonDict:
    sheet, area = book.resolve(text)
    major = query.get("majorDimension") or "ROWS"
    out: JsonDict = {"range": book.format_area(sheet, area), "majorDimension": major}
    rows = _rows_for(sheet, area, query.get("valueRenderOption") or "FORMATTED_VALUE",
                     query.get("dateTimeRenderOption") or "SERIAL_NUMBER", major)
    if rows:
        out["values"] = rows
    return out


def values_get(call: Call) -> Reply:
    _, book = open_book(call, write=False)
    return Reply(200, value_range(book, call.path["range"], call.query))


def values_batch_get(call: Call) -> Reply:
    _, book = open_book(call, write=False)
    ranges = call.query.get("ranges") or []
    return Reply(200, {"spreadsheetId": book.id,
                       "valueRanges": [value_range(book, text, call.query) for text in ranges]})


# -------------------------------------------------------------------- values: writes
def _require_input_option(call: Call) -> bool:
    option = call.query.get("valueInputOption")
    if not option:
        # The method description: "The caller must specify ... a valueInputOption."
        raise ApiError.invalid_argument("'valueInputOption' is required but not specified")
    if option == "INPUT_VALUE_OPTION_UNSPECIFIED":
        raise ApiError.invalid_argument("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    return option == "USER_ENTERED"


def _matrix(body: JsonDict) -> list[list[Any]]:
    rows = body.get("values") or []
    if body.get("majorDimension") == "COLUMNS":
        height = max((len(col) for col in rows), default=0)
        return [[col[r] if r < len(col) else None for col in rows] for r in range(height)]
    return [list(row) for row in rows]


def write_matrix(book: Spreadsheet, sheet: Sheet, row0: int, col0: int,
                 matrix: list[list[Any]], user_entered: bool) -> tuple[GridArea | None, Counts]:
    """Write values from (row0, col0); returns the data's extent and what was written."""
    width = max((len(row) for row in matrix), default=0)
    if not matrix or width == 0:
        return None, Counts()
    counts = Counts()
    for r, row in enumerate(matrix):
        for c, value in enumerate(row):
            if value is None:
                continue  # null means "leave this cell alone"
            if isinstance(value, (list, dict)):
                kind = "list_value" if isinstance(value, list) else "struct_value"
                raise ApiError.invalid_argument(f"Invalid values[{r}][{c}]: {kind}")
            stored = cellmod.cell_from_input(value, user_entered,
                                             sheet.cell(row0 + r, col0 + c))
            if cellmod.cell_text_length(stored) > cellmod.MAX_CELL_CHARS:
                raise ApiError.invalid_argument(CELL_TOO_LONG)
            sheet.set_cell(row0 + r, col0 + c, stored)
            counts.add(sheet.id, row0 + r, col0 + c)
    return GridArea(row0, row0 + len(matrix), col0, col0 + width), counts


@dataclass
class Counts:
    """Distinct rows, columns and cells written, as the ``updated*`` figures count them."""

    rows: set[tuple[int, int]] = field(default_factory=set)
    cols: set[tuple[int, int]] = field(default_factory=set)
    cells: int = 0

    def add(self, sheet_id: int, row: int, col: int) -> None:
        self.rows.add((sheet_id, row))
        self.cols.add((sheet_id, col))
        self.cells += 1

    def merge(self, other: Counts) -> None:
        self.rows |= other.rows
        self.cols |= other.cols
        self.cells += other.cells

    def figures(self) -> JsonDict:
        return {"updatedRows": len(self.rows), "updatedColumns": len(self.cols),
                "updatedCells": self.cells}


def update_values(book: Spreadsheet, text: str, body: JsonDict, user_entered: bool,
                  query: dict[str, Any], totals: Counts | None = None) -> JsonDict:
    sheet, target = book.resolve(text, clamp=False)
    matrix = _matrix(body)
    explicit_end = _has_explicit_end(text)
    if explicit_end:
        if len(matrix) > target.rows:
            raise ApiError.invalid_argument(
                f"Requested writing within range [{text}], but tried writing to row "
                f"[{target.start_row + len(matrix)}]")
        widest = max((len(row) for row in matrix), default=0)
        if widest > target.cols:
            from .a1 import column_letters

            raise ApiError.invalid_argument(
                f"Requested writing within range [{text}], but tried writing to column "
                f"[{column_letters(target.start_col + widest - 1)}]")
    width = max((len(row) for row in matrix), default=0)
    if (target.start_row + len(matrix) > sheet.row_count
            or target.start_col + width > sheet.col_count
            or target.start_row >= sheet.row_count or target.start_col >= sheet.col_count):
        raise book.grid_limit_error(sheet, text)
    area, counts = write_matrix(book, sheet, target.start_row, target.start_col, matrix,
                                user_entered)
    if totals is not None:
        totals.merge(counts)
    out: JsonDict = {"spreadsheetId": book.id}
    if area is not None:
        out["updatedRange"] = book.format_area(sheet, area)
        out.update(counts.figures())
        if query.get("includeValuesInResponse"):
            out["updatedData"] = value_range(book, book.format_area(sheet, area), {
                "valueRenderOption": query.get("responseValueRenderOption"),
                "dateTimeRenderOption": query.get("responseDateTimeRenderOption")})
    return out


def _has_explicit_end(text: str) -> bool:
    from . import a1

    try:
        ref = a1.parse(text)
    except a1.A1Error:
        return False
    return ref.area and ":" in a1.split_sheet(text)[1]


def values_update(call: Call) -> Reply:
    user_entered = _require_input_option(call)
    file, live = open_book(call, write=True)
    book = live.clone()
    out = update_values(book, call.path["range"], call.body or {}, user_entered, call.query)
    commit(call, file, book)
    return Reply(200, out, mutated=True)


def values_batch_update(call: Call) -> Reply:
    body: JsonDict = call.body or {}
    option = body.get("valueInputOption")
    if not option or option == "INPUT_VALUE_OPTION_UNSPECIFIED":
        raise ApiError.invalid_argument("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    file, live = open_book(call, write=True)
    book = live.clone()
    responses = []
    totals = Counts()
    query = {"includeValuesInResponse": body.get("includeValuesInResponse"),
             "responseValueRenderOption": body.get("responseValueRenderOption"),
             "responseDateTimeRenderOption": body.get("responseDateTimeRenderOption")}
    for index, item in enumerate(body.get("data") or []):
        if not item.get("range"):
            raise ApiError.invalid_argument(f"Invalid data[{index}]: range is required")
        responses.append(update_values(book, item["range"], item, option == "USER_ENTERED",
                                       query, totals))
    commit(call, file, book)
    out: JsonDict = {"spreadsheetId": book.id}
    if totals.cells:
        out.update({
            "totalUpdatedRows": len(totals.rows),
            "totalUpdatedColumns": len(totals.cols),
            "totalUpdatedCells": totals.cells,
            "totalUpdatedSheets": len({sheet_id for sheet_id, _ in totals.rows}),
        })
    out["responses"] = responses
    return Reply(200, out, mutated=True)


def values_append(call: Call) -> Reply:
    from .batch_update import insert_dimension

    user_entered = _require_input_option(call)
    file, live = open_book(call, write=True)
    book = live.clone()
    text = call.path["range"]
    sheet, area = book.resolve(text)
    matrix = _matrix(call.body or {})
    width = max((len(row) for row in matrix), default=0)
    table = _find_table(sheet, area)
    out: JsonDict = {"spreadsheetId": book.id}
    if table is not None:
        out["tableRange"] = book.format_area(sheet, table)
        row0, col0 = table.end_row, table.start_col
    else:
        row0, col0 = area.start_row, area.start_col
    if call.query.get("insertDataOption") == "INSERT_ROWS" and matrix:
        insert_dimension(book, sheet, "ROWS", row0, row0 + len(matrix), inherit_before=row0 > 0)
    # Appending grows the grid as needed, as the API does.
    if row0 + len(matrix) > sheet.row_count:
        sheet.grid["rowCount"] = row0 + len(matrix)
    if col0 + width > sheet.col_count:
        sheet.grid["columnCount"] = col0 + width
    written, counts = write_matrix(book, sheet, row0, col0, matrix, user_entered)
    updates: JsonDict = {"spreadsheetId": book.id}
    if written is not None:
        updates["updatedRange"] = book.format_area(sheet, written)
        updates.update(counts.figures())
        if call.query.get("includeValuesInResponse"):
            updates["updatedData"] = value_range(book, book.format_area(sheet, written), {
                "valueRenderOption": call.query.get("responseValueRenderOption"),
                "dateTimeRenderOption": call.query.get("responseDateTimeRenderOption")})
    out["updates"] = updates
    commit(call, file, book)
    return Reply(200, out, mutated=True)


def _find_table(sheet: Sheet, area: GridArea) -> GridArea | None:
    """The "table" ``values.append`` appends after.

    A table is a block of orthogonally connected non-empty cells. A single-cell range names
    the table that cell belongs to (none if it is empty: the values go right there); a larger
    range picks, among the tables inside it, the lowest one, rightmost on ties. This matches
    every append in the recordings.
    """
    filled = {key for key, cell in sheet.cells.items() if "userEnteredValue" in cell}
    single = area.rows == 1 and area.cols == 1
    if single:
        start = (area.start_row, area.start_col)
        if start not in filled:
            return None
        return _component(filled, start, sheet.full_area())
    seen: set[tuple[int, int]] = set()
    best: GridArea | None = None
    for key in sorted(filled):
        r, c = key
        if key in seen or not (area.start_row <= r < area.end_row
                               and area.start_col <= c < area.end_col):
            continue
        table = _component(filled, key, area, seen)
        if best is None or (table.end_row, table.start_col) > (best.end_row, best.start_col):
            best = table
    return best


def _component(filled: set[tuple[int, int]], start: tuple[int, int], area: GridArea,
               seen: set[tuple[int, int]] | None = None) -> GridArea:
    """Bounding box of the connected non-empty cells around ``start`` within ``area``."""
    seen = set() if seen is None else seen
    stack, cells = [start], []
    seen.add(start)
    while stack:
        r, c = stack.pop()
        cells.append((r, c))
        for nxt in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if (nxt in filled and nxt not in seen and area.start_row <= nxt[0] < area.end_row
                    and area.start_col <= nxt[1] < area.end_col):
                seen.add(nxt)
                stack.append(nxt)
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    return GridArea(min(rows), max(rows) + 1, min(cols), max(cols) + 1)


def values_clear(call: Call) -> Reply:
    file, live = open_book(call, write=True)
    book = live.clone()
    cleared = clear_range(book, call.path["range"])
    commit(call, file, book)
    return Reply(200, {"spreadsheetId": book.id, "clearedRange": cleared}, mutated=True)


def clear_range(book: Spreadsheet, text: str) -> str:
    sheet, area = book.resolve(text)
    for (r, c) in list(sheet.cells):
        if area.start_row <= r < area.end_row and area.start_col <= c < area.end_col:
            kept = {k: v for k, v in sheet.cells[(r, c)].items()
                    if k not in ("userEnteredValue", "effectiveValue", "formattedValue")}
            sheet.set_cell(r, c, kept)
    return book.format_area(sheet, area)


def values_batch_clear(call: Call) -> Reply:
    file, live = open_book(call, write=True)
    book = live.clone()
    cleared = [clear_range(book, text) for text in (call.body or {}).get("ranges") or []]
    commit(call, file, book)
    return Reply(200, {"spreadsheetId": book.id, "clearedRanges": cleared}, mutated=True)


HANDLERS: dict[str, Callable[[Call], Reply]] = {
    "sheets.spreadsheets.create": create_spreadsheet,
    "sheets.spreadsheets.get": get_spreadsheet,
    "sheets.spreadsheets.values.get": values_get,
    "sheets.spreadsheets.values.batchGet": values_batch_get,
    "sheets.spreadsheets.values.update": values_update,
    "sheets.spreadsheets.values.batchUpdate": values_batch_update,
    "sheets.spreadsheets.values.append": values_append,
    "sheets.spreadsheets.values.clear": values_clear,
    "sheets.spreadsheets.values.batchClear": values_batch_clear,
}
