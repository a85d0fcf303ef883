"""One row per subject of a level, every metric and attribute a rule may test as a column (pure).

    from sheetsbot.tasks.subjects import subject_frame
    asins = subject_frame(report, "asin", config, Period.parse("2026-W47"))
    asins[["marketplace", "subject", "days_of_cover", "velocity", "restock_units"]]
    asins["conversion.change"]      # week-over-week change, next to the value

KPI levels (store, asin, campaign) come from the long KPI records of the reporting week,
pivoted: ``<metric>``, ``<metric>.change`` and ``<metric>.previous`` columns. The search-term
level comes from the week's search-term table, with its ratios computed here. What each level
offers is listed in :data:`LEVEL_FIELDS` and :func:`metrics_at`, so a rules file can be checked
before any data is read.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from sheetsbot.config import Config
from sheetsbot.kpis import KpiReport
from sheetsbot.kpis.metrics import METRICS, metrics_for
from sheetsbot.marketplaces import MARKETPLACES
from sheetsbot.periods import Period

TaskLevel = Literal["store", "asin", "campaign", "search_term"]
#: How a column's numbers read: KPI units plus what only the task layer has.
Unit = Literal["money", "count", "ratio", "days", "index", "per_year", "change", "rate", "text"]

RECORD_LEVELS: tuple[TaskLevel, ...] = ("store", "asin", "campaign")
SEARCH_TERM_SUMS = ("ad_spend", "ad_sales", "ad_orders", "impressions", "clicks")
SEARCH_TERM_METRICS = (*SEARCH_TERM_SUMS, "acos", "roas", "ctr", "cpc", "ad_cvr")
SEARCH_TERM_TEXT = ("campaign", "ad_group", "targeting", "match_type", "ad_type", "match_kind")

#: Attributes (not KPIs) each level offers, with their units.
LEVEL_FIELDS: dict[TaskLevel, dict[str, Unit]] = {
    "store": {},
    "asin": {"title": "text", "lead_time": "days", "velocity": "rate", "restock_units": "count"},
    "campaign": {"days_of_data": "count", "ad_type": "text", "targeting_type": "text"},
    "search_term": {
        **{name: "text" for name in SEARCH_TERM_TEXT},
        "days_of_data": "count",
        # How many exact keywords of the marketplace already target this term (seen this week).
        "exact_keywords": "count",
        # "asin" for a product the shopper searched for (b0…), else "keyword".
        "term_kind": "text",
    },
}

#: Text columns of the KPI layer's search-term table (``match_kind`` is derived here).
_TERM_TEXT_FROM_KPIS = (
    "marketplace",
    "search_term",
    "campaign",
    "ad_group",
    "targeting",
    "match_type",
    "ad_type",
)

#: Columns every subject frame starts with.
BASE_COLUMNS = ["marketplace", "subject", "currency"]


def metrics_at(level: TaskLevel) -> list[str]:
    """KPIs a rule of this level may test (``threshold:`` works on these)."""
    if level == "search_term":
        return list(SEARCH_TERM_METRICS)
    return metrics_for(level)


def columns_at(level: TaskLevel) -> dict[str, Unit]:
    """Every column a rule of this level may name, with its unit (for text and evidence)."""
    columns: dict[str, Unit] = {}
    for metric in metrics_at(level):
        unit: Unit = METRICS[metric].unit
        columns[metric] = unit
        if level in RECORD_LEVELS:
            columns[f"{metric}.change"] = "change"
            columns[f"{metric}.previous"] = unit
    columns.update(LEVEL_FIELDS[level])
    return columns


def subject_frame(
    report: KpiReport, level: TaskLevel, config: Config, week: Period
) -> pd.DataFrame:
    """The week's subjects of ``level``, one row each, columns as :func:`columns_at` lists."""
    if level == "search_term":
        frame = _search_terms(report)
    else:
        frame = _pivot_records(report.records, level, week)
        if level == "campaign":
            frame = _with_campaign_ages(frame, report.week.campaigns)
        elif level == "asin":
            frame = _with_stock_plan(frame, report.week.asins, config, week)
    frame["currency"] = _currency(frame["marketplace"], report.records)
    ordered = [*BASE_COLUMNS, *columns_at(level)]
    return frame.reindex(columns=ordered).reset_index(drop=True)


