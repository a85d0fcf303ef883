"""Bytes → raw tables of text cells: content sniffing, encodings, delimiters, xlsx sheets.

Nothing here knows what a report is; :mod:`sheetsbot.reports.reader` decides which columns
matter and asks for only those (reading fewer columns is most of the speed on big files).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pyarrow as pa
import pyarrow.csv as pa_csv

from sheetsbot.errors import SuspectExport, UnreadableExport

#: An xlsx is a zip: refuse one that would inflate beyond these before opening it.
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200
_HEAD_BYTES = 256 * 1024


@dataclass
class RawTable:
    """Header cells and (lazily read) columns of one table: a CSV file or one xlsx sheet."""

    header: list[str]
    sheet: str | None
    encoding: str | None
    delimiter: str | None
    #: Parses the named column indices into Arrow arrays.
    reader: Callable[[list[int]], dict[int, pa.Array | pa.ChunkedArray]]
    warnings: list[str] = field(default_factory=list)
    generator: str | None = None
    _parsed: dict[tuple[int, ...], dict[int, pa.Array | pa.ChunkedArray]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def read(self, columns: list[int]) -> dict[int, pa.Array | pa.ChunkedArray]:
        """The named columns, parsed once (a prefetch thread may have done it already)."""
        key = tuple(columns)
        with self._lock:
            if key not in self._parsed:
                self._parsed[key] = self.reader(columns)
            return self._parsed[key]


# -- sniffing ---------------------------------------------------------------------------------

_MAGIC = [
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0", "ole"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"\x89PNG", "PNG image"),
    (b"%PDF", "PDF document"),
    (b"GIF8", "GIF image"),
    (b"\x1f\x8b", "gzip archive"),
]


def sniff(data: bytes) -> str:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return "text"


def read_tables(data: bytes, name: str, path: str, jp_hint: bool = False) -> list[RawTable]:
    """All tables in a file. Raises an :class:`ExportError` naming the file when none can be read."""
    kind = sniff(data)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not data[:65536].lstrip(codecs.BOM_UTF8).strip() and not data.lstrip(codecs.BOM_UTF8).strip():
        raise UnreadableExport(path, "the file is empty (0 bytes of data); download it again")
    if kind == "zip":
        if ext in ("csv", "tsv", "txt"):
            raise SuspectExport(path, f"named .{ext} but is a zip/xlsx file; rename it to .xlsx")
        return _xlsx_tables(data, path)
    if kind == "ole":
        raise UnreadableExport(path, _ole_problem(data))
    if kind != "text":
        raise SuspectExport(path, f"not an export: the file is a {kind} (named .{ext or 'no extension'})")
    if ext in ("xlsx", "xlsm"):
        raise SuspectExport(path, f"named .{ext} but is a text file, not a workbook; rename it to .csv")
    utf16_bom = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if b"\x00" in data[:4096] and not utf16_bom and not _looks_utf16(data):
        raise SuspectExport(path, "binary data (NUL bytes) in a text file: not an export")
    return [_text_table(data, path, jp_hint)]


def _ole_problem(data: bytes) -> str:
    """What an OLE2 (Office 97) container really is, from its stream names."""

    def has(name: str) -> bool:
        return name.encode("utf-16-le") in data

    if has("EncryptedPackage") or has("EncryptionInfo"):
        return "a password-protected workbook; remove the password (File → Info → Protect) and save it again"
    if has("WordDocument"):
        return "a Word document, not an export"
    if has("PowerPoint Document"):
        return "a PowerPoint file, not an export"
    return "a legacy .xls (Excel 97) workbook; open it and save as .xlsx or .csv"


def _looks_utf16(data: bytes) -> bool:
    head = data[:4096]
    return head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4


# -- text -------------------------------------------------------------------------------------


def detect_encoding(data: bytes, jp_hint: bool = False) -> tuple[str, int]:
    """(encoding, bytes of BOM to skip). BOM → strict UTF-8 → cp932 (Japanese) → cp1252."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    if _looks_utf16(data):
        return ("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"), 0
    if _is_utf8(data[:_UTF8_CHECK_BYTES], final=len(data) <= _UTF8_CHECK_BYTES):
        # Beyond the checked head the CSV reader validates UTF-8 itself; a file that turns
        # out not to be UTF-8 further down is read again as cp1252 (see _text_table).
        return "utf-8", 0
    head = data[:_HEAD_BYTES]
    try:
        text = head.decode("cp932")
        first_line = text.split("\n", 1)[0]
        if jp_hint or any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in first_line):
            return "cp932", 0
    except UnicodeDecodeError:
        pass
    return "cp1252", 0


