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


def read_hints(config: Config, window: Period | None = None) -> ReadHints:
    store = config.store
    return ReadHints(
        default_marketplace=store.fallback_marketplace,
        store_marketplaces=tuple(store.marketplaces),
        week_start=store.week_start_index,
        window=window,
    )


def reading_window(week: Period, month: Period | None, config: Config) -> Period:
    """Every day a KPI of this run can look at: the week, the week before, the velocity
    window, and with ``--month`` the month and the month before."""
    from datetime import timedelta

    start = min(week.previous().start, week.end - timedelta(days=config.inventory.velocity_days + 7))
    start = min(start, Period.month_of(week.end).start)
    end = week.end
    if month is not None:
        start = min(start, month.previous().start)
        end = max(end, month.end)
    return Period.range(start, end)


def compute_from_folder(
    input_path: str | Path,
    config: Config,
    week: Period,
    month: Period | None = None,
    progress: Callable[[ExportFile], None] | None = None,
) -> KpiRun:
    source = LocalFolder(input_path)
    reports = read_exports(source, read_hints(config, reading_window(week, month, config)), progress)
    kpis = compute_kpis(reports, week, config, month)
    return KpiRun(reports, kpis, week, month)