def _pivot_records(records: pd.DataFrame, level: TaskLevel, week: Period) -> pd.DataFrame:
    """Long KPI records of one level and week → one row per (marketplace, key)."""
    metrics = metrics_at(level)
    mine = records[(records["period"] == week.label) & (records["level"] == level)]
    # ``pivot`` (not ``pivot_table``): one record per subject and metric, and no cross product of
    # marketplaces × keys, so a campaign of one marketplace never appears in another.
    parts = {"value": "", "change": ".change", "previous": ".previous"}
    wanted = pd.MultiIndex.from_product([list(parts), metrics])
    wide = mine.pivot(index=["marketplace", "key"], columns="metric", values=list(parts))
    wide = wide.reindex(columns=wanted).astype("float64")
    wide.columns = [f"{metric}{parts[part]}" for part, metric in wide.columns]
    if not isinstance(wide.index, pd.MultiIndex):  # no records of this level
        wide.index = pd.MultiIndex.from_arrays([[], []], names=["marketplace", "key"])
    frame = wide.reset_index()
    frame["marketplace"] = frame["marketplace"].astype("str")
    frame["subject"] = frame.pop("key").astype("str")
    return frame


def _with_campaign_ages(frame: pd.DataFrame, campaigns: pd.DataFrame) -> pd.DataFrame:
    """Days of data per campaign: a campaign the exports never dated has none (never flagged)."""
    attributes = campaigns.reindex(columns=["days_of_data", "ad_type", "targeting_type"])
    keys = pd.MultiIndex.from_arrays([frame["marketplace"], frame["subject"]])
    found = attributes.reindex(keys)
    frame["days_of_data"] = (
        pd.to_numeric(found["days_of_data"], errors="coerce").astype("float64").to_numpy()
    )
    frame["ad_type"] = found["ad_type"].astype("object").to_numpy()
    frame["targeting_type"] = found["targeting_type"].astype("object").to_numpy()
    return frame


def _with_stock_plan(
    frame: pd.DataFrame, asins: pd.DataFrame, config: Config, week: Period
) -> pd.DataFrame:
    """Title, lead time, daily velocity and the units a restock needs, per ASIN.

    The KPI records carry days of cover but not the velocity behind it, so it is recovered as
    stock ÷ days of cover. With no stock at all (cover 0) that ratio says only "velocity > 0";
    the week's own units ÷ days stand in for its size then.
    """
    inventory = config.inventory
    keys = pd.MultiIndex.from_arrays([frame["marketplace"], frame["subject"]])
    attributes = asins.reindex(columns=["title", "lead_time"]).reindex(keys)
    frame["title"] = attributes["title"].astype("object").to_numpy()
    # Attributes exist only for ASINs with a title somewhere; the others get the configured time.
    configured = frame["subject"].map(inventory.lead_time_overrides).astype("float64")
    lead = pd.to_numeric(attributes["lead_time"], errors="coerce").astype("float64").to_numpy()
    frame["lead_time"] = (
        pd.Series(lead, index=frame.index)
        .fillna(configured)
        .fillna(float(inventory.lead_time_days))
    )

    stock = frame["sellable"].fillna(0.0) + frame["inbound"].fillna(0.0)
    cover = frame["days_of_cover"]
    from_cover = (stock / cover).where(cover > 0)
    week_rate = (frame["units"] / week.days).where(frame["units"] > 0)
    frame["velocity"] = from_cover.where(cover > 0, week_rate.where(cover == 0)).astype("float64")
    need = np.ceil(frame["velocity"] * inventory.cover_target_days - stock)
    frame["restock_units"] = need.where(need > 0).astype("float64")
    return frame


