"""Small builders of Amazon-shaped export files for tests (real header spellings)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

BUSINESS_ASIN = [
    "(Parent) ASIN",
    "(Child) ASIN",
    "Title",
    "SKU",
    "Sessions - Total",
    "Page Views - Total",
    "Featured Offer (Buy Box) Percentage",
    "Units Ordered",
    "Ordered Product Sales",
    "Total Order Items",
]
BUSINESS_DATE = [
    "Date",
    "Ordered Product Sales",
    "Units Ordered",
    "Total Order Items",
    "Page Views - Total",
    "Sessions - Total",
    "Featured Offer Percentage",
]
SP_CAMPAIGN = [
    "Date",
    "Portfolio name",
    "Campaign Type",
    "Campaign Name",
    "Status",
    "Currency",
    "Budget",
    "Targeting Type",
    "Bidding strategy",
    "Impressions",
    "Clicks",
    "Click-Thru Rate (CTR)",
    "Spend",
    "Cost Per Click (CPC)",
    "7 Day Total Orders (#)",
    "Total Advertising Cost of Sales (ACoS) ",
    "7 Day Total Sales ",
]
SP_SEARCH_TERM = [
    "Date",
    "Portfolio name",
    "Currency",
    "Campaign Name",
    "Ad Group Name",
    "Targeting",
    "Match Type",
    "Customer Search Term",
    "Impressions",
    "Clicks",
    "Click-Thru Rate (CTR)",
    "Cost Per Click (CPC)",
    "Spend",
    "7 Day Total Sales ",
    "Total Advertising Cost of Sales (ACoS) ",
    "Total Return on Advertising Spend (RoAS)",
    "7 Day Total Orders (#)",
    "7 Day Total Units (#)",
]
SP_ADVERTISED = [
    "Date",
    "Portfolio name",
    "Currency",
    "Campaign Name",
    "Ad Group Name",
    "Advertised SKU",
    "Advertised ASIN",
    "Impressions",
    "Clicks",
    "Spend",
    "7 Day Total Sales ",
    "7 Day Total Orders (#)",
    "7 Day Total Units (#)",
]
INVENTORY = [
    "sku",
    "fnsku",
    "asin",
    "product-name",
    "afn-fulfillable-quantity",
    "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity",
    "afn-inbound-receiving-quantity",
    "afn-total-quantity",
]
RETURNS = [
    "return-date",
    "order-id",
    "sku",
    "asin",
    "fnsku",
    "product-name",
    "quantity",
    "fulfillment-center-id",
    "detailed-disposition",
    "reason",
    "status",
    "license-plate-number",
    "customer-comments",
]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def write(root: Path, rel: str, text: str, encoding: str = "utf-8-sig") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]


def us_date(d: date) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def ad_date(d: date) -> str:
    return d.strftime("%b %d, %Y")


def business_asin_rows(rows: Iterable[tuple[str, int, int, float, int, float, int]]) -> list[list[object]]:
    """(asin, sessions, page_views, buy_box_fraction, units, sales, orders) → Variant B rows."""
    return [
        [asin, asin, f"Title {asin}", f"SKU-{asin}", f"{s:,}", f"{pv:,}", f"{bb * 100:.2f}%", u, f"${sales:,.2f}", o]
        for asin, s, pv, bb, u, sales, o in rows
    ]
