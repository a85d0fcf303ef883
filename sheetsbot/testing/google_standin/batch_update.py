"""``spreadsheets.batchUpdate``: every request kind, applied all or nothing.

The handler clones the spreadsheet, applies each request to the clone in order (a later
request sees what an earlier one did, as in Google), checks the grid limits, and only then
swaps the clone in. Any error leaves the stored spreadsheet untouched. Errors name the
failing request the way Google does: ``Invalid requests[2].deleteSheet: No sheet with id: 7``.

Adding a request kind means writing one ``_kind(ctx, payload) -> reply`` function and
listing it in :data:`APPLIERS`; kinds that are valid API requests but not simulated answer
``501 UNIMPLEMENTED`` so a test never mistakes a gap in the stand-in for Google's answer.

Usage::

    reply = batch_update(call)   # the server calls this for sheets.spreadsheets.batchUpdate
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import cells as cellmod
from .context import Call, JsonDict, Reply
from .errors import ApiError
from .fields import copy_masked, mask_paths
from .sheets import CELL_TOO_LONG, commit, open_book
from .spreadsheet import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    GridArea,
    Sheet,
    Spreadsheet,
    grid_range_out,
    normalize_colors,
    random_int_id,
    with_color_partners,
)


@dataclass
class Ctx:
    """What one sub-request works with; ``fail`` builds its ``Invalid requests[i].kind``."""

    book: Spreadsheet
    index: int
    kind: str
    email: str

    def fail(self, message: str) -> ApiError:
        return ApiError.invalid_argument(f"Invalid requests[{self.index}].{self.kind}: {message}")

    def sheet(self, sheet_id: Any) -> Sheet:
        sheet = self.book.sheet_by_id(int(sheet_id or 0))
        if sheet is None:
            raise self.fail(f"No sheet with id: {int(sheet_id or 0)}")
        return sheet

    def area(self, grid: JsonDict | None) -> tuple[Sheet, GridArea]:
        grid = grid or {}
        sheet = self.sheet(grid.get("sheetId"))
        for low, high, limit in (("startRowIndex", "endRowIndex", sheet.row_count),
                                 ("startColumnIndex", "endColumnIndex", sheet.col_count)):
            start, end = grid.get(low), grid.get(high)
            if (start is not None and start < 0) or (end is not None and end > limit) or (
                    start is not None and end is not None and start > end):
                raise self.fail(f"Range ({_describe(sheet, grid)}) exceeds grid limits. "
                                f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}")
        return sheet, sheet.to_area(grid)


def _describe(sheet: Sheet, grid: JsonDict) -> str:
    from .a1 import format_range

    area = GridArea(grid.get("startRowIndex") or 0, grid.get("endRowIndex") or sheet.row_count,
                    grid.get("startColumnIndex") or 0,
                    grid.get("endColumnIndex") or sheet.col_count)
    return format_range(sheet.title, area.start_row, max(area.end_row, area.start_row + 1),
                        area.start_col, max(area.end_col, area.start_col + 1))


def batch_update(call: Call) -> Reply:
    file, live = open_book(call, write=True)
    book = live.clone()
    body: JsonDict = call.body or {}
    replies = []
    for index, request in enumerate(body.get("requests") or []):
        kind = next(k for k, v in request.items() if v is not None)
        applier = APPLIERS.get(kind)
        if applier is None:
            raise ApiError(501, f"requests[{index}].{kind} is a valid request that the "
                           "stand-in does not simulate.", status="UNIMPLEMENTED")
        replies.append(applier(Ctx(book, index, kind, call.email), request[kind]) or {})
    commit(call, file, book)
    out: JsonDict = {"spreadsheetId": book.id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        out["updatedSpreadsheet"] = book.resource(include_data=bool(
            body.get("responseIncludeGridData")))
    return Reply(200, out, mutated=True)


# ------------------------------------------------------------------------- sheets
def _add_sheet(ctx: Ctx, payload: JsonDict) -> JsonDict:
    props = normalize_colors(copy.deepcopy(payload.get("properties") or {}))
    book = ctx.book
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = random_int_id()
    elif book.sheet_by_id(int(sheet_id)) is not None:
        raise ctx.fail(f"A sheet with id {sheet_id} already exists. Please enter another id.")
    title = props.get("title")
    if not title:
        n = len(book.sheets) + 1
        while book.sheet_by_title(f"Sheet{n}") is not None:
            n += 1
        title = f"Sheet{n}"
    elif book.sheet_by_title(title) is not None:
        raise ctx.fail(f'A sheet with the name "{title}" already exists. Please enter '
                       "another name.")
    grid = props.get("gridProperties") or {}
    index = props.get("index")
    count = len(book.sheets)
    index = count if index is None else max(0, min(int(index), count))
    sheet = Sheet.new(int(sheet_id), title, index, grid.get("rowCount", DEFAULT_ROWS),
                      grid.get("columnCount", DEFAULT_COLUMNS))
    for key, value in props.items():
        if key not in ("sheetId", "title", "index", "gridProperties", "sheetType"):
            sheet.properties[key] = value
    sheet.grid.update({k: v for k, v in grid.items() if v is not None})
    sheet.properties["sheetType"] = props.get("sheetType") or "GRID"
    for other in book.sheets:
        if other.properties.get("index", 0) >= index:
            other.properties["index"] = other.properties.get("index", 0) + 1
    book.sheets.append(sheet)
    book.reindex()
    return {"addSheet": {"properties": copy.deepcopy(_ordered_props(sheet.properties))}}


def _ordered_props(props: JsonDict) -> JsonDict:
    order = ["sheetId", "title", "index", "sheetType", "gridProperties"]
    out = {k: props[k] for k in order if k in props}
    out.update({k: v for k, v in props.items() if k not in out})
    return out


def _delete_sheet(ctx: Ctx, payload: JsonDict) -> None:
    sheet = ctx.sheet(payload.get("sheetId"))
    book = ctx.book
    if len(book.sheets) == 1:
        raise ctx.fail("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.named_ranges = [n for n in book.named_ranges
                         if int(n.get("range", {}).get("sheetId", 0)) != sheet.id]
    book.reindex()


def _duplicate_sheet(ctx: Ctx, payload: JsonDict) -> JsonDict:
    source = ctx.sheet(payload.get("sourceSheetId"))
    book = ctx.book
    title = payload.get("newSheetName") or f"Copy of {source.title}"
    if book.sheet_by_title(title) is not None:
        raise ctx.fail(f'A sheet with the name "{title}" already exists. Please enter '
                       "another name.")
    new = copy.deepcopy(source)
    new.properties["sheetId"] = payload.get("newSheetId") or random_int_id()
    new.properties["title"] = title
    index = payload.get("insertSheetIndex")
    index = len(book.sheets) if index is None else int(index)
    for other in book.sheets:
        if other.properties.get("index", 0) >= index:
            other.properties["index"] = other.properties.get("index", 0) + 1
    new.properties["index"] = index
    for rng in new.extra.get("protectedRanges", []):
        rng["protectedRangeId"] = random_int_id()
        rng.get("range", {})["sheetId"] = new.id
    book.sheets.append(new)
    book.reindex()
    return {"duplicateSheet": {"properties": copy.deepcopy(_ordered_props(new.properties))}}


def _update_sheet_properties(ctx: Ctx, payload: JsonDict) -> None:
    props = normalize_colors(payload.get("properties") or {})
    sheet = ctx.sheet(props.get("sheetId"))
    paths = with_color_partners(mask_paths(payload.get("fields") or ""))
    updated = copy.deepcopy(sheet.properties)
    copy_masked(updated, props, paths)
    updated["sheetId"] = sheet.id  # the id is the key, never changed by the mask
    if "*" in paths:
        updated.setdefault("title", sheet.title)
        updated.setdefault("gridProperties", copy.deepcopy(sheet.grid))
        updated.setdefault("sheetType", sheet.properties.get("sheetType", "GRID"))
    _check_sheet_title(ctx, sheet, updated.get("title"))
    if updated.get("hidden") and all(
            s.properties.get("hidden") for s in ctx.book.sheets if s is not sheet):
        raise ctx.fail("You can't hide all the sheets in a document.")
    grid = updated.setdefault("gridProperties", {})
    for key in ("rowCount", "columnCount"):
        if grid.get(key) is None:
            grid[key] = sheet.grid.get(key, 0)
    for key in ("frozenRowCount", "frozenColumnCount"):
        if key in grid and not grid[key]:
            del grid[key]  # proto3: zero is "not set" and is not printed
    for key in ("hideGridlines", "rowGroupControlAfter", "columnGroupControlAfter", "hidden",
                "rightToLeft"):
        for holder in (grid, updated):
            if holder.get(key) is False:
                del holder[key]
    new_index: Any = updated.get("index", sheet.properties.get("index"))  # a JSON value
    old_index = sheet.properties.get("index", 0)
    sheet.properties = _ordered_props(updated)
    _truncate(sheet)
    if new_index != old_index:
        _move_sheet(ctx.book, sheet, int(new_index))


def _check_sheet_title(ctx: Ctx, sheet: Sheet, title: Any) -> None:
    if not title:
        raise ctx.fail("Sheet title cannot be empty.")
    other = ctx.book.sheet_by_title(str(title))
    if other is not None and other is not sheet:
        raise ctx.fail(f'A sheet with the name "{title}" already exists. Please enter '
                       "another name.")


def _move_sheet(book: Spreadsheet, sheet: Sheet, index: int) -> None:
    ordered = [s for s in book.ordered_sheets() if s is not sheet]
    # Google's index counts positions before the move, so moving right lands one earlier.
    old = sheet.properties.get("index", 0)
    target = index - 1 if index > old else index
    ordered.insert(max(0, min(target, len(ordered))), sheet)
    for i, s in enumerate(ordered):
        s.properties["index"] = i


def _truncate(sheet: Sheet) -> None:
    """Drop whatever lies beyond a shrunk grid."""
    rows, cols = sheet.row_count, sheet.col_count
    for key in [k for k in sheet.cells if k[0] >= rows or k[1] >= cols]:
        del sheet.cells[key]
    sheet.row_meta = {k: v for k, v in sheet.row_meta.items() if k < rows}
    sheet.col_meta = {k: v for k, v in sheet.col_meta.items() if k < cols}
    merges = []
    for merge in sheet.extra.get("merges", []):
        clipped = dict(merge, endRowIndex=min(merge["endRowIndex"], rows),
                       endColumnIndex=min(merge["endColumnIndex"], cols))
        if (clipped["endRowIndex"] - clipped["startRowIndex"]) * (
                clipped["endColumnIndex"] - clipped["startColumnIndex"]) > 1:
            merges.append(clipped)
    _set_extra(sheet, "merges", merges)
    if "basicFilter" in sheet.extra:
        rng = sheet.extra["basicFilter"]["range"]
        rng["endRowIndex"] = min(rng.get("endRowIndex", rows), rows)
        rng["endColumnIndex"] = min(rng.get("endColumnIndex", cols), cols)


def _set_extra(sheet: Sheet, key: str, value: Any) -> None:
    if value:
        sheet.extra[key] = value
    else:
        sheet.extra.pop(key, None)


def _update_spreadsheet_properties(ctx: Ctx, payload: JsonDict) -> None:
    props = normalize_colors(payload.get("properties") or {})
    paths = mask_paths(payload.get("fields") or "")
    updated = copy.deepcopy(ctx.book.properties)
    copy_masked(updated, props, paths)
    if not updated.get("title"):
        raise ctx.fail("Spreadsheet title cannot be empty.")
    ctx.book.properties = updated


# -------------------------------------------------------------------------- cells
def _write_cell(sheet: Sheet, row: int, col: int, data: JsonDict, paths: list[str],
                ctx: Ctx) -> None:
    """Apply CellData ``data`` to one cell under an update mask."""
    current = copy.deepcopy(sheet.cell(row, col) or {})
    data = normalize_colors(data)
    copy_masked(current, data, with_color_partners(paths))
    if current.get("note") == "":
        del current["note"]  # proto3: an empty string is "no note"
    touched_value = any(p == "*" or p.split(".")[0] == "userEnteredValue" for p in paths)
    if touched_value:
        entered = current.get("userEnteredValue")
        current.pop("effectiveValue", None)
        current.pop("formattedValue", None)
        if entered:
            effective = cellmod.effective_of(entered)
            if effective is not None:
                current["effectiveValue"] = effective
        if cellmod.cell_text_length(current) > cellmod.MAX_CELL_CHARS:
            raise ApiError.invalid_argument(CELL_TOO_LONG)
    for key in [k for k, v in current.items() if v in ({}, None)]:
        del current[key]
    sheet.set_cell(row, col, current)


def _update_cells(ctx: Ctx, payload: JsonDict) -> None:
    paths = mask_paths(payload.get("fields") or "")
    rows = payload.get("rows") or []
    if payload.get("range") is not None:
        sheet, area = ctx.area(payload["range"])
        row0, col0 = area.start_row, area.start_col
    else:
        start = payload.get("start") or {}
        sheet = ctx.sheet(start.get("sheetId"))
        row0, col0 = start.get("rowIndex") or 0, start.get("columnIndex") or 0
        width = max((len(r.get("values") or []) for r in rows), default=0)
        area = GridArea(row0, row0 + len(rows), col0, col0 + width)
    if area.end_row > sheet.row_count or area.end_col > sheet.col_count:
        raise ctx.fail(f"Range ({_describe(sheet, {'sheetId': sheet.id})}) exceeds grid "
                       f"limits. Max rows: {sheet.row_count}, max columns: {sheet.col_count}")
    for r in range(area.start_row, area.end_row):
        values = (rows[r - row0].get("values") or []) if r - row0 < len(rows) else []
        for c in range(area.start_col, area.end_col):
            data = values[c - col0] if c - col0 < len(values) else {}
            _write_cell(sheet, r, c, data or {}, paths, ctx)


def _repeat_cell(ctx: Ctx, payload: JsonDict) -> None:
    sheet, area = ctx.area(payload.get("range"))
    paths = mask_paths(payload.get("fields") or "")
    cell = payload.get("cell") or {}
    for r in range(area.start_row, area.end_row):
        for c in range(area.start_col, area.end_col):
            _write_cell(sheet, r, c, cell, paths, ctx)


def _append_cells(ctx: Ctx, payload: JsonDict) -> None:
    sheet = ctx.sheet(payload.get("sheetId"))
    paths = mask_paths(payload.get("fields") or "")
    bounds = sheet.bounds_of_data(sheet.full_area())
    row0 = bounds[0] if bounds else 0
    rows = payload.get("rows") or []
    needed = row0 + len(rows)
    if needed > sheet.row_count:
        sheet.grid["rowCount"] = needed
    width = max((len(r.get("values") or []) for r in rows), default=0)
    if width > sheet.col_count:
        sheet.grid["columnCount"] = width
    for r, row in enumerate(rows):
        for c, data in enumerate(row.get("values") or []):
            _write_cell(sheet, row0 + r, c, data or {}, paths, ctx)


def _set_data_validation(ctx: Ctx, payload: JsonDict) -> None:
    sheet, area = ctx.area(payload.get("range"))
    rule = payload.get("rule")
    for r in range(area.start_row, area.end_row):
        for c in range(area.start_col, area.end_col):
            cell = copy.deepcopy(sheet.cell(r, c) or {})
            if rule:
                cell["dataValidation"] = copy.deepcopy(rule)
            else:
                cell.pop("dataValidation", None)
            sheet.set_cell(r, c, cell)


_BORDER_SIDES = ("top", "bottom", "left", "right")


def _update_borders(ctx: Ctx, payload: JsonDict) -> None:
    sheet, area = ctx.area(payload.get("range"))
    for r in range(area.start_row, area.end_row):
        for c in range(area.start_col, area.end_col):
            sides = {
                "top": payload.get("top") if r == area.start_row else payload.get(
                    "innerHorizontal"),
                "bottom": payload.get("bottom") if r == area.end_row - 1 else payload.get(
                    "innerHorizontal"),
                "left": payload.get("left") if c == area.start_col else payload.get(
                    "innerVertical"),
                "right": payload.get("right") if c == area.end_col - 1 else payload.get(
                    "innerVertical"),
            }
            cell = copy.deepcopy(sheet.cell(r, c) or {})
            borders = cell.setdefault("userEnteredFormat", {}).setdefault("borders", {})
            for side in _BORDER_SIDES:
                border = sides[side]
                if border is None:
                    continue
                if border.get("style") == "NONE":
                    borders.pop(side, None)
                else:
                    borders[side] = normalize_colors(copy.deepcopy(border))
            if not borders:
                cell["userEnteredFormat"].pop("borders")
            if not cell["userEnteredFormat"]:
                cell.pop("userEnteredFormat")
            sheet.set_cell(r, c, cell)


def _merge_cells(ctx: Ctx, payload: JsonDict) -> None:
    sheet, area = ctx.area(payload.get("range"))
    kind = payload.get("mergeType") or "MERGE_ALL"
    pieces: list[GridArea] = []
    if kind == "MERGE_ALL":
        pieces = [area]
    elif kind == "MERGE_COLUMNS":
        pieces = [GridArea(area.start_row, area.end_row, c, c + 1)
                  for c in range(area.start_col, area.end_col)]
    else:
        pieces = [GridArea(r, r + 1, area.start_col, area.end_col)
                  for r in range(area.start_row, area.end_row)]
    merges = list(sheet.extra.get("merges", []))
    for piece in pieces:
        if piece.rows * piece.cols <= 1:
            continue
        for existing in merges:
            if _overlaps(_as_area(existing), piece) and not _inside(_as_area(existing), piece):
                raise ctx.fail("You can't merge cells that are partially merged.")
        merges = [m for m in merges if not _inside(_as_area(m), piece)]
        merges.append(_grid(sheet.id, piece))
        # Only the top-left value survives a merge, as in the UI.
        for r in range(piece.start_row, piece.end_row):
            for c in range(piece.start_col, piece.end_col):
                if (r, c) != (piece.start_row, piece.start_col) and sheet.cell(r, c):
                    kept = {k: v for k, v in sheet.cells[(r, c)].items()
                            if k not in ("userEnteredValue", "effectiveValue")}
                    sheet.set_cell(r, c, kept)
    _set_extra(sheet, "merges", merges)


def _unmerge_cells(ctx: Ctx, payload: JsonDict) -> None:
    sheet, area = ctx.area(payload.get("range"))
    merges = sheet.extra.get("merges", [])
    for merge in merges:
        if _overlaps(_as_area(merge), area) and not _inside(_as_area(merge), area):
            raise ctx.fail("You can't unmerge cells that are partially in the range.")
    _set_extra(sheet, "merges", [m for m in merges if not _inside(_as_area(m), area)])


def _as_area(grid: JsonDict) -> GridArea:
    return GridArea(grid.get("startRowIndex", 0), grid.get("endRowIndex", 0),
                    grid.get("startColumnIndex", 0), grid.get("endColumnIndex", 0))


def _overlaps(a: GridArea, b: GridArea) -> bool:
    return (a.start_row < b.end_row and b.start_row < a.end_row and a.start_col < b.end_col
            and b.start_col < a.end_col)


def _inside(inner: GridArea, outer: GridArea) -> bool:
    return (outer.start_row <= inner.start_row and inner.end_row <= outer.end_row
            and outer.start_col <= inner.start_col and inner.end_col <= outer.end_col)


def _grid(sheet_id: int, area: GridArea) -> JsonDict:
    return grid_range_out({"sheetId": sheet_id, "startRowIndex": area.start_row,
                           "endRowIndex": area.end_row, "startColumnIndex": area.start_col,
                           "endColumnIndex": area.end_col})


def _sort_range(ctx: Ctx, payload: JsonDict) -> None:
    sheet, area = ctx.area(payload.get("range"))
    rows = [[sheet.cell(r, c) for c in range(area.start_col, area.end_col)]
            for r in range(area.start_row, area.end_row)]

    def key_for(spec: JsonDict) -> Callable[[list[JsonDict | None]], Any]:
        col = int(spec.get("dimensionIndex") or 0) - area.start_col

        def key(row: list[JsonDict | None]) -> Any:
            value = (row[col] or {}).get("effectiveValue") if 0 <= col < len(row) else None
            if not value:
                return (2, "")  # empty cells sort last either way
            if "numberValue" in value:
                return (0, float(value["numberValue"]))
            if "boolValue" in value:
                return (1, str(value["boolValue"]).lower())
            return (1, str(value.get("stringValue", "")).lower())

        return key

    # Stable sorts applied from the last spec to the first give a multi-key sort.
    for spec in reversed(payload.get("sortSpecs") or [{}]):
        descending = spec.get("sortOrder") == "DESCENDING"
        key = key_for(spec)
        filled = [r for r in rows if key(r)[0] != 2]
        empty = [r for r in rows if key(r)[0] == 2]
        filled.sort(key=key, reverse=descending)
        rows = filled + empty
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            sheet.set_cell(area.start_row + i, area.start_col + j, copy.deepcopy(cell))


_PASTE_FIELDS = {
    "PASTE_NORMAL": None,
    "PASTE_VALUES": ("userEnteredValue", "effectiveValue"),
    "PASTE_FORMAT": ("userEnteredFormat",),
    "PASTE_NO_BORDERS": None,
    "PASTE_FORMULA": ("userEnteredValue", "effectiveValue"),
    "PASTE_DATA_VALIDATION": ("dataValidation",),
    "PASTE_CONDITIONAL_FORMATTING": (),
}


def _copy_paste(ctx: Ctx, payload: JsonDict) -> None:
    src_sheet, src = ctx.area(payload.get("source"))
    dst_sheet, dst = ctx.area(payload.get("destination"))
    _paste(src_sheet, src, dst_sheet, dst.start_row, dst.start_col,
           payload.get("pasteType") or "PASTE_NORMAL", max(dst.rows, src.rows),
           max(dst.cols, src.cols))


def _cut_paste(ctx: Ctx, payload: JsonDict) -> None:
    src_sheet, src = ctx.area(payload.get("source"))
    target = payload.get("destination") or {}
    dst_sheet = ctx.sheet(target.get("sheetId"))
    snapshot = {(r, c): copy.deepcopy(src_sheet.cell(r, c))
                for r in range(src.start_row, src.end_row)
                for c in range(src.start_col, src.end_col)}
    for (r, c) in snapshot:
        src_sheet.set_cell(r, c, None)
    row0, col0 = target.get("rowIndex") or 0, target.get("columnIndex") or 0
    keep = _PASTE_FIELDS.get(payload.get("pasteType") or "PASTE_NORMAL")
    for (r, c), cell in snapshot.items():
        if cell and keep is not None:
            cell = {k: v for k, v in cell.items() if k in keep}
        dst_sheet.set_cell(row0 + r - src.start_row, col0 + c - src.start_col, cell)


def _paste(src_sheet: Sheet, src: GridArea, dst_sheet: Sheet, row0: int, col0: int,
           paste_type: str, rows: int, cols: int) -> None:
    keep = _PASTE_FIELDS.get(paste_type)
    snapshot = [[copy.deepcopy(src_sheet.cell(src.start_row + r % src.rows,
                                              src.start_col + c % src.cols))
                 for c in range(cols)] for r in range(rows)]
    for r in range(rows):
        for c in range(cols):
            if row0 + r >= dst_sheet.row_count or col0 + c >= dst_sheet.col_count:
                continue
            cell = snapshot[r][c]
            if keep is not None:
                current = copy.deepcopy(dst_sheet.cell(row0 + r, col0 + c) or {})
                for key in keep:
                    current.pop(key, None)
                    if cell and key in cell:
                        current[key] = cell[key]
                cell = current
            dst_sheet.set_cell(row0 + r, col0 + c, cell)


# --------------------------------------------------------------------- dimensions
def _dimension_target(ctx: Ctx, rng: JsonDict) -> tuple[Sheet, str, int, int]:
    sheet = ctx.sheet(rng.get("sheetId"))
    dimension = rng.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise ctx.fail("A dimension (ROWS or COLUMNS) must be specified.")
    limit = sheet.row_count if dimension == "ROWS" else sheet.col_count
    start = rng.get("startIndex") or 0
    end_index = rng.get("endIndex")
    end = end_index if end_index is not None else limit
    if start < 0 or end < start:
        raise ctx.fail(f"Invalid dimension range: startIndex {start}, endIndex {end}.")
    return sheet, dimension, start, end


def insert_dimension(book: Spreadsheet, sheet: Sheet, dimension: str, start: int, end: int,
                     inherit_before: bool = False) -> None:
    """Insert ``end - start`` rows or columns at ``start``, shifting everything after."""
    count = end - start
    rows = dimension == "ROWS"
    axis = 0 if rows else 1
    source = start - 1 if inherit_before else start
    moved = {}
    for (r, c), cell in sheet.cells.items():
        pos = (r, c)[axis]
        new = (r + count, c) if rows else (r, c + count)
        moved[new if pos >= start else (r, c)] = cell
    # New cells inherit the format of their neighbour (before or after), as the UI does.
    template = {}
    for (r, c), cell in sheet.cells.items():
        if (r, c)[axis] == source and "userEnteredFormat" in cell:
            template[c if rows else r] = cell["userEnteredFormat"]
    for other, fmt in template.items():
        for i in range(start, end):
            key = (i, other) if rows else (other, i)
            moved[key] = {"userEnteredFormat": copy.deepcopy(fmt)}
    sheet.cells = moved
    meta = sheet.row_meta if rows else sheet.col_meta
    shifted = {(i + count if i >= start else i): v for i, v in meta.items()}
    if rows:
        sheet.row_meta = shifted
        sheet.grid["rowCount"] = sheet.row_count + count
    else:
        sheet.col_meta = shifted
        sheet.grid["columnCount"] = sheet.col_count + count
    _shift_ranges(book, sheet, dimension, lambda s, e: _insert_shift(s, e, start, count))


def _insert_shift(s: int, e: int, at: int, count: int) -> tuple[int, int]:
    return (s + count if s >= at else s, e + count if e > at else e)


def delete_dimension(book: Spreadsheet, sheet: Sheet, dimension: str, start: int, end: int
                     ) -> None:
    count = end - start
    rows = dimension == "ROWS"
    axis = 0 if rows else 1
    kept = {}
    for (r, c), cell in sheet.cells.items():
        pos = (r, c)[axis]
        if start <= pos < end:
            continue
        kept[((r - count, c) if rows else (r, c - count)) if pos >= end else (r, c)] = cell
    sheet.cells = kept
    meta = sheet.row_meta if rows else sheet.col_meta
    shifted = {(i - count if i >= end else i): v for i, v in meta.items()
               if not start <= i < end}
    if rows:
        sheet.row_meta = shifted
        sheet.grid["rowCount"] = sheet.row_count - count
    else:
        sheet.col_meta = shifted
        sheet.grid["columnCount"] = sheet.col_count - count

    def shrink(s: int, e: int) -> tuple[int, int]:
        def pos(i: int) -> int:
            return i if i <= start else (start if i <= end else i - count)

        return pos(s), pos(e)

    _shift_ranges(book, sheet, dimension, shrink)


def _shift_ranges(book: Spreadsheet, sheet: Sheet, dimension: str,
                  move: Callable[[int, int], tuple[int, int]]) -> None:
    """Move every stored range on ``sheet`` along with inserted/deleted rows or columns."""
    lo, hi = (("startRowIndex", "endRowIndex") if dimension == "ROWS"
              else ("startColumnIndex", "endColumnIndex"))

    def grid(rng: JsonDict) -> bool:
        """Shift one GridRange in place; False when it became empty."""
        if int(rng.get("sheetId", 0)) != sheet.id:
            return True
        if rng.get(lo) is None and rng.get(hi) is None:
            return True
        s, e = move(rng.get(lo) or 0, rng[hi] if rng.get(hi) is not None else 10**9)
        if rng.get(lo) is not None:
            rng[lo] = s
        if rng.get(hi) is not None:
            rng[hi] = e
        return e > s

    merges = [m for m in sheet.extra.get("merges", []) if grid(m)]
    _set_extra(sheet, "merges", [m for m in merges
                                 if (m["endRowIndex"] - m["startRowIndex"])
                                 * (m["endColumnIndex"] - m["startColumnIndex"]) > 1])
    for prot in sheet.extra.get("protectedRanges", []):
        if "range" in prot:
            grid(prot["range"])
    if "basicFilter" in sheet.extra:
        grid(sheet.extra["basicFilter"]["range"])
    for rule in sheet.extra.get("conditionalFormats", []):
        rule["ranges"] = [r for r in rule.get("ranges", []) if grid(r)]
    for band in sheet.extra.get("bandedRanges", []):
        grid(band.get("range", {}))
    for named in book.named_ranges:
        grid(named.get("range", {}))
    group_key = "rowGroups" if dimension == "ROWS" else "columnGroups"
    groups = []
    for group in sheet.extra.get(group_key, []):
        s, e = move(group["range"].get("startIndex", 0), group["range"]["endIndex"])
        if e > s:
            group["range"]["startIndex"], group["range"]["endIndex"] = s, e
            groups.append(group)
    _set_extra(sheet, group_key, groups)


def _insert_dimension(ctx: Ctx, payload: JsonDict) -> None:
    sheet, dimension, start, end = _dimension_target(ctx, payload.get("range") or {})
    limit = sheet.row_count if dimension == "ROWS" else sheet.col_count
    if start > limit:
        raise ctx.fail(f"Invalid dimension range: startIndex {start} is past the end of the "
                       "sheet.")
    if payload.get("inheritFromBefore") and start == 0:
        raise ctx.fail("Cannot inherit from before when inserting at index 0.")
    insert_dimension(ctx.book, sheet, dimension, start, end,
                     bool(payload.get("inheritFromBefore")))


def _delete_dimension(ctx: Ctx, payload: JsonDict) -> None:
    sheet, dimension, start, end = _dimension_target(ctx, payload.get("range") or {})
    limit = sheet.row_count if dimension == "ROWS" else sheet.col_count
    end = min(end, limit)
    if start == 0 and end >= limit:
        what = "rows" if dimension == "ROWS" else "columns"
        raise ctx.fail(f"You can't delete all the {what} on the sheet.")
    delete_dimension(ctx.book, sheet, dimension, start, end)


def _append_dimension(ctx: Ctx, payload: JsonDict) -> None:
    sheet = ctx.sheet(payload.get("sheetId"))
    length = int(payload.get("length") or 0)
    if length <= 0:
        raise ctx.fail("length must be greater than 0.")
    key = "rowCount" if payload.get("dimension") == "ROWS" else "columnCount"
    sheet.grid[key] = sheet.grid.get(key, 0) + length


def _update_dimension_properties(ctx: Ctx, payload: JsonDict) -> None:
    if payload.get("range") is None:
        raise ctx.fail("A range must be specified.")
    sheet, dimension, start, end = _dimension_target(ctx, payload["range"])
    paths = mask_paths(payload.get("fields") or "")
    props = payload.get("properties") or {}
    meta = sheet.row_meta if dimension == "ROWS" else sheet.col_meta
    limit = sheet.row_count if dimension == "ROWS" else sheet.col_count
    for i in range(start, min(end, limit)):
        current = copy.deepcopy(meta.get(i, {}))
        copy_masked(current, props, paths)
        for key in [k for k, v in current.items() if v in (False, None, {})]:
            del current[key]
        if current:
            meta[i] = current
        else:
            meta.pop(i, None)


def _auto_resize_dimensions(ctx: Ctx, payload: JsonDict) -> None:
    rng = payload.get("dimensions")
    if rng is None:
        raise ctx.fail("dimensions must be specified.")
    sheet, dimension, start, end = _dimension_target(ctx, rng)
    # Without a font renderer the width is an estimate: ~7 px per character plus padding.
    for i in range(start, end):
        if dimension == "COLUMNS":
            longest = max((len(str(cellmod.render(cell))) for (r, c), cell in sheet.cells.items()
                           if c == i), default=0)
            size = max(longest * 7 + 10, 100) if longest else 100
            meta = sheet.col_meta
        else:
            size, meta = 21, sheet.row_meta
        entry = {k: v for k, v in meta.get(i, {}).items() if k != "pixelSize"}
        if size not in (100 if dimension == "COLUMNS" else 21,):
            entry["pixelSize"] = size
        if entry:
            meta[i] = entry
        else:
            meta.pop(i, None)


def _dimension_group(ctx: Ctx, payload: JsonDict, add: bool) -> JsonDict:
    sheet, dimension, start, end = _dimension_target(ctx, payload.get("range") or {})
    key = "rowGroups" if dimension == "ROWS" else "columnGroups"
    groups: list[JsonDict] = copy.deepcopy(sheet.extra.get(key, []))
    # Group depth is derived from nesting; store (start, end, depth) sets and rebuild.
    spans = [(g["range"].get("startIndex", 0), g["range"]["endIndex"], g["depth"])
             for g in groups]
    if add:
        depth = 1 + max((d for s, e, d in spans if s <= start and end <= e), default=0)
        if any(s == start and e == end and d == depth for s, e, d in spans):
            raise ctx.fail("This group already exists.")
        spans.append((start, end, depth))
        control = "rowGroupControlAfter" if dimension == "ROWS" else "columnGroupControlAfter"
        sheet.grid.setdefault(control, True)
    else:
        matching = [x for x in spans if x[0] == start and x[1] == end]
        if not matching:
            raise ctx.fail("No group exists for the given range.")
        spans.remove(max(matching, key=lambda x: x[2]))
    spans.sort(key=lambda x: (x[2], x[0]))
    rebuilt = [{"range": {"dimension": dimension, "startIndex": s, "endIndex": e}, "depth": d}
               for s, e, d in spans]
    for group in rebuilt:
        if sheet.id:
            group["range"] = {"sheetId": sheet.id, **group["range"]}
    _set_extra(sheet, key, rebuilt)
    reply_key = "addDimensionGroup" if add else "deleteDimensionGroup"
    return {reply_key: {"dimensionGroups": copy.deepcopy(rebuilt)} if rebuilt else {}}


# ------------------------------------------------------------ named & protected ranges
def _checked_range(ctx: Ctx, grid: JsonDict | None) -> JsonDict:
    ctx.area(grid)  # validates sheet and bounds
    return grid_range_out(copy.deepcopy(grid or {}))


def _add_named_range(ctx: Ctx, payload: JsonDict) -> JsonDict:
    named = copy.deepcopy(payload.get("namedRange") or {})
    name = named.get("name") or ""
    if not name or not name.replace("_", "a").replace(".", "a").isalnum() or name[0].isdigit():
        raise ctx.fail(f"Invalid name: {name}")
    if ctx.book.named_range(name) is not None:
        raise ctx.fail(f'A named range with the name "{name}" already exists.')
    out = {"namedRangeId": named.get("namedRangeId") or str(random_int_id()), "name": name,
           "range": _checked_range(ctx, named.get("range"))}
    ctx.book.named_ranges.append(out)
    return {"addNamedRange": {"namedRange": copy.deepcopy(out)}}


def _find_named(ctx: Ctx, range_id: Any) -> JsonDict:
    found = next((n for n in ctx.book.named_ranges if n["namedRangeId"] == str(range_id)), None)
    if found is None:
        raise ctx.fail(f"No named range with id {range_id}.")
    return found


def _update_named_range(ctx: Ctx, payload: JsonDict) -> None:
    named = payload.get("namedRange") or {}
    current = _find_named(ctx, named.get("namedRangeId"))
    paths = mask_paths(payload.get("fields") or "")
    updated = copy.deepcopy(current)
    copy_masked(updated, named, paths)
    updated["namedRangeId"] = current["namedRangeId"]
    updated["range"] = _checked_range(ctx, updated.get("range"))
    current.clear()
    current.update({"namedRangeId": updated["namedRangeId"], "name": updated.get("name"),
                    "range": updated["range"]})


def _delete_named_range(ctx: Ctx, payload: JsonDict) -> None:
    current = _find_named(ctx, payload.get("namedRangeId"))
    ctx.book.named_ranges.remove(current)


def _add_protected_range(ctx: Ctx, payload: JsonDict) -> JsonDict:
    spec = copy.deepcopy(payload.get("protectedRange") or {})
    target = spec.get("range") or {}
    if spec.get("namedRangeId"):
        target = _find_named(ctx, spec["namedRangeId"]).get("range", {})
    sheet, _ = ctx.area(target)
    rng: JsonDict = {"protectedRangeId": spec.get("protectedRangeId") or random_int_id()}
    if spec.get("range") is not None:
        rng["range"] = _checked_range(ctx, spec["range"])
    if spec.get("namedRangeId"):
        rng["namedRangeId"] = spec["namedRangeId"]
    for key in ("description", "warningOnly"):
        if spec.get(key):
            rng[key] = spec[key]
    rng["requestingUserCanEdit"] = True
    reply = copy.deepcopy(rng)
    reply["editors"] = {}
    # The requesting user always stays an editor of what it protects.
    users = list((spec.get("editors") or {}).get("users") or [])
    if ctx.email not in users:
        users.insert(0, ctx.email)
    rng["editors"] = {"users": users}
    sheet.extra.setdefault("protectedRanges", []).append(rng)
    return {"addProtectedRange": {"protectedRange": reply}}


def _find_protected(ctx: Ctx, range_id: Any) -> tuple[Sheet, JsonDict]:
    for sheet in ctx.book.sheets:
        for rng in sheet.extra.get("protectedRanges", []):
            if str(rng["protectedRangeId"]) == str(range_id):
                return sheet, rng
    raise ctx.fail(f"No protected range with id: {range_id}")


def _update_protected_range(ctx: Ctx, payload: JsonDict) -> None:
    spec = payload.get("protectedRange") or {}
    _, current = _find_protected(ctx, spec.get("protectedRangeId"))
    updated = copy.deepcopy(current)
    copy_masked(updated, spec, mask_paths(payload.get("fields") or ""))
    updated["protectedRangeId"] = current["protectedRangeId"]
    if updated.get("range") is not None:
        updated["range"] = _checked_range(ctx, updated["range"])
    current.clear()
    current.update(updated)


def _delete_protected_range(ctx: Ctx, payload: JsonDict) -> None:
    sheet, current = _find_protected(ctx, payload.get("protectedRangeId"))
    sheet.extra["protectedRanges"].remove(current)
    _set_extra(sheet, "protectedRanges", sheet.extra["protectedRanges"])


# --------------------------------------------------------------- filters & formats
def _set_basic_filter(ctx: Ctx, payload: JsonDict) -> None:
    spec = copy.deepcopy(payload.get("filter") or {})
    sheet, area = ctx.area(spec.get("range"))
    out = {"range": grid_range_out({"sheetId": sheet.id, "startRowIndex": area.start_row,
                                    "endRowIndex": area.end_row,
                                    "startColumnIndex": area.start_col,
                                    "endColumnIndex": area.end_col})}
    for key in ("sortSpecs", "criteria", "filterSpecs"):
        if spec.get(key):
            out[key] = spec[key]
    sheet.extra["basicFilter"] = out


def _clear_basic_filter(ctx: Ctx, payload: JsonDict) -> None:
    ctx.sheet(payload.get("sheetId")).extra.pop("basicFilter", None)


def _rule_sheet(ctx: Ctx, rule: JsonDict) -> Sheet:
    ranges = rule.get("ranges") or []
    if not ranges:
        raise ctx.fail("At least one range must be specified.")
    sheets = {ctx.area(r)[0].id for r in ranges}
    if len(sheets) > 1:
        raise ctx.fail("All ranges of a conditional format rule must be on the same sheet.")
    return ctx.sheet(sheets.pop())


def _clean_rule(rule: JsonDict) -> JsonDict:
    out = normalize_colors(copy.deepcopy(rule))
    out["ranges"] = [grid_range_out(r) for r in out.get("ranges", [])]
    return out


def _add_conditional_format_rule(ctx: Ctx, payload: JsonDict) -> None:
    rule = payload.get("rule") or {}
    if not rule.get("booleanRule") and not rule.get("gradientRule"):
        raise ctx.fail("A rule must have a booleanRule or a gradientRule.")
    sheet = _rule_sheet(ctx, rule)
    rules = sheet.extra.setdefault("conditionalFormats", [])
    index = payload.get("index") or 0
    rules.insert(min(int(index), len(rules)), _clean_rule(rule))


def _rules_of(ctx: Ctx, sheet_id: Any, index: Any) -> tuple[Sheet, list[JsonDict], int]:
    sheet = ctx.sheet(sheet_id)
    rules = sheet.extra.get("conditionalFormats", [])
    i = int(index or 0)
    if not 0 <= i < len(rules):
        raise ctx.fail(f"No conditional format on sheet: {sheet.id} at index: {i}")
    return sheet, rules, i


def _update_conditional_format_rule(ctx: Ctx, payload: JsonDict) -> JsonDict:
    sheet, rules, i = _rules_of(ctx, payload.get("sheetId"), payload.get("index"))
    old = rules[i]
    if payload.get("rule") is not None:
        new = _clean_rule(payload["rule"])
        _rule_sheet(ctx, new)
        rules[i] = new
        return {"updateConditionalFormatRule": {"newRule": copy.deepcopy(new),
                                                "oldRule": copy.deepcopy(old), "newIndex": i,
                                                "oldIndex": i}}
    new_index = int(payload.get("newIndex") or 0)
    rules.pop(i)
    rules.insert(min(new_index, len(rules)), old)
    return {"updateConditionalFormatRule": {"newRule": copy.deepcopy(old), "newIndex": new_index,
                                            "oldIndex": i}}


def _delete_conditional_format_rule(ctx: Ctx, payload: JsonDict) -> JsonDict:
    sheet, rules, i = _rules_of(ctx, payload.get("sheetId"), payload.get("index"))
    removed = rules.pop(i)
    _set_extra(sheet, "conditionalFormats", rules)
    return {"deleteConditionalFormatRule": {"rule": removed}}


def _add_banding(ctx: Ctx, payload: JsonDict) -> JsonDict:
    band = normalize_colors(copy.deepcopy(payload.get("bandedRange") or {}))
    sheet, _ = ctx.area(band.get("range"))
    band["bandedRangeId"] = band.get("bandedRangeId") or random_int_id()
    band["range"] = grid_range_out(band.get("range") or {})
    sheet.extra.setdefault("bandedRanges", []).append(band)
    return {"addBanding": {"bandedRange": copy.deepcopy(band)}}


def _delete_banding(ctx: Ctx, payload: JsonDict) -> None:
    for sheet in ctx.book.sheets:
        bands = sheet.extra.get("bandedRanges", [])
        for band in bands:
            if band["bandedRangeId"] == payload.get("bandedRangeId"):
                bands.remove(band)
                _set_extra(sheet, "bandedRanges", bands)
                return
    raise ctx.fail(f"No banded range with id: {payload.get('bandedRangeId')}")


# ------------------------------------------------------------------ charts & metadata
def _add_chart(ctx: Ctx, payload: JsonDict) -> JsonDict:
    chart = normalize_colors(copy.deepcopy(payload.get("chart") or {}))
    position = chart.get("position") or {}
    anchor = (position.get("overlayPosition") or {}).get("anchorCell") or {}
    if position.get("newSheet"):
        sheet_id = random_int_id()
        ctx.book.sheets.append(Sheet(properties={
            "sheetId": sheet_id, "title": f"Chart{len(ctx.book.sheets) + 1}",
            "index": len(ctx.book.sheets), "sheetType": "OBJECT", "gridProperties": {}}))
        chart["position"] = {"sheetId": sheet_id}
        target = ctx.book.sheet_by_id(sheet_id)
        assert target is not None
    else:
        target = ctx.sheet(position.get("sheetId", anchor.get("sheetId")))
    chart["chartId"] = chart.get("chartId") or random_int_id()
    if any(c["chartId"] == chart["chartId"] for s in ctx.book.sheets
           for c in s.extra.get("charts", [])):
        raise ctx.fail(f"An object with id {chart['chartId']} already exists.")
    target.extra.setdefault("charts", []).append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def _delete_embedded_object(ctx: Ctx, payload: JsonDict) -> None:
    object_id = payload.get("objectId")
    for sheet in ctx.book.sheets:
        charts = sheet.extra.get("charts", [])
        for chart in charts:
            if chart["chartId"] == object_id:
                charts.remove(chart)
                _set_extra(sheet, "charts", charts)
                return
    raise ctx.fail(f"No object with id: {object_id}")


def _all_metadata(book: Spreadsheet) -> list[tuple[list[JsonDict], JsonDict]]:
    found = [(book.developer_metadata, m) for m in book.developer_metadata]
    for sheet in book.sheets:
        holder = sheet.extra.get("developerMetadata", [])
        found.extend((holder, m) for m in holder)
    return found


def _matches(meta: JsonDict, data_filter: JsonDict) -> bool:
    lookup = data_filter.get("developerMetadataLookup")
    if not lookup:
        return False
    for key, field in (("metadataId", "metadataId"), ("metadataKey", "metadataKey"),
                       ("metadataValue", "metadataValue"), ("visibility", "visibility")):
        if lookup.get(key) is not None and meta.get(field) != lookup[key]:
            return False
    location = lookup.get("metadataLocation") or {}
    if location.get("sheetId") is not None and (
            meta.get("location", {}).get("sheetId") != location["sheetId"]):
        return False
    return not (location.get("spreadsheet") and not meta.get("location", {}).get("spreadsheet"))


def _create_developer_metadata(ctx: Ctx, payload: JsonDict) -> JsonDict:
    meta = copy.deepcopy(payload.get("developerMetadata") or {})
    if not meta.get("visibility"):
        raise ctx.fail("Developer metadata visibility must be specified.")
    if not meta.get("metadataKey"):
        raise ctx.fail("Developer metadata key must be specified.")
    location = meta.get("location") or {}
    meta["metadataId"] = meta.get("metadataId") or random_int_id()
    if any(m["metadataId"] == meta["metadataId"] for _, m in _all_metadata(ctx.book)):
        raise ctx.fail(f"Developer metadata with id {meta['metadataId']} already exists.")
    if location.get("sheetId") is not None:
        sheet = ctx.sheet(location["sheetId"])
        meta["location"] = {"locationType": "SHEET", "sheetId": sheet.id}
        sheet.extra.setdefault("developerMetadata", []).append(meta)
    elif location.get("dimensionRange") is not None:
        rng = location["dimensionRange"]
        sheet = ctx.sheet(rng.get("sheetId"))
        kind = "ROW" if rng.get("dimension") == "ROWS" else "COLUMN"
        meta["location"] = {"locationType": kind, "dimensionRange": grid_range_out(rng)}
        sheet.extra.setdefault("developerMetadata", []).append(meta)
    else:
        meta["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
        ctx.book.developer_metadata.append(meta)
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(meta)}}


def _update_developer_metadata(ctx: Ctx, payload: JsonDict) -> JsonDict:
    filters = payload.get("dataFilters") or []
    paths = mask_paths(payload.get("fields") or "")
    template = payload.get("developerMetadata") or {}
    changed = []
    for _, meta in _all_metadata(ctx.book):
        if any(_matches(meta, f) for f in filters):
            keep_id, keep_location = meta["metadataId"], meta.get("location")
            copy_masked(meta, template, [p for p in paths if not p.startswith("location")])
            meta["metadataId"] = keep_id
            if keep_location is not None:
                meta["location"] = keep_location
            changed.append(copy.deepcopy(meta))
    return {"updateDeveloperMetadata": {"developerMetadata": changed}}


def _delete_developer_metadata(ctx: Ctx, payload: JsonDict) -> JsonDict:
    data_filter = payload.get("dataFilter") or {}
    deleted = []
    for holder, meta in _all_metadata(ctx.book):
        if _matches(meta, data_filter):
            holder.remove(meta)
            deleted.append(meta)
    for sheet in ctx.book.sheets:
        _set_extra(sheet, "developerMetadata", sheet.extra.get("developerMetadata", []))
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted}}


def _find_replace(ctx: Ctx, payload: JsonDict) -> JsonDict:
    find = payload.get("find") or ""
    replacement = payload.get("replacement") or ""
    if not find:
        raise ctx.fail("Find must not be empty.")
    if payload.get("allSheets"):
        targets = [(s, s.full_area()) for s in ctx.book.sheets]
    elif payload.get("range") is not None:
        targets = [ctx.area(payload["range"])]
    else:
        sheet = ctx.sheet(payload.get("sheetId"))
        targets = [(sheet, sheet.full_area())]
    changed_cells = changed_sheets = occurrences = 0
    for sheet, area in targets:
        touched = False
        for (r, c), cell in list(sheet.cells.items()):
            if not (area.start_row <= r < area.end_row and area.start_col <= c < area.end_col):
                continue
            value = cell.get("userEnteredValue") or {}
            text = value.get("stringValue")
            if text is None or find not in text:
                continue
            occurrences += text.count(find)
            new = cellmod.make_cell({"stringValue": text.replace(find, replacement)}, None, cell)
            sheet.set_cell(r, c, new)
            changed_cells += 1
            touched = True
        changed_sheets += touched
    reply: JsonDict = {}
    if changed_cells:
        reply = {"valuesChanged": changed_cells, "occurrencesChanged": occurrences,
                 "rowsChanged": changed_cells, "sheetsChanged": changed_sheets}
    return {"findReplace": reply}


APPLIERS: dict[str, Callable[[Ctx, JsonDict], JsonDict | None]] = {
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "duplicateSheet": _duplicate_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "updateSpreadsheetProperties": _update_spreadsheet_properties,
    "updateCells": _update_cells,
    "repeatCell": _repeat_cell,
    "appendCells": _append_cells,
    "setDataValidation": _set_data_validation,
    "updateBorders": _update_borders,
    "mergeCells": _merge_cells,
    "unmergeCells": _unmerge_cells,
    "sortRange": _sort_range,
    "copyPaste": _copy_paste,
    "cutPaste": _cut_paste,
    "findReplace": _find_replace,
    "insertDimension": _insert_dimension,
    "deleteDimension": _delete_dimension,
    "appendDimension": _append_dimension,
    "updateDimensionProperties": _update_dimension_properties,
    "autoResizeDimensions": _auto_resize_dimensions,
    "addDimensionGroup": lambda ctx, p: _dimension_group(ctx, p, add=True),
    "deleteDimensionGroup": lambda ctx, p: _dimension_group(ctx, p, add=False),
    "addNamedRange": _add_named_range,
    "updateNamedRange": _update_named_range,
    "deleteNamedRange": _delete_named_range,
    "addProtectedRange": _add_protected_range,
    "updateProtectedRange": _update_protected_range,
    "deleteProtectedRange": _delete_protected_range,
    "setBasicFilter": _set_basic_filter,
    "clearBasicFilter": _clear_basic_filter,
    "addConditionalFormatRule": _add_conditional_format_rule,
    "updateConditionalFormatRule": _update_conditional_format_rule,
    "deleteConditionalFormatRule": _delete_conditional_format_rule,
    "addBanding": _add_banding,
    "deleteBanding": _delete_banding,
    "addChart": _add_chart,
    "deleteEmbeddedObject": _delete_embedded_object,
    "createDeveloperMetadata": _create_developer_metadata,
    "updateDeveloperMetadata": _update_developer_metadata,
    "deleteDeveloperMetadata": _delete_developer_metadata,
}
