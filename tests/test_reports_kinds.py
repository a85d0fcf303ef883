# ruff: noqa: E501  (header lists and rows are kept on one line each, as Amazon writes them)
"""Every report kind sheetsbot knows, from small synthetic exports with Amazon's real headers.

Header lists are copied from ``shared/amazon-exports.md`` (evidence level noted per test). Each
test writes one file into ``tmp_path``, reads it the way a :class:`LocalFolder` source yields it
and checks the kind, marketplace, currency, period and a few typed values.

The helpers at the top (``to_csv``, ``put``, ``read_one`` …) are plain functions; the quirks
tests import them from here.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sheetsbot.reports import Export, Problem, ReadHints, read_file
from sheetsbot.reports.kinds import KIND_NAMES
from sheetsbot.sources.local import LocalFolder

# =============================================================================================
# helpers (imported by test_reports_quirks.py)
# =============================================================================================


def to_csv(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]] = (),
    *,
    delimiter: str = ",",
    quote_all: bool = False,
    line_end: str = "\n",
) -> str:
    """Rows as CSV text the way Amazon writes them (minimal quoting unless ``quote_all``)."""
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=delimiter,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator=line_end,
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def to_tsv(header: Sequence[str], rows: Sequence[Sequence[Any]] = (), line_end: str = "\r\n") -> str:
    """A tab-separated flat file as Amazon writes it: nothing quoted, raw ``"`` kept."""
    lines = ["\t".join(header)]
    lines += ["\t".join("" if v is None else str(v) for v in row) for row in rows]
    return line_end.join(lines) + line_end


def xlsx_bytes(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    formats: dict[str, str] | None = None,
    sheet: str = "Sheet1",
    application: str | None = "Apache POI",
    dimension_a1: bool = False,
) -> bytes:
    """An xlsx with typed cells (datetimes, fractions) and a number format per header name.

    ``application`` rewrites docProps/app.xml the way Amazon's files say it; ``dimension_a1``
    reproduces Apache POI's one-cell ``<dimension ref="A1"/>``.
    """
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    for name, fmt in (formats or {}).items():
        column = list(header).index(name) + 1
        for r in range(2, len(rows) + 2):
            ws.cell(row=r, column=column).number_format = fmt
    buf = io.BytesIO()
    book.save(buf)
    if application is None and not dimension_a1:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/app.xml" and application is not None:
                data = re.sub(
                    rb"<Application>[^<]*</Application>",
                    b"<Application>" + application.encode() + b"</Application>",
                    data,
                )
            if dimension_a1 and info.filename.startswith("xl/worksheets/sheet"):
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
                assert n == 1
            dst.writestr(info.filename, data)
    return out.getvalue()