def _search_terms(report: KpiReport) -> pd.DataFrame:
    """The week's search terms with ratios and the age of their campaign."""
    terms = report.week.search_terms
    frame = pd.DataFrame(index=terms.index)
    for name in _TERM_TEXT_FROM_KPIS:
        frame[name] = terms[name].fillna("").astype("str") if name in terms else ""
    for name in SEARCH_TERM_SUMS:
        frame[name] = (
            pd.to_numeric(terms[name], errors="coerce").astype("float64")
            if name in terms
            else np.nan
        )
    # Ads rows without a search term (exports whose search-term detail was compacted away) say
    # nothing about any term: they must not become a task for "".
    frame = frame[frame["search_term"].str.strip() != ""].reset_index(drop=True)
    frame = frame.rename(columns={"search_term": "subject"})
    search_term_ratios(frame)
    frame["match_kind"] = match_kind(frame, report.week.campaigns)
    frame["exact_keywords"] = _exact_keywords(frame)
    is_asin = frame["subject"].str.fullmatch(r"b0[0-9a-z]{8}", case=False)
    frame["term_kind"] = pd.Series(
        np.where(is_asin, "asin", "keyword"), index=frame.index, dtype="str"
    )
    ages = report.week.campaigns.reindex(columns=["days_of_data"])
    keys = pd.MultiIndex.from_arrays([frame["marketplace"], frame["campaign"]])
    frame["days_of_data"] = (
        pd.to_numeric(ages["days_of_data"].reindex(keys), errors="coerce")
        .astype("float64")
        .to_numpy()
    )
    return frame


def search_term_ratios(frame: pd.DataFrame) -> None:
    """Ratios from the sums; blank (never 0 or ∞) where the denominator is 0."""
    spend, sales, orders = frame["ad_spend"], frame["ad_sales"], frame["ad_orders"]
    impressions, clicks = frame["impressions"], frame["clicks"]
    frame["acos"] = (spend / sales).where(sales > 0)
    frame["roas"] = (sales / spend).where(spend > 0)
    frame["ctr"] = (clicks / impressions).where(impressions > 0)
    frame["cpc"] = (spend / clicks).where(clicks > 0)
    frame["ad_cvr"] = (orders / clicks).where(clicks > 0)


def _exact_keywords(frame: pd.DataFrame) -> pd.Series:
    """Per row, the exact keywords of its marketplace that already target the term.

    A search-term report lists the targeted keyword of every row, so an exact keyword that got
    clicks this week is known; one without clicks is not (the count is then a lower bound).
    """
    exact = frame[frame["match_kind"] == "exact"]
    targeted = pd.DataFrame(
        {
            "marketplace": exact["marketplace"],
            "keyword": exact["targeting"].str.strip().str.casefold(),
            "campaign": exact["campaign"],
            "ad_group": exact["ad_group"],
        }
    ).drop_duplicates()
    counts = targeted.groupby(["marketplace", "keyword"]).size()
    keys = pd.MultiIndex.from_arrays(
        [frame["marketplace"], frame["subject"].str.strip().str.casefold()]
    )
    return pd.Series(counts.reindex(keys).fillna(0).to_numpy(dtype="float64"), index=frame.index)


def match_kind(terms: pd.DataFrame, campaigns: pd.DataFrame) -> pd.Series:
    """``auto`` / ``broad`` / ``phrase`` / ``exact`` / ``""`` per search-term row.

    Auto: the targeting is ``*`` (how the search-term report writes auto targeting) or the
    campaign's targeting type mentions "auto" ("Automatic targeting", "AUTO"). Otherwise the
    match type says it.
    """
    keys = pd.MultiIndex.from_arrays([terms["marketplace"], terms["campaign"]])
    targeting_type = campaigns.reindex(columns=["targeting_type"])["targeting_type"].reindex(keys)
    auto_campaign = (
        targeting_type.astype("str").str.contains("auto", case=False, na=False).to_numpy()
    )
    auto = (terms["targeting"].str.strip() == "*").to_numpy() | auto_campaign
    match = terms["match_type"].str.strip().str.upper()
    kind = np.select(
        [auto, match == "BROAD", match == "PHRASE", match == "EXACT"],
        ["auto", "broad", "phrase", "exact"],
        default="",
    )
    return pd.Series(kind, index=terms.index, dtype="str")


def _currency(markets: pd.Series, records: pd.DataFrame) -> pd.Series:
    """Each marketplace's currency as the KPI records state it, else the marketplace's own."""
    stated = records[["marketplace", "currency"]].dropna().drop_duplicates("marketplace")
    currencies = {code: m.currency for code, m in MARKETPLACES.items()}
    currencies.update(zip(stated["marketplace"], stated["currency"], strict=True))
    return markets.map(currencies).astype("object").fillna("").astype("str")
