"""Exports → tidy typed tables. Knows report kinds, encodings, number and date formats.

from sheetsbot.reports import read_exports, ReadHints
reports = read_exports(LocalFolder("exports/"), ReadHints(default_marketplace="US"))
reports.exports      # list[Export], one per recognised table
reports.problems     # list[Problem], one per file that could not be used
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sheetsbot.marketplaces import MARKETPLACES
from sheetsbot.reports.model import Export, Problem
from sheetsbot.reports.prepare import Prefetch, PreparedFile
from sheetsbot.sources import ExportFile, Source

if TYPE_CHECKING:
    from sheetsbot.reports.reader import ReadHints


def __getattr__(name: str) -> Any:
    # The reader needs pandas; importing it lazily lets a prefetch thread start reading
    # files while the main thread is still importing (see sheetsbot.reports.prepare).
    if name in ("ReadHints", "read_file"):
        from sheetsbot.reports import reader

        return getattr(reader, name)
    raise AttributeError(name)


__all__ = ["Export", "Prefetch", "Problem", "ReadHints", "ReportSet", "read_exports", "read_file"]


@dataclass
class ReportSet:
    exports: list[Export] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def of_family(self, family: str) -> list[Export]:
        return [e for e in self.exports if e.family == family]

    @property
    def marketplaces(self) -> list[str]:
        found: set[str] = set()
        for e in self.exports:
            found.update(m for m in e.table["marketplace"].dropna().unique())
        return sorted(found)


def read_exports(
    source: Source | Iterable[ExportFile] | Prefetch,
    hints: ReadHints | None = None,
    progress: Callable[[ExportFile], None] | None = None,
) -> ReportSet:
    """Read every file of a source; a bad file becomes a :class:`Problem`, never an exception."""
    from sheetsbot.reports.reader import ReadHints, read_file

    hints = hints or ReadHints()
    if isinstance(source, Prefetch):
        pairs: Iterable[tuple[ExportFile, PreparedFile | None]] = source.items()
    else:
        files = source.files() if hasattr(source, "files") else source
        pairs = ((f, None) for f in files)
    result = ReportSet()
    for file, prepared in pairs:
        if progress:
            progress(file)
        exports, problems = read_file(file, hints, prepared)
        result.exports.extend(exports)
        result.problems.extend(problems)
    _single_marketplace_store(result, hints)
    return result


def _single_marketplace_store(result: ReportSet, hints: ReadHints) -> None:
    """A store whose files all name one marketplace needs no config: the rest are that one too."""
    if hints.default_marketplace:
        return
    known = set(result.marketplaces) | set(hints.store_marketplaces)
    if len(known) != 1:
        return
    market = known.pop()
    own_currency = MARKETPLACES[market].currency
    for export in result.exports:
        table = export.table
        if export.currency not in (None, own_currency):
            continue  # a euro file in a dollar store is not that store's: leave it unknown
        if table["marketplace"].isna().any():
            table["marketplace"] = table["marketplace"].fillna(market)
            table["currency"] = table["currency"].fillna(MARKETPLACES[market].currency)
            export.marketplace = market
            export.currency = export.currency or MARKETPLACES[market].currency
            export.warnings = [w for w in export.warnings if not w.startswith("marketplace unknown")]
            export.warnings.append(f"marketplace {market} taken from the store's other exports")
