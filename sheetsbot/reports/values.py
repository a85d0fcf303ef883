"""Column parsers: Amazon's text and xlsx cells → typed Arrow arrays, one decision per file.

Amazon writes the same number in many ways (``$1,234.56``, ``1.234,56 €``, ``Rs.201.68``,
``￥1,234``, ``12,5 %``, ``--``). Whether a comma is a decimal mark, and whether ``03/04/2026``
is March or April, is decided once per file from all of its values
(:func:`decide_conventions`), never guessed cell by cell; the marketplace only breaks ties.
Every parser works on whole columns with Arrow compute kernels: no Python loop over rows.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

#: Cell texts that mean "no value" in a numeric column.
NULL_TOKENS = ["", "--", "-", "—", "–", "N/A", "n/a", "NA", "null", "None", "Infinite", "∞"]

#: Currency marks as written in values, longest first, with the ISO code they stand for.
#: A bare ``$`` is USD unless the marketplace says otherwise (CAD, MXN, AUD all write ``$``).
CURRENCY_MARKS: list[tuple[str, str]] = [
    ("US$", "USD"),
    ("MX$", "MXN"),
    ("CA$", "CAD"),
    ("C$", "CAD"),
    ("A$", "AUD"),
    ("AU$", "AUD"),
    ("S$", "SGD"),
    ("R$", "BRL"),
    ("Rs.", "INR"),
    ("Rs", "INR"),
    ("₹", "INR"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("￥", "JPY"),
    ("¥", "JPY"),
    ("zł", "PLN"),
    ("kr", "SEK"),
    ("AED", "AED"),
    ("SAR", "SAR"),
    ("USD", "USD"),
    ("EUR", "EUR"),
    ("GBP", "GBP"),
    ("JPY", "JPY"),
    ("INR", "INR"),
    ("CAD", "CAD"),
    ("MXN", "MXN"),
    ("AUD", "AUD"),
    ("$", "USD"),
]
_DOLLAR_CURRENCIES = {"CAD", "MXN", "AUD", "SGD"}

# Everything that is not part of a number: currency marks, letters, spaces of all widths.
_NOT_NUMERIC = r"[^0-9.,\-+]"
_SPACES = "[\\s\u00a0\u202f\u2009']"

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january", "jän", "januar", "janv"),
            ("feb", "february", "februar", "févr"),
            ("mar", "march", "mär", "märz", "mars"),
            ("apr", "april", "avr", "avril"),
            ("may", "mai"),
            ("jun", "june", "juni", "juin"),
            ("jul", "july", "juli", "juil"),
            ("aug", "august", "août"),
            ("sep", "sept", "september"),
            ("oct", "october", "okt", "oktober"),
            ("nov", "november"),
            ("dec", "december", "dez", "dezember", "déc"),
        ]
    )
    for m in names
}
_NUMERIC_DATE = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})[/.\-](\d{1,4})(?:[ T].*)?$")
_NAMED_DATE = re.compile(r"^([A-Za-zäéû]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_DAY_NAMED_DATE = re.compile(r"^(\d{1,2})[\s\-]([A-Za-zäéû]+)\.?[\s\-](\d{2,4})$")
_ISO_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class Conventions:
    """What a file's values say about how it writes numbers and dates."""

    decimal_comma: bool = False
    day_first: bool = False
    #: How each was decided, for ``detect`` and the run log.
    decimal_evidence: str = "default"
    date_evidence: str = "default"
    #: Columns whose own values contradict the file's convention (German exports write money
    #: ``368,14 €`` but percentages ``16.40%``).
    decimal_comma_by_column: dict[str, bool] = field(default_factory=dict)
    #: Columns with values in both styles (1,234.56 and 1.234,56): the file cannot be trusted.
    mixed_columns: list[str] = field(default_factory=list)


@dataclass
class ParseProblem:
    column: str
    count: int
    example: str
    expected: str

    def __str__(self) -> str:
        return (
            f"column {self.column!r}: {self.count} value(s) are not {self.expected} "
            f"(e.g. {self.example!r}); read as empty"
        )


