"""Exports made small enough to keep in the Sheet's hidden state tab.

A run keeps each processed export as its daily (or per-period) sums at the level the KPIs
need, so a later run, on any machine, can compute week-over-week and month-to-date without
downloading old exports again, and a restated export still replaces the days it covers.
Search-term detail is not kept (a large store has millions of rows); campaign sums are.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from sheetsbot.reports.model import Export

#: Columns kept per family: the keys the KPIs group by, then the numbers they sum.
_KEEP: dict[str, tuple[list[str], list[str]]] = {
    "business_asin": (["asin", "title"], ["sessions", "page_views", "units", "sales", "orders", "_bb_weighted"]),
    "business_date": (["date"], ["sessions", "page_views", "units", "sales", "orders", "_bb_weighted"]),
    "ads": (
        ["date", "start_date", "end_date", "campaign", "asin", "campaign_type", "targeting_type"],
        ["impressions", "clicks", "spend", "ad_sales", "ad_orders", "ad_units"],
    ),
    "inventory": (
        ["asin", "sku", "title", "date"],
        ["fulfillable", "inbound_working", "inbound_shipped", "inbound_receiving", "on_hand_total"],
    ),
    "returns": (["return_date", "asin"], ["units"]),
    "orders": (["purchase_date", "asin"], ["units", "item_price"]),
}


def compact(export: Export) -> Export:
    """The same export with its rows summed to the level the KPIs use."""
    keys, numbers = _KEEP[export.family]
    table = export.table.copy()
    weight = table["page_views"] if "page_views" in table.columns else table.get("sessions")
    if "buy_box" in table.columns and weight is not None:
        # Buy Box is a share: keep it as page-view-weighted sums so it can be re-averaged.
        table["_bb_weighted"] = table["buy_box"] * weight
    group = ["marketplace", "currency", *[k for k in keys if k in table.columns]]
    values = [n for n in numbers if n in table.columns]
    if export.family == "ads" and export.shape != "advertised_product":
        group = [g for g in group if g != "asin"]
    filled = table[group].astype(object).where(table[group].notna(), "")
    summed = table[values].groupby([filled[g] for g in group], sort=True, dropna=False).sum(min_count=1).reset_index()
    for g in group:
        if g in ("date", "start_date", "end_date", "return_date", "purchase_date"):
            summed[g] = pd.to_datetime(summed[g].replace("", pd.NaT)).astype("datetime64[s]")
        else:
            summed[g] = summed[g].replace("", pd.NA).astype("string")
    if "_bb_weighted" in summed.columns:
        w = summed["page_views"] if "page_views" in summed.columns else summed.get("sessions")
        summed["buy_box"] = (summed["_bb_weighted"] / w).where(w > 0)
        summed = summed.drop(columns=["_bb_weighted"])
    key = tuple(k for k in export.key if k in summed.columns)
    if export.family == "ads":
        key = tuple(k for k in ("campaign", "asin") if k in summed.columns)
    return dataclasses.replace(export, table=summed, key=key, rows=len(summed), warnings=list(export.warnings))