def put(root: Path, relpath: str, data: str | bytes, encoding: str = "utf-8-sig") -> Path:
    """Write ``data`` (text in ``encoding``, or bytes) to ``root/relpath``."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def read(root: Path, relpath: str, hints: ReadHints | None = None) -> tuple[list[Export], list[Problem]]:
    """Read one file under ``root`` as a LocalFolder over ``root`` yields it (folders count)."""
    files = {f.id: f for f in LocalFolder(root).files()}
    assert relpath in files, f"{relpath} not listed by LocalFolder: {sorted(files)}"
    return read_file(files[relpath], hints or ReadHints())


def read_one(root: Path, relpath: str, hints: ReadHints | None = None) -> Export:
    """A file that must give exactly one export and no problem."""
    exports, problems = read(root, relpath, hints)
    assert not problems, [p.line() for p in problems]
    assert len(exports) == 1, [e.kind for e in exports]
    return exports[0]


def read_problem(root: Path, relpath: str, hints: ReadHints | None = None) -> Problem:
    """A file that must give no export and exactly one problem."""
    exports, problems = read(root, relpath, hints)
    assert not exports, [(e.kind, e.rows) for e in exports]
    assert len(problems) == 1, [p.line() for p in problems]
    return problems[0]


def values(export: Export, column: str) -> list[Any]:
    """A table column as plain Python values (NaN/NA → None, Timestamps → dates)."""
    out = []
    for v in export.table[column].tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
            out.append(None)
        elif isinstance(v, pd.Timestamp):
            out.append(v.date())
        else:
            out.append(v)
    return out


def assert_numbers(export: Export, column: str, expected: Sequence[float | None]) -> None:
    got = values(export, column)
    assert len(got) == len(expected), (column, got)
    for g, e in zip(got, expected, strict=True):
        if e is None:
            assert g is None, (column, got)
        else:
            assert g == pytest.approx(e), (column, got, expected)


def assert_datetime_column(export: Export, column: str) -> None:
    assert pd.api.types.is_datetime64_any_dtype(export.table[column]), export.table[column].dtype


# -- which kinds the tests below cover (checked by the meta-test at the end) --------------------

COVERED: set[str] = set()


def covers(*kinds: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        COVERED.update(kinds)
        return fn

    return mark


# =============================================================================================
# header lists (shared/amazon-exports.md)
# =============================================================================================

# §2.2 Variant A [V S1] — classic US, by Child Item, 13 columns
BR_A = ["(Parent) ASIN", "(Child) ASIN", "Title", "SKU", "Sessions", "Session Percentage", "Page Views", "Page Views Percentage", "Buy Box Percentage", "Units Ordered", "Unit Session Percentage", "Ordered Product Sales", "Total Order Items"]
# Variant A′ [V S1] — without SKU, 12 columns
BR_A1 = [h for h in BR_A if h != "SKU"]
# Variant B [C S8] — current US, hyphens, Total/B2B pairs, 22 columns
BR_B = ["(Parent) ASIN", "(Child) ASIN", "Title", "SKU", "Sessions - Total", "Sessions - Total - B2B", "Session Percentage - Total", "Session Percentage - Total - B2B", "Page Views - Total", "Page Views - Total - B2B", "Page Views Percentage - Total", "Page Views Percentage - Total - B2B", "Featured Offer (Buy Box) Percentage", "Featured Offer (Buy Box) Percentage - B2B", "Units Ordered", "Units Ordered - B2B", "Unit Session Percentage", "Unit Session Percentage - B2B", "Ordered Product Sales", "Ordered Product Sales - B2B", "Total Order Items", "Total Order Items - B2B"]
# Variant C [V S2] — en_GB, en dashes, 22 columns
BR_C = ["(Parent) ASIN", "(Child) ASIN", "Title", "SKU", "Sessions – Total", "Sessions – Total – B2B", "Session percentage – Total", "Session percentage – Total – B2B", "Page views – Total", "Page views – Total – B2B", "Page views percentage – Total", "Page views percentage – Total – B2B", "Featured Offer (Buy Box) percentage", "Featured Offer (Buy Box) percentage – B2B", "Units ordered", "Units ordered – B2B", "Unit Session Percentage", "Unit session percentage – B2B", "Ordered Product Sales", "Ordered product sales – B2B", "Total order items", "Total order items – B2B"]
# Variant C′ [V S2] — en_GB without SKU, 21 columns
BR_C1 = [h for h in BR_C if h != "SKU"]
# Variant C″ [V S2] — en_GB with Mobile app / Browser splits, 38 columns
BR_C2 = ["(Parent) ASIN", "(Child) ASIN", "Title", "SKU", "Sessions – Mobile app", "Sessions – Mobile APP – B2B", "Sessions – Browser", "Sessions – Browser – B2B", "Sessions – Total", "Sessions – Total – B2B", "Session percentage – Mobile App", "Session percentage – Mobile APP – B2B", "Session percentage – Browser", "Session percentage – Browser – B2B", "Session percentage – Total", "Session percentage – Total – B2B", "Page views – Mobile app", "Page views – Mobile APP – B2B", "Page views – Browser", "Page views – Browser – B2B", "Page views – Total", "Page views – Total – B2B", "Page views percentage – Mobile App", "Page views percentage – Mobile app – B2B", "Page views percentage – Browser", "Page views percentage – Browser – B2B", "Page views percentage – Total", "Page views percentage – Total – B2B", "Featured Offer (Buy Box) percentage", "Featured Offer (Buy Box) percentage – B2B", "Units ordered", "Units ordered – B2B", "Unit Session Percentage", "Unit session percentage – B2B", "Ordered Product Sales", "Ordered product sales – B2B", "Total order items", "Total order items – B2B"]
# Variant D [C S16] — German UI
BR_DE = ["(Übergeordnete) ASIN", "(Untergeordnete) ASIN", "Titel", "SKU", "Sitzungen – Summe", "Sitzungen – Summe – B2B", "Seitenaufrufe – Summe", "Seitenaufrufe – Summe – B2B", "Bestellte Einheiten", "Bestellte Einheiten – B2B", "Durch bestellte Produkte erzielter Umsatz", "Bestellsumme – B2B"]
# Variant D [C S20] — Japanese UI (newer), full-width parentheses
BR_JP = ["（親）ASIN", "（子）ASIN", "タイトル", "SKU", "セッション数 - 合計", "注文された商品点数", "注文点数 - B2B", "注文商品の売上額", "注文商品の売上額 - B2B", "注文品目総数", "ユニットセッション率"]
# §2.2 older "by Parent Item" [C S19]
BR_PARENT_OLD = ["(Parent) ASIN", "Title", "Sessions", "Page Views", "Page Views Percentage", "Buy Box Percentage", "Units Ordered", "Gross Product Sales", "Orders Placed"]
# current by Parent Item: Variant B without the child ASIN and SKU [U]
BR_PARENT = [h for h in BR_B if h not in ("(Child) ASIN", "SKU")]

# §2.3 by date
BR_DATE_DPST = ["Date", "Ordered Product Sales", "Units Ordered", "Total Order Items", "Page Views", "Sessions", "Buy Box Percentage", "Unit Session Percentage", "Average Offer Count", "Average Parent Items"]
BR_DATE_ST = ["Date", "Ordered Product Sales", "Units Ordered", "Total Order Items", "Average Sales per Order Item", "Average Units per Order Item", "Average Selling Price", "Sessions", "Order Item Session Percentage", "Average Offer Count"]
BR_DATE_MONTH = ["Date", "Ordered Product Sales", "Units Ordered", "Total Order Items", "Shipped Product Sales", "Units Shipped", "Orders Shipped"]
BR_DATE_18 = ["Date", "Ordered Product Sales", "Ordered Product Sales - B2B", "Units Ordered", "Units Ordered - B2B", "Total Order Items", "Total Order Items - B2B", "Average Sales per Order Item", "Average Sales per Order Item - B2B", "Average Units per Order Item", "Average Units per Order Item - B2B", "Average Selling Price", "Average Selling Price - B2B", "Sessions - Total", "Sessions - Total - B2B", "Order Item Session Percentage", "Order Item Session Percentage - B2B", "Average Offer Count"]
BR_DATE_17 = ["Date", "Ordered Product Sales", "Ordered Product Sales - B2B", "Units Ordered", "Units Ordered - B2B", "Total Order Items", "Total Order Items - B2B", "Page Views - Total", "Page Views - Total - B2B", "Sessions - Total", "Sessions - Total - B2B", "Featured Offer Percentage", "Featured Offer Percentage - B2B", "Unit Session Percentage", "Unit Session Percentage - B2B", "Average Offer Count", "Average Parent Items"]

# §3.4 Sponsored Products
SP_SEARCH_TERM_DAILY = ["Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Targeting", "Match Type", "Customer Search Term", "Impressions", "Clicks", "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend", "7 Day Total Sales ", "Total Advertising Cost of Sales (ACoS) ", "Total Return on Advertising Spend (RoAS)", "7 Day Total Orders (#)", "7 Day Total Units (#)", "7 Day Conversion Rate", "7 Day Advertised SKU Units (#)", "7 Day Other SKU Units (#)", "7 Day Advertised SKU Sales ", "7 Day Other SKU Sales "]
SP_SEARCH_TERM_SUMMARY = ["Start Date", "End Date", *SP_SEARCH_TERM_DAILY[1:]]
SP_TARGETING_DAILY = ["Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Targeting", "Match Type", "Impressions", "Clicks", "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend", "Total Advertising Cost of Sales (ACoS) ", "Total Return on Advertising Spend (RoAS)", "7 Day Total Sales ", "7 Day Total Orders (#)", "7 Day Total Units (#)", "7 Day Conversion Rate", "7 Day Advertised SKU Units (#)", "7 Day Other SKU Units (#)", "7 Day Advertised SKU Sales ", "7 Day Other SKU Sales "]
SP_TARGETING_SUMMARY_IN = ["Start Date", "End Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Targeting", "Match Type", "Impressions", "Top-of-search Impression Share", "Clicks", "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend", "Total Advertising Cost of Sales (ACOS) ", "Total Return on Advertising Spend (ROAS)", "7 Day Total Sales (₹)", "7 Day Total Orders (#)", "7 Day Total Units (#)", "7 Day Conversion Rate", "7 Day Advertised SKU Units (#)", "7 Day Other SKU Units (#)", "7 Day Advertised SKU Sales (₹)", "7 Day Other SKU Sales (₹)"]
SP_ADVERTISED_DAILY = ["Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Advertised SKU", "Advertised ASIN", "Impressions", "Clicks", "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend", "7 Day Total Sales ", "Total Advertising Cost of Sales (ACoS) ", "Total Return on Advertising Spend (RoAS)", "7 Day Total Orders (#)", "7 Day Total Units (#)", "7 Day Conversion Rate", "7 Day Advertised SKU Units (#)", "7 Day Other SKU Units (#)", "7 Day Advertised SKU Sales ", "7 Day Other SKU Sales "]
SP_ADVERTISED_SUMMARY_IN = ["Start Date", "End Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Country", "Advertised SKU", "Advertised ASIN", "Impressions", "Clicks", "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend", "7 Day Total Sales (₹)", "Total Advertising Cost of Sales (ACOS) ", "Total Return on Advertising Spend (ROAS)", "7 Day Total Orders (#)", "7 Day Total Units (#)", "7 Day Conversion Rate", "7 Day Advertised SKU Units (#)", "7 Day Other SKU Units (#)", "7 Day Advertised SKU Sales (₹)", "7 Day Other SKU Sales (₹)"]
SP_ADVERTISED_VENDOR = ["Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Advertised ASIN", "Impressions", "Clicks", "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend", "14 Day Total Sales (₹)", "Total Advertising Cost of Sales (ACoS)", "Total Return on Advertising Spend (RoAS)", "14 Day Total Orders (#)", "14 Day Total Units (#)", "14 Day Conversion Rate"]
SP_PURCHASED = ["Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Advertised SKU", "Advertised ASIN", "Targeting", "Match Type", "Purchased ASIN", "7 Day Other SKU Units (#)", "7 Day Other SKU Orders (#)", "7 Day Other SKU Sales "]
SP_PLACEMENT = ["Date", "Portfolio name", "Currency", "Campaign Name", "Bidding strategy", "Placement", "Impressions", "Clicks", "Cost Per Click (CPC)", "Spend", "7 Day Total Sales ", "Total Advertising Cost of Sales (ACoS) ", "Total Return on Advertising Spend (RoAS)", "7 Day Total Orders (#)", "7 Day Total Units (#)"]
SP_CAMPAIGN_23 = ["Date", "Start Date", "End Date", "Portfolio name", "Campaign Type", "Campaign Name", "Status", "Currency", "Budget", "Targeting Type", "Bidding strategy", "Impressions", "Last Year Impressions", "Clicks", "Last Year Clicks", "Click-Thru Rate (CTR)", "Spend", "Last Year Spend", "Cost Per Click (CPC)", "Last Year Cost Per Click (CPC)", "7 Day Total Orders (#)", "Total Advertising Cost of Sales (ACoS) ", "7 Day Total Sales "]
SP_CAMPAIGN_19 = [h for h in SP_CAMPAIGN_23 if not h.startswith("Last Year")]

# §3.5 Sponsored Brands [C S17, S25, S26]
SB_KEYWORD = ["Start Date", "End Date", "Portfolio name", "Currency", "Campaign Name", "Targeting", "Match Type", "Impressions", "Clicks", "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend", "Total Advertising Cost of Sales (ACoS)", "Total Return on Advertising Spend (RoAS)", "14 Day Total Sales", "14 Day Total Orders (#)", "14 Day Total Units (#)", "14 Day Conversion Rate", "14 Day New-to-brand Orders (#)", "14 Day % of Orders New-to-brand", "14 Day New-to-brand Sales", "14 Day % of Sales New-to-brand", "14 Day New-to-brand Units (#)", "14 Day % of Units New-to-brand", "14 Day New-to-brand Order Rate"]
SB_SEARCH_TERM = ["Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Targeting", "Match Type", "Customer Search Term", "Cost Type", "Impressions", "Viewable Impressions", "Clicks", "Click-Thru Rate (CTR)", "Spend", "Cost Per Click (CPC)", "Cost per 1,000 viewable impressions (VCPM)", "Total Advertising Cost of Sales (ACOS)", "Total Return on Advertising Spend (ROAS)", "14 Day Total Sales", "14 Day Total Orders (#)", "14 Day Total Units (#)", "14 Day Conversion Rate", "Total Advertising Cost of Sales (ACOS) - (Click)", "Total Return on Advertising Spend (ROAS) - (Click)", "14 Day Total Sales - (Click)", "14 Day Total Orders (#) - (Click)", "14 Day Total Units (#) - (Click)"]
SB_CAMPAIGN = ["Date", "Portfolio name", "Currency", "Campaign Name", "Cost type", "Country", "Impressions", "Clicks", "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend", "Total Advertising Cost of Sales (ACOS)", "Total Return on Advertising Spend (ROAS)", "14 Day Total Sales", "14 Day Total Orders (#)", "14 Day Total Units (#)", "14 Day Conversion Rate", "Viewable Impressions", "Cost per 1,000 viewable impressions (VCPM)", "5 Second Views", "5 Second View Rate", "14 Day Branded Searches", "14 Day Detail Page Views (DPV)", "14 Day New-to-brand Orders (#)", "14 Day % of Orders New-to-brand", "14 Day New-to-brand Sales"]

# §3.6 Sponsored Display [C S25, D S13]
_SD_METRICS = ["Impressions", "Viewable Impressions", "Clicks", "Click-Thru Rate (CTR)", "14 Day Detail Page Views (DPV)", "Spend", "Cost Per Click (CPC)", "Cost per 1,000 viewable impressions (VCPM)", "Total Advertising Cost of Sales (ACOS)", "Total Return on Advertising Spend (ROAS)", "14 Day Total Orders (#)", "14 Day Total Units (#)", "14 Day Total Sales", "14 Day New-to-brand Orders (#)", "14 Day New-to-brand Sales", "14 Day New-to-brand Units (#)"]
_SD_CLICK = ["Total Advertising Cost of Sales (ACOS) - (Click)", "Total Return on Advertising Spend (ROAS) - (Click)", "14 Day Total Orders (#) - (Click)", "14 Day Total Units (#) - (Click)", "14 Day Total Sales - (Click)", "14 Day New-to-brand Orders (#) - (Click)", "14 Day New-to-brand Sales - (Click)", "14 Day New-to-brand Units (#) - (Click)"]
SD_ADVERTISED = ["Date", "Currency", "Campaign Name", "Portfolio name", "Cost Type", "Ad Group Name", "Bid Optimization", "Advertised SKU", "Advertised ASIN", *_SD_METRICS, *_SD_CLICK]
SD_TARGETING = ["Date", "Currency", "Campaign Name", "Portfolio name", "Cost Type", "Ad Group Name", "Targeting", "Bid Optimization", *_SD_METRICS, *_SD_CLICK]
SD_CAMPAIGN = ["Date", "Status", "Currency", "Budget", "Campaign Name", "Portfolio name", "Cost Type", "Country", *_SD_METRICS, *_SD_CLICK]

# §3.7 2024+ Ads console format [C S8–S11]
ADS_2024_ADVERTISED = ["Budget currency", "Date range", "Advertiser account ID", "Advertiser account name", "Portfolio ID", "Portfolio name", "Campaign ID", "Campaign name", "Ad group ID", "Ad group name", "Advertised product ID", "Advertised product name", "Advertised product parent ID", "Advertised product brand", "Advertised product category", "Advertised product subcategory", "Advertised product group", "Advertised product SKU", "Advertised product marketplace", "Impressions", "Clicks", "CTR", "Total cost", "Purchases", "Sales", "Units sold", "Cost per purchase", "Purchase rate", "ROAS", "Purchases (promoted)", "Sales (promoted)", "Units sold (promoted)", "Cost per purchase (promoted)", "Purchase rate (promoted)", "ROAS (promoted)", "Purchases (halo)", "Sales (halo)", "Units sold (halo)", "Purchases (new to brand)", "Sales (new to brand)", "Units sold (new to brand)", "Cost per purchase (new to brand)", "Purchase rate (new to brand)", "ROAS (new to brand)", "Detail page views", "Cost per detail page view", "Detail page view rate"]
ADS_2024_SEARCH_TERM = ["Budget currency", "Date range", "Advertiser account name", "Portfolio name", "Campaign ID", "Campaign name", "Ad group ID", "Ad group name", "Search term", "Impressions", "Clicks", "CTR", "Total cost", "Purchases", "Sales", "Units sold", "ROAS"]

# §4.1 Manage FBA Inventory [V S1] and §5.1 returns [V S1], §6 All Orders [V S1]
INVENTORY_21 = ["sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists", "mfn-fulfillable-quantity", "afn-listing-exists", "afn-warehouse-quantity", "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity", "afn-total-quantity", "per-unit-volume", "afn-inbound-working-quantity", "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity", "afn-researching-quantity", "afn-reserved-future-supply", "afn-future-supply-buyable"]
INVENTORY_26 = [*INVENTORY_21, "afn-fulfillable-quantity-local", "afn-fulfillable-quantity-remote", "afn-fc-transfer-quantity", "afn-onhand-buyable-quantity", "store"]
RETURNS = ["return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity", "fulfillment-center-id", "detailed-disposition", "reason", "status", "license-plate-number", "customer-comments"]
ALL_ORDERS = ["amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status", "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level", "product-name", "sku", "asin", "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city", "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order", "purchase-order-number", "price-designation "]


def by_header(header: Sequence[str], cells: dict[str, Any], default: Any = "0") -> list[Any]:
    """A row for ``header`` from the named cells; every other cell is ``default``."""
    unknown = set(cells) - set(header)
    assert not unknown, unknown
    return [cells.get(h, default) for h in header]


# =============================================================================================
# Business Reports by ASIN
# =============================================================================================


@covers("business_report_asin")
def test_business_report_classic_us_variant_a(tmp_path: Path) -> None:
    rows = [
        ["B07JH5RJYF", "B07JJC4NTT", 'Desiderare Thick Fluffy Washroom Mat - 31" x 19" Luxury Microfiber (Moroccan Craftman)', "1-mc-18", "3,395", "4.51%", "4,488", "4.61%", "99%", "119", "3.51%", "$5,216.29", "107"],
        ["B07RRZSCSX", "B07JMDZBSR", "2 Piece Non-slip Anti-Fatigue Kitchen Mat", "1-mb-18", "12", "0.02%", "15", "0.02%", "100%", "0", "0.00%", "$0.00", "0"],
    ]
    put(tmp_path, "BusinessReport-11-21-19.csv", to_csv(BR_A, rows, quote_all=True))
    e = read_one(tmp_path, "BusinessReport-11-21-19.csv")
    assert e.kind == "business_report_asin"
    assert e.family == "business_asin"
    assert (e.marketplace, e.currency) == ("US", "USD")
    assert values(e, "asin") == ["B07JJC4NTT", "B07JMDZBSR"]
    assert values(e, "parent_asin") == ["B07JH5RJYF", "B07RRZSCSX"]
    assert values(e, "sku") == ["1-mc-18", "1-mb-18"]
    assert values(e, "title")[0].startswith('Desiderare Thick Fluffy Washroom Mat - 31" x 19"')
    assert_numbers(e, "sessions", [3395, 12])
    assert_numbers(e, "page_views", [4488, 15])
    assert_numbers(e, "buy_box", [0.99, 1.0])
    assert_numbers(e, "units", [119, 0])
    assert_numbers(e, "sales", [5216.29, 0.0])
    assert_numbers(e, "orders", [107, 0])
    assert values(e, "marketplace") == ["US", "US"]
    assert values(e, "currency") == ["USD", "USD"]


@covers("business_report_asin")
def test_business_report_current_us_variant_b_takes_totals_not_b2b(tmp_path: Path) -> None:
    row = ["B0CKPQNSHN", "B096MCMDPL", "BasicGear Cast Net, Zinc Iron, 3ft Radius, 3/8 in Mesh, for Bait Fish", "5K-SC4U-PO06", "12,131", "261", "12.02%", "9.85%", "17,004", "336", "12.57%", "9.28%", "99.80%", "100.00%", "683", "5", "5.63%", "1.92%", "$12,905.25", "$94.50", "668", "5"]
    put(tmp_path, "US/BusinessReport-8-04-26.csv", to_csv(BR_B, [row]))
    e = read_one(tmp_path, "US/BusinessReport-8-04-26.csv")
    assert e.kind == "business_report_asin"
    assert (e.marketplace, e.currency) == ("US", "USD")
    assert_numbers(e, "sessions", [12131])
    assert_numbers(e, "page_views", [17004])
    assert_numbers(e, "buy_box", [0.998])
    assert_numbers(e, "units", [683])
    assert_numbers(e, "sales", [12905.25])
    assert_numbers(e, "orders", [668])


@covers("business_report_asin")
def test_business_report_en_gb_variant_c_with_en_dashes(tmp_path: Path) -> None:
    row = ["B0B46GGBBP", "B0B46GGBBP", "Parkers Triple Lion Plain Uncooked Poppadoms 1kg", "ACC01 - 001", "260", "6", "0.14%", "0.13%", "364", "12", "0.16%", "0.19%", "96.58%", "100.00%", "101", "5", "38.85%", "83.33%", "£1,137.26", "£56.30", "98", "5"]
    put(tmp_path, "BusinessReport-23-07-2025.csv", to_csv(BR_C, [row]))
    e = read_one(tmp_path, "BusinessReport-23-07-2025.csv")
    assert e.kind == "business_report_asin"
    assert (e.marketplace, e.currency) == ("UK", "GBP")
    assert values(e, "sku") == ["ACC01 - 001"]
    assert_numbers(e, "sessions", [260])
    assert_numbers(e, "page_views", [364])
    assert_numbers(e, "buy_box", [0.9658])
    assert_numbers(e, "units", [101])
    assert_numbers(e, "sales", [1137.26])
    assert_numbers(e, "orders", [98])


@covers("business_report_asin")
def test_business_report_mobile_browser_variant_c2_takes_the_total_columns(tmp_path: Path) -> None:
    row = by_header(BR_C2, {
        "(Parent) ASIN": "B0PARENT01", "(Child) ASIN": "B0CHILD001", "Title": "Tea", "SKU": "TEA-1",
        "Sessions – Mobile app": "100", "Sessions – Browser": "160", "Sessions – Total": "260",
        "Page views – Mobile app": "150", "Page views – Browser": "214", "Page views – Total": "364",
        "Featured Offer (Buy Box) percentage": "96.58%", "Units ordered": "101", "Units ordered – B2B": "5",
        "Ordered Product Sales": "£1,137.26", "Ordered product sales – B2B": "£56.30",
        "Total order items": "98", "Total order items – B2B": "5",
    }, default="0.00%")
    put(tmp_path, "UK/BusinessReport-16-07-2025 (2).csv", to_csv(BR_C2, [row]))
    e = read_one(tmp_path, "UK/BusinessReport-16-07-2025 (2).csv")
    assert len(BR_C2) == 38
    assert e.kind == "business_report_asin"
    assert (e.marketplace, e.currency) == ("UK", "GBP")
    assert_numbers(e, "sessions", [260])
    assert_numbers(e, "page_views", [364])
    assert_numbers(e, "units", [101])
    assert_numbers(e, "sales", [1137.26])
    assert_numbers(e, "orders", [98])


@covers("business_report_asin")
@pytest.mark.parametrize("header", [BR_A1, BR_C1], ids=["A-prime-12-col", "C-prime-21-col"])
def test_business_report_without_sku(tmp_path: Path, header: list[str]) -> None:
    cells = {"(Parent) ASIN": "B0PARENT01", "(Child) ASIN": "B0CHILD001", "Title": "Tea"}
    if "Sessions" in header:
        cells |= {"Sessions": "1,200", "Units Ordered": "30", "Ordered Product Sales": "$300.00", "Buy Box Percentage": "98%"}
    else:
        cells |= {"Sessions – Total": "1,200", "Units ordered": "30", "Ordered Product Sales": "£300.00", "Featured Offer (Buy Box) percentage": "98.00%"}
    put(tmp_path, "BusinessReport-15-10-2025.csv", to_csv(header, [by_header(header, cells)]))
    e = read_one(tmp_path, "BusinessReport-15-10-2025.csv")
    assert e.kind == "business_report_asin"
    assert "sku" not in e.table.columns
    assert values(e, "asin") == ["B0CHILD001"]
    assert_numbers(e, "sessions", [1200])
    assert_numbers(e, "sales", [300.0])
    assert_numbers(e, "buy_box", [0.98])


@covers("business_report_asin")
def test_business_report_german_ui_headers_variant_d(tmp_path: Path) -> None:
    rows = [
        ["B0DE000001", "B0DE000002", "Fußmatte grau", "DE-1", "312", "5", "401", "7", "12", "1", "368,14 €", "30,00 €"],
        ["B0DE000001", "B0DE000003", "Fußmatte blau", "DE-2", "904", "0", "1530", "0", "40", "0", "1.234,56 €", "0,00 €"],
    ]
    put(tmp_path, "DE/BusinessReport-02.12.25.csv", to_csv(BR_DE, rows))
    e = read_one(tmp_path, "DE/BusinessReport-02.12.25.csv")
    assert e.kind == "business_report_asin"
    assert (e.marketplace, e.currency) == ("DE", "EUR")
    assert values(e, "asin") == ["B0DE000002", "B0DE000003"]
    assert values(e, "parent_asin") == ["B0DE000001", "B0DE000001"]
    assert_numbers(e, "sessions", [312, 904])
    assert_numbers(e, "page_views", [401, 1530])
    assert_numbers(e, "units", [12, 40])
    assert_numbers(e, "sales", [368.14, 1234.56])


@covers("business_report_asin")
def test_business_report_japanese_ui_headers_with_full_width_parentheses(tmp_path: Path) -> None:
    row = ["B0JP000001", "B0JP000002", "バスマット", "JP-SKU-1", "1,234", "56", "2", "￥123,456", "￥0", "50", "4.54%"]
    put(tmp_path, "BusinessReport-2026-11-23.csv", to_csv(BR_JP, [row]))
    e = read_one(tmp_path, "BusinessReport-2026-11-23.csv")
    assert e.kind == "business_report_asin"
    assert (e.marketplace, e.currency) == ("JP", "JPY")
    assert values(e, "asin") == ["B0JP000002"]
    assert values(e, "parent_asin") == ["B0JP000001"]
    assert values(e, "title") == ["バスマット"]
    assert_numbers(e, "sessions", [1234])
    assert_numbers(e, "units", [56])
    assert_numbers(e, "sales", [123456])
    assert_numbers(e, "orders", [50])


@covers("business_report_asin")
@pytest.mark.parametrize("generation", ["old", "current"])
def test_business_report_by_parent_item(tmp_path: Path, generation: str) -> None:
    if generation == "old":
        header = BR_PARENT_OLD
        row = ["B07JH5RJYF", "Bath Mat", "3,395", "4,488", "4.61%", "99%", "119", "$5,216.29", "107"]
    else:
        header = BR_PARENT
        row = by_header(header, {
            "(Parent) ASIN": "B07JH5RJYF", "Title": "Bath Mat", "Sessions - Total": "3,395",
            "Page Views - Total": "4,488", "Featured Offer (Buy Box) Percentage": "99.00%",
            "Units Ordered": "119", "Ordered Product Sales": "$5,216.29", "Total Order Items": "107",
        }, default="0")
    put(tmp_path, "US/2026-W47/BusinessReport-11-23-26.csv", to_csv(header, [row]))
    e = read_one(tmp_path, "US/2026-W47/BusinessReport-11-23-26.csv")
    assert e.kind == "business_report_asin"
    assert values(e, "parent_asin") == ["B07JH5RJYF"]
    assert_numbers(e, "sessions", [3395])
    assert_numbers(e, "units", [119])
    assert_numbers(e, "sales", [5216.29])
    assert_numbers(e, "orders", [107])
    assert_numbers(e, "buy_box", [0.99])
    assert e.period is not None and e.period.label == "2026-W47"


# =============================================================================================
# Business Reports by date
# =============================================================================================


@covers("business_report_date")
def test_business_report_by_date_classic_detail_page_sales_and_traffic(tmp_path: Path) -> None:
    rows = [
        ["12/01/2019", "$611.84", "16", "16", "493", "321", "98%", "4.98%", "102", "13"],
        ["12/02/2019", "$208.95", "5", "5", "412", "320", "100%", "1.56%", "102", "13"],
        ["12/13/2019", "$1,287.93", "27", "25", "1,271", "1,031", "100%", "3.03%", "102", "13"],
    ]
    put(tmp_path, "sales daily 12.1-12.13.csv", to_csv(BR_DATE_DPST, rows, quote_all=True))
    e = read_one(tmp_path, "sales daily 12.1-12.13.csv")
    assert e.kind == "business_report_date"
    assert e.family == "business_date"
    assert (e.marketplace, e.currency) == ("US", "USD")
    assert_datetime_column(e, "date")
    assert values(e, "date") == [date(2019, 12, 1), date(2019, 12, 2), date(2019, 12, 13)]
    assert_numbers(e, "sales", [611.84, 208.95, 1287.93])
    assert_numbers(e, "sessions", [321, 320, 1031])
    assert_numbers(e, "page_views", [493, 412, 1271])
    assert_numbers(e, "buy_box", [0.98, 1.0, 1.0])
    assert e.period is not None and e.period.label == "2019-12-01_2019-12-13"
    assert e.period_source == "dates in the rows"


@covers("business_report_date")
def test_business_report_by_date_classic_sales_and_traffic_and_by_month(tmp_path: Path) -> None:
    st_rows = [["12/15/2019", "$209.91", "5", "4", "$52.48", "1.25", "$41.98", "402", "1.00%", "102"]]
    month_rows = [
        ["11/01/2018", "$4,340.93", "77", "74", "$4,190.56", "74", "70"],
        ["12/01/2018", "$5,340.93", "87", "84", "$5,190.56", "84", "80"],
    ]
    put(tmp_path, "ALL ORDERS 201810-NOW.csv", to_csv(BR_DATE_ST, st_rows, quote_all=True))
    put(tmp_path, "BusinessReport-11-21-19 (2).csv", to_csv(BR_DATE_MONTH, month_rows, quote_all=True))
    st = read_one(tmp_path, "ALL ORDERS 201810-NOW.csv")
    assert st.kind == "business_report_date"
    assert values(st, "date") == [date(2019, 12, 15)]
    assert_numbers(st, "sales", [209.91])
    assert_numbers(st, "sessions", [402])
    month = read_one(tmp_path, "BusinessReport-11-21-19 (2).csv")
    assert month.kind == "business_report_date"
    assert values(month, "date") == [date(2018, 11, 1), date(2018, 12, 1)]
    assert_numbers(month, "sales", [4340.93, 5340.93])
    assert_numbers(month, "shipped_sales", [4190.56, 5190.56])


@covers("business_report_date")
def test_business_report_by_date_newer_18_columns(tmp_path: Path) -> None:
    rows = [
        ["01/04/26", "₹75,565.26", "₹0.00", "39", "0", "38", "0", "₹1,988.56", "₹0.00", "1.03", "0.00", "₹1,937.57", "₹0.00", "1,514", "30", "2.51%", "0.00%", "238"],
        ["15/04/26", "₹5,000.00", "₹0.00", "3", "0", "3", "0", "₹1,666.67", "₹0.00", "1.00", "0.00", "₹1,666.67", "₹0.00", "214", "0", "1.40%", "0.00%", "238"],
    ]
    put(tmp_path, "BusinessReport-16-04-26.csv", to_csv(BR_DATE_18, rows))
    e = read_one(tmp_path, "BusinessReport-16-04-26.csv")
    assert e.kind == "business_report_date"
    assert (e.marketplace, e.currency) == ("IN", "INR")
    assert values(e, "date") == [date(2026, 4, 1), date(2026, 4, 15)]
    assert_numbers(e, "sales", [75565.26, 5000.0])
    assert_numbers(e, "units", [39, 3])
    assert_numbers(e, "orders", [38, 3])
    assert_numbers(e, "sessions", [1514, 214])


@covers("business_report_date")
def test_business_report_by_date_newer_17_columns_with_indian_grouping(tmp_path: Path) -> None:
    rows = [
        ["01/07/26", "₹1,08,218.36", "₹897.60", "169", "2", "160", "2", "9,812", "40", "6,101", "31", "97.50%", "100.00%", "2.77%", "6.45%", "238", "13"],
        ["02/07/26", "₹98,000.00", "₹0.00", "150", "0", "148", "0", "9,000", "0", "5,900", "0", "96.00%", "0.00%", "2.54%", "0.00%", "238", "13"],
    ]
    put(tmp_path, "IN/BusinessReport-03-07-26.csv", to_csv(BR_DATE_17, rows))
    e = read_one(tmp_path, "IN/BusinessReport-03-07-26.csv")
    assert e.kind == "business_report_date"
    assert (e.marketplace, e.currency) == ("IN", "INR")
    # Only the marketplace (IN writes the day first) can order 01/07/26 and 02/07/26.
    assert values(e, "date") == [date(2026, 7, 1), date(2026, 7, 2)]
    assert_numbers(e, "sales", [108218.36, 98000.0])
    assert_numbers(e, "page_views", [9812, 9000])
    assert_numbers(e, "sessions", [6101, 5900])
    assert_numbers(e, "buy_box", [0.975, 0.96])


# =============================================================================================
# Sponsored Products
# =============================================================================================


@covers("sp_campaign")
def test_sp_campaign_23_columns_with_last_year_start_date_is_not_the_period(tmp_path: Path) -> None:
    rows = [
        ["Dec 14, 2019", "Dec 7, 2019", "", "No Portfolio", "Sponsored Products", "B07L118VDV (Hello Happiness) - Keyword Target", "ENABLED", "USD", "$6.0", "Manual targeting", "Dynamic bids - down only", "568", "", "4", "", "0.70%", "$2.38", "", "$0.595", "", "0", "0.00%", "$0.0"],
        ["Dec 14, 2019", "Nov 2, 2019", "", "No Portfolio", "Sponsored Products", "Auto - all", "ENABLED", "USD", "$10.0", "Automatic targeting", "Dynamic bids - down only", "1,204", "", "9", "", "0.75%", "$4.68", "", "$0.52", "", "1", "18.01%", "$25.98"],
    ]
    put(tmp_path, "12.15 Campaign report.csv", to_csv(SP_CAMPAIGN_23, rows, line_end="\r\n"))
    e = read_one(tmp_path, "12.15 Campaign report.csv")
    assert e.kind == "sp_campaign"
    assert (e.ad_type, e.attribution_days) == ("SP", 7)
    assert (e.marketplace, e.currency) == ("US", "USD")
    assert values(e, "campaign") == ["B07L118VDV (Hello Happiness) - Keyword Target", "Auto - all"]
    assert values(e, "date") == [date(2019, 12, 14)] * 2
    assert "start_date" not in e.table.columns
    assert e.period is not None and e.period.label == "2019-12-14_2019-12-14"
    assert e.period_source == "dates in the rows"
    assert not e.summary
    assert_numbers(e, "impressions", [568, 1204])
    assert_numbers(e, "clicks", [4, 9])
    assert_numbers(e, "spend", [2.38, 4.68])
    assert_numbers(e, "ad_orders", [0, 1])
    assert_numbers(e, "ad_sales", [0.0, 25.98])
    assert_numbers(e, "budget", [6.0, 10.0])


@covers("sp_campaign")
def test_sp_campaign_19_columns(tmp_path: Path) -> None:
    rows = [["Dec 15, 2019", "Dec 7, 2019", "", "No Portfolio", "Sponsored Products", "DL门垫自动", "ENABLED", "USD", "$6.0", "Automatic targeting", "Dynamic bids - down only", "568", "4", "0.70%", "$2.38", "$0.595", "0", "0.00%", "$0.0"]]
    put(tmp_path, "Sponsored Products Campaign report.csv", to_csv(SP_CAMPAIGN_19, rows))
    e = read_one(tmp_path, "Sponsored Products Campaign report.csv")
    assert len(SP_CAMPAIGN_19) == 19
    assert e.kind == "sp_campaign"
    assert values(e, "campaign") == ["DL门垫自动"]
    assert values(e, "date") == [date(2019, 12, 15)]
    assert_numbers(e, "spend", [2.38])


@covers("sp_targeting")
def test_sp_targeting_daily(tmp_path: Path) -> None:
    rows = [
        ["Dec 18, 2019", "Not grouped", "USD", "Mats - Manual", "Exact", "kitchen mat", "EXACT", "120", "3", "2.50%", "$0.60", "$1.80", "9.02%", "11.08", "$19.95", "1", "1", "33.33%", "1", "0", "$19.95", "$0.00"],
        ["Dec 18, 2019", "Not grouped", "USD", "Mats - Auto", "Auto", "*", "-", "300", "2", "0.67%", "$0.45", "$0.90", "", "0.00", "$0.00", "0", "0", "0.00%", "0", "0", "$0.00", "$0.00"],
    ]
    put(tmp_path, "Sponsored Products Targeting report.csv", to_csv(SP_TARGETING_DAILY, rows))
    e = read_one(tmp_path, "Sponsored Products Targeting report.csv")
    assert e.kind == "sp_targeting"
    assert not e.summary
    assert values(e, "targeting") == ["kitchen mat", "*"]
    assert values(e, "match_type") == ["EXACT", "-"]
    assert_numbers(e, "spend", [1.80, 0.90])
    assert_numbers(e, "ad_sales", [19.95, 0.0])
    assert_numbers(e, "ad_orders", [1, 0])
    assert_numbers(e, "ad_units", [1, 0])


@covers("sp_targeting")
def test_sp_targeting_summary_india_2025(tmp_path: Path) -> None:
    rows = [
        ["Feb 01, 2025", "Mar 15, 2025", "No Portfolio", "INR", "manual wands", "Light wands", "harry potter wand", "BROAD", "5120", "12.50%", "169", "3.30%", "₹2.00", "₹338.23", "6.65%", "15.04", "₹5,086.73", "5", "6", "2.96%", "2", "4", "₹1,646.61", "₹3,440.12"],
        ["Feb 03, 2025", "Mar 10, 2025", "No Portfolio", "INR", "manual wands", "Light wands", 'asin="B09HXJJ8TY"', "-", "800", "", "20", "2.50%", "₹1.50", "₹30.00", "", "0.00", "₹0.00", "0", "0", "0.00%", "0", "0", "₹0.00", "₹0.00"],
    ]
    put(tmp_path, "Sponsored_Products_Targeting_report_-last_45days.csv", to_csv(SP_TARGETING_SUMMARY_IN, rows))
    e = read_one(tmp_path, "Sponsored_Products_Targeting_report_-last_45days.csv")
    assert e.kind == "sp_targeting"
    assert e.summary
    assert (e.marketplace, e.currency) == ("IN", "INR")
    assert values(e, "start_date") == [date(2025, 2, 1), date(2025, 2, 3)]
    assert values(e, "end_date") == [date(2025, 3, 15), date(2025, 3, 10)]
    assert e.period is not None and e.period.label == "2025-02-01_2025-03-15"
    assert values(e, "targeting") == ["harry potter wand", 'asin="B09HXJJ8TY"']
    assert_numbers(e, "spend", [338.23, 30.0])
    assert_numbers(e, "ad_sales", [5086.73, 0.0])


@covers("sp_search_term")
def test_sp_search_term_daily_xlsx_with_excel_dates_and_fractions(tmp_path: Path) -> None:
    rows = [
        [datetime(2019, 12, 28), "Not grouped", "USD", "B07JMT389Q (Enjoy Life) - Keyword Target", "B07JMT389Q (Enjoy Life) - Exact", "kitchen mat rug", "EXACT", "kitchen mats/rugs", 26, 1, 0.0384615, 0.51, 0.51, 0, None, 0, 0, 0, 0, 0, 0, 0, 0],
        [datetime(2019, 12, 29), "Not grouped", "USD", "Auto - all", "Auto", "*", "-", "bath mat", 300, 4, 0.0133333, 0.6, 2.4, 45.98, 0.0522, 19.16, 2, 2, 0.5, 2, 0, 45.98, 0],
    ]
    data = xlsx_bytes(
        SP_SEARCH_TERM_DAILY, rows, sheet="Sponsored Product Search Term R",
        formats={"Date": "MMM dd, yyyy", "Click-Thru Rate (CTR)": "0.0000%", "Spend": "$ #,##0.00",
                 "7 Day Total Sales ": "$ #,##0.00", "7 Day Conversion Rate": "0.00%"},
    )
    put(tmp_path, "ST 12.29.xlsx", data)
    e = read_one(tmp_path, "ST 12.29.xlsx")
    assert e.kind == "sp_search_term"
    assert e.sheet == "Sponsored Product Search Term R"
    assert (e.marketplace, e.currency) == ("US", "USD")
    assert_datetime_column(e, "date")
    assert values(e, "date") == [date(2019, 12, 28), date(2019, 12, 29)]
    assert values(e, "search_term") == ["kitchen mats/rugs", "bath mat"]
    assert values(e, "campaign")[0] == "B07JMT389Q (Enjoy Life) - Keyword Target"
    assert_numbers(e, "impressions", [26, 300])
    assert_numbers(e, "clicks", [1, 4])
    assert_numbers(e, "spend", [0.51, 2.4])
    assert_numbers(e, "ad_sales", [0, 45.98])
    assert_numbers(e, "ad_orders", [0, 2])
    assert e.period is not None and e.period.label == "2019-12-28_2019-12-29"
    assert not any("re-saved" in w for w in e.warnings), e.warnings


@covers("sp_search_term")
def test_sp_search_term_summary(tmp_path: Path) -> None:
    rows = [
        ["Dec 13, 2019", "Dec 20, 2019", "Not grouped", "USD", "Mats - Manual", "Exact", "kitchen mat", "EXACT", "kitchen mat", "40", "2", "5.00%", "$0.55", "$1.10", "$19.95", "5.51%", "18.14", "1", "1", "50.00%", "1", "0", "$19.95", "$0.00"],
        ["Dec 14, 2019", "Dec 19, 2019", "Not grouped", "USD", "Mats - Auto", "Auto", "*", "-", "b07jmt389q", "10", "1", "10.00%", "$0.40", "$0.40", "$0.00", "", "0.00", "0", "0", "0.00%", "0", "0", "$0.00", "$0.00"],
    ]
    put(tmp_path, "ST 12.20.csv", to_csv(SP_SEARCH_TERM_SUMMARY, rows))
    e = read_one(tmp_path, "ST 12.20.csv")
    assert len(SP_SEARCH_TERM_SUMMARY) == 24
    assert e.kind == "sp_search_term"
    assert e.summary
    assert "date" not in e.table.columns
    assert e.period is not None and e.period.label == "2019-12-13_2019-12-20"
    assert_numbers(e, "spend", [1.10, 0.40])
    assert values(e, "search_term") == ["kitchen mat", "b07jmt389q"]


@covers("sp_advertised_product")
def test_sp_advertised_product_seller_7_day(tmp_path: Path) -> None:
    rows = [["Dec 19, 2019", "Not grouped", "USD", "Mats - Manual", "Exact", "1-mc-18", "B07JJC4NTT", "1,200", "12", "1.00%", "$0.50", "$6.00", "$59.85", "10.03%", "9.98", "3", "3", "25.00%", "2", "1", "$39.90", "$19.95"]]
    put(tmp_path, "ASIN 12.19.csv", to_csv(SP_ADVERTISED_DAILY, rows))
    e = read_one(tmp_path, "ASIN 12.19.csv")
    assert e.kind == "sp_advertised_product"
    assert (e.ad_type, e.attribution_days) == ("SP", 7)
    assert values(e, "asin") == ["B07JJC4NTT"]
    assert values(e, "sku") == ["1-mc-18"]
    assert_numbers(e, "impressions", [1200])
    assert_numbers(e, "spend", [6.0])
    assert_numbers(e, "ad_sales", [59.85])
    assert_numbers(e, "ad_orders", [3])
    assert not any("attribution" in w for w in e.warnings), e.warnings


@covers("sp_advertised_product")
def test_sp_advertised_product_vendor_14_day_without_sku(tmp_path: Path) -> None:
    rows = [["Feb 01, 2020", "No Portfolio", "INR", "Wands auto", "Ad group 1", "B0CLLRKYF1", "5120", "169", "3.30%", "Rs.2.00", "Rs.338.23", "Rs.5086.73", "6.65%", "15.04", "5", "6", "2.96%"]]
    put(tmp_path, "Sponsored Products Advertised product report.csv", to_csv(SP_ADVERTISED_VENDOR, rows))
    e = read_one(tmp_path, "Sponsored Products Advertised product report.csv")
    assert e.kind == "sp_advertised_product"
    assert (e.ad_type, e.attribution_days) == ("SP", 14)
    assert (e.marketplace, e.currency) == ("IN", "INR")
    assert "sku" not in e.table.columns
    assert values(e, "asin") == ["B0CLLRKYF1"]
    assert_numbers(e, "spend", [338.23])
    assert_numbers(e, "ad_sales", [5086.73])
    assert any("14-day" in w for w in e.warnings), e.warnings


@covers("sp_purchased_product")
def test_sp_purchased_product(tmp_path: Path) -> None:
    rows = [["Dec 19, 2019", "Not grouped", "USD", "Mats - Manual", "Exact", "1-mc-18", "B07JJC4NTT", "kitchen mat", "EXACT", "B07JMDZBSR", "2", "1", "$39.90"]]
    put(tmp_path, "Sponsored Products Purchased product report.csv", to_csv(SP_PURCHASED, rows))
    e = read_one(tmp_path, "Sponsored Products Purchased product report.csv")
    assert e.kind == "sp_purchased_product"
    assert values(e, "purchased_asin") == ["B07JMDZBSR"]
    assert values(e, "asin") == ["B07JJC4NTT"]
    assert_numbers(e, "other_sku_units", [2])
    assert_numbers(e, "other_sku_sales", [39.90])


@covers("sp_placement")
def test_sp_placement(tmp_path: Path) -> None:
    rows = [
        ["Dec 15, 2019", "Not grouped", "USD", "Mats - Manual", "Dynamic bids - down only", "Top of Search on-Amazon", "400", "8", "$0.60", "$4.80", "$39.90", "12.03%", "8.31", "2", "2"],
        ["Dec 15, 2019", "Not grouped", "USD", "Mats - Manual", "Dynamic bids - down only", "Product pages on Amazon", "900", "3", "$0.40", "$1.20", "$0.00", "", "0.00", "0", "0"],
    ]
    put(tmp_path, "12.15 Placement report.csv", to_csv(SP_PLACEMENT, rows))
    e = read_one(tmp_path, "12.15 Placement report.csv")
    assert e.kind == "sp_placement"
    assert values(e, "placement") == ["Top of Search on-Amazon", "Product pages on Amazon"]
    assert values(e, "bidding_strategy") == ["Dynamic bids - down only"] * 2
    assert_numbers(e, "spend", [4.80, 1.20])
    assert_numbers(e, "ad_sales", [39.90, 0.0])


# =============================================================================================
# Sponsored Brands / Sponsored Display
# =============================================================================================


@covers("sb_campaign")
def test_sb_campaign_decided_from_its_video_and_branded_search_columns(tmp_path: Path) -> None:
    row = by_header(SB_CAMPAIGN, {
        "Date": "Nov 16, 2026", "Portfolio name": "No Portfolio", "Currency": "USD", "Campaign Name": "Brand - video",
        "Cost type": "CPC", "Country": "United States", "Impressions": "10,000", "Clicks": "80", "Spend": "$40.00",
        "14 Day Total Sales": "$399.00", "14 Day Total Orders (#)": "10", "14 Day Total Units (#)": "11",
        "Viewable Impressions": "7,000", "5 Second Views": "900", "14 Day Branded Searches": "12",
        "14 Day New-to-brand Orders (#)": "6",
    })
    put(tmp_path, "Campaign report 2026-11-16.csv", to_csv(SB_CAMPAIGN, [row]))
    e = read_one(tmp_path, "Campaign report 2026-11-16.csv")
    assert e.kind == "sb_campaign"
    assert (e.ad_type, e.attribution_days) == ("SB", 14)
    assert (e.marketplace, e.currency) == ("US", "USD")
    assert_numbers(e, "spend", [40.0])
    assert_numbers(e, "ad_sales", [399.0])
    assert_numbers(e, "viewable_impressions", [7000])
    assert not any("attribution" in w for w in e.warnings), e.warnings


@covers("sb_keyword")
def test_sb_keyword_named_sponsored_brands(tmp_path: Path) -> None:
    row = by_header(SB_KEYWORD, {
        "Start Date": "Nov 16, 2026", "End Date": "Nov 22, 2026", "Portfolio name": "No Portfolio",
        "Currency": "USD", "Campaign Name": "Brand - headline", "Targeting": "bath mat", "Match Type": "BROAD",
        "Impressions": "2,000", "Clicks": "20", "Spend": "$15.00", "14 Day Total Sales": "$120.00",
        "14 Day Total Orders (#)": "4",
    })
    put(tmp_path, "Sponsored Brands Keyword report.csv", to_csv(SB_KEYWORD, [row]))
    e = read_one(tmp_path, "Sponsored Brands Keyword report.csv")
    assert e.kind == "sb_keyword"
    assert (e.ad_type, e.attribution_days) == ("SB", 14)
    assert e.summary
    assert values(e, "targeting") == ["bath mat"]
    assert_numbers(e, "spend", [15.0])
    assert_numbers(e, "ad_sales", [120.0])
    assert not any("ad type read as" in w for w in e.warnings), e.warnings


@covers("sb_keyword")
def test_sb_keyword_from_new_to_brand_columns_warns_how_to_be_sure(tmp_path: Path) -> None:
    row = by_header(SB_KEYWORD, {
        "Start Date": "Nov 16, 2026", "End Date": "Nov 22, 2026", "Currency": "USD",
        "Campaign Name": "Brand - headline", "Targeting": "bath mat", "Spend": "$15.00",
    })
    put(tmp_path, "Keyword report.csv", to_csv(SB_KEYWORD, [row]))
    e = read_one(tmp_path, "Keyword report.csv")
    assert e.kind == "sb_keyword"
    assert any("Sponsored Brands" in w for w in e.warnings), e.warnings


@covers("sb_search_term")
def test_sb_search_term_with_cost_type_and_viewable_impressions(tmp_path: Path) -> None:
    row = by_header(SB_SEARCH_TERM, {
        "Date": "Nov 17, 2026", "Portfolio name": "No Portfolio", "Currency": "USD", "Campaign Name": "Brand - headline",
        "Ad Group Name": "Ad group 1", "Targeting": "bath mat", "Match Type": "BROAD",
        "Customer Search Term": "fluffy bath mat", "Cost Type": "CPC", "Impressions": "500",
        "Viewable Impressions": "350", "Clicks": "7", "Spend": "$4.20", "14 Day Total Sales": "$59.85",
        "14 Day Total Orders (#)": "3", "14 Day Total Sales - (Click)": "$39.90",
    }, default="")
    put(tmp_path, "Sponsored Brands/Search term report.csv", to_csv(SB_SEARCH_TERM, [row]))
    e = read_one(tmp_path, "Sponsored Brands/Search term report.csv")
    assert e.kind == "sb_search_term"
    assert (e.ad_type, e.attribution_days) == ("SB", 14)
    assert values(e, "search_term") == ["fluffy bath mat"]
    assert values(e, "cost_type") == ["CPC"]
    assert_numbers(e, "ad_sales", [59.85])  # the total, not the click-only column
    assert_numbers(e, "viewable_impressions", [350])


@covers("sd_campaign")
def test_sd_campaign_decided_by_its_folder_name(tmp_path: Path) -> None:
    row = by_header(SD_CAMPAIGN, {
        "Date": "Nov 17, 2026", "Status": "ENABLED", "Currency": "USD", "Budget": "$20.00",
        "Campaign Name": "Retargeting - views", "Portfolio name": "No Portfolio", "Cost Type": "vCPM",
        "Country": "United States", "Impressions": "20,000", "Viewable Impressions": "15,000",
        "Clicks": "30", "Spend": "$25.00", "14 Day Total Sales": "$150.00", "14 Day Total Orders (#)": "5",
    }, default="")
    put(tmp_path, "Sponsored Display/Campaign report.csv", to_csv(SD_CAMPAIGN, [row]))
    e = read_one(tmp_path, "Sponsored Display/Campaign report.csv")
    assert e.kind == "sd_campaign"
    assert (e.ad_type, e.attribution_days) == ("SD", 14)
    assert_numbers(e, "spend", [25.0])
    assert_numbers(e, "ad_sales", [150.0])
    assert_numbers(e, "impressions", [20000])


@covers("sd_targeting")
def test_sd_targeting_with_bid_optimization(tmp_path: Path) -> None:
    row = by_header(SD_TARGETING, {
        "Date": "Nov 18, 2026", "Currency": "USD", "Campaign Name": "Audiences", "Portfolio name": "No Portfolio",
        "Cost Type": "CPC", "Ad Group Name": "Views remarketing", "Targeting": "views=(exact-product lookback=30)",
        "Bid Optimization": "Optimize for page visits", "Impressions": "4,000", "Clicks": "25",
        "Spend": "$12.50", "14 Day Total Sales": "$79.80", "14 Day Total Orders (#)": "2",
    }, default="")
    put(tmp_path, "Targeting report.csv", to_csv(SD_TARGETING, [row]))
    e = read_one(tmp_path, "Targeting report.csv")
    assert e.kind == "sd_targeting"
    assert (e.ad_type, e.attribution_days) == ("SD", 14)
    assert values(e, "targeting") == ["views=(exact-product lookback=30)"]
    assert_numbers(e, "spend", [12.5])
    assert_numbers(e, "ad_sales", [79.80])


@covers("sd_advertised_product")
def test_sd_advertised_product_with_bid_optimization(tmp_path: Path) -> None:
    row = by_header(SD_ADVERTISED, {
        "Date": "Nov 18, 2026", "Currency": "USD", "Campaign Name": "Audiences", "Portfolio name": "No Portfolio",
        "Cost Type": "CPC", "Ad Group Name": "Views remarketing", "Bid Optimization": "Optimize for conversions",
        "Advertised SKU": "1-mc-18", "Advertised ASIN": "B07JJC4NTT", "Impressions": "4,000",
        "Viewable Impressions": "3,000", "Clicks": "25", "Spend": "$12.50", "14 Day Total Sales": "$79.80",
        "14 Day Total Orders (#)": "2", "14 Day Total Units (#)": "2", "14 Day Total Sales - (Click)": "$39.90",
    }, default="")
    put(tmp_path, "Advertised product report.csv", to_csv(SD_ADVERTISED, [row]))
    e = read_one(tmp_path, "Advertised product report.csv")
    assert e.kind == "sd_advertised_product"
    assert (e.ad_type, e.attribution_days) == ("SD", 14)
    assert values(e, "asin") == ["B07JJC4NTT"]
    assert values(e, "bid_optimization") == ["Optimize for conversions"]
    assert_numbers(e, "ad_sales", [79.80])
    assert_numbers(e, "ad_units", [2])


# =============================================================================================
# 2024+ Ads console format
# =============================================================================================


@covers("sp_advertised_product")
def test_ads_2024_advertised_product_with_usd_and_mxn_rows(tmp_path: Path) -> None:
    us = by_header(ADS_2024_ADVERTISED, {
        "Budget currency": "USD", "Date range": "Aug 15, 2026 - Sep 13, 2026",
        "Advertiser account ID": '="amzn1.ads-account.g.abc"', "Advertiser account name": "FishersCove",
        "Portfolio ID": '="228547447293264"', "Campaign ID": '="254927681919372"', "Campaign name": "Cast nets - SP",
        "Ad group ID": '="111"', "Ad group name": "Nets", "Advertised product ID": '="B0GWCDX3HY"',
        "Advertised product name": "Cast Net 3ft", "Advertised product SKU": "5K-SC4U-PO06",
        "Advertised product marketplace": "AMAZON.COM", "Impressions": "9582", "Clicks": "100",
        "CTR": "1.0436%", "Total cost": "108.61", "Purchases": "11", "Sales": "180.90", "Units sold": "11",
    }, default="")
    mx = by_header(ADS_2024_ADVERTISED, {
        "Budget currency": "MXN", "Date range": "Aug 16, 2026 - Sep 12, 2026", "Campaign name": "Atarrayas - SP",
        "Advertised product ID": '="B0GWCDX3HY"', "Advertised product marketplace": "AMAZON.COM.MX",
        "Impressions": "1200", "Clicks": "20", "Total cost": "350.00", "Purchases": "2", "Sales": "1,500.00",
        "Units sold": "2",
    }, default="")
    put(tmp_path, "Advertised_product_report.csv", to_csv(ADS_2024_ADVERTISED, [us, mx]))
    e = read_one(tmp_path, "Advertised_product_report.csv")
    assert e.kind == "sp_advertised_product"
    assert e.summary
    assert values(e, "asin") == ["B0GWCDX3HY", "B0GWCDX3HY"]
    assert values(e, "sku")[0] == "5K-SC4U-PO06"
    assert values(e, "marketplace") == ["US", "MX"]
    assert values(e, "currency") == ["USD", "MXN"]
    assert e.currency is None  # never one currency for a file holding two
    assert e.marketplace is None
    assert values(e, "start_date") == [date(2026, 8, 15), date(2026, 8, 16)]
    assert values(e, "end_date") == [date(2026, 9, 13), date(2026, 9, 12)]
    assert e.period is not None and e.period.label == "2026-08-15_2026-09-13"
    assert_numbers(e, "spend", [108.61, 350.0])
    assert_numbers(e, "ad_sales", [180.90, 1500.0])
    assert_numbers(e, "ad_orders", [11, 2])
    assert_numbers(e, "ad_units", [11, 2])


@covers("sp_search_term")
def test_ads_2024_search_term_short_form(tmp_path: Path) -> None:
    rows = [
        ["USD", "Aug 15, 2026 - Sep 13, 2026", "FishersCove", "No Portfolio", '="254927681919372"', "Cast nets - SP", '="111"', "Nets", "cast net 4ft", "500", "9", "1.8000%", "6.30", "1", "29.99", "1", "4.76"],
        ["USD", "Aug 15, 2026 - Sep 13, 2026", "FishersCove", "No Portfolio", '="254927681919372"', "Cast nets - SP", '="111"', "Nets", "bait net", "200", "3", "1.5000%", "2.10", "", "", "", ""],
    ]
    put(tmp_path, "US/Search_term_report.csv", to_csv(ADS_2024_SEARCH_TERM, rows))
    e = read_one(tmp_path, "US/Search_term_report.csv")
    assert e.kind == "sp_search_term"
    assert (e.marketplace, e.currency) == ("US", "USD")
    assert values(e, "search_term") == ["cast net 4ft", "bait net"]
    assert_numbers(e, "spend", [6.30, 2.10])
    assert_numbers(e, "ad_sales", [29.99, None])
    assert e.period is not None and e.period.label == "2026-08-15_2026-09-13"


# =============================================================================================
# FBA inventory, returns, All Orders
# =============================================================================================


def _inventory_row(sku: str, fnsku: str, asin: str, title: str, fulfillable: str, working: str = "0") -> list[str]:
    return [sku, fnsku, asin, title, "New", "58.89", "No", "", "Yes", "3", fulfillable, "0", "0", "103", "0.28", working, "0", "0", "0", "0", "0"]


@covers("fba_inventory")
def test_manage_fba_inventory_21_column_csv_in_cp1252(tmp_path: Path) -> None:
    rows = [
        _inventory_row("0Y-KRAZ-EDMI", "X001XKWM0X", "B07JMT389Q", "Desiderare 2 Piece Anti Fatigue Kitchen Mat – Café", "3", "100"),
        _inventory_row("1-mb-18", "B07JHJMS69", "B07JHJMS69", "Bath Mat", "57"),
    ]
    text = to_csv(INVENTORY_21, rows, quote_all=True).replace('""', "")  # empty cells unquoted
    put(tmp_path, "manage amazon inventory.csv", text, encoding="cp1252")
    e = read_one(tmp_path, "manage amazon inventory.csv", ReadHints(default_marketplace="US"))
    assert e.kind == "fba_inventory"
    assert e.family == "inventory"
    assert "cp1252" in e.conventions
    assert values(e, "title")[0] == "Desiderare 2 Piece Anti Fatigue Kitchen Mat – Café"
    assert values(e, "asin") == ["B07JMT389Q", "B07JHJMS69"]
    assert_numbers(e, "fulfillable", [3, 57])
    assert_numbers(e, "inbound_working", [100, 0])
    assert_numbers(e, "on_hand_total", [103, 103])
    assert_numbers(e, "price", [58.89, 58.89])
    assert (e.marketplace, e.currency) == ("US", "USD")


@covers("fba_inventory")
def test_manage_fba_inventory_tab_separated_txt_with_raw_quotes(tmp_path: Path) -> None:
    rows = [
        [*_inventory_row("FIG-10", "X00FIG0010", "B0FIGURE10", 'Figura 10" Deluxe', "4", "2"), "4", "0", "0", "4", "DE"],
        [*_inventory_row("FIG-12", "X00FIG0012", "B0FIGURE12", "Figura 12 Basic", "0"), "0", "0", "0", "0", "DE"],
    ]
    put(tmp_path, "Inventory_2026-11-23.txt", to_tsv(INVENTORY_26, rows), encoding="cp1252")
    e = read_one(tmp_path, "Inventory_2026-11-23.txt", ReadHints(default_marketplace="DE"))
    assert e.kind == "fba_inventory"
    assert e.rows == 2
    assert values(e, "title") == ['Figura 10" Deluxe', "Figura 12 Basic"]
    assert_numbers(e, "fulfillable", [4, 0])
    assert e.snapshot_date == date(2026, 11, 23)
    assert e.period is not None and e.period.label == "2026-11-23_2026-11-23"


FBA_INVENTORY_2026 = ["snapshot-date", "sku", "fnsku", "asin", "product-name", "condition", "available", "fc-transfer", "pending-removal-quantity", "inv-age-0-to-90-days", "inv-age-91-to-180-days", "inv-age-181-to-270-days", "inv-age-271-to-365-days", "inv-age-366-to-455-days", "inv-age-456-plus-days", "currency", "units-shipped-t7", "units-shipped-t30", "units-shipped-t60", "units-shipped-t90", "alert", "your-price", "sales-price", "lowest-price-new-plus-shipping", "lowest-price-used", "recommended-action", "DEPRECATED healthy-inventory-level", "recommended-sales-price", "recommended-sale-duration-days", "recommended-removal-quantity", "estimated-cost-savings-of-recommended-actions", "sell-through", "item-volume", "volume-unit-measurement", "storage-type", "storage-volume", "marketplace", "product-group", "sales-rank", "days-of-supply", "estimated-excess-quantity", "weeks-of-cover-t30", "weeks-of-cover-t90", "featuredoffer-price", "sales-shipped-last-7-days", "sales-shipped-last-30-days", "sales-shipped-last-60-days", "sales-shipped-last-90-days", "inv-age-0-to-30-days", "inv-age-31-to-60-days", "inv-age-61-to-90-days", "inv-age-181-to-330-days", "inv-age-331-to-365-days", "estimated-storage-cost-next-month", "inbound-quantity", "inbound-working", "inbound-shipped", "inbound-received", "no-sale-last-6-months", "Total Reserved Quantity", "unfulfillable-quantity"]


@covers("fba_inventory")
def test_fba_inventory_2026_report_takes_its_snapshot_date_and_marketplace_from_the_rows(tmp_path: Path) -> None:
    # [C S8]: the first 61 of the report's columns; the rest are ignorable extras.
    row = by_header(FBA_INVENTORY_2026, {
        "snapshot-date": "2026-07-31", "sku": "5K-SC4U-PO06", "asin": "B096MCMDPL", "product-name": "Cast Net",
        "condition": "New", "available": "120", "currency": "USD", "units-shipped-t30": "90", "your-price": "49.99",
        "marketplace": "US", "inbound-working": "10", "inbound-shipped": "20", "inbound-received": "5",
        "Total Reserved Quantity": "4", "unfulfillable-quantity": "1", "recommended-action": "No action required",
    }, default="0.0")
    put(tmp_path, "FBA Inventory.csv", to_csv(FBA_INVENTORY_2026, [row], quote_all=True))
    e = read_one(tmp_path, "FBA Inventory.csv")
    assert e.kind == "fba_inventory"
    assert (e.marketplace, e.currency) == ("US", "USD")
    assert e.snapshot_date == date(2026, 7, 31)
    assert e.period is not None and e.period.label == "2026-07-31_2026-07-31"
    assert e.period_source == "snapshot date in the rows"
    assert_numbers(e, "fulfillable", [120])
    assert_numbers(e, "units_shipped_30d", [90])
    assert_numbers(e, "inbound_shipped", [20])
    assert_numbers(e, "reserved", [4])


@covers("fba_returns")
def test_fba_customer_returns(tmp_path: Path) -> None:
    rows = [
        ["2019-12-24T07:27:37+00:00", "113-1421060-4290610", "YH-UMKR-8PI5", "B07KK3RQNV", "X001YID8UH", "2 Piece Non-Slip Anti-Fatigue Kitchen Mat", "1", "LEX2", "CUSTOMER_DAMAGED", "MISSED_ESTIMATED_DELIVERY", "Unit returned to inventory", "LPNRR844201967", ""],
        ["2019-12-20T15:00:00+00:00", "112-0047140-6977870", "1-mwh-18", "B07JJC4NTT", "X001XNL7UV", "Bath Mat", "2", "LEX2", "SELLABLE", "UNWANTED_ITEM", "Unit returned to inventory", "LPNRR000000001", "the color not accurate as the picture"],
    ]
    text = to_csv(RETURNS, rows, quote_all=True).replace(',""\n', ",\n")
    put(tmp_path, "US/RETURN DEC.csv", text, encoding="utf-8")
    e = read_one(tmp_path, "US/RETURN DEC.csv")
    assert e.kind == "fba_returns"
    assert e.family == "returns"
    assert_datetime_column(e, "return_date")
    # 07:27 UTC on Dec 24 is still Dec 23 in Los Angeles (the US marketplace's day).
    assert values(e, "return_date") == [date(2019, 12, 23), date(2019, 12, 20)]
    assert_numbers(e, "units", [1, 2])
    assert values(e, "reason") == ["MISSED_ESTIMATED_DELIVERY", "UNWANTED_ITEM"]
    assert values(e, "comments")[1] == "the color not accurate as the picture"
    assert (e.marketplace, e.currency) == ("US", "USD")
    assert e.period is not None and e.period.label == "2019-12-20_2019-12-23"


@covers("all_orders")
def test_all_orders_tab_separated_with_raw_quotes_and_trailing_space_header(tmp_path: Path) -> None:
    def order(oid: str, when: str, status: str, title: str, qty: str, price: str, channel: str = "Amazon.com") -> list[str]:
        return by_header(ALL_ORDERS, {
            "amazon-order-id": oid, "merchant-order-id": oid, "purchase-date": when, "last-updated-date": when,
            "order-status": status, "fulfillment-channel": "Amazon", "sales-channel": channel,
            "ship-service-level": "Expedited", "product-name": title, "sku": "YSD-NID-50-80", "asin": "B07VW5RPSD",
            "item-status": status, "quantity": qty, "currency": "USD" if price else "", "item-price": price,
            "ship-state": "GA", "ship-country": "US", "is-business-order": "false",
        }, default="")

    rows = [
        order("113-0000001-0000001", "2020-02-24T20:41:14+00:00", "Shipped", 'Desiderare Thick Fluffy Black Bathroom Rugs - 31" x 19" Luxury', "1", "45.59"),
        order("113-0000002-0000002", "2020-02-24T21:00:00+00:00", "Shipped", 'Bath Rug 2 Pack - 20" x 32"', "2", "91.18"),
        order("113-0000003-0000003", "2020-02-23T18:00:00+00:00", "Cancelled", "Kitchen Mat", "0", ""),
    ]
    put(tmp_path, "Orders 2.20-2.25.txt", to_tsv(ALL_ORDERS, rows), encoding="utf-8")
    e = read_one(tmp_path, "Orders 2.20-2.25.txt")
    assert e.kind == "all_orders"
    assert e.family == "orders"
    assert e.rows == 3
    assert values(e, "title")[:2] == ['Desiderare Thick Fluffy Black Bathroom Rugs - 31" x 19" Luxury', 'Bath Rug 2 Pack - 20" x 32"']
    assert values(e, "order_id")[0] == "113-0000001-0000001"
    assert_numbers(e, "units", [1, 2, 0])
    assert_numbers(e, "item_price", [45.59, 91.18, None])
    assert_datetime_column(e, "purchase_date")
    assert (e.marketplace, e.currency) == ("US", "USD")
    assert values(e, "marketplace") == ["US"] * 3
    assert values(e, "currency") == ["USD"] * 3  # the cancelled line's empty currency filled


def test_all_orders_purchase_day_is_the_rows_marketplace_day_with_or_without_a_folder(tmp_path: Path) -> None:
    row = by_header(ALL_ORDERS, {
        "amazon-order-id": "113-0000001-0000001", "purchase-date": "2020-02-24T02:41:14+00:00",
        "order-status": "Shipped", "sales-channel": "Amazon.com", "asin": "B07VW5RPSD", "quantity": "1",
        "currency": "USD", "item-price": "45.59",
    }, default="")
    put(tmp_path, "orders.txt", to_tsv(ALL_ORDERS, [row]), encoding="utf-8")
    put(tmp_path, "US/orders.txt", to_tsv(ALL_ORDERS, [row]), encoding="utf-8")
    in_folder = read_one(tmp_path, "US/orders.txt")
    loose = read_one(tmp_path, "orders.txt")
    # 02:41 UTC on Feb 24 is Feb 23 in Los Angeles, the amazon.com day.
    assert values(in_folder, "purchase_date") == [date(2020, 2, 23)]
    assert loose.marketplace == "US"
    assert values(loose, "purchase_date") == [date(2020, 2, 23)]


# =============================================================================================
# meta
# =============================================================================================


def test_every_kind_name_is_covered_by_a_test() -> None:
    not_a_kind = COVERED - set(KIND_NAMES)
    assert not not_a_kind, f"@covers names that are not in KIND_NAMES: {sorted(not_a_kind)}"
    untested = set(KIND_NAMES) - COVERED
    assert not untested, f"kinds without a test: {sorted(untested)}"


def test_detect_cli_json_agrees_with_read_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from sheetsbot.cli import main

    rows = [["Dec 14, 2019", "Dec 7, 2019", "", "No Portfolio", "Sponsored Products", "Auto", "ENABLED", "USD", "$6.0", "Automatic targeting", "Dynamic bids - down only", "568", "4", "0.70%", "$2.38", "$0.595", "0", "0.00%", "$0.0"]]
    put(tmp_path, "US/campaign.csv", to_csv(SP_CAMPAIGN_19, rows))
    assert main(["detect", str(tmp_path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 1
    assert out[0]["kind"] == "sp_campaign"
    assert out[0]["marketplace"] == "US"
    assert out[0]["period"] == "2019-12-14_2019-12-14"
