"""What the reports layer hands on: one typed table per export, with where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sheetsbot.periods import Period
from sheetsbot.reports.kinds import AdType, Family

if TYPE_CHECKING:  # pandas is imported where tables are built, not where files are only read
    import pandas as pd


@dataclass
class Export:
    """One recognised export (a CSV file, or one sheet of an xlsx) as a tidy typed table.

    ``table`` has the canonical columns of its kind (``asin``, ``sales``, ``date`` …) plus
    ``marketplace`` and ``currency`` on every row. Money is float in the row's currency,
    ratios are fractions, dates are ``datetime64``.
    """

    path: str
    file_id: str
    kind: str
    family: Family
    label: str
    table: pd.DataFrame
    marketplace: str | None
    currency: str | None
    period: Period | None
    period_source: str
    shape: str = ""
    #: The natural key of a row (besides its day and marketplace), e.g. ``("campaign",)``.
    key: tuple[str, ...] = ()
    ad_type: AdType | None = None
    attribution_days: int | None = None
    snapshot_date: date | None = None
    #: Ad summary reports carry ``start_date``/``end_date`` per row instead of a day.
    summary: bool = False
    sheet: str | None = None
    rows: int = 0
    #: Rows read before the table was cut to the requested window.
    rows_in_file: int = 0
    warnings: list[str] = field(default_factory=list)
    conventions: str = ""

    @property
    def name(self) -> str:
        return self.path + (f" [{self.sheet}]" if self.sheet else "")

    @property
    def dated(self) -> bool:
        """Whether rows carry their own days (a daily report), so they can be cut to any period."""
        return "date" in self.table.columns and not self.summary


#: The action for a file whose bytes could not be read at all (deleted after the listing, no
#: permission, the network): nothing is known of its content, so a run must not record it.
READ_AGAIN = "skipped, read again next run"


@dataclass
class Problem:
    """A file that could not be used, and what was done about it."""

    path: str
    problem: str
    action: str
    closest_kind: str | None = None
    missing: tuple[str, ...] = ()

    def line(self) -> str:
        return f"{self.path}: {self.problem} — {self.action}"

    @property
    def read_again(self) -> bool:
        """The file could not be read (not judged): a later run tries it again."""
        return self.action == READ_AGAIN
