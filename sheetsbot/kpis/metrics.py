"""Every KPI sheetsbot computes, as data: id, levels, unit and default traffic-light thresholds.

Ratios are fractions (ACoS 0.25, not 25). The defaults are the seed articles' rules of thumb
(BRIEF §3); a store overrides any of them under ``thresholds:`` in its config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["store", "asin", "campaign"]
Unit = Literal["money", "count", "ratio", "days", "index", "per_year"]

STORE: tuple[Level, ...] = ("store",)
STORE_ASIN: tuple[Level, ...] = ("store", "asin")
ADS: tuple[Level, ...] = ("store", "asin", "campaign")


@dataclass(frozen=True)
class Metric:
    id: str
    levels: tuple[Level, ...]
    unit: Unit
    label: str


METRICS: dict[str, Metric] = {
    m.id: m
    for m in [
        Metric("sales", STORE_ASIN, "money", "Sales"),
        Metric("target_attainment", STORE, "ratio", "Sales vs target (month to date)"),
        Metric("units", STORE_ASIN, "count", "Units ordered"),
        Metric("orders", STORE_ASIN, "count", "Order items"),
        Metric("aov", STORE_ASIN, "money", "Average order value"),
        Metric("sessions", STORE_ASIN, "count", "Sessions"),
        Metric("page_views", STORE_ASIN, "count", "Page views"),
        Metric("conversion", STORE_ASIN, "ratio", "Conversion (unit session %)"),
        Metric("buy_box", STORE_ASIN, "ratio", "Buy Box %"),
        Metric("ad_spend", ADS, "money", "Ad spend"),
        Metric("ad_sales", ADS, "money", "Ad sales"),
        Metric("ad_orders", ADS, "count", "Ad orders"),
        Metric("impressions", ADS, "count", "Impressions"),
        Metric("clicks", ADS, "count", "Clicks"),
        Metric("acos", ADS, "ratio", "ACoS"),
        Metric("roas", ADS, "index", "ROAS"),
        Metric("ctr", ADS, "ratio", "CTR"),
        Metric("cpc", ADS, "money", "CPC"),
        Metric("ad_cvr", ADS, "ratio", "Ad conversion"),
        Metric("tacos", STORE_ASIN, "ratio", "TACoS"),
        Metric("units_returned", STORE_ASIN, "count", "Units returned"),
        Metric("return_rate", STORE_ASIN, "ratio", "Return rate"),
        Metric("sellable", STORE_ASIN, "count", "Sellable units"),
        Metric("inbound", STORE_ASIN, "count", "Inbound units"),
        Metric("days_of_cover", STORE_ASIN, "days", "Days of cover"),
        Metric("turnover", STORE_ASIN, "per_year", "Inventory turnover"),
        Metric("odr", STORE, "ratio", "Order defect rate"),
        Metric("ipi", STORE, "index", "IPI"),
        Metric("task_completion", STORE, "ratio", "Task completion"),
    ]
}

#: BRIEF §3. ``green``/``red`` are comparisons; anything between is yellow.
DEFAULT_THRESHOLDS: dict[str, dict[str, str]] = {
    "target_attainment": {"green": ">= 0.95", "red": "< 0.85"},
    "conversion": {"green": "> -0.05", "red": "<= -0.15", "basis": "change"},
    "buy_box": {"green": ">= 0.80", "red": "< 0.70"},
    "acos": {"green": "<= 0.25", "red": "> 0.35"},
    "roas": {"green": ">= 3.0", "red": "< 2.0"},
    "tacos": {"green": "<= 0.12", "red": "> 0.15"},
    "return_rate": {"green": "<= 0.03", "red": "> 0.05"},
    "odr": {"green": "< 0.01", "red": ">= 0.01"},
    "ipi": {"green": ">= 500", "red": "< 400"},
    "days_of_cover": {"green": ">= lead_time + safety", "red": "< lead_time"},
    "turnover": {"green": ">= 4", "red": "< 4"},
    "task_completion": {"green": ">= 0.90", "red": "< 0.75"},
}


#: Metrics in the order records are emitted, per level.
def metrics_for(level: Level) -> list[str]:
    return [m.id for m in METRICS.values() if level in m.levels]
