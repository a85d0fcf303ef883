"""Reporting periods: ISO weeks, calendar months and explicit date ranges.

    >>> Period.parse("2026-W47")
    Period(kind='week', start=datetime.date(2026, 11, 16), end=datetime.date(2026, 11, 22), label='2026-W47')
    >>> Period.parse("2026-10").previous().label
    '2026-09'

A period is a closed range of calendar days in the store's time zone. Weeks start on Monday
unless the store says otherwise (``week_start``: 0 = Monday … 6 = Sunday); a non-ISO week is
labelled with the ISO week of its Monday, so ``2026-W47`` always names the same seven days a
person would look up in a calendar, shifted to the store's first weekday.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sheetsbot.errors import UsageError

PeriodKind = Literal["week", "month", "range"]

_WEEK_RE = re.compile(r"(?<!\d)(\d{4})-?W(\d{1,2})(?!\d)", re.IGNORECASE)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_ISO_DAY = r"(\d{4})[-.]?(\d{2})[-.]?(\d{2})"
_RANGE_RE = re.compile(rf"(?<!\d){_ISO_DAY}\s*(?:_|__|-|–|—|\s+to\s+|\.\.)\s*{_ISO_DAY}(?!\d)", re.IGNORECASE)
_MONTH_IN_NAME_RE = re.compile(r"(?<![\d-])(\d{4})-(0[1-9]|1[0-2])(?![\d-])")


@dataclass(frozen=True, order=True)
class Period:
    kind: PeriodKind
    start: date
    end: date
    label: str

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def week_of(cls, day: date, week_start: int = 0) -> Period:
        start = day - timedelta(days=(day.weekday() - week_start) % 7)
        monday = start + timedelta(days=(7 - week_start) % 7) if week_start else start
        iso_year, iso_week, _ = monday.isocalendar()
        return cls("week", start, start + timedelta(days=6), f"{iso_year}-W{iso_week:02d}")

    @classmethod
    def month_of(cls, day: date) -> Period:
        last = calendar.monthrange(day.year, day.month)[1]
        return cls("month", day.replace(day=1), day.replace(day=last), f"{day.year}-{day.month:02d}")

    @classmethod
    def range(cls, start: date, end: date) -> Period:
        if end < start:
            raise UsageError(f"date range ends before it starts: {start} … {end}")
        return cls("range", start, end, f"{start.isoformat()}_{end.isoformat()}")

    @classmethod
    def parse(cls, text: str, week_start: int = 0) -> Period:
        """Parse ``2026-W47``, ``2026-10`` or ``2026-11-16_2026-11-22``; raise UsageError otherwise."""
        raw = text.strip()
        m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", raw, re.IGNORECASE)
        if m:
            year, week = int(m.group(1)), int(m.group(2))
            try:
                monday = date.fromisocalendar(year, week, 1)
            except ValueError:
                raise UsageError(f"{raw!r} is not a week: {year} has no ISO week {week}") from None
            # A week that starts on another weekday is named after the ISO week of its Monday.
            return cls.week_of(monday - timedelta(days=(7 - week_start) % 7), week_start)
        m = _MONTH_RE.match(raw)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12:
                raise UsageError(f"{raw!r} is not a month: expected YYYY-MM with MM 01–12")
            return cls.month_of(date(year, month, 1))
        m = _RANGE_RE.fullmatch(raw)
        if m:
            return cls.range(*_range_dates(m))
        raise UsageError(
            f"{raw!r} is not a period: expected a week like 2026-W47, a month like 2026-10 "
            "or a range like 2026-11-16_2026-11-22"
        )

    # -- arithmetic ----------------------------------------------------------------------------
    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        if self.kind == "week":
            return Period.week_of(self.start - timedelta(days=7), self.start.weekday())
        if self.kind == "month":
            return Period.month_of(self.start - timedelta(days=1))
        return Period.range(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def covers(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def weeks(self, week_start: int = 0) -> list[Period]:
        """The weeks that overlap this period, oldest first."""
        out: list[Period] = []
        week = Period.week_of(self.start, week_start)
        while week.start <= self.end:
            out.append(week)
            week = Period.week_of(week.end + timedelta(days=1), week_start)
        return out

    def __str__(self) -> str:
        return self.label


def _range_dates(m: re.Match[str]) -> tuple[date, date]:
    g = [int(x) for x in m.groups()]
    try:
        return date(g[0], g[1], g[2]), date(g[3], g[4], g[5])
    except ValueError as exc:
        raise UsageError(f"{m.group(0)!r} is not a valid date range: {exc}") from None


def last_complete_week(now: datetime, time_zone: str, week_start: int = 0) -> Period:
    """The most recent week that has fully ended in the store's time zone."""
    today = now.astimezone(ZoneInfo(time_zone)).date()
    current = Period.week_of(today, week_start)
    return Period.week_of(current.start - timedelta(days=1), week_start)


def period_in_file_name(name: str) -> Period | None:
    """A date range written in a file name (``..._2026-11-16_2026-11-22.csv``), else ``None``.

    A single date in a file name is the day the file was downloaded, never its period, so only a
    range counts here (see :func:`download_date_in_name`).
    """
    m = _RANGE_RE.search(name)
    if not m:
        return None
    try:
        return Period.range(*_range_dates(m))
    except UsageError:
        return None


def period_in_folder_name(segment: str, week_start: int = 0) -> Period | None:
    """A week (``2026-W47``), a range (``2026-11-16_2026-11-22``) or a month (``2026-10``)."""
    found = period_in_file_name(segment)
    if found:
        return found
    m = _WEEK_RE.search(segment)
    if m:
        try:
            return Period.parse(f"{m.group(1)}-W{int(m.group(2)):02d}", week_start)
        except UsageError:
            return None
    m = _MONTH_IN_NAME_RE.search(segment)
    if m and re.fullmatch(r"\D*\d{4}-\d{2}\D*", segment):
        return Period.month_of(date(int(m.group(1)), int(m.group(2)), 1))
    return None


_SINGLE_DATE_RES = [
    # ISO first: unambiguous.
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), "ymd"),
    # Not inside a longer run of numbers: "11.16-11.22" is a range someone typed, not a date.
    (re.compile(r"(?<!\d)(?<!\d[.\-])(\d{1,2})[-.](\d{1,2})[-.](\d{2}|\d{4})(?![.\-]?\d)"), "ambiguous"),
]


def download_date_in_name(name: str, day_first: bool = False) -> date | None:
    """The download date Amazon writes in a default file name (``BusinessReport-11-23-26.csv``).

    US names are month first, European names day first; a part above 12 settles it, otherwise
    ``day_first`` (the marketplace's habit) does.
    """
    for pattern, order in _SINGLE_DATE_RES:
        m = pattern.search(name)
        if not m:
            continue
        a, b, c = (int(x) for x in m.groups())
        try:
            if order == "ymd":
                return date(a, b, c)
            year = c + 2000 if c < 100 else c
            if not 2000 <= year <= 2099:
                continue
            if a > 12:
                return date(year, b, a)
            if b > 12:
                return date(year, a, b)
            return date(year, b, a) if day_first else date(year, a, b)
        except ValueError:
            continue
    return None