# -- conventions ------------------------------------------------------------------------------


def _strings(arr: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else arr.cast(pa.string())


def decimal_evidence(arr: pa.Array | pa.ChunkedArray, sample: int = 20_000) -> tuple[int, int]:
    """Counts of values that prove a decimal comma and that prove a decimal point.

    A sample spread over the whole column answers for almost every file (most money values
    settle it); only when the sample proves nothing are all distinct values examined.
    """
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return 0, 0
    if len(arr) > sample:
        step = len(arr) // sample
        picked = pc.take(arr, pa.array(range(0, len(arr), step)))
        found = _decimal_evidence(picked)
        if any(found):
            return found
        return _decimal_evidence(pc.unique(arr))
    return _decimal_evidence(arr)


def _decimal_evidence(arr: pa.Array | pa.ChunkedArray) -> tuple[int, int]:
    cleaned = pc.replace_substring_regex(arr, _SPACES, "")
    cleaned = pc.replace_substring_regex(cleaned, r"[^0-9.,\-]", "")
    # 1.234,56 / 1234,5 / 0,25: a comma followed by one, two or four+ digits at the end, or
    # a dot-grouped number ending with a comma part.
    comma = pc.match_substring_regex(cleaned, r"(^-?\d+,\d{1,2}$)|(^-?\d+,\d{4,}$)|(\.\d{3},\d+$)")
    point = pc.match_substring_regex(cleaned, r"(^-?\d+\.\d{1,2}$)|(^-?\d+\.\d{4,}$)|(,\d{3}\.\d+$)")
    return int(pc.sum(comma).as_py() or 0), int(pc.sum(point).as_py() or 0)


def date_order_evidence(arr: pa.Array | pa.ChunkedArray) -> tuple[int, int]:
    """Counts of values that prove day-first and month-first order (a part above 12)."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return 0, 0
    uniques = pc.unique(arr).to_pylist()
    day_first = month_first = 0
    for text in uniques:
        if not text:
            continue
        m = _NUMERIC_DATE.match(text.strip())
        if not m or len(m.group(1)) == 4:
            continue
        a, b = int(m.group(1)), int(m.group(3))
        if m.group(2) == ".":  # 16.11.2026 is day first everywhere it is written
            day_first += 1
            continue
        if a > 12 >= b:
            day_first += 1
        elif b > 12 >= a:
            month_first += 1
    return day_first, month_first


def decide_conventions(
    number_columns: dict[str, pa.Array | pa.ChunkedArray],
    date_columns: dict[str, pa.Array | pa.ChunkedArray],
    marketplace_day_first: bool | None,
    marketplace_decimal_comma: bool | None,
) -> Conventions:
    conv = Conventions()
    per_column: dict[str, tuple[int, int]] = {name: decimal_evidence(arr) for name, arr in number_columns.items()}
    comma = sum(c for c, _ in per_column.values())
    point = sum(p for _, p in per_column.values())
    if comma and comma >= point:
        conv.decimal_comma, conv.decimal_evidence = True, f"{comma} value(s) like 1.234,56"
    elif point:
        conv.decimal_comma, conv.decimal_evidence = False, f"{point} value(s) like 1,234.56"
    elif marketplace_decimal_comma is not None:
        conv.decimal_comma = marketplace_decimal_comma
        conv.decimal_evidence = "marketplace (values are ambiguous)"
    mixed = [name for name, (c, p) in per_column.items() if c and p]
    if mixed:
        conv.mixed_columns = mixed
    for name, (c, p) in per_column.items():
        if conv.decimal_comma and p and not c:
            conv.decimal_comma_by_column[name] = False
        elif not conv.decimal_comma and c and not p:
            conv.decimal_comma_by_column[name] = True

    day_first = month_first = 0
    for arr in date_columns.values():
        d, m = date_order_evidence(arr)
        day_first, month_first = day_first + d, month_first + m
    if day_first and not month_first:
        conv.day_first, conv.date_evidence = True, f"{day_first} date(s) with a day above 12 first"
    elif month_first and not day_first:
        conv.day_first, conv.date_evidence = False, f"{month_first} date(s) with a day above 12 second"
    elif day_first and month_first:
        conv.day_first = bool(marketplace_day_first)
        conv.date_evidence = "contradictory dates; marketplace order used"
    elif marketplace_day_first is not None:
        conv.day_first = marketplace_day_first
        conv.date_evidence = "marketplace (dates are ambiguous)"
    return conv


# -- numbers ----------------------------------------------------------------------------------


def currency_in_values(arr: pa.Array | pa.ChunkedArray, sample: int = 2000) -> str | None:
    """The currency a money column's symbols name (``$`` → USD, ``1.234,56 €`` → EUR)."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    head = arr.slice(0, sample) if len(arr) > sample else arr
    marks = pc.unique(pc.replace_substring_regex(head, "[0-9.,\\-+\\s\u00a0\u202f()]", ""))
    for text in marks.to_pylist():
        if not text:
            continue
        for mark, code in CURRENCY_MARKS:
            if mark in text:
                return code
    return None


def parse_number(
    arr: pa.Array | pa.ChunkedArray,
    column: str,
    decimal_comma: bool,
    percent: bool = False,
    problems: list[ParseProblem] | None = None,
) -> pa.ChunkedArray | pa.Array:
    """Money, counts and percentages → float64, with nulls for ``--``/empty.

    ``percent``: a value written with ``%`` is divided by 100 (``12.5%`` → 0.125); a number
    without it (an xlsx fraction) is already a fraction. One regex pass and one cast serve the
    common case; only a column with a value that is not a number takes the slower path that
    counts and reports those values.
    """
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        return arr.cast(pa.float64())
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.float64())
    text = _strings(arr)
    if not decimal_comma:
        # Plain numbers ("487", "0.51") need no cleaning at all. Not in a decimal-comma file,
        # where "1.234" means one thousand two hundred and thirty-four.
        try:
            return pc.cast(text, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    cleaned = text
    if pc.any(pc.match_substring(text, "Rs")).as_py():
        # "Rs." carries a dot that is not a decimal mark.
        cleaned = pc.replace_substring_regex(cleaned, r"Rs\.?", "")
    cleaned = pc.replace_substring_regex(cleaned, _NOT_NUMERIC, "")
    if decimal_comma:
        cleaned = pc.replace_substring(pc.replace_substring(cleaned, ".", ""), ",", ".")
    else:
        cleaned = pc.replace_substring(cleaned, ",", "")
    cleaned = pc.if_else(pc.is_in(cleaned, value_set=_empty_after_cleaning()), pa.scalar(None, pa.string()), cleaned)
    try:
        values = pc.cast(cleaned, pa.float64())
    except pa.ArrowInvalid:
        values = _parse_number_checked(text, cleaned, column, problems)
    if pc.any(pc.starts_with(text, "(")).as_py():  # accounting negatives: (5.00)
        values = pc.if_else(
            pc.fill_null(pc.starts_with(pc.utf8_trim_whitespace(text), "("), False), pc.negate(values), values
        )
    if percent and pc.any(pc.match_substring(text, "%")).as_py():
        values = pc.if_else(pc.fill_null(pc.match_substring(text, "%"), False), pc.divide(values, 100.0), values)
    return values


@functools.lru_cache(maxsize=1)
def _empty_after_cleaning() -> pa.Array:
    # Built on first use: pyarrow imports pandas the first time it converts a Python list,
    # and a prefetch thread must not pay for that import (see reports.prepare).
    return pa.array(["", "-", "--", "+", ".", "-.", ","])


def _parse_number_checked(
    text: pa.Array | pa.ChunkedArray,
    cleaned: pa.Array | pa.ChunkedArray,
    column: str,
    problems: list[ParseProblem] | None,
) -> pa.Array | pa.ChunkedArray:
    """The slow path: keep what parses, blank the rest, and say how many were blanked."""
    cleaned = pc.replace_substring_regex(cleaned, r"^\+", "")
    valid = pc.match_substring_regex(cleaned, r"^-?(\d+\.?\d*|\.\d+)$")
    values = pc.if_else(valid, cleaned, pa.scalar(None, pa.string())).cast(pa.float64())
    if problems is not None:
        trimmed = pc.utf8_trim_whitespace(text)
        is_null_token = pc.is_in(trimmed, value_set=pa.array(NULL_TOKENS))
        bad = pc.and_(pc.invert(pc.fill_null(valid, False)), pc.invert(pc.fill_null(is_null_token, True)))
        bad = pc.and_(pc.fill_null(bad, False), pc.is_valid(cleaned))
        count = int(pc.sum(bad).as_py() or 0)
        if count:
            example = pc.filter(trimmed, bad)[0].as_py()
            problems.append(ParseProblem(column, count, str(example), "numbers"))
    return values


# -- dates ------------------------------------------------------------------------------------


def _parse_one_date(text: str, day_first: bool) -> date | None:
    text = text.strip().strip('"')
    if not text:
        return None
    if _ISO_STAMP.match(text) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    m = _NUMERIC_DATE.match(text)
    if m:
        a, sep, b, c = m.group(1), m.group(2), m.group(3), m.group(4)
        try:
            if len(a) == 4:  # 2026/11/16, 2026.11.16
                return date(int(a), int(b), int(c))
            year = int(c) + 2000 if len(c) <= 2 else int(c)
            # 16.11.2026 is day first wherever it is written.
            first_is_day = day_first or sep == "."
            day, month = (int(a), int(b)) if first_is_day else (int(b), int(a))
            return date(year, month, day)
        except ValueError:
            return None
    m = _NAMED_DATE.match(text)
    if m and m.group(1).lower()[:4].rstrip(".") in _MONTHS or (m and m.group(1).lower()[:3] in _MONTHS):
        named_month = _MONTHS.get(m.group(1).lower()) or _MONTHS.get(m.group(1).lower()[:3])
        try:
            return date(int(m.group(3)), named_month, int(m.group(2))) if named_month else None
        except ValueError:
            return None
    m = _DAY_NAMED_DATE.match(text)
    if m:
        named_month = _MONTHS.get(m.group(2).lower()) or _MONTHS.get(m.group(2).lower()[:3])
        year = int(m.group(3)) + (2000 if len(m.group(3)) == 2 else 0)
        try:
            return date(year, named_month, int(m.group(1))) if named_month else None
        except ValueError:
            return None
    try:  # an Excel serial that arrived as text
        serial = float(text)
    except ValueError:
        return None
    return _EXCEL_EPOCH + timedelta(days=int(serial)) if 20000 < serial < 80000 else None


def parse_dates(
    arr: pa.Array | pa.ChunkedArray,
    column: str,
    day_first: bool,
    problems: list[ParseProblem] | None = None,
    time_zone: str | None = None,
) -> pa.Array:
    """Dates in any of Amazon's spellings → ``date32``.

    Text is parsed once per distinct value (a million ad rows hold a few dozen dates) and
    mapped back with ``take``. ISO timestamps with an offset are converted to the
    marketplace's time zone first, because Business Reports count days in local time.
    """
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz and time_zone:
            arr = pc.local_timestamp(pc.assume_timezone(arr, "UTC") if not arr.type.tz else arr)
        return pc.cast(arr, pa.date32()) if not arr.type.tz else pc.cast(pc.local_timestamp(arr), pa.date32())
    if pa.types.is_date(arr.type):
        return arr.cast(pa.date32())
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        days = pc.subtract(pc.floor(arr.cast(pa.float64())), 25569.0)  # Excel serial → epoch days
        return days.cast(pa.int32()).cast(pa.date32())
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.date32())
    text = pc.utf8_trim_whitespace(_strings(arr))
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if time_zone and _looks_like_stamps(text):
        return _stamps_to_local_dates(text, time_zone, column, problems)
    uniques = pc.unique(text)
    parsed = [_parse_one_date(v, day_first) if v else None for v in uniques.to_pylist()]
    if problems is not None:
        bad = [v for v, d in zip(uniques.to_pylist(), parsed, strict=True) if v and d is None and v not in NULL_TOKENS]
        if bad:
            count = int(pc.sum(pc.is_in(text, value_set=pa.array(bad))).as_py() or 0)
            problems.append(ParseProblem(column, count, bad[0], "dates"))
    mapped = pa.array(parsed, pa.date32())
    return pc.take(mapped, pc.index_in(text, value_set=uniques))


