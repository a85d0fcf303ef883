"""Numbers and templates → the words of a task, a whole column at a time (pure, vectorised).

    from sheetsbot.tasks.text import format_column, render_template
    format_column(pd.Series([0.4123]), "ratio")                       # ['41.2%']
    format_column(pd.Series([123.4]), "money", pd.Series(["USD"]))   # ['123.40 USD']
    render_template("ACoS {value}", {"value": pd.Series(["41.2%"])}, index)

People read these cells, so rounding happens here (the KPI values keep full precision):
percentages with one decimal, money with two and the currency code, counts as integers.
A blank value reads "—".
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from sheetsbot.locales import Locale
from sheetsbot.tasks.subjects import Unit

BLANK = "—"
SEPARATOR = " · "
OP_SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


def _printf(pattern: str, numbers: np.ndarray) -> np.ndarray:
    return np.char.mod(pattern, numbers)


def format_column(values: pd.Series, unit: Unit, currency: pd.Series | None = None) -> pd.Series:
    """One formatted string per value; ``currency`` is the code of each row (money only)."""
    if unit == "text":
        return values.astype("object").where(values.notna(), BLANK).astype("str")
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    known = numbers.notna().to_numpy()
    # printf cannot format NaN as an integer: format zeros there, then blank them.
    filled = numbers.fillna(0.0).to_numpy()
    formatters: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "ratio": lambda x: _printf("%.1f%%", x * 100.0),
        "change": lambda x: _printf("%+.1f%%", x * 100.0),
        "money": lambda x: _printf("%.2f", x),
        "count": lambda x: _printf("%d", np.rint(x)),
        "days": lambda x: _printf("%.1f", x),
        "rate": lambda x: _printf("%.1f", x),
        "per_year": lambda x: _printf("%.1f", x),
        # ROAS reads 3.00; an index in the hundreds (IPI 430) has no decimals worth showing.
        "index": lambda x: np.where(
            np.abs(x) >= 100, _printf("%d", np.rint(x)), _printf("%.2f", x)
        ),
    }
    text = pd.Series(formatters[unit](filled), index=values.index, dtype="str")
    if unit == "money" and currency is not None:
        text = (text + " " + currency.astype("str")).str.strip()
    return text.where(known, BLANK)


def render_template(template: str, fills: Mapping[str, pd.Series], index: pd.Index) -> pd.Series:
    """``str.format`` for a column: literal parts and placeholder columns are concatenated.

    Raises ``KeyError`` with the placeholder's name when ``fills`` has no column for it.
    """
    out = pd.Series("", index=index, dtype="str")
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        out = out + literal
        if name is not None:
            if name not in fills:
                raise KeyError(name)
            out = out + fills[name].astype("str")
    return out


def placeholders(template: str) -> list[str]:
    """The placeholder names of a ``str.format`` template, in order, once each."""
    names = [
        name for _lit, name, _spec, _conv in string.Formatter().parse(template) if name is not None
    ]
    return list(dict.fromkeys(names))


def join_parts(parts: list[pd.Series], index: pd.Index) -> pd.Series:
    """``a · b · c`` per row."""
    if not parts:
        return pd.Series("", index=index, dtype="str")
    return functools.reduce(lambda left, right: left + SEPARATOR + right, parts)


def label(locale: Locale, column: str) -> str:
    """The team's word for a column (``conversion.change`` → "Conversion WoW")."""
    base, _, suffix = column.partition(".")

    def known(section: Callable[[str], str], key: str) -> str | None:
        word = section(key)
        return word if word != key else None

    name = known(locale.metric, base) or known(locale.column, base) or base.replace("_", " ")
    if suffix == "change":
        return known(locale.metric, f"{base}_change") or f"{name} ({locale.column('change')})"
    if suffix == "previous":
        return f"{name} ({locale.column('last_period')})"
    return name