_UTF8_CHECK_BYTES = 4 * 1024 * 1024


def _is_utf8(data: bytes, final: bool = True) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _text_table(data: bytes, path: str, jp_hint: bool) -> RawTable:
    encoding, bom = detect_encoding(data, jp_hint)
    body = data[bom:]
    warnings: list[str] = []
    if encoding.startswith("utf-16"):
        # pyarrow reads UTF-8 natively; re-encode once (UTF-16 exports are small).
        body = body.decode(encoding).encode("utf-8")
        encoding_for_reader = "utf8"
    else:
        encoding_for_reader = "utf8" if encoding == "utf-8" else encoding
    if encoding == "cp1252" and re.search(rb"[\xc3\xe2][\x80-\xbf]{1,2}", body[:_UTF8_CHECK_BYTES]):
        warnings.append(
            "mixed encodings: parts of the file are UTF-8, others cp1252; read as cp1252, check accented titles"
        )
    if b"\xef\xbb\xbf" in body[:_HEAD_BYTES][1:]:
        body = body.replace(b"\xef\xbb\xbf", b"")
        warnings.append("a byte-order mark in the middle of the file was removed")
    head_text = body[:_HEAD_BYTES].decode(encoding if not encoding.startswith("utf-16") else "utf-8", errors="replace")
    if "\n" not in head_text and len(body) > _HEAD_BYTES:
        raise SuspectExport(
            path,
            f"no line break in the first {_HEAD_BYTES // 1024} KB: the line breaks were lost (a re-save?); "
            "download it again",
        )
    first_line = head_text.split("\n", 1)[0].rstrip("\r")
    delimiter = _delimiter(first_line)
    _refuse_repeated_header(body, first_line, encoding, path)
    quoting = delimiter != "\t"
    header = _header_cells(first_line, delimiter, quoting)
    _check_duplicate_headers(header, path)

    # A download cut inside the last cell keeps the field count right; with no final line
    # break, the last cell is compared with the rest of its column instead (see below).
    last_cell_at_risk = bool(body.strip()) and not body.endswith(b"\n") and len(header) > 1

    def read(columns: list[int]) -> dict[int, pa.Array | pa.ChunkedArray]:
        names = [f"c{i}" for i in range(len(header))]
        last = len(header) - 1
        wanted = [names[i] for i in columns]
        if last_cell_at_risk and last not in columns:
            wanted.append(names[last])
        try:
            table = _parse(names, wanted, encoding_for_reader)
        except pa.ArrowInvalid as exc:
            if encoding_for_reader != "utf8" or "UTF8" not in str(exc) or bom:
                raise _csv_error(exc, path, len(header)) from None
            warnings.append("not UTF-8 after all (an invalid byte deep in the file); read as cp1252")
            table = _parse(names, wanted, "cp1252")
        if last_cell_at_risk:
            _refuse_cut_last_cell(table.column(names[last]), header[last], path)
        out: dict[int, pa.Array | pa.ChunkedArray] = {}
        for i in columns:
            col = table.column(names[i])
            if not quoting:
                # Tab-separated flat files quote nothing, but a few cells arrive "quoted".
                import pyarrow.compute as pc

                col = pc.replace_substring_regex(col, r'^"(.*)"$', r"\1")
            out[i] = col
        return out

    def _parse(names: list[str], wanted: list[str], encoding_name: str) -> pa.Table:
        try:
            return _read(names, wanted, encoding_name, newlines_in_values=False)
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc) or not quoting:
                raise
        # A quoted cell with a line break (a customer comment) splits rows in the fast
        # parser, which then counts fields wrong; the careful parser reads it whole.
        return _read(names, wanted, encoding_name, newlines_in_values=True)

    def _read(names: list[str], wanted: list[str], encoding_name: str, newlines_in_values: bool) -> pa.Table:
        try:
            return pa_csv.read_csv(
                io.BytesIO(body),
                read_options=pa_csv.ReadOptions(
                    column_names=names,
                    skip_rows=1,
                    encoding=encoding_name,
                    block_size=16 * 1024 * 1024,
                ),
                parse_options=pa_csv.ParseOptions(
                    delimiter=delimiter,
                    quote_char='"' if quoting else False,
                    newlines_in_values=newlines_in_values,
                    double_quote=True,
                ),
                convert_options=pa_csv.ConvertOptions(
                    include_columns=wanted,
                    column_types={n: pa.string() for n in wanted},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc):
                raise
            if "Expected" in str(exc) and "columns" in str(exc):
                raise _bad_row_error(body, delimiter, names, encoding_name, newlines_in_values, path) from None
            raise _csv_error(exc, path, len(header)) from None

    return RawTable(header, None, encoding, delimiter, read, warnings)


#: A column whose values take more shapes than this is not judged.
_MAX_CELL_SHAPES = 4
#: A last cell that reads as a whole number ("$49" among "$9.99") is judged cut only in a column
#: with at least this many other values, none of them shaped like it.
_MIN_ROWS_FOR_A_WHOLE_NUMBER = 20


def _refuse_cut_last_cell(column: pa.Array | pa.ChunkedArray, name: str, path: str) -> None:
    """Refuse a file whose last cell is visibly the start of a number its column always has.

    Called only for files without a final line break, where a download cut inside the last
    cell leaves every row with the right number of fields (``$274.89`` arrives as ``$274.``).
    A cell's shape is its text with digit runs as ``9`` and letter runs as ``a``. Only number
    columns are judged (every other value has digits and no letters: free text, names, ASINs
    and dates written in words never are), and only a non-empty last cell whose shape no other
    cell has but which starts one of theirs. Such a cell ending in a symbol (``$``, ``$274.``)
    is cut; one reading as a whole number (``$274``) only where at least 20 other values agree.
    A cut that leaves a well-formed value (``$274.8``) cannot be told from a real one.
    """
    import pyarrow.compute as pc

    if len(column) < 4 or not column[-1].as_py():
        return
    shapes = pc.replace_substring_regex(pc.replace_substring_regex(column, r"\d+", "9"), r"\pL+", "a")
    last = shapes[-1].as_py()
    others = shapes.slice(0, len(shapes) - 1)
    others = others.filter(pc.greater(pc.utf8_length(others), 0))
    known = set(pc.unique(others).to_pylist())
    if not known or last in known or len(known) > _MAX_CELL_SHAPES or "a" in last:
        return
    if any("9" not in shape or "a" in shape for shape in known):
        return
    if not any(shape.startswith(last) for shape in known):
        return
    if last.endswith("9") and len(others) < _MIN_ROWS_FOR_A_WHOLE_NUMBER:
        return
    raise SuspectExport(
        path,
        f"the last cell ({name.strip()!r} = {column[-1].as_py()!r}) is the start of a number "
        "and the file has no final line break: the download looks cut off; download it again",
    )


def _refuse_repeated_header(body: bytes, first_line: str, encoding: str, path: str) -> None:
    """Two downloads pasted into one file: the header row comes back as a data row."""
    codec = "utf-8" if encoding.startswith("utf-16") else encoding
    needle = b"\n" + first_line.lstrip("\ufeff").encode(codec, errors="replace")
    at = body.find(needle, len(needle) - 1)
    if at >= 0:
        line = body.count(b"\n", 0, at) + 2
        raise SuspectExport(path, f"the header row appears again on line {line}: two downloads joined into one file?")


def _delimiter(first_line: str) -> str:
    counts = {d: _count_outside_quotes(first_line, d) for d in ("\t", ",", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, ch: str) -> int:
    inside, count = False, 0
    for c in line:
        if c == '"':
            inside = not inside
        elif c == ch and not inside:
            count += 1
    return count


def _header_cells(first_line: str, delimiter: str, quoting: bool) -> list[str]:
    reader = csv.reader([first_line], delimiter=delimiter, quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE)
    cells = next(reader, [])
    return [c.strip().strip('"') if not quoting else c for c in cells]


def _check_duplicate_headers(header: list[str], path: str) -> None:
    from sheetsbot.reports.kinds import normalise_header

    seen: dict[str, int] = {}
    for i, cell in enumerate(header):
        norm = normalise_header(cell)
        if not norm:
            continue
        if norm in seen:
            raise SuspectExport(
                path,
                f"duplicated header {cell.strip()!r} (columns {seen[norm] + 1} and {i + 1}); "
                "a re-saved copy? Download the report again",
            )
        seen[norm] = i


def _csv_error(exc: Exception, path: str, width: int) -> Exception:
    text = str(exc)
    if "Expected" in text and "columns" in text:
        row = _row_in_error(text)
        return SuspectExport(
            path,
            f"row {row} has a different number of fields than the {width}-column header"
            + (" (the download looks cut off; download it again)" if "got" in text else ""),
        )
    return UnreadableExport(path, f"cannot parse as CSV: {text.splitlines()[0]}")


def _bad_row_error(
    body: bytes, delimiter: str, names: list[str], encoding: str, newlines: bool, path: str
) -> Exception:
    """Find the first row whose field count differs from the header, by a careful re-read.

    pyarrow's fast reader does not say which row; this pass runs only on a file that is
    being refused anyway. A short last row is a cut download; any other is a damaged file.
    """
    bad: list[tuple[int, int, int]] = []

    def handler(row: pa_csv.InvalidRow) -> str:
        bad.append((row.number, row.actual_columns, row.expected_columns))
        return "skip"

    pa_csv.read_csv(
        io.BytesIO(body),
        read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, encoding=encoding, use_threads=False),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter, newlines_in_values=newlines, invalid_row_handler=handler
        ),
        convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names}),
    )
    if not bad:
        return UnreadableExport(path, "rows with a different number of fields than the header")
    number, actual, expected = bad[0]
    lines = body.rstrip(b"\r\n").count(b"\n") + 1
    line = number if number > 0 else None  # pyarrow numbers lines from 1, header included
    where = f"line {line}" if line else "a row"
    last = line == lines
    if last and actual < expected and len(bad) == 1:
        return SuspectExport(
            path,
            f"the last row ({where}) has {actual} of {expected} fields: the download looks cut off; download it again",
        )
    return SuspectExport(
        path,
        f"{where} has {actual} fields but the header has {expected}"
        + (f" ({len(bad)} such rows)" if len(bad) > 1 else ""),
    )


