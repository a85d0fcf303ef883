"""A1 notation: parsing ranges such as ``'My sheet'!B2:D`` and printing them as Google does.

Indices are zero-based and half-open, like the API's ``GridRange``; ``None`` means unbounded
on that side. Resolution against a spreadsheet (which sheet, named ranges, clamping to the
grid) lives in ``sheets.py``; this module only knows the notation.

Usage::

    ref = parse("'Q1 plan'!B2:D")
    ref.sheet, ref.start_row, ref.end_row, ref.start_col, ref.end_col
    # ('Q1 plan', 1, None, 1, 4)
    format_range("D3", 0, 4, 0, 4)        # "'D3'!A1:D4" (a title that looks like a cell)
    column_letters(27)                    # 'AB'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_COLUMNS = 18278  # column ZZZ, Google's limit

_CELL_RE = re.compile(r"^(?P<col>[A-Za-z]{0,3})(?P<row>\d*)$")
_PLAIN_TITLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELLISH_RE = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[A-Za-z]{1,3}|\d+)$")


@dataclass(frozen=True)
class A1Ref:
    """A parsed reference. ``area`` is False when only a sheet or a name was given."""

    sheet: str | None
    name: str | None = None  # a bare word that is not a cell: sheet title or named range
    start_row: int | None = None
    end_row: int | None = None
    start_col: int | None = None
    end_col: int | None = None
    area: bool = False


class A1Error(ValueError):
    pass


def column_index(letters: str) -> int:
    """``A`` → 0, ``Z`` → 25, ``AA`` → 26."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def column_letters(index: int) -> str:
    """0 → ``A``; the inverse of :func:`column_index`."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def split_sheet(text: str) -> tuple[str | None, str]:
    """Split ``'It''s'!A1`` into (``It's``, ``A1``); no ``!`` gives (None, text)."""
    if text.startswith("'"):
        i = 1
        title_chars: list[str] = []
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    title_chars.append("'")
                    i += 2
                    continue
                rest = text[i + 1:]
                if rest == "":
                    return "".join(title_chars), ""
                if rest.startswith("!"):
                    return "".join(title_chars), rest[1:]
                raise A1Error(text)
            title_chars.append(text[i])
            i += 1
        raise A1Error(text)
    if "!" in text:
        title, _, rest = text.rpartition("!")
        return title, rest
    return None, text


def _cell(part: str) -> tuple[int | None, int | None]:
    found = _CELL_RE.match(part)
    if not found or (not found["col"] and not found["row"]):
        raise A1Error(part)
    col = column_index(found["col"]) if found["col"] else None
    row = int(found["row"]) - 1 if found["row"] else None
    if row is not None and row < 0:
        raise A1Error(part)
    return row, col


def parse(text: str) -> A1Ref:
    """Parse A1 notation; raises :class:`A1Error` when it is not A1 at all."""
    sheet, rest = split_sheet(text.strip())
    if rest == "":
        if sheet is None:
            raise A1Error(text)
        return A1Ref(sheet=sheet)
    rest = rest.replace("$", "")
    if ":" in rest:
        first, _, second = rest.partition(":")
        try:
            r0, c0 = _cell(first)
            r1, c1 = _cell(second)
        except A1Error:
            raise A1Error(text) from None
        # ``A1:B`` and ``A:B`` leave rows open; ``1:2`` leaves columns open; reversed corners
        # (``D4:A1``) are normalised as Google does.
        rows = sorted(x for x in (r0, r1) if x is not None)
        cols = sorted(x for x in (c0, c1) if x is not None)
        start_row = rows[0] if rows else None
        end_row = rows[-1] + 1 if len(rows) == 2 else None
        if r0 is not None and r1 is None:
            start_row, end_row = r0, None
        start_col = cols[0] if cols else None
        end_col = cols[-1] + 1 if len(cols) == 2 else None
        if c0 is not None and c1 is None:
            start_col, end_col = c0, None
        if r0 is None and r1 is None:
            start_row = None
        if c0 is None and c1 is None:
            start_col = None
        return A1Ref(sheet, None, start_row, end_row, start_col, end_col, area=True)
    try:
        row, col = _cell(rest)
    except A1Error:
        if re.fullmatch(r"[A-Za-z_\\][\w.]*", rest):
            return A1Ref(sheet=sheet, name=rest)
        raise
    if row is None or col is None:
        # A bare ``A`` or ``12`` is a name (or a sheet title), not a range.
        return A1Ref(sheet=sheet, name=rest)
    return A1Ref(sheet, None, row, row + 1, col, col + 1, area=True)


def quote_title(title: str) -> str:
    """Quote a sheet title when Google would: anything but a plain identifier, or cell-like."""
    if _PLAIN_TITLE_RE.match(title) and not _CELLISH_RE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_cells(start_row: int, end_row: int, start_col: int, end_col: int) -> str:
    first = f"{column_letters(start_col)}{start_row + 1}"
    if end_row - start_row <= 1 and end_col - start_col <= 1:
        return first
    return f"{first}:{column_letters(end_col - 1)}{end_row}"


def format_range(title: str, start_row: int, end_row: int, start_col: int, end_col: int) -> str:
    return f"{quote_title(title)}!{format_cells(start_row, end_row, start_col, end_col)}"
