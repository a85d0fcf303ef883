"""The configuration-free first step of reading a file: bytes → raw tables → needed columns.

Imports no pandas, so it can run in a thread while the main thread is still importing
(see :class:`Prefetch`). :mod:`sheetsbot.reports.reader` does the rest.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from sheetsbot.errors import ExportError
from sheetsbot.marketplaces import canonical_code, is_marketplace_code
from sheetsbot.reports.kinds import KindMatch, classify_header, match_kinds
from sheetsbot.reports.model import READ_AGAIN, Problem
from sheetsbot.reports.rawtable import RawTable, read_tables
from sheetsbot.sources import ExportFile, Source


@dataclass
class PreparedFile:
    """A file's raw tables with their columns already parsed (see :func:`prepare`)."""

    tables: list[RawTable]
    problem: Problem | None = None


def prepare(file: ExportFile, jp_hint: bool = False) -> PreparedFile:
    """Read a file's bytes and parse the columns its kind needs; needs no configuration.

    The CSV parse is most of a big file's cost and releases the GIL, so the CLI runs this in
    a thread while the main thread loads the config and imports pandas.
    """
    try:
        data = file.read_bytes()
    except OSError as exc:
        return PreparedFile([], Problem(file.path, f"cannot read the file ({exc})", READ_AGAIN))
    jp_hint = jp_hint or _path_marketplace(file) == "JP"
    try:
        tables = read_tables(data, file.name, file.path, jp_hint)
    except ExportError as exc:
        return PreparedFile([], Problem(file.path, exc.problem, exc.action))
    for table in tables:
        best, columns = _plan(table)
        if best.complete:
            # Memoised in the table; an error is raised again, with its message, when the file
            # is read for real.
            with contextlib.suppress(ExportError):
                table.read(sorted(columns.values()))
    return PreparedFile(tables)


def _plan(table: RawTable) -> tuple[KindMatch, dict[str, int]]:
    """The best matching kind and the columns to read for it."""
    best = match_kinds(classify_header(table.header))[0]
    columns = dict(best.columns)
    if "date" in columns:
        # In daily campaign reports Start/End Date are the campaign's own dates.
        columns.pop("start_date", None)
        columns.pop("end_date", None)
    return best, columns


def _path_marketplace(file: ExportFile) -> str | None:
    for segment in reversed(file.folders):
        if is_marketplace_code(segment):
            return canonical_code(segment)
    tokens = re.split(r"[^A-Za-z]+", file.name.rsplit(".", 1)[0])
    codes = {canonical_code(t) for t in tokens if len(t) == 2 and t.isupper() and is_marketplace_code(t)}
    return codes.pop() if len(codes) == 1 else None


class Prefetch:
    """Start reading a source's files in a background thread, before the config is loaded.

        early = Prefetch(LocalFolder("exports/"))      # returns at once
        ...                                             # load config, import pandas
        reports = read_exports(early, hints)            # uses what the thread has parsed

    Only the GIL-free work happens early (bytes, CSV parse of the needed columns); everything
    that depends on the configuration happens in ``read_exports`` as usual.
    """

    def __init__(self, source: Source) -> None:
        self._queue: queue.Queue[tuple[ExportFile, PreparedFile] | BaseException | None] = queue.Queue()
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._work, args=(source,), daemon=True, name="sheetsbot-prefetch")
        self._thread.start()

    def cancel(self, wait: float = 30.0) -> None:
        """Stop after the file being read (a usage error must not leave a reader running)."""
        self._cancelled.set()
        self._thread.join(wait)

    def _work(self, source: Source) -> None:
        try:
            for file in source.files():
                if self._cancelled.is_set():
                    break
                self._queue.put((file, prepare(file)))
        except BaseException as exc:  # handed to the reading thread, which raises it there
            self._queue.put(exc)
        finally:
            self._queue.put(None)

    def items(self) -> Iterator[tuple[ExportFile, PreparedFile]]:
        while (item := self._queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
