"""Shared fixtures for the reports tests: write small synthetic exports and read them back.

Everything is built in ``tmp_path`` from header lists copied from ``shared/amazon-exports.md``;
no test touches the network or files outside its temporary folder (except the ``shared``
samples, read-only).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from sheetsbot.reports import Export, Problem, ReadHints, read_file
from sheetsbot.sources.local import LocalFolder


def _to_csv(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]] = (),
    *,
    delimiter: str = ",",
    quote_all: bool = False,
    line_end: str = "\n",
) -> str:
    """Rows as CSV text the way Amazon writes them (minimal quoting unless ``quote_all``)."""
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=delimiter,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator=line_end,
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def _to_tsv(header: Sequence[str], rows: Sequence[Sequence[Any]] = (), line_end: str = "\r\n") -> str:
    """Tab-separated flat file as Amazon writes it: nothing quoted, raw ``"`` kept."""
    lines = ["\t".join(header)]
    lines += ["\t".join("" if v is None else str(v) for v in row) for row in rows]
    return line_end.join(lines) + line_end


def _xlsx_bytes(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    formats: dict[str, str] | None = None,
    sheet: str = "Sheet1",
    application: str | None = "Apache POI",
    dimension_a1: bool = False,
) -> bytes:
    """An xlsx with typed cells (datetimes, fractions) and number formats per header name.

    ``application`` rewrites docProps/app.xml the way Amazon's files say it; ``dimension_a1``
    reproduces Apache POI's one-cell ``<dimension ref="A1"/>``.
    """
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    for name, fmt in (formats or {}).items():
        col = list(header).index(name) + 1
        for r in range(2, len(rows) + 2):
            ws.cell(row=r, column=col).number_format = fmt
    buf = io.BytesIO()
    book.save(buf)
    if application is None and not dimension_a1:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/app.xml" and application is not None:
                data = re.sub(
                    rb"<Application>[^<]*</Application>",
                    b"<Application>" + application.encode() + b"</Application>",
                    data,
                )
            if dimension_a1 and info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
            dst.writestr(info.filename, data)
    return out.getvalue()


@pytest.fixture
def to_csv() -> Callable[..., str]:
    return _to_csv


@pytest.fixture
def to_tsv() -> Callable[..., str]:
    return _to_tsv


@pytest.fixture
def xlsx_bytes() -> Callable[..., bytes]:
    return _xlsx_bytes


@pytest.fixture
def exports_root(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    root.mkdir()
    return root


@pytest.fixture
def put(exports_root: Path) -> Callable[..., Path]:
    """``put("US/2026-W47/x.csv", text_or_bytes, encoding="utf-8-sig")`` → the written path."""

    def put(relpath: str, data: str | bytes, encoding: str = "utf-8-sig") -> Path:
        path = exports_root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
        return path

    return put


@pytest.fixture
def read(exports_root: Path) -> Callable[..., tuple[list[Export], list[Problem]]]:
    """Read one file under ``exports_root`` the way a LocalFolder source yields it."""

    def read(relpath: str, hints: ReadHints | None = None) -> tuple[list[Export], list[Problem]]:
        files = {f.id: f for f in LocalFolder(exports_root).files()}
        assert relpath in files, f"{relpath} not listed by LocalFolder: {sorted(files)}"
        return read_file(files[relpath], hints or ReadHints())

    return read


@pytest.fixture
def read_one(read: Callable[..., tuple[list[Export], list[Problem]]]) -> Callable[..., Export]:
    """Read a file that must give exactly one export and no problem."""

    def read_one(relpath: str, hints: ReadHints | None = None) -> Export:
        exports, problems = read(relpath, hints)
        assert not problems, [p.line() for p in problems]
        assert len(exports) == 1, [e.kind for e in exports]
        return exports[0]

    return read_one


@pytest.fixture
def read_problem(read: Callable[..., tuple[list[Export], list[Problem]]]) -> Callable[..., Problem]:
    """Read a file that must give no export and exactly one problem."""

    def read_problem(relpath: str, hints: ReadHints | None = None) -> Problem:
        exports, problems = read(relpath, hints)
        assert not exports, [(e.kind, e.rows) for e in exports]
        assert len(problems) == 1, [p.line() for p in problems]
        return problems[0]

    return read_problem
