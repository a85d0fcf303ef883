"""One run, wired: read the exports → KPIs (→ tasks → workbook → sink, as those layers land).

Entry points (the CLI, the worker) call these functions and only format what they return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sheetsbot.config import Config
from sheetsbot.kpis import KpiReport, compute_kpis
from sheetsbot.periods import Period
from sheetsbot.reports import ReadHints, ReportSet, read_exports
from sheetsbot.sources import ExportFile
from sheetsbot.sources.local import LocalFolder


@dataclass
class KpiRun:
    reports: ReportSet
    kpis: KpiReport
    week: Period
    month: Period | None


def read_hints(config: Config, windows: dict[str, Period] | None = None) -> ReadHints:
    store = config.store
    return ReadHints(
        default_marketplace=store.fallback_marketplace,
        store_marketplaces=tuple(store.marketplaces),
        week_start=store.week_start_index,
        windows=windows or {},
    )


def reading_windows(week: Period, month: Period | None, config: Config) -> dict[str, Period]:
    """The days each report family can matter for in this run, so the rest is never parsed.

    Ads and returns need the week and the week before (and the month and the month before);
    sales also feed the velocity window, turnover and month-to-date targets.
    """
    from datetime import timedelta

    start, end = week.previous().start, week.end
    if month is not None:
        start, end = min(start, month.previous().start), max(end, month.end)
    short = Period.range(start, end)
    long_start = min(start, week.end - timedelta(days=config.inventory.velocity_days + 7),
                     Period.month_of(week.end).start - timedelta(days=1))
    long = Period.range(long_start, end)
    return {"ads": short, "returns": short, "business_date": long, "business_asin": long, "orders": long}


def compute_from_folder(
    input_path: str | Path,
    config: Config,
    week: Period,
    month: Period | None = None,
    progress: Callable[[ExportFile], None] | None = None,
) -> KpiRun:
    source = LocalFolder(input_path)
    reports = read_exports(source, read_hints(config, reading_windows(week, month, config)), progress)
    kpis = compute_kpis(reports, week, config, month)
    return KpiRun(reports, kpis, week, month)