def _looks_like_stamps(text: pa.Array) -> bool:
    head = text.slice(0, 50)
    sample = [v for v in head.to_pylist() if v]
    return bool(sample) and all(_ISO_STAMP.match(v) for v in sample)


def _stamps_to_local_dates(
    text: pa.Array, time_zone: str, column: str, problems: list[ParseProblem] | None
) -> pa.Array:
    import pandas as pd

    series = pd.Series(text.to_pandas(), dtype="string")
    stamps = pd.to_datetime(series, utc=True, errors="coerce", format="ISO8601")
    bad = stamps.isna() & series.notna() & (series.str.len() > 0)
    if problems is not None and bad.any():
        problems.append(ParseProblem(column, int(bad.sum()), str(series[bad].iloc[0]), "timestamps"))
    local = stamps.dt.tz_convert(time_zone).dt.tz_localize(None).dt.normalize()
    return pa.array(local.dt.date, pa.date32(), from_pandas=True)


def parse_date_ranges(
    arr: pa.Array | pa.ChunkedArray, column: str, day_first: bool, problems: list[ParseProblem] | None
) -> tuple[pa.Array, pa.Array]:
    """``"Aug 15, 2026 - Sep 13, 2026"`` (one text cell) → start and end date columns."""
    text = pc.utf8_trim_whitespace(_strings(arr))
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    uniques = pc.unique(text)
    starts: list[date | None] = []
    ends: list[date | None] = []
    bad: list[str] = []
    for value in uniques.to_pylist():
        parts = re.split(r"\s+[-–—]\s+|\s+to\s+", value or "")
        start = _parse_one_date(parts[0], day_first) if len(parts) == 2 else None
        end = _parse_one_date(parts[1], day_first) if len(parts) == 2 else None
        if value and (start is None or end is None):
            bad.append(value)
            start = end = None
        starts.append(start)
        ends.append(end)
    if problems is not None and bad:
        count = int(pc.sum(pc.is_in(text, value_set=pa.array(bad))).as_py() or 0)
        problems.append(ParseProblem(column, count, bad[0], "date ranges like 'Aug 15, 2026 - Sep 13, 2026'"))
    index = pc.index_in(text, value_set=uniques)
    return pc.take(pa.array(starts, pa.date32()), index), pc.take(pa.array(ends, pa.date32()), index)


# -- text -------------------------------------------------------------------------------------


def clean_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Trim, unwrap Excel's ``="B0ABC"`` text guards, and undo Amazon's ``\\"`` quote escapes."""
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    text = pc.utf8_trim_whitespace(_strings(arr))
    if pc.any(pc.starts_with(text, '="')).as_py():
        text = pc.replace_substring_regex(text, r'^="(.*)"$', r"\1")
    return pc.replace_substring(text, '\\"', '"')


def clean_id(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """IDs such as ASINs: cleaned text, upper-cased, empty → null."""
    text = clean_text(arr)
    text = pc.utf8_upper(text)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


Kind = Literal["text", "id", "money", "number", "percent", "date", "timestamp", "date_range"]