def _row_in_error(text: str) -> str:
    import re

    m = re.search(r"Row #?(\d+)", text)
    return m.group(1) if m else "?"


# -- xlsx -------------------------------------------------------------------------------------


def check_zip_bomb(data: bytes, path: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableExport(path, "a damaged xlsx (not a readable zip); download it again") from None
    total = sum(info.file_size for info in archive.infolist())
    packed = max(1, sum(info.compress_size for info in archive.infolist()))
    if total > MAX_XLSX_UNCOMPRESSED or total / packed > MAX_XLSX_RATIO:
        raise SuspectExport(
            path,
            f"xlsx would inflate to {total:,} bytes from {packed:,} "
            f"(ratio {total / packed:.0f}:1): refused as a possible zip bomb",
        )
    if "xl/workbook.xml" not in archive.namelist():
        raise UnreadableExport(path, "a zip file, but not an xlsx workbook")
    return archive


def _xlsx_tables(data: bytes, path: str) -> list[RawTable]:
    archive = check_zip_bomb(data, path)
    generator = None
    try:
        app = archive.read("docProps/app.xml").decode("utf-8", "replace")
        import re

        m = re.search(r"<Application>([^<]*)</Application>", app)
        generator = m.group(1) if m else None
    except KeyError:
        pass
    import warnings as _warnings

    from openpyxl import load_workbook

    try:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise UnreadableExport(path, f"cannot open the workbook: {exc}") from None
    tables = []
    for sheet in book.worksheets:
        # Apache POI writes a one-cell <dimension>; without a reset, read-only mode trusts it
        # and returns only column A.
        sheet.reset_dimensions()
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
            rows.pop()
        if not rows:
            continue
        header_at = next((i for i, r in enumerate(rows[:10]) if sum(v is not None for v in r) >= 2), 0)
        header = ["" if v is None else str(v) for v in rows[header_at]]
        while header and header[-1] == "":
            header.pop()
        body = rows[header_at + 1 :]
        tables.append(_sheet_table(header, body, sheet.title, path, generator))
    book.close()
    if not tables:
        raise UnreadableExport(path, "the workbook has no sheet with data")
    return tables


def _sheet_table(header: list[str], body: list[list[object]], title: str, path: str, generator: str | None) -> RawTable:
    _check_duplicate_headers(header, f"{path} [{title}]")
    warnings = []
    if generator and "poi" not in generator.lower():
        warnings.append(f"re-saved by {generator} (Amazon's own files say Apache POI); cell types may differ")

    def read(columns: list[int]) -> dict[int, pa.Array | pa.ChunkedArray]:
        return {i: _column([r[i] if i < len(r) else None for r in body]) for i in columns}

    return RawTable(header, title, None, None, read, warnings, generator)


def _column(values: list[object]) -> pa.Array:
    """One xlsx column as Arrow: numbers stay numbers, dates dates, anything mixed is text."""
    present = [v for v in values if v is not None and v != ""]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pa.array([float(v) if isinstance(v, (int, float)) else None for v in values], pa.float64())
    if present and all(isinstance(v, (datetime, date)) for v in present):
        return pa.array(
            [v.date() if isinstance(v, datetime) else v if isinstance(v, date) else None for v in values],
            pa.date32(),
        )
    return pa.array([_cell_text(v) for v in values], pa.string())


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
