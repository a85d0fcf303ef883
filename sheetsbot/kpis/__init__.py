"""KPIs for the reporting week and month: pure functions, frames in, frames out.

    from sheetsbot.kpis import compute_kpis
    result = compute_kpis(reports, Period.parse("2026-W47"), config, month=Period.parse("2026-11"))
    result.records   # one row per (period, level, key, marketplace, metric), the JSON contract

No I/O and no clock here: the reporting week is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sheetsbot.config import Config
from sheetsbot.kpis.compute import LEVELS, PeriodResult, compute_period
from sheetsbot.kpis.metrics import METRICS, metrics_for
from sheetsbot.kpis.status import traffic_light
from sheetsbot.marketplaces import MARKETPLACES
from sheetsbot.periods import Period
from sheetsbot.reports import ReportSet

RECORD_COLUMNS = [
    "period",
    "level",
    "key",
    "marketplace",
    "currency",
    "metric",
    "value",
    "previous",
    "change",
    "target",
    "status",
    "note",
]

__all__ = ["KpiReport", "RECORD_COLUMNS", "compute_kpis", "compute_month", "month_to_date", "PeriodResult"]


@dataclass
class KpiReport:
    week: PeriodResult
    previous_week: PeriodResult
    records: pd.DataFrame
    month: PeriodResult | None = None
    previous_month: PeriodResult | None = None
    notes: list[str] = field(default_factory=list)


def month_to_date(month: Period, as_of: date) -> tuple[Period, Period]:
    """The month cut at ``as_of`` when it has not ended, and the same days of the month before."""
    if as_of >= month.end:
        return month, month.previous()
    current = Period("month", month.start, as_of, month.label)
    before = month.previous()
    last = min(before.end, before.start + timedelta(days=(as_of - month.start).days))
    return current, Period("month", before.start, last, before.label)


def compute_kpis(
    reports: ReportSet, week: Period, config: Config | None = None, month: Period | None = None
) -> KpiReport:
    config = config or Config()
    current = compute_period(reports, week, config)
    previous = compute_period(reports, week.previous(), config, detail=False)
    frames = [_records(current, previous, reports, config)]
    notes = current.notes
    result = KpiReport(current, previous, pd.DataFrame(), notes=notes)
    if month is not None:
        result.month, result.previous_month, records = compute_month(reports, month, config, week.end)
        frames.append(records)
        notes.extend(n for n in result.month.notes if n not in notes)
    result.records = pd.concat(frames, ignore_index=True)[RECORD_COLUMNS]
    return result


def compute_month(
    reports: ReportSet, month: Period, config: Config, as_of: date
) -> tuple[PeriodResult, PeriodResult, pd.DataFrame]:
    """A month (cut at ``as_of`` while it runs), the same days of the month before, and their records."""
    mtd, before = month_to_date(month, as_of)
    current = compute_period(reports, mtd, config, as_of=as_of)
    previous = compute_period(reports, before, config, detail=False)
    return current, previous, _records(current, previous, reports, config)[RECORD_COLUMNS]


def _currencies(reports: ReportSet) -> dict[str, str]:
    """Each marketplace's currency: its own, or for an unknown code what its rows say."""
    found: dict[str, str] = {}
    for m in reports.marketplaces:
        if m in MARKETPLACES:
            found[m] = MARKETPLACES[m].currency
    for e in reports.exports:
        pairs = e.table[["marketplace", "currency"]].dropna().drop_duplicates()
        for m, c in pairs.itertuples(index=False):
            found.setdefault(m, c)
    return found


def _records(current: PeriodResult, previous: PeriodResult, reports: ReportSet, config: Config) -> pd.DataFrame:
    currency = _currencies(reports)
    out = []
    for level in LEVELS:
        now, before = current.levels[level], previous.levels[level]
        metrics = metrics_for(level)
        value = now.values.reindex(columns=metrics)
        notes = now.notes.reindex(columns=metrics)
        prev = before.values.reindex(index=value.index, columns=metrics)
        long = value.stack(future_stack=True).rename("value").to_frame()
        long["previous"] = prev.stack(future_stack=True)
        long["note"] = notes.stack(future_stack=True)
        long = long.reset_index()
        long.columns = ["marketplace", "key", "metric", "value", "previous", "note"]
        with np.errstate(divide="ignore", invalid="ignore"):
            change = long["value"] / long["previous"] - 1.0
        long["change"] = change.where(long["previous"].abs() > 0)
        long["level"] = level
        long["period"] = current.period.label
        long["currency"] = long["marketplace"].map(currency)
        long["target"] = _targets(long, current.period, config)
        long["status"] = _status(long, level, current, config)
        out.append(long)
    records = pd.concat(out, ignore_index=True)
    order = {m: i for i, m in enumerate(METRICS)}
    records["_level"] = records["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    records["_metric"] = records["metric"].map(order)
    records = records.sort_values(["_level", "marketplace", "key", "_metric"], kind="stable")
    return records.drop(columns=["_level", "_metric"]).reset_index(drop=True)


def _targets(long: pd.DataFrame, period: Period, config: Config) -> pd.Series:
    target = pd.Series(np.nan, index=long.index, dtype="float64")
    monthly = config.targets.monthly_sales
    if monthly:
        month = Period.month_of(period.end)
        share = period.days / month.days
        is_sales = (long["metric"] == "sales") & (long["level"] == "store")
        target = target.mask(is_sales, long["marketplace"].astype(object).map(monthly).astype("float64") * share)
    for metric in ("acos", "tacos", "roas", "conversion", "buy_box", "return_rate", "task_completion"):
        goal = getattr(config.targets, metric)
        if goal is not None:
            target = target.mask(long["metric"] == metric, goal)
    return target


def _status(long: pd.DataFrame, level: str, current: PeriodResult, config: Config) -> pd.Series:
    status = pd.Series(None, index=long.index, dtype="object")
    lead = pd.Series(float(config.inventory.lead_time_days), index=long.index)
    if level == "asin" and not current.asins.empty:
        per_asin = current.asins["lead_time"]
        keys = pd.MultiIndex.from_arrays([long["marketplace"], long["key"]])
        lead = pd.Series(per_asin.reindex(keys).to_numpy(), index=long.index).fillna(
            float(config.inventory.lead_time_days)
        )
    for metric in long["metric"].unique():
        rows = long["metric"] == metric
        status[rows] = traffic_light(metric, long.loc[rows, "value"], long.loc[rows, "change"], config, lead[rows])
    if level == "campaign" and not current.campaigns.empty:
        keys = pd.MultiIndex.from_arrays([long["marketplace"], long["key"]])
        days = pd.Series(current.campaigns["days_of_data"].reindex(keys).to_numpy(), index=long.index)
        young = (days < config.ads.min_days_for_flag).fillna(False) & status.notna()
        if young.any():
            status[young] = None
            first = pd.Series(current.campaigns["first_seen"].reindex(keys).to_numpy(), index=long.index)
            note = (
                f"fewer than {config.ads.min_days_for_flag} days of data (first seen "
                + first[young].dt.strftime("%Y-%m-%d")
                + "): not flagged"
            )
            long.loc[young, "note"] = note
    return status
