"""The Sheet as data: tabs, cells, formats, rules, validation, charts, protection, notes.

Nothing here knows where the workbook is written. The xlsx sink and the Google Sheets sink
each render a :class:`Workbook`; the builder (:mod:`sheetsbot.workbook.build`) makes one from
KPI frames, tasks and the run's state. Coordinates are 0-based (row 0 is the header row),
ranges are half-open like the Sheets API's ``GridRange``.

    tab = Tab(key="asins", title="ASINs", frozen_rows=1)
    tab.columns = [Column("asin", "ASIN", width=120), Column("sales", "Sales", NumberFormat.CURRENCY)]
    tab.rows = [[Cell.text("B0ABC"), Cell.number(1234.5, NumberFormat.CURRENCY, currency="USD")]]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal


class NumberFormat(str, Enum):
    """How a number is shown; the value itself keeps full precision."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    CURRENCY = "currency"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    #: A number shown as it is (a setting such as an ODR of 0.004), no rounding.
    PLAIN = "plain"


#: The number-format pattern per format (shared by both sinks; both accept Excel patterns).
PATTERNS: dict[NumberFormat, str] = {
    NumberFormat.INTEGER: "#,##0",
    NumberFormat.DECIMAL: "#,##0.00",
    NumberFormat.CURRENCY: "#,##0.00",
    NumberFormat.PERCENT: "0.0%",
    NumberFormat.DATE: "yyyy-mm-dd",
    NumberFormat.DATETIME: "yyyy-mm-dd hh:mm",
}

#: Currency symbols for number formats: ``$#,##0.00``, ``€#,##0.00``.
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CAD": "CA$",
    "MXN": "MX$",
    "INR": "₹",
    "AUD": "A$",
    "SEK": "kr ",
    "PLN": "zł ",
    "BRL": "R$",
    "AED": "AED ",
    "SAR": "SAR ",
    "SGD": "S$",
    "TRY": "₺",
    "EGP": "EGP ",
    "CNY": "¥",
}


def pattern_for(fmt: NumberFormat, currency: str | None = None) -> str | None:
    if fmt in (NumberFormat.TEXT, NumberFormat.PLAIN):
        return None
    if fmt is NumberFormat.CURRENCY and currency:
        symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
        decimals = "#,##0" if currency == "JPY" else "#,##0.00"
        return f'"{symbol}"{decimals}' if not symbol.isascii() or " " in symbol else f"{symbol}{decimals}"
    return PATTERNS[fmt]


Colour = str  # "#RRGGBB"


def col_letter(index: int) -> str:
    """A 0-based column index in A1 notation: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class Style:
    bold: bool = False
    italic: bool = False
    background: Colour | None = None
    foreground: Colour | None = None
    wrap: bool = False
    align: Literal["left", "center", "right"] | None = None
    size: int | None = None


@dataclass(frozen=True)
class Cell:
    """One cell. ``value`` keeps its type: text from exports is always a literal string."""

    value: str | float | int | bool | dt.date | dt.datetime | None = None
    format: NumberFormat = NumberFormat.TEXT
    currency: str | None = None
    style: Style | None = None
    note: str | None = None

    @classmethod
    def text(cls, value: object, style: Style | None = None, note: str | None = None) -> Cell:
        return cls(None if value is None else str(value), NumberFormat.TEXT, None, style, note)

    @classmethod
    def number(
        cls,
        value: float | int | None,
        fmt: NumberFormat = NumberFormat.DECIMAL,
        currency: str | None = None,
        style: Style | None = None,
        note: str | None = None,
    ) -> Cell:
        if value is not None and value != value:  # NaN: blank, never "nan" or 0
            value = None
        if not isinstance(currency, str):  # a missing currency arrives as NaN from a frame
            currency = None
        return cls(value, fmt, currency, style, note)

    @classmethod
    def date(cls, value: dt.date | None, style: Style | None = None) -> Cell:
        return cls(value, NumberFormat.DATE, None, style)

    @property
    def pattern(self) -> str | None:
        return pattern_for(self.format, self.currency)


@dataclass(frozen=True)
class GridRange:
    """Rows and columns ``[start, end)``; ``end_row=None`` means to the bottom of the tab."""

    start_row: int
    end_row: int | None
    start_col: int
    end_col: int


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    format: NumberFormat = NumberFormat.TEXT
    width: int = 110
    #: Generated columns are protected (warning only); team columns (status, owner, notes) not.
    team_owned: bool = False


@dataclass(frozen=True)
class ConditionalRule:
    """A traffic-light rule: colour the range when the condition holds.

    ``kind`` names a comparison (``<``, ``<=``, ``>``, ``>=``, ``between``, ``text_eq``) on the
    cell's own value, or ``formula`` for a rule relative to other cells (days of cover vs the
    row's lead time), written for the range's top-left cell like both Sheets and Excel expect.
    """

    range: GridRange
    kind: Literal["<", "<=", ">", ">=", "between", "text_eq", "formula"]
    values: tuple[str, ...]
    background: Colour
    foreground: Colour | None = None
    #: Why the cell is coloured, in the team's words ("ACoS > 35 %").
    description: str = ""


@dataclass(frozen=True)
class Validation:
    range: GridRange
    options: tuple[str, ...]
    strict: bool = False


@dataclass(frozen=True)
class ChartSeries:
    label: str
    range: GridRange
    axis: Literal["left", "right"] = "left"


@dataclass(frozen=True)
class Chart:
    title: str
    kind: Literal["line", "column"]
    domain: GridRange
    series: tuple[ChartSeries, ...]
    anchor_row: int
    anchor_col: int
    width: int = 600
    height: int = 300
    #: The tab whose cells the chart reads (defaults to the tab it sits on).
    source_tab: str | None = None


@dataclass(frozen=True)
class Protection:
    range: GridRange
    description: str
    warning_only: bool = True


@dataclass
class Tab:
    key: str
    title: str
    columns: list[Column] = field(default_factory=list)
    #: Rows below the header row (the header row itself comes from ``columns``), unless
    #: ``header`` is False (Dashboard, Monthly: free layout in ``rows``).
    rows: list[list[Cell]] = field(default_factory=list)
    header: bool = True
    frozen_rows: int = 1
    frozen_cols: int = 0
    hidden: bool = False
    tab_colour: Colour | None = None
    rules: list[ConditionalRule] = field(default_factory=list)
    validations: list[Validation] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    protections: list[Protection] = field(default_factory=list)
    #: A note for the whole tab (shown on cell A1).
    note: str | None = None
    #: Whether the team edits this tab (Tasks, Settings): sinks merge instead of overwrite.
    team_edited: bool = False
    #: Extra column widths for free-layout tabs, by column index.
    widths: dict[int, int] = field(default_factory=dict)

    def grid(self) -> list[list[Cell]]:
        """Every row the tab holds, the header row first when there is one."""
        head = (
            [[Cell.text(c.header, Style(bold=True, background="#E8EAED")) for c in self.columns]] if self.header else []
        )
        return head + self.rows

    @property
    def width(self) -> int:
        return max([len(self.columns)] + [len(r) for r in self.rows] + [1])


@dataclass
class Workbook:
    title: str
    locale: str
    tabs: list[Tab] = field(default_factory=list)
    #: Said on every tab with protected ranges by a sink that cannot protect them the way
    #: Google Sheets does (warning only): the xlsx sink leaves them unprotected.
    unprotected_note: str | None = None

    def tab(self, key: str) -> Tab:
        for t in self.tabs:
            if t.key == key:
                return t
        raise KeyError(key)
