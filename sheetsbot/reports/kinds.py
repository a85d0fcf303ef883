"""The report kinds sheetsbot knows, described as data.

A kind is recognised by its columns, never by its file name. Each header cell is normalised
(:func:`normalise_header`) and looked up in :data:`FIELDS`, which maps canonical field names to
every spelling Amazon has used (old and new generations, en dashes, UI languages, currency
suffixes). A kind then says which fields it needs, which it may use, which must be absent (to
tell similar reports apart), its natural key and its date columns.

Adding a header spelling is adding a string to :data:`FIELDS`; adding a report is adding a
:class:`ReportKind` to :data:`KINDS`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from sheetsbot.reports.values import Kind as ValueKind

Family = Literal["business_asin", "business_date", "ads", "inventory", "returns", "orders"]
AdType = Literal["SP", "SB", "SD"]


@dataclass(frozen=True)
class FieldSpec:
    type: ValueKind
    aliases: tuple[str, ...]
    #: Regular expressions over the normalised header, for names that carry a number
    #: (``7 day total sales``, ``14 day total orders (#)``); group 1 is the attribution window.
    patterns: tuple[str, ...] = ()


def _f(type_: ValueKind, *aliases: str, patterns: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(type_, tuple(normalise_header(a) for a in aliases), patterns)


_CURRENCY_SUFFIX = re.compile(r"\s*\((?:[₹$€£¥￥]|rs\.?|[a-z]{3})\)\s*$")
_CURRENCY_CODES = {"₹": "INR", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "￥": "JPY", "rs": "INR", "rs.": "INR"}


def normalise_header(raw: str) -> str:
    """Trim, drop a BOM, unify dashes, brackets and spaces, casefold; keep the words."""
    text = unicodedata.normalize("NFKC", str(raw)).replace("\ufeff", "")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return text


def split_header_currency(normalised: str) -> tuple[str, str | None]:
    """``7 day total sales (₹)`` → (``7 day total sales``, ``INR``)."""
    m = _CURRENCY_SUFFIX.search(normalised)
    if not m:
        return normalised, None
    mark = m.group(0).strip()[1:-1]
    code = _CURRENCY_CODES.get(mark) or (mark.upper() if re.fullmatch(r"[a-z]{3}", mark) else None)
    if code is None or (len(mark) == 3 and code not in _ISO_CURRENCIES):
        return normalised, None
    return normalised[: m.start()].strip(), code


_ISO_CURRENCIES = {
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "INR",
    "CAD",
    "MXN",
    "AUD",
    "AED",
    "SAR",
    "SEK",
    "PLN",
    "BRL",
    "SGD",
    "TRY",
    "EGP",
    "CNY",
}

#: Canonical fields and every header spelling seen for them (BRIEF §2, amazon-exports.md).
FIELDS: dict[str, FieldSpec] = {
    # -- identities ---------------------------------------------------------------------------
    "parent_asin": _f(
        "id", "(Parent) ASIN", "(Übergeordnete) ASIN", "(親)ASIN", "（親）ASIN", "(父)ASIN", "父ASIN", "Parent ASIN"
    ),
    "asin": _f(
        "id",
        "(Child) ASIN",
        "(Untergeordnete) ASIN",
        "(子)ASIN",
        "（子）ASIN",
        "子ASIN",
        "asin",
        "Advertised ASIN",
        "Advertised product ID",
        "ASIN",
    ),
    "sku": _f("text", "SKU", "sku", "Advertised SKU", "Advertised product SKU", "seller-sku", "Merchant SKU", "MSKU"),
    "fnsku": _f("text", "fnsku", "FNSKU"),
    "title": _f(
        "text",
        "Title",
        "Titel",
        "タイトル",
        "商品名",
        "标题",
        "商品名称",
        "product-name",
        "Advertised product name",
        "Product Name",
        "item-name",
    ),
    # -- business report ----------------------------------------------------------------------
    "sessions": _f(
        "number",
        "Sessions",
        "Sessions - Total",
        "Sitzungen - Summe",
        "Sitzungen",
        "セッション数 - 合計",
        "セッション",
        "セッション数",
        "买家访问次数",
        "会话次数 - 总计",
        "会话次数",
    ),
    "page_views": _f(
        "number",
        "Page Views",
        "Page Views - Total",
        "Seitenaufrufe - Summe",
        "Seitenaufrufe",
        "ページビュー",
        "ページビュー数 - 合計",
        "ページビュー数",
        "页面浏览次数",
        "页面浏览量 - 总计",
    ),
    "buy_box": _f(
        "percent",
        "Buy Box Percentage",
        "Featured Offer (Buy Box) Percentage",
        "Featured Offer Percentage",
        "Prozentsatz der Buy Box",
        "Empfohlenes Angebot (Buy Box) - Prozentsatz",
        "Prozentsatz des empfohlenen Angebots (Buy Box)",
        "カートボックス獲得率",
        "おすすめ出品(カート獲得)率",
        "购买按钮赢得率",
        "推荐报价(购买按钮)百分比",
    ),
    "units": _f(
        "number",
        "Units Ordered",
        "Bestellte Einheiten",
        "注文された商品点数",
        "已订购商品数量",
        "quantity",
        "Return quantity",
    ),
    "sales": _f(
        "money",
        "Ordered Product Sales",
        "Gross Product Sales",
        "Durch bestellte Produkte erzielter Umsatz",
        "注文商品の売上額",
        "注文商品売上",
        "已订购商品销售额",
        "已订购商品的销售额",
    ),
    "orders": _f(
        "number",
        "Total Order Items",
        "Orders Placed",
        "Bestellte Artikel gesamt",
        "Bestellposten insgesamt",
        "Gesamtzahl der Bestellpositionen",
        "Zahl der Bestellposten",
        "注文品目総数",
        "订单商品种类数",
        "订单商品总数",
    ),
    "shipped_sales": _f("money", "Shipped Product Sales"),
    # -- ads ----------------------------------------------------------------------------------
    "date": _f("date", "Date", "Datum", "日期", "日付", "snapshot-date"),
    "start_date": _f("date", "Start Date"),
    "end_date": _f("date", "End Date"),
    "date_range": _f("date_range", "Date range"),
    "currency": _f("text", "Currency", "Budget currency", "currency", "Currency code", "Währung"),
    "country": _f("text", "Country", "Advertised product marketplace", "marketplace", "sales-channel"),
    "portfolio": _f("text", "Portfolio name"),
    "campaign": _f("text", "Campaign Name"),
    "campaign_type": _f("text", "Campaign Type", "Ad product", "Ad type", "Program type"),
    "ad_group": _f("text", "Ad Group Name"),
    "targeting": _f("text", "Targeting", "Keyword"),
    "match_type": _f("text", "Match Type"),
    "search_term": _f("text", "Customer Search Term", "Search term"),
    "purchased_asin": _f("id", "Purchased ASIN"),
    "placement": _f("text", "Placement"),
    "bidding_strategy": _f("text", "Bidding strategy"),
    "budget": _f("money", "Budget"),
    "targeting_type": _f("text", "Targeting Type"),
    "status": _f("text", "Status", "status"),
    "cost_type": _f("text", "Cost Type"),
    "bid_optimization": _f("text", "Bid Optimization"),
    "viewable_impressions": _f("number", "Viewable Impressions"),
    "video_views": _f("number", "5 Second Views", "Video complete views"),
    "branded_searches": _f("number", patterns=(r"^(\d+) day branded searches$",)),
    "ntb_orders": _f("number", patterns=(r"^(\d+) day new-to-brand orders \(#\)$",)),
    "impressions": _f("number", "Impressions"),
    "clicks": _f("number", "Clicks"),
    "spend": _f("money", "Spend", "Total cost"),
    "ad_sales": _f("money", "Sales", patterns=(r"^(\d+) day total sales$",)),
    "ad_orders": _f("number", "Purchases", patterns=(r"^(\d+) day total orders \(#\)$",)),
    "ad_units": _f("number", "Units sold", patterns=(r"^(\d+) day total units \(#\)$",)),
    "other_sku_sales": _f("money", patterns=(r"^(\d+) day other sku sales$",)),
    "other_sku_units": _f("number", patterns=(r"^(\d+) day other sku units \(#\)$",)),
    # -- inventory ----------------------------------------------------------------------------
    "fulfillable": _f("number", "afn-fulfillable-quantity", "available", "Available Inventory"),
    "inbound_working": _f("number", "afn-inbound-working-quantity", "inbound-working"),
    "inbound_shipped": _f("number", "afn-inbound-shipped-quantity", "inbound-shipped"),
    "inbound_receiving": _f("number", "afn-inbound-receiving-quantity", "inbound-received"),
    "reserved": _f("number", "afn-reserved-quantity", "Total Reserved Quantity"),
    "unsellable": _f("number", "afn-unsellable-quantity", "unfulfillable-quantity"),
    "on_hand_total": _f("number", "afn-total-quantity"),
    "price": _f("money", "your-price"),
    "units_shipped_30d": _f("number", "units-shipped-t30"),
    # -- returns ------------------------------------------------------------------------------
    "return_date": _f("timestamp", "return-date"),
    "order_id": _f("text", "order-id", "amazon-order-id", "Order ID"),
    "disposition": _f("text", "detailed-disposition"),
    "reason": _f("text", "reason", "Return Reason"),
    "license_plate": _f("text", "license-plate-number"),
    "comments": _f("text", "customer-comments"),
    "fulfillment_center": _f("text", "fulfillment-center-id"),
    # -- orders -------------------------------------------------------------------------------
    "purchase_date": _f("timestamp", "purchase-date"),
    "order_status": _f("text", "order-status"),
    "item_status": _f("text", "item-status"),
    "fulfillment_channel": _f("text", "fulfillment-channel"),
    "item_price": _f("money", "item-price"),
}


@dataclass(frozen=True)
class ReportKind:
    id: str
    label: str
    family: Family
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    #: At least one field of each group must be present.
    required_any: tuple[tuple[str, ...], ...] = ()
    #: Fields whose presence means the file is another kind.
    absent: tuple[str, ...] = ()
    #: Rows with equal keys inside one file are summed (Amazon repeats rows).
    key: tuple[str, ...] = ()
    #: Row date columns: ``date``, a ``start_date``/``end_date`` pair, or a ``date_range``.
    shape: str = ""
    ad_types: tuple[AdType, ...] = ()
    #: Sponsored Products reports use 7-day attribution, Brands and Display 14-day.
    snapshot: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        groups = tuple(f for group in self.required_any for f in group)
        return tuple(dict.fromkeys(self.required + groups + self.optional))


_AD_METRICS = ("impressions", "clicks", "spend", "ad_sales", "ad_orders", "ad_units")
_AD_CONTEXT = (
    "date",
    "start_date",
    "end_date",
    "date_range",
    "currency",
    "country",
    "portfolio",
    "campaign_type",
    "cost_type",
    "bid_optimization",
    "viewable_impressions",
    "video_views",
    "branded_searches",
    "ntb_orders",
)
_AD_DATES = (("date", "start_date", "date_range"),)

#: Every kind, most specific first (the first of equal scores wins).
KINDS: tuple[ReportKind, ...] = (
    ReportKind(
        "business_report_asin",
        "Business Report by ASIN (Detail Page Sales and Traffic)",
        "business_asin",
        required=("sessions", "units", "sales"),
        required_any=(("asin", "parent_asin"),),
        optional=("parent_asin", "asin", "title", "sku", "page_views", "buy_box", "orders", "currency", "country"),
        absent=("campaign", "date"),
        key=("asin", "sku"),
    ),
    ReportKind(
        "business_report_date",
        "Business Report by Date (Sales and Traffic)",
        "business_date",
        required=("date", "sales", "units"),
        optional=("orders", "sessions", "page_views", "buy_box", "shipped_sales", "currency", "country"),
        absent=("asin", "parent_asin", "campaign", "order_id"),
        key=("date",),
    ),
    ReportKind(
        "ads_search_term",
        "Search term report",
        "ads",
        required=("campaign", "search_term", "clicks", "spend"),
        required_any=_AD_DATES,
        optional=("ad_group", "targeting", "match_type", *_AD_METRICS, *_AD_CONTEXT),
        key=("campaign", "ad_group", "targeting", "match_type", "search_term"),
        shape="search_term",
        ad_types=("SP", "SB"),
    ),
    ReportKind(
        "ads_purchased_product",
        "Purchased product report",
        "ads",
        required=("campaign", "purchased_asin"),
        required_any=_AD_DATES,
        optional=(
            "ad_group",
            "asin",
            "sku",
            "targeting",
            "match_type",
            "other_sku_sales",
            "other_sku_units",
            *_AD_CONTEXT,
        ),
        absent=("search_term",),
        key=("campaign", "ad_group", "asin", "sku", "targeting", "match_type", "purchased_asin"),
        shape="purchased_product",
        ad_types=("SP",),
    ),
    ReportKind(
        "ads_advertised_product",
        "Advertised product report",
        "ads",
        required=("campaign", "asin", "clicks", "spend"),
        required_any=_AD_DATES,
        optional=("ad_group", "sku", "title", *_AD_METRICS, *_AD_CONTEXT),
        absent=("search_term", "purchased_asin"),
        key=("campaign", "ad_group", "asin", "sku"),
        shape="advertised_product",
        ad_types=("SP", "SD"),
    ),
    ReportKind(
        "ads_placement",
        "Placement report",
        "ads",
        required=("campaign", "placement", "spend"),
        required_any=_AD_DATES,
        optional=("bidding_strategy", *_AD_METRICS, *_AD_CONTEXT),
        absent=("search_term", "asin"),
        key=("campaign", "placement"),
        shape="placement",
        ad_types=("SP",),
    ),
    ReportKind(
        "ads_targeting",
        "Targeting report",
        "ads",
        required=("campaign", "targeting", "clicks", "spend"),
        required_any=_AD_DATES,
        optional=("ad_group", "match_type", *_AD_METRICS, *_AD_CONTEXT),
        absent=("search_term", "asin", "purchased_asin", "placement"),
        key=("campaign", "ad_group", "targeting", "match_type"),
        shape="targeting",
        ad_types=("SP", "SB", "SD"),
    ),
    ReportKind(
        "ads_campaign",
        "Campaign report",
        "ads",
        required=("campaign", "clicks", "spend", "impressions"),
        required_any=_AD_DATES,
        optional=("budget", "targeting_type", "status", "bidding_strategy", *_AD_METRICS, *_AD_CONTEXT),
        absent=("search_term", "asin", "purchased_asin", "placement", "targeting", "ad_group"),
        key=("campaign",),
        shape="campaign",
        ad_types=("SP", "SB", "SD"),
    ),
    ReportKind(
        "fba_inventory",
        "Manage FBA Inventory",
        "inventory",
        required=("asin", "fulfillable"),
        optional=(
            "sku",
            "fnsku",
            "title",
            "inbound_working",
            "inbound_shipped",
            "inbound_receiving",
            "reserved",
            "unsellable",
            "on_hand_total",
            "price",
            "units_shipped_30d",
            "date",
            "currency",
            "country",
        ),
        absent=("campaign", "sessions"),
        key=("asin", "sku"),
        snapshot=True,
    ),
    ReportKind(
        "fba_returns",
        "FBA customer returns",
        "returns",
        required=("return_date", "asin", "units"),
        required_any=(("license_plate", "order_id"),),
        optional=(
            "order_id",
            "sku",
            "fnsku",
            "title",
            "fulfillment_center",
            "disposition",
            "reason",
            "status",
            "license_plate",
            "comments",
        ),
        absent=("campaign",),
        key=("order_id", "sku", "license_plate", "return_date"),
    ),
    ReportKind(
        "all_orders",
        "All Orders",
        "orders",
        required=("order_id", "purchase_date", "asin", "units", "item_price"),
        optional=("sku", "title", "order_status", "item_status", "fulfillment_channel", "currency", "country"),
        absent=("campaign",),
        key=("order_id", "sku"),
    ),
)

KINDS_BY_ID: dict[str, ReportKind] = {k.id: k for k in KINDS}

#: What each ad report shape is called per ad type (Amazon's own names).
AD_KIND_NAMES: dict[tuple[AdType, str], str] = {
    ("SP", "campaign"): "sp_campaign",
    ("SP", "targeting"): "sp_targeting",
    ("SP", "search_term"): "sp_search_term",
    ("SP", "advertised_product"): "sp_advertised_product",
    ("SP", "purchased_product"): "sp_purchased_product",
    ("SP", "placement"): "sp_placement",
    ("SB", "campaign"): "sb_campaign",
    ("SB", "targeting"): "sb_keyword",
    ("SB", "search_term"): "sb_search_term",
    ("SD", "campaign"): "sd_campaign",
    ("SD", "targeting"): "sd_targeting",
    ("SD", "advertised_product"): "sd_advertised_product",
}

#: Every kind name ``detect`` can print.
KIND_NAMES: tuple[str, ...] = tuple([k.id for k in KINDS if k.family != "ads"] + list(AD_KIND_NAMES.values()))

#: Default attribution window per ad type.
ATTRIBUTION_DAYS: dict[AdType, int] = {"SP": 7, "SB": 14, "SD": 14}


# -- matching ---------------------------------------------------------------------------------

_ALIAS_INDEX: dict[str, str] = {}
for _name, _spec in FIELDS.items():
    for _alias in _spec.aliases:
        _ALIAS_INDEX.setdefault(_alias, _name)
_PATTERNS = [(re.compile(p), name) for name, spec in FIELDS.items() for p in spec.patterns]


@dataclass(frozen=True)
class HeaderCell:
    index: int
    raw: str
    normalised: str
    field: str | None
    #: Attribution window in days named by the header (``7 Day Total Sales``), if any.
    window: int | None
    #: Currency named by the header (``14 Day Total Sales (₹)``), if any.
    currency: str | None


def classify_header(raw_headers: list[str]) -> list[HeaderCell]:
    cells = []
    for i, raw in enumerate(raw_headers):
        norm = normalise_header(raw)
        base, currency = split_header_currency(norm)
        field, window = _ALIAS_INDEX.get(base), None
        if field is None:
            for pattern, name in _PATTERNS:
                m = pattern.match(base)
                if m:
                    field, window = name, int(m.group(1))
                    break
        cells.append(HeaderCell(i, str(raw), norm, field, window, currency))
    return cells


@dataclass(frozen=True)
class KindMatch:
    kind: ReportKind
    columns: dict[str, int]
    missing: tuple[str, ...]
    score: float

    @property
    def complete(self) -> bool:
        return not self.missing


def match_kinds(cells: list[HeaderCell]) -> list[KindMatch]:
    """Every kind scored against the header, best first; complete matches before partial."""
    present: dict[str, int] = {}
    for cell in cells:
        if cell.field and cell.field not in present:
            present[cell.field] = cell.index
    # "asin" aliases include "Advertised ASIN"; a business report's "(Child) ASIN" is the same
    # canonical field, so the kind's other columns decide.
    matches = []
    for kind in KINDS:
        wanted = kind.fields
        columns = {f: present[f] for f in wanted if f in present}
        missing = [f for f in kind.required if f not in present]
        for group in kind.required_any:
            if not any(f in present for f in group):
                missing.append(" or ".join(group))
        conflicts = [f for f in kind.absent if f in present]
        # The score rewards the share of the kind's required fields found, then how much of
        # the file the kind explains; a conflicting column rules the kind out as complete.
        found_required = len(kind.required) + len(kind.required_any) - len(missing)
        total_required = len(kind.required) + len(kind.required_any)
        explained = len(columns) / max(1, len(present))
        score = found_required / total_required + 0.5 * explained - 0.3 * len(conflicts)
        if conflicts:
            missing = [*missing, *(f"no {f!r} column" for f in conflicts)]
        matches.append(KindMatch(kind, columns, tuple(missing), score))
    matches.sort(key=lambda m: (not m.complete, -m.score))
    return matches
