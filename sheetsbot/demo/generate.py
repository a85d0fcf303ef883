"""Deterministic generator of the bundled demo exports of the fictional store "Lumen Home".

Usage::

    python -m sheetsbot.demo.generate                # sheetsbot/demo/exports/ + demo/truth.json
    python -m sheetsbot.demo.generate --out DIR      # exports in DIR, truth in DIR/../truth.json
    python -m sheetsbot.demo.generate --out DIR --truth FILE --clean

``--clean`` deletes files under DIR that the generator did not write (so a renamed export does
not linger).  The output is byte-identical on every run: every random draw comes from a
``numpy`` generator seeded by (``SEED``, a name), xlsx files are written by a small Apache-POI-like
writer with fixed zip timestamps, and nothing reads the clock.

How the numbers are made
------------------------
One *daily ASIN table* per marketplace (day x child ASIN: sessions, page views, buy-box share,
units, orders, sales and their B2B breakouts) and one *daily ad fact table* per marketplace
(day x campaign x ad group x targeting x search term x advertised ASIN: impressions, clicks,
spend, attributed sales/orders/units, plus SB/SD extras) are simulated first; money is integer
cents from the start.  Every export is an aggregation of those tables, so the exports agree
with each other and ``truth.json`` is a sum of the same integer cents.  Weekly conversion,
buy box, campaign ACoS, return counts and end-of-period stock are *controlled* (targets per
week, integers split with the largest-remainder method) so that the traffic-light cases in
``SCENARIO`` land in their bands; ``check_design`` asserts that they do on every generation.

The fact tables run from 2026-10-01 (so October is complete in the by-date Business Reports and
in the daily ad reports) to 2026-11-22 (end of 2026-W47).  Reports that the brief scopes to
W42-W47 (by-ASIN Business Reports, search-term / advertised-product reports, inventory, returns)
start on 2026-10-12.

truth.json
----------
Money is a float in the marketplace currency equal to a sum of cents exactly as written in the
files (no currency conversion anywhere); counts are ints.  Shape::

    {
      "store": "Lumen Home", "seed": 20261122, "generated_by": "sheetsbot.demo.generate",
      "periods": {"2026-W42": {"start": "2026-10-12", "end": "2026-10-18"}, ...,
                  "2026-10": {...Oct 1-31...}, "2026-11": {...Nov 1-22, month to date...}},
      "caveats": [str, ...],
      "marketplaces": {
        "US" | "DE": {
          "currency": "USD" | "EUR",
          "asins": {asin: {"sku", "parent", "title"}},
          "campaigns_meta": {campaign: {"ad_type", "start", "established"}},
          "store": {period: {"sales", "units", "orders", "sessions", "page_views"}},
                   # from the by-date report; period = each week and both months
          "asin": {week: {asin: {"sales", "units", "orders", "sessions", "page_views",
                                 "buy_box"}}},      # buy_box = fraction as printed in the file
          "ads": {period: {"SP" | "SB" | "SD" | "total":
                           {"ad_spend", "ad_sales", "ad_orders", "impressions", "clicks"}}},
                   # latest (restated) numbers; SP = 7-day, SB/SD = 14-day total sales
          "campaigns": {week: {campaign: {"ad_type", "ad_spend", "ad_sales", "ad_orders",
                                          "ad_units", "impressions", "clicks", "days"}}},
          "returns": {week: {asin: units_returned}},       # by return date, every ASIN listed
          "inventory": {snapshot_date: {asin: {"sellable", "inbound"}}},  # summed over SKUs
          "search_terms": {"2026-W47": [{"campaign", "ad_group", "targeting", "match_type",
                                         "search_term", "impressions", "clicks", "spend",
                                         "sales", "orders", "units"}, ...]}
                   # SP search-term report rows of the week summed per term (duplicates summed)
        }
      },
      "design": {...}   # the intended traffic lights of 2026-W47 with the values behind them,
                        # suggested monthly targets and the task-triggering search terms
    }
"""

from __future__ import annotations

import argparse
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sheetsbot.workbook.model import col_letter

SEED = 20261122
DEMO_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = DEMO_DIR / "exports"

# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------

START = date(2026, 10, 1)  # first day of the fact tables (October complete)
REPORT_START = date(2026, 10, 12)  # Monday of 2026-W42
END = date(2026, 11, 22)  # Sunday of 2026-W47
DAYS: list[date] = [START + timedelta(days=i) for i in range((END - START).days + 1)]
N_DAYS = len(DAYS)
WEEKS = [f"2026-W{w}" for w in range(42, 48)]
REPORT_WEEK, PREVIOUS_WEEK = "2026-W47", "2026-W46"
RESTATED = (date(2026, 11, 2), date(2026, 11, 15))  # days the 2nd SP campaign export restates


def iso_week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def week_bounds(label: str) -> tuple[date, date]:
    year, week = label.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return monday, monday + timedelta(days=6)


PERIODS: dict[str, tuple[date, date]] = {w: week_bounds(w) for w in WEEKS}
PERIODS["2026-10"] = (date(2026, 10, 1), date(2026, 10, 31))
PERIODS["2026-11"] = (date(2026, 11, 1), END)

DAY_INDEX = {d: i for i, d in enumerate(DAYS)}
DAY_WEEK = np.array([iso_week(d) for d in DAYS])
ALL_WEEKS = list(dict.fromkeys(DAY_WEEK.tolist()))  # incl. the partial W40 and W41
WEEKDAY = np.array([1.02, 0.98, 0.97, 0.99, 0.95, 1.03, 1.06])[[d.weekday() for d in DAYS]]
TREND = 1.0 + 0.0025 * np.arange(N_DAYS)  # slow pre-holiday ramp


def day_mask(first: date, last: date) -> np.ndarray:
    return np.array([first <= d <= last for d in DAYS])


def rng(*names: str) -> np.random.Generator:
    """A generator that depends only on SEED and the names (stable across runs and edits)."""
    return np.random.default_rng([SEED, zlib.crc32("/".join(names).encode())])


def split_int(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total over weights (largest remainder); the parts sum to total."""
    weights = np.asarray(weights, dtype=float)
    out = np.zeros(weights.shape, dtype=np.int64)
    if total <= 0 or weights.sum() <= 0:
        return out
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - out), kind="stable")
    out[order[: total - int(out.sum())]] += 1
    return out


# --------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """One child ASIN in one marketplace."""

    key: str
    asin: str
    parent: str
    sku: str
    fnsku: str
    title: str
    price: int  # cents
    sessions: float  # base daily sessions
    cvr: float  # base unit session percentage (fraction)
    pv_ratio: float  # page views per session
    volume: float  # cubic feet per unit
    return_rate: float  # baseline share of units returned


PARENTS = {"BM": "B0DK4L1TR6", "KM": "B0CX7S5MJ9", "CU": "B0D2H5PE1W"}

# key, asin, parent group (None: standalone), US sku, fnsku, US title, US price,
# US sessions/day, US cvr, page views/session, volume, return rate
_Product = tuple[str, str, str | None, str, str, str, int, float, float, float, float, float]
_PRODUCTS: list[_Product] = [
    ("BM-GRY", "B0DK4M7QX2", "BM", "LH-BM31-GRY", "X004H2KQ1Z",
     'Lumen Home Bath Mat 31" x 19" – Ultra Soft Microfiber Non-Slip Bathroom Rug, Machine '
     "Washable, Quick Dry, Grey", 2499, 300, 0.130, 1.38, 0.21, 0.018),
    ("BM-NVY", "B0DK4N2HZ8", "BM", "LH-BM31-NVY", "X004H2KR7M",
     'Lumen Home Bath Mat 31" x 19" – Ultra Soft Microfiber Non-Slip Bathroom Rug, Machine '
     "Washable, Quick Dry, Navy", 2499, 140, 0.120, 1.35, 0.21, 0.018),
    ("BM-XL", "B0DK4P9WC5", "BM", "LH-BMXL-BGE", "X004H2KS3P",
     '+Plus Size Bath Mat 47" x 24" by Lumen Home – Extra Large Absorbent Chenille Bathroom Rug, '
     "Beige", 3499, 80, 0.100, 1.42, 0.38, 0.020),
    ("KM-30", "B0CX7T3KP4", "KM", "LH-KM30-BLK", "X003TQ8V2D",
     'Lumen Home Anti Fatigue Kitchen Mat 17.7" x 30" – Cushioned Waterproof Standing Mat, Black',
     2999, 122, 0.110, 1.30, 0.26, 0.015),
    ("KM-59", "B0CX7V8NL1", "KM", "LH-KM59-BLK", "X003TQ9W4F",
     'Lumen Home Kitchen Runner Rug 17.7" x 59" – Cushioned Anti Fatigue Floor Mat for Sink, '
     "Black", 3999, 88, 0.090, 1.33, 0.44, 0.020),
    ("CU-IVO", "B0D2H6QF3R", "CU", "LH-CU84-IVO", "X004A7LM5N",
     'Lumen Home Linen-Look Blackout Curtains 52" x 84", 2 Panels, Thermal Insulated Rod Pocket '
     "Drapes – Ivory Crème", 3299, 108, 0.080, 1.50, 0.30, 0.015),
    ("CU-CHA", "B0D2H7RG8T", "CU", "LH-CU84-CHA", "X004A7LN2Q",
     'Lumen Home Linen-Look Blackout Curtains 52" x 84", 2 Panels, Thermal Insulated Rod Pocket '
     "Drapes – Charcoal", 3299, 80, 0.080, 1.48, 0.30, 0.020),
    ("LAMP", "B0DFW3KZ7M", None, "LH-LAMP19-WHT", "X004C9PZ1K",
     'Lumen Home Ceramic Table Lamp 19" with Linen Shade, Bedside Nightstand Lamp for Living '
     "Room, Matte White", 4599, 66, 0.070, 1.45, 0.62, 0.015),
    ("THROW", "B0CQ9R2XV6", None, "LH-THROW-OAT", "X003ZK4R8S",
     'Lumen Home Cotton Throw Blanket 50" x 60", Soft Woven Knit Throw with Tassels for Couch, '
     "Oatmeal", 2799, 98, 0.100, 1.36, 0.35, 0.012),
    ("ORG", "B0BZ8N4LC3", None, "LH-ORG6-BAM", "B0BZ8N4LC3",  # commingled: FNSKU = ASIN
     "Lumen Home Bamboo Drawer Organizer Set of 6 – Expandable Kitchen Utensil & Desk Tray, "
     "Natural", 1999, 70, 0.120, 1.28, 0.19, 0.010),
    ("CUSH", "B0C5T7WJ2D", None, "LH-PC18-SAGE", "X003M6HD9J",
     'Lumen Home Velvet Throw Pillow Covers 18" x 18", Set of 2, Décor Cushion Cases for Sofa, '
     "Sage Green", 1699, 56, 0.090, 1.30, 0.05, 0.012),
    ("DOOR", "B0CM3J8YH5", None, "LH-COIR-WLC", "X003P2VX6B",
     'Lumen Home Coir Doormat 30" x 17" "Welcome" – Heavy Duty Non-Slip Outdoor Entrance Mat, '
     "Natural", 2299, 115, 0.120, 1.25, 0.31, 0.012),
]

# DE listings: key -> (sku, fnsku, title, price cents EUR, sessions/day, cvr)
_DE: dict[str, tuple[str, str, str, int, float, float]] = {
    "BM-GRY": ("LH-BM31-GRY-EU", "X004H3DE1A",
               "Lumen Home Badematte 80 x 50 cm – Flauschiger Badvorleger aus Mikrofaser, "
               "rutschfest, waschbar, Grau", 2299, 330, 0.130),
    "BM-NVY": ("LH-BM31-NVY-EU", "X004H3DE2B",
               "Lumen Home Badematte 80 x 50 cm – Flauschiger Badvorleger aus Mikrofaser, "
               "rutschfest, waschbar, Marineblau", 2299, 95, 0.120),
    "KM-30": ("LH-KM30-BLK-EU", "X003TRDE3C",
              "Lumen Home Küchenmatte 45 x 75 cm, Anti-Ermüdungsmatte, wasserdicht & rutschfest, "
              "Schwarz", 2799, 80, 0.110),
    "KM-59": ("LH-KM59-BLK-EU", "X003TRDE4D",
              "Lumen Home Küchenläufer 45 x 150 cm, gepolsterte Anti-Ermüdungsmatte für die Spüle, "
              "Schwarz", 3699, 50, 0.090),
    "DOOR": ("LH-COIR-WLC-EU", "X003P3DE5E",
             "Lumen Home Kokos-Fußmatte 75 x 45 cm „Welcome“, rutschfeste Fußmatte für außen, "
             "Natur",
             1999, 130, 0.120),
    "LAMP": ("LH-LAMP19-WHT-EU", "X004C9DE6F",
             "Lumen Home Ceramic Table Lamp 48 cm with Linen Shade, Bedside Lamp, E27, Matte White",
             4299, 40, 0.070),
    "CUSH": ("LH-PC18-SAGE-EU", "X003M7DE7G",
             "Lumen Home Velvet Cushion Covers 45 x 45 cm, Set of 2, Sage Green",
             1599, 35, 0.090),
}


def _listings() -> dict[str, list[Listing]]:
    us, de = [], []
    for key, asin, grp, sku, fnsku, title, price, sess, cvr, pvr, vol, ret in _PRODUCTS:
        parent = PARENTS[grp] if grp else asin
        us.append(Listing(key, asin, parent, sku, fnsku, title, price, sess, cvr, pvr, vol, ret))
        if key in _DE:
            dsku, dfn, dtitle, dprice, dsess, dcvr = _DE[key]
            de.append(Listing(key, asin, parent, dsku, dfn, dtitle, dprice, dsess, dcvr, pvr, vol,
                              ret))
    return {"US": us, "DE": de}


LISTINGS = _listings()
BY_KEY = {m: {x.key: x for x in ls} for m, ls in LISTINGS.items()}
CURRENCY = {"US": "USD", "DE": "EUR"}

# --------------------------------------------------------------------------------------------
# Scenario: what should happen in 2026-W47 (the reporting week) versus 2026-W46
# --------------------------------------------------------------------------------------------

# W47 unit-session % relative to W46 (everything else moves between -1 % and +5 %)
CVR_W47_VS_W46 = {("US", "CU-IVO"): 0.74, ("US", "LAMP"): 0.90, ("DE", "DOOR"): 0.905}
# weekly buy-box (featured offer) share; other ASIN-weeks win 97.5-100 % of page views
BUY_BOX = {
    ("US", "KM-59"): {"2026-W45": 0.82, "2026-W46": 0.645, "2026-W47": 0.63},  # a reseller
    ("US", "THROW"): {"2026-W46": 0.78, "2026-W47": 0.765},
    ("DE", "BM-GRY"): {"2026-W46": 0.755, "2026-W47": 0.745},
}
PRICE_CHANGES = {("US", "LAMP"): (date(2026, 11, 16), 4999)}  # price up -> conversion down
# W47 return rate (units returned / units ordered) for the designed cases
RETURNS_W47 = {("US", "BM-XL"): 0.075, ("US", "CU-CHA"): 0.041, ("DE", "KM-59"): 0.07}
GREEN_RETURN_CAP = 0.026  # every other ASIN stays at or below this in W47


@dataclass(frozen=True)
class Stock:
    """FBA stock plan: sellable units at the end of W47, receipts before and after it."""

    end_sellable: int
    receipts: tuple[tuple[date, int], ...] = ()  # received into sellable stock on that day
    future: tuple[tuple[date, int], ...] = ()  # still inbound at the last snapshot


STOCK: dict[str, dict[str, Stock]] = {
    "US": {
        "BM-GRY": Stock(1750, ((date(2026, 10, 26), 1250),), ((date(2026, 12, 3), 630),)),
        "BM-NVY": Stock(0, ((date(2026, 10, 20), 490),)),  # sells out on 11-22: stockout
        "BM-XL": Stock(390, ((date(2026, 11, 4), 280),), ((date(2026, 12, 1), 105),)),
        "KM-30": Stock(875, ((date(2026, 11, 5), 560),), ((date(2026, 12, 8), 210),)),
        "KM-59": Stock(450),
        "CU-IVO": Stock(630, ((date(2026, 10, 15), 350),)),
        "CU-CHA": Stock(336, (), ((date(2026, 12, 2), 140),)),
        "LAMP": Stock(230, ((date(2026, 11, 11), 140),), ((date(2026, 12, 10), 105),)),
        "THROW": Stock(575, ((date(2026, 10, 29), 420),)),
        "ORG": Stock(182, (), ((date(2026, 11, 30), 126),)),  # yellow: 30-44 days
        "CUSH": Stock(1365),  # overstock
        "DOOR": Stock(210, ((date(2026, 10, 19), 350),), ((date(2026, 12, 12), 84),)),  # red
    },
    "DE": {
        "BM-GRY": Stock(1750, ((date(2026, 10, 28), 1400),), ((date(2026, 12, 4), 600),)),
        "BM-NVY": Stock(650, ((date(2026, 11, 3), 300),)),
        "KM-30": Stock(480, (), ((date(2026, 12, 1), 200),)),
        "KM-59": Stock(300, ((date(2026, 10, 22), 150),)),
        "DOOR": Stock(950, ((date(2026, 11, 9), 650),)),
        "LAMP": Stock(35, (), ((date(2026, 12, 14), 20),)),  # red: < 30 days
        "CUSH": Stock(260),
    },
}
# an old SKU of the same ASIN with a few stranded units: (sku, key, fnsku, unsellable)
LEGACY_SKUS = {"US": [("LH-BM31-GRY-OLD", "BM-GRY", "X003XQ1OLD", 3)]}

# Intended W47 traffic lights (checked by check_design on every generation)
INTENDED: dict[str, dict[str, dict[str, str]]] = {
    "US": {
        "conversion": {"CU-IVO": "red", "LAMP": "yellow", "*": "green"},
        "buy_box": {"KM-59": "red", "THROW": "yellow", "*": "green"},
        "return_rate": {"BM-XL": "red", "CU-CHA": "yellow", "*": "green"},
        "days_of_cover": {"DOOR": "red", "ORG": "yellow", "BM-NVY": "red", "*": "green"},
        "acos": {"DL门垫自动": "yellow", 'Bath Mat 31" x 19" - Exact': "green",
                 "Lumen Home - Broad - Kitchen": "red", "SB - Lumen Home Brand - Headline": "green",
                 "SD - Retargeting - Views": "red"},
        "roas": {"DL门垫自动": "green", 'Bath Mat 31" x 19" - Exact': "green",
                 "Lumen Home - Broad - Kitchen": "yellow",
                 "SB - Lumen Home Brand - Headline": "green", "SD - Retargeting - Views": "red"},
        "tacos": {"store": "green"},
    },
    "DE": {
        "conversion": {"DOOR": "yellow", "*": "green"},
        "buy_box": {"BM-GRY": "yellow", "*": "green"},
        "return_rate": {"KM-59": "red", "*": "green"},
        "days_of_cover": {"LAMP": "red", "*": "green"},
        "acos": {"DE - SP - Auto - Alle Produkte": "yellow",
                 "DE - SP - Manuell - Badematte": "green", "DE - SB - Marke - Lumen Home": "red"},
        "roas": {"DE - SP - Auto - Alle Produkte": "green",
                 "DE - SP - Manuell - Badematte": "green",
                 "DE - SB - Marke - Lumen Home": "yellow"},
        "tacos": {"store": "red"},
    },
}
# month-to-date attainment the suggested targets aim at (sales / pro-rated target)
TARGET_ATTAINMENT = {"US": 0.88, "DE": 1.03}
LEAD_TIME_DAYS, SAFETY_DAYS = 30, 14

# --------------------------------------------------------------------------------------------
# Advertising structure
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A customer search term (SP) / the unit of delivery (SB keyword, SD advertised ASIN)."""

    text: str
    asin: str  # listing key of the advertised product
    weight: float  # share of the ad group's impressions
    ctr: float
    conv: float = 1.0  # relative conversion (0: never converts)
    role: str = ""  # "negate" / "harvest" / "zero_click_order" / "duplicate": designed cases


@dataclass(frozen=True)
class Target:
    text: str  # keyword, "*" (auto), or an SD audience expression
    match: str  # EXACT / PHRASE / BROAD / "-"
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class AdGroup:
    name: str
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Tail:
    """The long tail of rarely clicked search terms behind a campaign's impressions."""

    heads: tuple[tuple[str, str, str], ...]  # (target text, head noun phrase, listing key)
    mods: tuple[str, ...]  # modifiers combined with the heads; "" keeps the head alone
    n: int  # tail terms drawn
    weight: float  # tail impressions relative to the named terms' impressions
    asin_terms: int = 0  # auto campaigns: competitor ASINs typed as search terms


@dataclass(frozen=True)
class Campaign:
    mkt: str
    ad_type: str  # SP / SB / SD
    name: str
    start: date
    budget: int  # cents per day
    targeting_type: str
    bidding: str
    portfolio: str  # "" = none
    spend_per_day: float  # currency units, average
    cpc: float
    acos: float  # W47 target; other weeks drift around it
    ad_groups: tuple[AdGroup, ...]
    campaign_id: str
    cost_type: str = "CPC"
    bid_optimization: str = ""
    tail: Tail | None = None

    @property
    def established(self) -> bool:
        return (END - max(self.start, START)).days + 1 >= 7


def _t(text: str, asin: str, weight: float, ctr: float, conv: float = 1.0, role: str = "") -> Term:
    return Term(text, asin, weight, ctr, conv, role)


CAMPAIGNS: list[Campaign] = [
    Campaign("US", "SP", "DL门垫自动", date(2026, 3, 2), 8500, "Automatic targeting",
             "Dynamic bids - down only", "", 77, 0.95, 0.29, (
                 AdGroup("Auto - Doormat & Bath Mats", (Target("*", "-", (
                     _t("welcome mat", "DOOR", 8, .006),
                     _t("doormat outdoor", "DOOR", 10, .005),
                     _t("coir doormat outdoor", "DOOR", 5, .008, 1.6, "harvest"),
                     _t("front door mat", "DOOR", 6, .004, 0.9),
                     _t("door mats outside entry", "DOOR", 5, .004, 0.8),
                     _t("funny doormat", "DOOR", 3, .004, 0.5, "zero_click_order"),
                     _t("b0cxk2m4ql", "DOOR", 6, .002, 0.7),
                     _t("boot tray", "DOOR", 2, .003, 0.0),
                     _t("bath mat", "BM-GRY", 12, .004),
                     _t("bathroom rugs", "BM-GRY", 8, .004, 0.9),
                     _t("bath mats for bathroom non slip", "BM-GRY", 6, .005, 1.1),
                     _t("absorbent bath mat quick dry", "BM-GRY", 4, .005),
                     _t("shower curtain liner", "BM-GRY", 4, .005, 0.0, "negate"),
                     _t("bath mat set 3 piece", "BM-GRY", 3, .003, 0.4),
                     _t("large bath mat", "BM-XL", 5, .005),
                     _t("extra large bath rug", "BM-XL", 3, .005, 0.9),
                     _t("b09p7n2hqw", "BM-XL", 4, .002, 0.6, "zero_click_order"),
                     _t("-non slip bath mat", "BM-GRY", 1, .006, 0.8),
                     _t("memory foam bath mat", "BM-GRY", 3, .003, 0.6),
                     _t("toilet rug", "BM-GRY", 2, .002, 0.3),
                 )),)),), "218734650192744"),
    Campaign("US", "SP", 'Bath Mat 31" x 19" - Exact', date(2026, 5, 18), 6500, "Manual targeting",
             "Dynamic bids - up and down", "Lumen Core", 63, 1.10, 0.16, (
                 AdGroup("Bath Mat - Exact", (
                     Target("bath mat", "EXACT", (_t("bath mat", "BM-GRY", 20, .008),
                                                  _t("bath mats", "BM-GRY", 6, .007))),
                     Target("bathroom rugs", "EXACT", (_t("bathroom rugs", "BM-GRY", 12, .006, .9),
                                                       _t("bathroom rug", "BM-GRY", 4, .006, .9))),
                     Target("microfiber bath mat", "EXACT",
                            (_t("microfiber bath mat", "BM-GRY", 6, .009, 1.2),)),
                     Target("navy bath mat", "EXACT", (_t("navy bath mat", "BM-NVY", 8, .010, 1.3),
                                                       _t("navy blue bath mat", "BM-NVY", 4, .010,
                                                          1.2))),
                     Target("bath mat 31 x 19", "EXACT",
                            (_t("bath mat 31 x 19", "BM-GRY", 3, .012, 1.4),)),
                 )),), "218734650192745"),
    Campaign("US", "SP", "Lumen Home - Broad - Kitchen", date(2026, 6, 1), 6500, "Manual targeting",
             "Dynamic bids - down only", "Lumen Core", 60, 0.85, 0.44, (
                 AdGroup("Kitchen Mats - Broad", (
                     Target("kitchen mat", "BROAD", (
                         _t("kitchen mats for floor", "KM-30", 10, .004),
                         _t("kitchen mat", "KM-30", 8, .004),
                         _t("anti fatigue kitchen mat 2 piece", "KM-30", 5, .006, 1.5, "harvest"),
                         _t("gel kitchen mat", "KM-30", 3, .003, 0.5),
                         _t("kitchen sink mat", "KM-59", 4, .004, 0.8))),
                     Target("anti fatigue mat", "BROAD", (
                         _t("anti fatigue mat", "KM-30", 6, .004, 0.9),
                         _t("standing desk mat", "KM-30", 4, .006, 0.0, "negate"),
                         _t("anti fatigue mats for standing", "KM-30", 3, .004, 0.7))),
                     Target("kitchen rug", "BROAD", (
                         _t("kitchen rug set", "KM-59", 5, .004, 0.7, "duplicate"),
                         _t("kitchen runner rug", "KM-59", 6, .005),
                         _t("washable kitchen rug", "KM-59", 4, .003, 0.5),
                         _t("farmhouse kitchen rugs", "KM-59", 3, .003, 0.4))),
                 )),
                 AdGroup("Curtains - Broad", (
                     Target("blackout curtains", "BROAD", (
                         _t("blackout curtains 84 inch", "CU-IVO", 8, .004),
                         _t("linen blackout curtains", "CU-IVO", 5, .005, 1.1),
                         _t("blackout curtains for bedroom", "CU-CHA", 6, .004, 0.9),
                         _t("curtain rods", "CU-IVO", 3, .002, 0.0))),
                     Target("linen curtains", "BROAD", (
                         _t("linen curtains", "CU-IVO", 5, .004, 0.9),
                         _t("charcoal curtains", "CU-CHA", 4, .005),
                         _t("sheer curtains", "CU-IVO", 3, .003, 0.2))),
                 )),
             ), "218734650192746"),
    Campaign("US", "SP", "SP - Launch - Exact", date(2026, 11, 20), 3000, "Manual targeting",
             "Dynamic bids - up and down", "", 28, 1.20, 0.80, (
                 AdGroup("Table Lamp - Exact", (
                     Target("ceramic table lamp", "EXACT",
                            (_t("ceramic table lamp", "LAMP", 6, .006),)),
                     Target("bedside lamp", "EXACT", (_t("bedside lamp", "LAMP", 8, .004, .6),
                                                      _t("bedside lamps", "LAMP", 2, .004, .6))),
                 )),), "218734650192747"),
    Campaign("US", "SB", "SB - Lumen Home Brand - Headline", date(2026, 4, 6), 6000, "",
             "", "", 52, 1.25, 0.22, (
                 AdGroup("Headline - Brand", (
                     Target("lumen home", "EXACT", (_t("lumen home", "BM-GRY", 3, .020, 2.0),)),
                     Target("bath mat", "PHRASE", (_t("bath mat", "BM-GRY", 10, .003),)),
                     Target("kitchen mat", "PHRASE", (_t("kitchen mat", "KM-30", 8, .003),)),
                     Target("throw blanket", "PHRASE", (_t("throw blanket", "THROW", 6, .003),)),
                 )),), "144901276633418"),
    Campaign("US", "SD", "SD - Retargeting - Views", date(2026, 7, 13), 4500, "", "", "",
             42, 0.70, 0.62, (
                 AdGroup("Views Remarketing - 30d", (
                     Target("views=(exact-product lookback=30)", "-", (
                         _t("", "THROW", 5, .004), _t("", "CU-IVO", 4, .004),
                         _t("", "CU-CHA", 3, .004), _t("", "ORG", 4, .004))),
                 )),), "377120598801634", "CPC", "Optimize for page visits"),
    Campaign("DE", "SP", "DE - SP - Auto - Alle Produkte", date(2026, 8, 3), 14000,
             "Automatic targeting", "Dynamic bids - down only", "", 160, 0.78, 0.30, (
                 AdGroup("Auto - Alle Produkte", (Target("*", "-", (
                     _t("badematte", "BM-GRY", 8, .005),
                     _t("badematte rutschfest waschbar", "BM-GRY", 4, .006, 1.1),
                     _t("badezimmerteppich", "BM-GRY", 4, .004, 0.8),
                     _t("badematte blau", "BM-NVY", 6, .006),
                     _t("fußmatte außen", "DOOR", 7, .006, 1.4, "harvest"),
                     _t("fussmatte innen", "DOOR", 5, .004, 0.8),
                     _t("kokosmatte", "DOOR", 4, .005, 1.0, "zero_click_order"),
                     _t("küchenläufer", "KM-59", 6, .005),
                     _t("küchenteppich waschbar", "KM-30", 5, .004, 0.7),
                     _t("anti ermüdungsmatte", "KM-30", 5, .004, 0.9),
                     _t("tischlampe keramik", "LAMP", 4, .004, 0.8),
                     _t("kissenbezug samt 45x45", "CUSH", 4, .004, 0.8),
                     _t("duschvorhang", "BM-GRY", 4, .006, 0.0, "negate"),
                     _t("b0bx9t3kq2", "BM-GRY", 3, .002, 0.6),
                 )),)),), "401182736455019"),
    Campaign("DE", "SP", "DE - SP - Manuell - Badematte", date(2026, 8, 3), 7000,
             "Manual targeting", "Dynamic bids - up and down", "", 45, 0.92, 0.23, (
                 AdGroup("Badematte - Exakt", (
                     Target("badematte", "EXACT", (_t("badematte", "BM-GRY", 12, .008),
                                                   _t("badematten", "BM-GRY", 3, .007))),
                     Target("badematte grau", "EXACT",
                            (_t("badematte grau", "BM-GRY", 5, .010, 1.3),)),
                     Target("badvorleger", "PHRASE", (_t("badvorleger", "BM-GRY", 5, .006, .9),
                                                      _t("badvorleger blau", "BM-NVY", 8, .007),
                                                      _t("badvorleger set", "BM-GRY", 3, .005,
                                                         .5))),
                 )),), "401182736455020"),
    Campaign("DE", "SB", "DE - SB - Marke - Lumen Home", date(2026, 9, 7), 11000, "", "", "",
             110, 1.05, 0.47, (
                 AdGroup("Marke", (
                     Target("lumen home", "EXACT", (_t("lumen home", "BM-GRY", 2, .020, 2.0),)),
                     Target("badematte", "BROAD", (_t("badematte", "BM-GRY", 4, .003),)),
                     Target("küchenmatte", "BROAD", (_t("küchenmatte", "KM-30", 6, .003),)),
                     Target("fußmatte", "BROAD", (_t("fußmatte", "DOOR", 6, .003),)),
                 )),), "512004773610288"),
]

TAILS: dict[str, Tail] = {
    "DL门垫自动": Tail(
        (("*", "doormat", "DOOR"), ("*", "door mat", "DOOR"), ("*", "welcome mat", "DOOR"),
         ("*", "entry rug", "DOOR"), ("*", "bath mat", "BM-GRY"), ("*", "bath rug", "BM-GRY"),
         ("*", "bathroom mat", "BM-GRY"), ("*", "bath mat large", "BM-XL")),
        ("black", "grey", "large", "small", "rubber", "washable", "outdoor", "indoor",
         "front porch", "thick", "cotton", "2x3", "3x5", "absorbent", "boho", "farmhouse",
         "modern", "heavy duty", "cute", "gray", "for kids", "set"), 48, 4.0, 10),
    'Bath Mat 31" x 19" - Exact': Tail(
        (("bath mat", "bathmat", "BM-GRY"), ("bath mat", "bath matt", "BM-GRY"),
         ("bath mat", "bathmats", "BM-GRY"), ("bathroom rugs", "bathroom rugs", "BM-GRY"),
         ("bathroom rugs", "bathroom rug", "BM-GRY"), ("navy bath mat", "navy bathmat", "BM-NVY"),
         ("bath mat 31 x 19", "bath mat 31x19", "BM-GRY")), ("",), 6, 2.0),
    "Lumen Home - Broad - Kitchen": Tail(
        (("kitchen mat", "kitchen mat", "KM-30"), ("kitchen mat", "kitchen mats", "KM-30"),
         ("anti fatigue mat", "anti fatigue mat", "KM-30"),
         ("kitchen rug", "kitchen rug", "KM-59"), ("kitchen rug", "kitchen runner", "KM-59"),
         ("blackout curtains", "blackout curtains", "CU-IVO"),
         ("linen curtains", "linen curtains", "CU-CHA")),
        ("black", "grey", "2 piece", "cushioned", "waterproof", "non slip", "for floor",
         "boho", "farmhouse", "washable", "long", "20x32", "17x47", "memory foam", "84 inch",
         "63 inch", "white", "sage", "for bedroom", "thermal", "set of 2", "cheap"), 44, 4.0),
    "SP - Launch - Exact": Tail(
        (("ceramic table lamp", "ceramic table lamps", "LAMP"),
         ("ceramic table lamp", "table lamp ceramic", "LAMP"),
         ("bedside lamp", "bed side lamp", "LAMP")), ("",), 3, 1.5),
    "DE - SP - Auto - Alle Produkte": Tail(
        (("*", "badematte", "BM-GRY"), ("*", "badteppich", "BM-GRY"), ("*", "fußmatte", "DOOR"),
         ("*", "türmatte", "DOOR"), ("*", "küchenläufer", "KM-59"), ("*", "küchenmatte", "KM-30"),
         ("*", "kissenbezug", "CUSH"), ("*", "tischlampe", "LAMP")),
        ("grau", "blau", "groß", "klein", "rutschfest", "waschbar", "außen", "innen", "schwarz",
         "baumwolle", "set", "rund", "60x90", "50x80", "weich", "flauschig", "modern", "natur"),
        36, 4.0, 6),
    "DE - SP - Manuell - Badematte": Tail(
        (("badematte", "badematt", "BM-GRY"), ("badematte", "bade matte", "BM-GRY"),
         ("badematte grau", "badematte graue", "BM-GRY"), ("badvorleger", "badvorleger", "BM-GRY")),
        ("", "grau", "waschbar", "rutschfest", "groß", "blau", "weich"), 10, 2.0),
}
CAMPAIGNS = [replace(c, tail=TAILS.get(c.name)) for c in CAMPAIGNS]
CAMPAIGN_BY_NAME = {c.name: c for c in CAMPAIGNS}


def tail_rows(c: Campaign) -> list[tuple[AdGroup, Target, Term]]:
    """Deterministic long-tail search terms: impressions, and a click now and then."""
    if c.tail is None:
        return []
    g = rng("tail", c.name)
    ag = c.ad_groups[0]
    targets = {t.text: t for a in c.ad_groups for t in a.targets}
    group_of = {t.text: a for a in c.ad_groups for t in a.targets}
    named = {tm.text for a in c.ad_groups for t in a.targets for tm in t.terms}
    combos = [(tg, head, key, mod) for tg, head, key in c.tail.heads for mod in c.tail.mods]
    picks = g.permutation(len(combos))
    chosen: list[tuple[str, str, str]] = []
    for i in picks:
        tg, head, key, mod = combos[i]
        text = head if not mod else (f"{mod} {head}" if g.uniform() < 0.5 else f"{head} {mod}")
        if text not in named and text not in {t for _, t, _ in chosen}:
            chosen.append((tg, text, key))
        if len(chosen) == c.tail.n:
            break
    letters = np.array(list("ABCDEFGHJKLMNPQRSTVWXYZ0123456789"))
    for _ in range(c.tail.asin_terms):
        asin = "b0" + "".join(g.choice(letters, 8)).lower()
        chosen.append(("*", asin, c.tail.heads[int(g.integers(len(c.tail.heads)))][2]))
    named_weight = sum(tm.weight for a in c.ad_groups for t in a.targets for tm in t.terms)
    w = c.tail.weight * named_weight / len(chosen)
    rows = []
    for tg, text, key in chosen:
        # for tail terms `ctr` holds the expected clicks per day (lambda), see simulate_campaign
        term = Term(text, key, w * g.uniform(0.3, 1.7), g.uniform(0.02, 0.12),
                    g.uniform(0.2, 1.0), "tail")
        rows.append((group_of.get(tg, ag), targets[tg], term))
    return rows

# Designed W47 clicks for the negate terms (Mon..Sun)
NEGATE_CLICKS_W47 = {
    ("US", "shower curtain liner"): [2, 2, 1, 3, 2, 2, 2],
    ("US", "standing desk mat"): [1, 2, 2, 2, 1, 2, 2],
    ("DE", "duschvorhang"): [2, 1, 2, 2, 1, 2, 2],
}
HARVEST_ORDERS_W47 = 3  # orders forced onto each designed harvest term in W47
ZERO_CLICK_DAYS = {  # term -> day on which it has impressions, no click and one order
    ("US", "funny doormat"): date(2026, 11, 10),
    ("US", "b09p7n2hqw"): date(2026, 11, 17),
    ("DE", "kokosmatte"): date(2026, 11, 19),
}
DUPLICATE_ROW = ("US", "kitchen rug set", date(2026, 11, 18))

# --------------------------------------------------------------------------------------------
# The daily ASIN table
# --------------------------------------------------------------------------------------------


def build_asin_daily(mkt: str) -> pd.DataFrame:
    """Day x child ASIN traffic and sales (integer counts, money in cents)."""
    frames = []
    for lst in LISTINGS[mkt]:
        g = rng("asin", mkt, lst.key)
        sessions = np.rint(lst.sessions * WEEKDAY * TREND * g.lognormal(0, 0.08, N_DAYS))
        sessions = sessions.astype(np.int64)
        page_views = np.maximum(
            np.rint(sessions * lst.pv_ratio * g.uniform(0.96, 1.04, N_DAYS)).astype(np.int64),
            sessions)

        # buy box: basis points of page views on which the offer was featured
        bb_plan = BUY_BOX.get((mkt, lst.key), {})
        bb = np.empty(N_DAYS)
        for wk in ALL_WEEKS:
            m = wk == DAY_WEEK
            if wk in bb_plan:
                bb[m] = np.clip(g.normal(bb_plan[wk], 0.012, m.sum()), 0, 1)
            else:
                bb[m] = np.minimum(1.0, g.uniform(0.975, 1.0, m.sum()) + 0.004)
        bb_bp = np.rint(bb * 10000).astype(np.int64)

        price = np.full(N_DAYS, lst.price, dtype=np.int64)
        if (mkt, lst.key) in PRICE_CHANGES:
            since, new_price = PRICE_CHANGES[(mkt, lst.key)]
            price[[d >= since for d in DAYS]] = new_price

        drift = {wk: 1 + g.uniform(-0.04, 0.04) for wk in ALL_WEEKS}
        drift[REPORT_WEEK] = drift[PREVIOUS_WEEK] * g.uniform(0.99, 1.05)
        drift[REPORT_WEEK] *= CVR_W47_VS_W46.get((mkt, lst.key), 1.0)
        units = np.zeros(N_DAYS, dtype=np.int64)
        for wk in ALL_WEEKS:
            m = wk == DAY_WEEK
            bb_share = (page_views[m] * bb_bp[m]).sum() / max(page_views[m].sum(), 1) / 10000
            cvr = lst.cvr * drift[wk] * bb_share / 0.99
            total = int(round(cvr * sessions[m].sum()))
            units[m] = split_int(total, sessions[m] * g.uniform(0.7, 1.3, m.sum()))
        multi = np.minimum(g.binomial(units, 0.05), units // 2)
        orders = units - multi

        sessions_b2b = g.binomial(sessions, 0.025)
        pv_b2b = sessions_b2b + g.binomial(page_views - sessions, 0.025)
        units_b2b = g.binomial(units, 0.03)
        orders_b2b = np.minimum(units_b2b, orders)
        bb_b2b = np.where(g.uniform(size=N_DAYS) < 0.9, 10000, 9500 + g.integers(0, 500, N_DAYS))

        frames.append(pd.DataFrame({
            "date": DAYS, "week": DAY_WEEK, "key": lst.key, "asin": lst.asin, "sku": lst.sku,
            "parent": lst.parent, "price": price, "sessions": sessions,
            "page_views": page_views, "bb_bp": bb_bp, "units": units, "orders": orders,
            "sales": units * price, "sessions_b2b": sessions_b2b, "page_views_b2b": pv_b2b,
            "bb_b2b_bp": bb_b2b, "units_b2b": units_b2b, "orders_b2b": orders_b2b,
            "sales_b2b": units_b2b * price,
        }))
    return pd.concat(frames, ignore_index=True)


def build_store_daily(mkt: str, asin_daily: pd.DataFrame) -> pd.DataFrame:
    """The by-date Business Report: store sessions ~ 0.8 x the sum of per-ASIN sessions."""
    g = rng("store", mkt)
    a = asin_daily.assign(bbw=asin_daily.page_views * asin_daily.bb_bp,
                          bbw_b2b=asin_daily.page_views_b2b * asin_daily.bb_b2b_bp)
    s = a.groupby("date", sort=True)[["sales", "sales_b2b", "units", "units_b2b", "orders",
                                      "orders_b2b", "page_views", "page_views_b2b", "sessions",
                                      "sessions_b2b", "bbw", "bbw_b2b"]].sum()
    s["sessions"] = np.rint(s["sessions"] * g.uniform(0.78, 0.82, len(s))).astype(np.int64)
    s["sessions_b2b"] = np.minimum(
        np.rint(s["sessions_b2b"] * g.uniform(0.84, 0.9, len(s))).astype(np.int64), s["sessions"])
    s["fop"] = s["bbw"] / s["page_views"] / 10000
    s["fop_b2b"] = np.where(s["page_views_b2b"] > 0,
                            s["bbw_b2b"] / s["page_views_b2b"].clip(lower=1) / 10000, 0.0)
    n = len(LISTINGS[mkt])
    s["offer_count"] = n + (2 if mkt == "US" else 1) + g.integers(0, 2, len(s))
    s["parent_items"] = len({x.parent for x in LISTINGS[mkt]})
    return s.drop(columns=["bbw", "bbw_b2b"]).reset_index()


# --------------------------------------------------------------------------------------------
# The daily ad fact table
# --------------------------------------------------------------------------------------------

FACT_COLUMNS = ["date", "ad_type", "campaign", "ad_group", "targeting", "match_type",
                "search_term", "key", "impressions", "clicks", "spend", "sales", "orders",
                "units", "adv_units", "other_units", "adv_sales", "other_sales", "viewable",
                "dpv", "ntb_orders", "ntb_units", "ntb_sales", "click_orders", "click_units",
                "click_sales", "branded_searches"]


def _allocate_orders(n: int, weights: np.ndarray, cap: np.ndarray,
                     g: np.random.Generator) -> np.ndarray:
    """Draw n orders over cells (multinomial on weights), never more orders than clicks."""
    out = np.zeros(weights.shape, dtype=np.int64)
    w = weights.astype(float).ravel()
    c = cap.ravel().astype(np.int64)
    flat = out.ravel()
    left = n
    for _ in range(20):
        room = c - flat
        ww = np.where(room > 0, w, 0.0)
        if left <= 0 or ww.sum() <= 0:
            break
        draw = g.multinomial(left, ww / ww.sum())
        take = np.minimum(draw, room)
        flat += take
        left -= int(take.sum())
    return flat.reshape(weights.shape)


def simulate_campaign(c: Campaign, prices: dict[str, np.ndarray]) -> pd.DataFrame:
    """Day x term rows of one campaign, with the designed W47 cases applied."""
    g = rng("ads", c.mkt, c.name)
    rows = [(ag, tg, tm) for ag in c.ad_groups for tg in ag.targets for tm in tg.terms]
    rows += tail_rows(c)
    active = np.array([d >= c.start for d in DAYS])
    days = [d for d, a in zip(DAYS, active, strict=True) if a]
    weeks = DAY_WEEK[active]
    n_d, n_t = len(days), len(rows)
    weight = np.array([r[2].weight for r in rows])
    # named terms: the listed CTR doubled (the tables above list conservative values)
    ctr = np.array([r[2].ctr * (1.0 if r[2].role == "tail" else 2.0) for r in rows])
    conv = np.array([r[2].conv for r in rows])
    share = weight / weight.sum()
    tail = np.array([r[2].role == "tail" for r in rows])
    tail_clicks = float(ctr[tail].sum())  # tail terms: expected clicks per day, not a CTR
    daily_impr = ((c.spend_per_day / c.cpc - tail_clicks)
                  / float((share * ctr)[~tail].sum()))
    ctr = np.where(tail, ctr / (daily_impr * share), ctr)

    impr_day = daily_impr * WEEKDAY[active] * TREND[active] * g.lognormal(0, 0.10, n_d)
    impressions = g.poisson(impr_day[:, None] * share[None, :])
    click_p = np.clip(ctr[None, :] * g.lognormal(0, 0.15, (n_d, n_t)), 0, 1)
    clicks = g.binomial(impressions, click_p)
    term_cpc = c.cpc * g.uniform(0.8, 1.2, n_t)
    cpc = term_cpc[None, :] * g.uniform(0.85, 1.15, (n_d, n_t))

    # designed negate terms: fixed clicks in W47
    w47 = weeks == REPORT_WEEK
    for j, (_, _, tm) in enumerate(rows):
        fixed = NEGATE_CLICKS_W47.get((c.mkt, tm.text)) if tm.role == "negate" else None
        if fixed is not None:
            clicks[w47, j] = fixed
            impressions[w47, j] = np.maximum(impressions[w47, j], clicks[w47, j] * 40)
    # designed zero-click rows with an attributed order
    zero_click: list[tuple[int, int]] = []
    for j, (_, _, tm) in enumerate(rows):
        day = ZERO_CLICK_DAYS.get((c.mkt, tm.text)) if tm.role == "zero_click_order" else None
        if day is not None:
            i = days.index(day)
            clicks[i, j] = 0
            impressions[i, j] = max(int(impressions[i, j]), 3)
            zero_click.append((i, j))
    dup: tuple[int, int] | None = None
    for j, (_, _, tm) in enumerate(rows):
        if tm.role == "duplicate" and (c.mkt, tm.text) == DUPLICATE_ROW[:2]:
            i = days.index(DUPLICATE_ROW[2])
            clicks[i, j] = max(int(clicks[i, j]), 2)
            impressions[i, j] = max(int(impressions[i, j]), 150)
            dup = (i, j)
    spend = np.rint(clicks * cpc * 100).astype(np.int64)

    price = np.stack([prices[r[2].asin][active] for r in rows], axis=1)  # cents, (n_d, n_t)
    other_keys = [x.key for x in LISTINGS[c.mkt]]
    other_price = np.array([[prices[other_keys[k]][DAY_INDEX[d]]
                             for k in g.integers(0, len(other_keys), n_t)] for d in days])

    # orders: per week, enough for the week's ACoS to sit at its target (within 3 %)
    shape = (n_d, n_t)
    orders, units, other_units = (np.zeros(shape, dtype=np.int64) for _ in range(3))
    harvest = [j for j, r in enumerate(rows) if r[2].role == "harvest"]

    def basket(o: np.ndarray, p: np.ndarray, op: np.ndarray, gg: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray, int]:
        """Units per order and the share bought from other SKUs; returns units, other, sales."""
        u = o + gg.binomial(o, 0.08)
        other = gg.binomial(u, 0.10)
        return u, other, int(((u - other) * p + other * op).sum())

    for wk in dict.fromkeys(weeks):
        m = weeks == wk
        target = c.acos if wk == REPORT_WEEK else c.acos * g.uniform(0.9, 1.1)
        wgt = clicks[m] * conv[None, :]
        if spend[m].sum() == 0 or wgt.sum() == 0:
            continue
        aov = (wgt * price[m]).sum() / wgt.sum() * 1.08
        n = int(round(spend[m].sum() / (target * aov)))
        forced = np.zeros_like(orders[m])
        if wk == REPORT_WEEK:
            for j in harvest:
                forced[:, j] = _allocate_orders(HARVEST_ORDERS_W47, clicks[m][:, j:j + 1] + 0.0,
                                                clicks[m][:, j:j + 1], g)[:, 0]
        for attempt in range(10):
            gg = rng("orders", c.mkt, c.name, str(wk), str(attempt))
            rest = _allocate_orders(max(n - int(forced.sum()), 0), wgt, clicks[m] - forced, gg)
            week_orders = forced + rest
            if wk == REPORT_WEEK:  # no accidental negate candidates: >= 10 clicks, >= 1 order
                wk_clicks = clicks[m].sum(axis=0)
                for j in range(n_t):
                    if (rows[j][2].role == "negate" or wk_clicks[j] < 10
                            or week_orders[:, j].sum()):
                        continue
                    donors = [k for k in range(n_t)
                              if k not in harvest and week_orders[:, k].sum() > 1]
                    if not donors:
                        continue
                    k = max(donors, key=lambda k: int(week_orders[:, k].sum()))
                    week_orders[int(np.argmax(week_orders[:, k])), k] -= 1
                    week_orders[int(np.argmax(clicks[m][:, j])), j] += 1
            u, other, week_sales = basket(week_orders, price[m], other_price[m], gg)
            realised = spend[m].sum() / week_sales if week_sales else np.inf
            if abs(realised / target - 1) <= 0.03 or not np.isfinite(realised):
                break
            n = max(int(round(n * realised / target)), int(forced.sum()))
        orders[m], units[m], other_units[m] = week_orders, u, other
    for i, j in zero_click:
        orders[i, j] = units[i, j] = 1
        other_units[i, j] = 0

    adv_units = units - other_units
    adv_sales = adv_units * price
    other_sales = other_units * other_price
    sales = adv_sales + other_sales

    # SB / SD extras
    viewable = g.binomial(impressions, 0.62 if c.ad_type == "SB" else 0.55)
    dpv = clicks + g.binomial(impressions, 0.0006)
    ntb_orders = g.binomial(orders, 0.55)
    frac_ntb = np.divide(ntb_orders, orders, out=np.zeros(orders.shape), where=orders > 0)
    click_orders = (np.minimum(orders, g.binomial(orders, 0.72) + (orders > 0))
                    if c.ad_type == "SD" else orders)
    frac_click = np.divide(click_orders, orders, out=np.zeros(orders.shape), where=orders > 0)
    zero = np.zeros((n_d, n_t), dtype=np.int64)
    data = {
        "impressions": impressions, "clicks": clicks, "spend": spend, "sales": sales,
        "orders": orders, "units": units, "adv_units": adv_units, "other_units": other_units,
        "adv_sales": adv_sales, "other_sales": other_sales,
        "viewable": viewable if c.ad_type != "SP" else zero,
        "dpv": dpv if c.ad_type != "SP" else zero,
        "ntb_orders": ntb_orders if c.ad_type != "SP" else zero,
        "ntb_units": np.rint(units * frac_ntb).astype(np.int64) if c.ad_type != "SP" else zero,
        "ntb_sales": np.rint(sales * frac_ntb).astype(np.int64) if c.ad_type != "SP" else zero,
        "click_orders": click_orders if c.ad_type == "SD" else zero,
        "click_units": np.rint(units * frac_click).astype(np.int64) if c.ad_type == "SD" else zero,
        "click_sales": np.rint(sales * frac_click).astype(np.int64) if c.ad_type == "SD" else zero,
        "branded_searches": g.binomial(impressions, 0.0004) if c.ad_type == "SB" else zero,
    }
    frame = pd.DataFrame({k: v.ravel() for k, v in data.items()})
    frame.insert(0, "date", np.repeat(np.array(days, dtype=object), n_t))
    frame.insert(1, "ad_type", c.ad_type)
    frame.insert(2, "campaign", c.name)
    frame.insert(3, "ad_group", np.tile([r[0].name for r in rows], n_d))
    frame.insert(4, "targeting", np.tile([r[1].text for r in rows], n_d))
    frame.insert(5, "match_type", np.tile([r[1].match for r in rows], n_d))
    terms = [r[2].text if c.ad_type == "SP" else "" for r in rows]
    frame.insert(6, "search_term", np.tile(terms, n_d))
    frame.insert(7, "key", np.tile([r[2].asin for r in rows], n_d))
    frame = frame[(frame.impressions > 0) | (frame.orders > 0)]
    if dup is not None:  # an exact duplicate row, as Amazon sometimes writes one
        i, j = dup
        row = frame[(frame.date == days[i]) & (frame.search_term == rows[j][2].text)]
        frame = pd.concat([frame, row], ignore_index=True)
    return frame.reset_index(drop=True)[FACT_COLUMNS]


def build_ads(mkt: str, asin_daily: pd.DataFrame) -> pd.DataFrame:
    prices = {k: grp.sort_values("date")["price"].to_numpy()
              for k, grp in asin_daily.groupby("key")}
    facts = [simulate_campaign(c, prices) for c in CAMPAIGNS if c.mkt == mkt]
    out = pd.concat(facts, ignore_index=True)
    out["asin"] = out["key"].map({k: x.asin for k, x in BY_KEY[mkt].items()})
    out["sku"] = out["key"].map({k: x.sku for k, x in BY_KEY[mkt].items()})
    out["week"] = [iso_week(d) for d in out["date"]]
    return out


def campaign_days(facts: pd.DataFrame) -> pd.DataFrame:
    cols = ["impressions", "clicks", "spend", "sales", "orders", "units", "viewable", "dpv",
            "ntb_orders", "ntb_units", "ntb_sales", "click_orders", "click_units", "click_sales",
            "branded_searches"]
    return facts.groupby(["date", "ad_type", "campaign"], sort=True)[cols].sum().reset_index()


def preliminary_sp(days: pd.DataFrame) -> pd.DataFrame:
    """US SP campaign-days as first reported (before Amazon's restatement)."""
    g = rng("restatement")
    d = days[(days.ad_type == "SP") & days.date.between(*RESTATED)].copy()
    extra = g.binomial(d["clicks"].to_numpy(), 0.03) + (d["clicks"].to_numpy() > 20)
    cpc = np.divide(d["spend"], d["clicks"], out=np.zeros(len(d)), where=d["clicks"] > 0)
    lost = np.minimum(g.binomial(d["orders"].to_numpy(), 0.05) + (d["orders"].to_numpy() > 8),
                      d["orders"].to_numpy())
    keep = np.divide(d["orders"] - lost, d["orders"], out=np.ones(len(d)), where=d["orders"] > 0)
    d["impressions"] = d["impressions"] + g.binomial(d["impressions"].to_numpy(), 0.01)
    d["clicks"] = d["clicks"] + extra
    d["spend"] = d["spend"] + np.rint(extra * cpc).astype(np.int64)
    d["orders"] = d["orders"] - lost
    d["sales"] = np.rint(d["sales"] * keep).astype(np.int64)
    return d


# --------------------------------------------------------------------------------------------
# Inventory, returns, orders
# --------------------------------------------------------------------------------------------


def build_inventory(mkt: str, asin_daily: pd.DataFrame) -> pd.DataFrame:
    """Weekly snapshots (end of each week) of sellable and inbound stock per SKU."""
    g = rng("inventory", mkt)
    snaps = [week_bounds(w)[1] for w in (WEEKS if mkt == "US" else WEEKS[-2:])]
    rows = []
    for lst in LISTINGS[mkt]:
        plan = STOCK[mkt][lst.key]
        units = asin_daily[asin_daily.key == lst.key].sort_values("date")["units"].to_numpy()
        receipts = np.zeros(N_DAYS, dtype=np.int64)
        for d, q in plan.receipts:
            receipts[DAY_INDEX[d]] += q
        start = plan.end_sellable + int(units.sum()) - int(receipts.sum())
        stock = start + np.cumsum(receipts - units)
        if stock.min() < 0 or start < 0:
            raise ValueError(f"stock plan for {mkt} {lst.key} goes negative: {stock.min()}")
        unsellable = int(g.integers(0, 6))
        for snap in snaps:
            i = DAY_INDEX[snap]
            working = shipped = receiving = 0
            for d, q in plan.receipts + plan.future:
                ahead = (d - snap).days
                if 0 < ahead <= 24:  # a shipment exists from 24 days before it is received
                    if ahead > 14:
                        working += q
                    elif ahead > 3:
                        shipped += q
                    else:
                        receiving += q
            reserved = int(round(units[i] * g.uniform(0.3, 0.8)))
            rows.append({"snapshot": snap, "key": lst.key, "asin": lst.asin, "sku": lst.sku,
                         "fnsku": lst.fnsku, "title": lst.title, "price": lst.price,
                         "volume": lst.volume, "sellable": int(stock[i]),
                         "unsellable": unsellable, "reserved": reserved, "working": working,
                         "shipped": shipped, "receiving": receiving})
            unsellable += int(g.integers(0, 2))
    for sku, key, fnsku, unsellable in LEGACY_SKUS.get(mkt, []):
        lst = BY_KEY[mkt][key]
        for snap in snaps:
            rows.append({"snapshot": snap, "key": key, "asin": lst.asin, "sku": sku,
                         "fnsku": fnsku, "title": lst.title, "price": lst.price,
                         "volume": lst.volume, "sellable": 0, "unsellable": unsellable,
                         "reserved": 0, "working": 0, "shipped": 0, "receiving": 0})
    inv = pd.DataFrame(rows)
    inv["inbound"] = inv.working + inv.shipped + inv.receiving
    return inv


RETURN_REASONS = ["UNWANTED_ITEM", "NOT_AS_DESCRIBED", "DEFECTIVE", "ORDERED_WRONG_ITEM",
                  "QUALITY_UNACCEPTABLE", "MISSED_ESTIMATED_DELIVERY", "NO_LONGER_NEEDED"]
DISPOSITIONS = ["SELLABLE", "CUSTOMER_DAMAGED", "DEFECTIVE", "CARRIER_DAMAGED"]
FC = {"US": ["LEX2", "TUS1", "PHX7", "ONT8", "MDW2", "SAV7"], "DE": ["LEJ1", "DTM2", "FRA7",
                                                                      "MUC3", "BER3", "STR1"]}
COMMENTS = {
    "US": ["too thin, slides on the tile floor", "color darker than the picture",
           "smaller than expected", "shed a lot after the first wash",
           "arrived with a stain", "does not fit the space"],
    "DE": ["Farbe passt nicht zum Bad", "zu klein", "rutscht trotz Noppen",
           "riecht stark nach Gummi", "Qualität nicht wie erwartet"],
}


def _order_id(mkt: str, g: np.random.Generator) -> str:
    head = g.choice(["111", "112", "113", "114"]) if mkt == "US" else g.choice(
        ["028", "302", "303", "304", "305"])
    return f"{head}-{g.integers(0, 10**7):07d}-{g.integers(0, 10**7):07d}"


def build_returns(mkt: str, asin_daily: pd.DataFrame) -> pd.DataFrame:
    """FBA customer returns 2026-10-12 .. 2026-11-22, one row per returned line."""
    g = rng("returns", mkt)
    rows = []
    span = day_mask(REPORT_START, END)
    for lst in LISTINGS[mkt]:
        a = asin_daily[asin_daily.key == lst.key].sort_values("date")
        units = a["units"].to_numpy()
        # returns lag the sale: expected returns today ~ rate x units of 5-20 days ago
        lagged = np.convolve(units, np.ones(16) / 16)[:N_DAYS]
        lagged = np.concatenate([np.full(5, units[:10].mean()), lagged])[:N_DAYS]
        count = np.where(span, g.poisson(lst.return_rate * lagged), 0)
        w47 = DAY_WEEK == REPORT_WEEK
        sold = int(units[w47].sum())
        if (mkt, lst.key) in RETURNS_W47:
            want = int(round(RETURNS_W47[(mkt, lst.key)] * sold))
            count[w47] = split_int(want, g.uniform(0.5, 1.5, w47.sum()))
        else:
            cap = int(np.floor(GREEN_RETURN_CAP * sold))
            if count[w47].sum() > cap:
                count[w47] = split_int(cap, count[w47] + 0.01)
        for i in np.flatnonzero(count):
            left = int(count[i])
            while left > 0:
                qty = 2 if left >= 2 and g.uniform() < 0.08 else 1
                left -= qty
                secs = int(g.integers(8 * 3600, 24 * 3600))
                rows.append({"date": DAYS[i], "key": lst.key, "asin": lst.asin, "sku": lst.sku,
                             "fnsku": lst.fnsku, "title": lst.title[:150], "quantity": qty,
                             "when": datetime.combine(DAYS[i], datetime.min.time())
                             + timedelta(seconds=secs),
                             "order_id": _order_id(mkt, g), "fc": g.choice(FC[mkt]),
                             "disposition": g.choice(DISPOSITIONS, p=[0.55, 0.3, 0.1, 0.05]),
                             "reason": g.choice(RETURN_REASONS),
                             "lpn": f"LPNR{g.choice(['R', 'M', 'H'])}{g.integers(10**8, 10**9)}",
                             "comment": g.choice(COMMENTS[mkt]) if g.uniform() < 0.12 else ""})
    ret = pd.DataFrame(rows)
    if mkt == "US":  # one customer comment that a spreadsheet would run as a formula
        k = int(np.flatnonzero(ret.key == "BM-XL")[0])
        ret.loc[k, "comment"] = '=HYPERLINK("http://x","y")'
    return ret.sort_values(["when", "sku"], ascending=[False, True]).reset_index(drop=True)


US_PLACES = [("SEATTLE", "WA", "98103", 0.1025), ("AUSTIN", "TX", "78704", 0.0825),
             ("COLUMBUS", "OH", "43215", 0.075), ("DENVER", "CO", "80205", 0.0881),
             ("ATLANTA", "GA", "30307", 0.089), ("PORTLAND", "OR", "97214", 0.0),
             ("BROOKLYN", "NY", "11215", 0.08875), ("MADISON", "WI", "53703", 0.055),
             ("PHOENIX", "AZ", "85004", 0.086), ("CHARLOTTE", "NC", "28203", 0.0725)]


def build_orders_us(asin_daily: pd.DataFrame) -> pd.DataFrame:
    """All Orders lines of 2026-W47 (US): non-cancelled lines add up to the Business Report."""
    g = rng("orders", "US")
    first, last = week_bounds(REPORT_WEEK)
    a = asin_daily[asin_daily.date.between(first, last)].sort_values(["date", "key"])
    lines = []
    for r in a.itertuples():
        qty = np.ones(r.orders, dtype=np.int64)
        qty[:r.units - r.orders] += 1
        b2b = np.zeros(r.orders, dtype=bool)
        if r.orders:
            b2b[g.choice(r.orders, size=min(r.orders_b2b, r.orders), replace=False)] = True
        for q, is_b2b in zip(qty, b2b, strict=True):
            lines.append({"date": r.date, "key": r.key, "quantity": int(q), "price": r.price,
                          "b2b": bool(is_b2b), "cancelled": False})
        n_cancel = g.binomial(r.orders, 0.015)
        for _ in range(n_cancel):
            lines.append({"date": r.date, "key": r.key, "quantity": 0, "price": r.price,
                          "b2b": False, "cancelled": True})
    df = pd.DataFrame(lines)
    df["secs"] = g.integers(8 * 3600, 24 * 3600, len(df))
    df = df.sort_values(["date", "secs", "key"], kind="stable").reset_index(drop=True)
    ids, i = [], 0
    while i < len(df):  # about 4 % of orders hold two lines
        oid = _order_id("US", g)
        take = 2 if (i + 1 < len(df) and df.date[i] == df.date[i + 1] and g.uniform() < 0.04
                     and df.key[i] != df.key[i + 1] and not df.cancelled[i]
                     and not df.cancelled[i + 1]) else 1
        ids += [oid] * take
        i += take
    df["order_id"] = ids
    place = g.integers(0, len(US_PLACES), len(df))
    df["place"] = place
    df["expedited"] = g.uniform(size=len(df)) < 0.12
    df["zip4"] = g.integers(1000, 9999, len(df))
    df["updated_h"] = g.integers(2, 30, len(df))
    return df


# --------------------------------------------------------------------------------------------
# Value formatting
# --------------------------------------------------------------------------------------------


def grouped(n: int) -> str:
    return f"{int(n):,}"


def money_us(cents: int, sym: str = "$") -> str:
    d, c = divmod(int(cents), 100)
    return f"{sym}{d:,}.{c:02d}"


def money_de(cents: int) -> str:
    d, c = divmod(int(cents), 100)
    return f"{d:,}".replace(",", ".") + f",{c:02d} €"


def money_java(cents: int, sym: str) -> str:
    """Amazon Ads classic CSV money: a Java double, e.g. $6.0, $2.38, $1234.5."""
    return f"{sym}{int(cents) / 100!r}"


def pct(num: float, den: float, decimals: int = 2) -> str:
    return f"{(num / den * 100 if den else 0.0):.{decimals}f}%"


def us_date_long(d: date) -> str:
    return f"{d:%b} {d.day}, {d.year}"


def csv_cell(value: str, quote_all: bool) -> str:
    if quote_all and value != "":
        return '"' + value.replace('"', '""') + '"'
    if any(ch in value for ch in ',"\r\n') or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]], *, bom: bool = True,
              eol: str = "\n", quote_all: bool = False, encoding: str = "utf-8") -> bytes:
    lines = [",".join(csv_cell(h, quote_all) for h in header)]
    lines += [",".join(csv_cell(v, quote_all) for v in row) for row in rows]
    text = eol.join(lines) + eol
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def tsv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]], *, encoding: str,
              eol: str = "\r\n") -> bytes:
    """Amazon flat files: tab separated, no quoting at all (raw quotes in titles)."""
    lines = ["\t".join(header)] + ["\t".join(row) for row in rows]
    return (eol.join(lines) + eol).encode(encoding)


def ads_csv_name(name: str) -> str:
    """Amazon Ads classic CSVs write a quote inside a campaign name as backslash + quote."""
    return name.replace('"', '\\"')


# --------------------------------------------------------------------------------------------
# A small Apache-POI-like xlsx writer (one sheet, inline strings, fixed timestamps)
# --------------------------------------------------------------------------------------------

XLSX_TIME = (2026, 11, 23, 8, 14, 52)
_STYLE = {"str": 1, "date": 2, "int": 3, "ratio": 4, "pct": 5, "money": 6}


def _xml_text(s: str) -> str:
    t = escape(s)
    space = ' xml:space="preserve"' if s != s.strip() else ""
    return f"<is><t{space}>{t}</t></is>"


def xlsx_bytes(sheet_name: str, header: Sequence[str], kinds: Sequence[str],
               rows: Iterable[Sequence[Any]], money_format: str) -> bytes:
    """An xlsx shaped like Amazon's (Apache POI): numbers typed, dates as serials."""
    out = ['<row r="1">\n' + "".join(
        f'<c r="{col_letter(j)}1" t="inlineStr">{_xml_text(h)}</c>' for j, h in enumerate(header))
        + "</row>"]
    for r, row in enumerate(rows, start=2):
        cells = []
        for j, (v, kind) in enumerate(zip(row, kinds, strict=True)):
            ref = f"{col_letter(j)}{r}"
            if v is None or (v == "" and kind != "str"):
                cells.append(f'<c r="{ref}"></c>')
            elif kind == "str":
                cells.append(f'<c r="{ref}" s="1" t="inlineStr">{_xml_text(str(v))}</c>')
            else:
                if kind == "date":
                    v = float((v - date(1899, 12, 30)).days)
                cells.append(f'<c r="{ref}" s="{_STYLE[kind]}" t="n"><v>{float(v)!r}</v></c>')
        out.append(f'<row r="{r}">\n' + "".join(cells) + "</row>")
    widths = "".join(f'<col min="{j + 1}" max="{j + 1}" width="{max(8.0, len(h) * 1.05):.4f}" '
                     f'customWidth="true"/>' for j, h in enumerate(header))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxml'
             'formats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetViews><sheetView '
             'workbookViewId="0" tabSelected="true"/></sheetViews><sheetFormatPr defaultRowHeight='
             f'"15.0"/><cols>{widths}</cols><sheetData>\n' + "\n".join(out)
             + '\n</sheetData><pageMargins bottom="0.75" footer="0.3" header="0.3" left="0.7" '
             'right="0.7" top="0.75"/></worksheet>')
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<styleSheet xmlns="http://schemas.openxmlformats'
        '.org/spreadsheetml/2006/main"><numFmts count="3"><numFmt numFmtId="164" formatCode='
        f'"MMM dd, yyyy"/><numFmt numFmtId="165" formatCode="0.0000%"/><numFmt numFmtId="166" '
        f'formatCode="{escape(money_format)}"/></numFmts><fonts count="1"><font><sz val="11.0"/>'
        '<color indexed="8"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>'
        '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
        '<patternFill patternType="darkGray"/></fill></fills><borders count="1"><border><left/>'
        '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
        'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="7">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        + "".join(f'<xf numFmtId="{n}" fontId="0" fillId="0" borderId="0" xfId="0" '
                  f'applyNumberFormat="true"/>' for n in (164, 1, 2, 165, 166))
        + "</cellXfs></styleSheet>")
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    ct = "application/vnd.openxmlformats-officedocument"
    parts = {
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{pkg}'
            f'/relationships"><Relationship Id="rId1" Target="xl/workbook.xml" Type="{rel}/office'
            f'Document"/><Relationship Id="rId2" Target="docProps/app.xml" Type="{rel}/extended-'
            f'properties"/><Relationship Id="rId3" Target="docProps/core.xml" Type="{pkg}/'
            'relationships/metadata/core-properties"/></Relationships>'),
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{pkg}/content-'
            'types"><Default ContentType="application/vnd.openxmlformats-package.relationships+xml"'
            ' Extension="rels"/><Default ContentType="application/xml" Extension="xml"/>'
            f'<Override ContentType="{ct}.extended-properties+xml" PartName="/docProps/app.xml"/>'
            '<Override ContentType="application/vnd.openxmlformats-package.core-properties+xml" '
            'PartName="/docProps/core.xml"/>'
            f'<Override ContentType="{ct}.spreadsheetml.sharedStrings+xml" '
            'PartName="/xl/sharedStrings.xml"/>'
            f'<Override ContentType="{ct}.spreadsheetml.styles+xml" PartName="/xl/styles.xml"/>'
            f'<Override ContentType="{ct}.spreadsheetml.sheet.main+xml" '
            'PartName="/xl/workbook.xml"/>'
            f'<Override ContentType="{ct}.spreadsheetml.worksheet+xml" '
            'PartName="/xl/worksheets/sheet1.xml"/></Types>'),
        "docProps/app.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Properties xmlns="http://schemas.openxml'
            'formats.org/officeDocument/2006/extended-properties"><Application>Apache POI'
            '</Application></Properties>'),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?><cp:coreProperties xmlns:cp='
            f'"{pkg}/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/'
            'XMLSchema-instance"><dcterms:created xsi:type="dcterms:W3CDTF">2026-11-23T08:14:52Z'
            '</dcterms:created><dc:creator>Apache POI</dc:creator></cp:coreProperties>'),
        "xl/sharedStrings.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<sst count="0" uniqueCount="0" xmlns="http:'
            '//schemas.openxmlformats.org/spreadsheetml/2006/main"/>'),
        "xl/styles.xml": styles,
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="http://schemas.openxml'
            f'formats.org/spreadsheetml/2006/main" xmlns:r="{rel}"><workbookPr date1904="false"/>'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets><sheet name="'
            f'{escape(sheet_name[:31])}" r:id="rId3" sheetId="1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{pkg}'
            f'/relationships"><Relationship Id="rId1" Target="sharedStrings.xml" Type="{rel}/'
            f'sharedStrings"/><Relationship Id="rId2" Target="styles.xml" Type="{rel}/styles"/>'
            f'<Relationship Id="rId3" Target="worksheets/sheet1.xml" Type="{rel}/worksheet"/>'
            '</Relationships>'),
        "xl/worksheets/sheet1.xml": sheet,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=XLSX_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            z.writestr(info, text.encode("utf-8"), compresslevel=6)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Report layouts (header lists from shared/amazon-exports.md)
# --------------------------------------------------------------------------------------------

BR_CLASSIC = ["(Parent) ASIN", "(Child) ASIN", "Title", "SKU", "Sessions", "Session Percentage",
              "Page Views", "Page Views Percentage", "Buy Box Percentage", "Units Ordered",
              "Unit Session Percentage", "Ordered Product Sales", "Total Order Items"]
BR_CURRENT_US = [
    "(Parent) ASIN", "(Child) ASIN", "Title", "SKU", "Sessions - Total", "Sessions - Total - B2B",
    "Session Percentage - Total", "Session Percentage - Total - B2B", "Page Views - Total",
    "Page Views - Total - B2B", "Page Views Percentage - Total",
    "Page Views Percentage - Total - B2B", "Featured Offer (Buy Box) Percentage",
    "Featured Offer (Buy Box) Percentage - B2B", "Units Ordered", "Units Ordered - B2B",
    "Unit Session Percentage", "Unit Session Percentage - B2B", "Ordered Product Sales",
    "Ordered Product Sales - B2B", "Total Order Items", "Total Order Items - B2B"]
BR_CURRENT_GB = [
    "(Parent) ASIN", "(Child) ASIN", "Title", "SKU", "Sessions – Total", "Sessions – Total – B2B",
    "Session percentage – Total", "Session percentage – Total – B2B", "Page views – Total",
    "Page views – Total – B2B", "Page views percentage – Total",
    "Page views percentage – Total – B2B", "Featured Offer (Buy Box) percentage",
    "Featured Offer (Buy Box) percentage – B2B", "Units ordered", "Units ordered – B2B",
    "Unit Session Percentage", "Unit session percentage – B2B", "Ordered Product Sales",
    "Ordered product sales – B2B", "Total order items", "Total order items – B2B"]
# German UI. Known from parsers of real files: the ASIN, Sitzungen, Seitenaufrufe, Bestellte
# Einheiten, Umsatz, Bestellsumme and "Zahl der Bestellposten" names; the rest is our guess.
BR_CURRENT_DE = [
    "(Übergeordnete) ASIN", "(Untergeordnete) ASIN", "Titel", "SKU", "Sitzungen – Summe",
    "Sitzungen – Summe – B2B", "Sitzungsprozentsatz – Summe", "Sitzungsprozentsatz – Summe – B2B",
    "Seitenaufrufe – Summe", "Seitenaufrufe – Summe – B2B", "Prozentsatz der Seitenaufrufe – Summe",
    "Prozentsatz der Seitenaufrufe – Summe – B2B",
    "Prozentsatz des empfohlenen Angebots (Buy Box)",
    "Prozentsatz des empfohlenen Angebots (Buy Box) – B2B", "Bestellte Einheiten",
    "Bestellte Einheiten – B2B", "Prozentsatz Einheiten pro Sitzung",
    "Prozentsatz Einheiten pro Sitzung – B2B", "Durch bestellte Produkte erzielter Umsatz",
    "Bestellsumme – B2B", "Zahl der Bestellposten", "Zahl der Bestellposten – B2B"]
BR_BY_DATE = [
    "Date", "Ordered Product Sales", "Ordered Product Sales - B2B", "Units Ordered",
    "Units Ordered - B2B", "Total Order Items", "Total Order Items - B2B", "Page Views - Total",
    "Page Views - Total - B2B", "Sessions - Total", "Sessions - Total - B2B",
    "Featured Offer Percentage", "Featured Offer Percentage - B2B", "Unit Session Percentage",
    "Unit Session Percentage - B2B", "Average Offer Count", "Average Parent Items"]
SP_CAMPAIGN = [
    "Date", "Start Date", "End Date", "Portfolio name", "Campaign Type", "Campaign Name", "Status",
    "Currency", "Budget", "Targeting Type", "Bidding strategy", "Impressions",
    "Last Year Impressions", "Clicks", "Last Year Clicks", "Click-Thru Rate (CTR)", "Spend",
    "Last Year Spend", "Cost Per Click (CPC)", "Last Year Cost Per Click (CPC)",
    "7 Day Total Orders (#)", "Total Advertising Cost of Sales (ACoS) ", "7 Day Total Sales "]
SP_SEARCH_TERM = [
    "Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Targeting",
    "Match Type", "Customer Search Term", "Impressions", "Clicks", "Click-Thru Rate (CTR)",
    "Cost Per Click (CPC)", "Spend", "7 Day Total Sales ",
    "Total Advertising Cost of Sales (ACOS) ", "Total Return on Advertising Spend (ROAS)",
    "7 Day Total Orders (#)", "7 Day Total Units (#)", "7 Day Conversion Rate",
    "7 Day Advertised SKU Units (#)", "7 Day Other SKU Units (#)", "7 Day Advertised SKU Sales ",
    "7 Day Other SKU Sales "]
SP_ADVERTISED = [
    "Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name", "Country",
    "Advertised SKU", "Advertised ASIN", "Impressions", "Clicks", "Click-Thru Rate (CTR)",
    "Cost Per Click (CPC)", "Spend", "7 Day Total Sales ",
    "Total Advertising Cost of Sales (ACOS) ", "Total Return on Advertising Spend (ROAS)",
    "7 Day Total Orders (#)", "7 Day Total Units (#)", "7 Day Conversion Rate",
    "7 Day Advertised SKU Units (#)", "7 Day Other SKU Units (#)", "7 Day Advertised SKU Sales ",
    "7 Day Other SKU Sales "]
SP_TARGETING_SUMMARY = [
    "Start Date", "End Date", "Portfolio name", "Currency", "Campaign Name", "Ad Group Name",
    "Targeting", "Match Type", "Impressions", "Clicks", "Click-Thru Rate (CTR)",
    "Cost Per Click (CPC)", "Spend", "Total Advertising Cost of Sales (ACoS) ",
    "Total Return on Advertising Spend (RoAS)", "7 Day Total Sales ", "7 Day Total Orders (#)",
    "7 Day Total Units (#)", "7 Day Conversion Rate", "7 Day Advertised SKU Units (#)",
    "7 Day Other SKU Units (#)", "7 Day Advertised SKU Sales ", "7 Day Other SKU Sales "]
SB_CAMPAIGN = [
    "Date", "Portfolio name", "Currency", "Campaign Name", "Cost type", "Country", "Impressions",
    "Clicks", "Click-Thru Rate (CTR)", "Cost Per Click (CPC)", "Spend",
    "Total Advertising Cost of Sales (ACOS) ", "Total Return on Advertising Spend (ROAS)",
    "14 Day Total Sales ", "14 Day Total Orders (#)", "14 Day Total Units (#)",
    "14 Day Conversion Rate", "Viewable Impressions",
    "Cost per 1,000 viewable impressions (VCPM)", "View-Through Rate (VTR)",
    "Click-Through Rate for Views (vCTR)", "Video First Quartile Views", "Video Midpoint Views",
    "Video Third Quartile Views", "Video Complete Views", "Video Unmutes", "5 Second Views",
    "5 Second View Rate", "14 Day Branded Searches", "14 Day Detail Page Views (DPV)",
    "14 Day New-to-brand Orders (#)", "14 Day % of Orders New-to-brand",
    "14 Day New-to-brand Sales", "14 Day % of Sales New-to-brand",
    "14 Day New-to-brand Units (#)", "14 Day % of Units New-to-brand",
    "14 Day New-to-brand Order Rate"]
SD_CAMPAIGN = [
    "Date", "Currency", "Campaign Name", "Status", "Budget", "Portfolio name", "Cost Type",
    "Impressions", "Viewable Impressions", "Clicks", "Click-Thru Rate (CTR)",
    "14 Day Detail Page Views (DPV)", "Spend", "Cost Per Click (CPC)",
    "Cost per 1,000 viewable impressions (VCPM)", "Total Advertising Cost of Sales (ACOS)",
    "Total Return on Advertising Spend (ROAS)", "14 Day Total Orders (#)",
    "14 Day Total Units (#)", "14 Day Total Sales", "14 Day New-to-brand Orders (#)",
    "14 Day New-to-brand Sales", "14 Day New-to-brand Units (#)",
    "Total Advertising Cost of Sales (ACOS) - (Click)",
    "Total Return on Advertising Spend (ROAS) - (Click)", "14 Day Total Orders (#) - (Click)",
    "14 Day Total Units (#) - (Click)", "14 Day Total Sales - (Click)"]
SD_ADVERTISED = [
    "Date", "Currency", "Campaign Name", "Portfolio name", "Cost Type", "Ad Group Name",
    "Bid Optimization", "Advertised SKU", "Advertised ASIN", "Impressions",
    "Viewable Impressions", "Clicks", "Click-Thru Rate (CTR)", "14 Day Detail Page Views (DPV)",
    "Spend", "Cost Per Click (CPC)", "Cost per 1,000 viewable impressions (VCPM)",
    "Total Advertising Cost of Sales (ACOS)", "Total Return on Advertising Spend (ROAS)",
    "14 Day Total Orders (#)", "14 Day Total Units (#)", "14 Day Total Sales",
    "14 Day New-to-brand Orders (#)", "14 Day New-to-brand Sales",
    "14 Day New-to-brand Units (#)", "Total Advertising Cost of Sales (ACOS) - (Click)",
    "Total Return on Advertising Spend (ROAS) - (Click)", "14 Day Total Orders (#) - (Click)",
    "14 Day Total Units (#) - (Click)", "14 Day Total Sales - (Click)"]
ADS_2024_SB_CAMPAIGN = [
    "Budget currency", "Date range", "Advertiser account ID", "Advertiser account name",
    "Portfolio ID", "Portfolio name", "Campaign ID", "Campaign name", "Campaign status",
    "Campaign budget amount", "Campaign budget type", "Cost type", "Impressions", "Clicks", "CTR",
    "Total cost", "CPC", "Purchases", "Sales", "Units sold", "ACOS", "ROAS",
    "Purchases (new to brand)", "Sales (new to brand)", "Units sold (new to brand)",
    "Detail page views", "Viewable impressions", "Branded searches"]
INVENTORY = [
    "sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists",
    "mfn-fulfillable-quantity", "afn-listing-exists", "afn-warehouse-quantity",
    "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity",
    "afn-total-quantity", "per-unit-volume", "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity", "afn-researching-quantity",
    "afn-reserved-future-supply", "afn-future-supply-buyable"]
RETURNS = ["return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity",
           "fulfillment-center-id", "detailed-disposition", "reason", "status",
           "license-plate-number", "customer-comments"]
ALL_ORDERS = [
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level",
    "product-name", "sku", "asin", "item-status", "quantity", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax",
    "item-promotion-discount", "ship-promotion-discount", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
    "purchase-order-number", "price-designation "]

# --------------------------------------------------------------------------------------------
# Writers: world -> {relative path: bytes}
# --------------------------------------------------------------------------------------------


@dataclass
class World:
    asin_daily: dict[str, pd.DataFrame]
    store_daily: dict[str, pd.DataFrame]
    ads: dict[str, pd.DataFrame]
    prelim_sp_us: pd.DataFrame
    inventory: dict[str, pd.DataFrame]
    returns: dict[str, pd.DataFrame]
    orders_us: pd.DataFrame


def build_world() -> World:
    asin_daily = {m: build_asin_daily(m) for m in LISTINGS}
    ads = {m: build_ads(m, asin_daily[m]) for m in LISTINGS}
    return World(
        asin_daily=asin_daily,
        store_daily={m: build_store_daily(m, asin_daily[m]) for m in LISTINGS},
        ads=ads,
        prelim_sp_us=preliminary_sp(campaign_days(ads["US"])),
        inventory={m: build_inventory(m, asin_daily[m]) for m in LISTINGS},
        returns={m: build_returns(m, asin_daily[m]) for m in LISTINGS},
        orders_us=build_orders_us(asin_daily["US"]),
    )


def weekly_asin(asin_daily: pd.DataFrame, week: str) -> pd.DataFrame:
    a = asin_daily[asin_daily.week == week]
    a = a.assign(bbw=a.page_views * a.bb_bp, bbw_b2b=a.page_views_b2b * a.bb_b2b_bp)
    w = a.groupby(["key", "asin", "parent", "sku"], sort=False)[
        ["sessions", "sessions_b2b", "page_views", "page_views_b2b", "units", "units_b2b",
         "sales", "sales_b2b", "orders", "orders_b2b", "bbw", "bbw_b2b"]].sum().reset_index()
    w["bb"] = w.bbw / w.page_views / 10000
    w["bb_b2b"] = np.where(w.page_views_b2b > 0, w.bbw_b2b / w.page_views_b2b.clip(lower=1) / 10000,
                           0.0)
    w = w[w.sessions > 0]
    return w.sort_values(["units", "sessions", "asin"], ascending=[False, False, True],
                         kind="stable").reset_index(drop=True)


def buy_box_text(bb: float, variant: str) -> str:
    return f"{round(bb * 100)}%" if variant == "A" else f"{bb * 100:.2f}%"


def business_by_asin(mkt: str, w: pd.DataFrame, variant: str) -> bytes:
    titles = {x.key: x.title for x in LISTINGS[mkt]}
    if mkt == "US":
        money: Callable[[int], str] = money_us
        count: Callable[[int], str] = grouped
    else:
        money, count = money_de, str
    s, sb = w.sessions.sum(), w.sessions_b2b.sum()
    p, pb = w.page_views.sum(), w.page_views_b2b.sum()
    rows = []
    for r in w.itertuples():
        head = [r.parent, r.asin, titles[r.key], r.sku]
        if variant == "A":
            rows.append(head + [count(r.sessions), pct(r.sessions, s), count(r.page_views),
                                pct(r.page_views, p), buy_box_text(r.bb, "A"), count(r.units),
                                pct(r.units, r.sessions), money(r.sales), count(r.orders)])
        else:
            rows.append(head + [
                count(r.sessions), count(r.sessions_b2b), pct(r.sessions, s),
                pct(r.sessions_b2b, sb), count(r.page_views), count(r.page_views_b2b),
                pct(r.page_views, p), pct(r.page_views_b2b, pb), buy_box_text(r.bb, variant),
                buy_box_text(r.bb_b2b, variant), count(r.units), count(r.units_b2b),
                pct(r.units, r.sessions), pct(r.units_b2b, r.sessions_b2b), money(r.sales),
                money(r.sales_b2b), count(r.orders), count(r.orders_b2b)])
    header = {"A": BR_CLASSIC, "B": BR_CURRENT_US, "C": BR_CURRENT_GB, "D": BR_CURRENT_DE}[variant]
    return csv_bytes(header, rows, quote_all=variant == "A")


def business_by_date(mkt: str, s: pd.DataFrame) -> bytes:
    money = _money_fn(mkt, "text")  # English UI: $1,234.56 / €1,234.56
    rows = []
    for r in s.itertuples():
        day = f"{r.date:%m/%d/%y}" if mkt == "US" else f"{r.date:%d/%m/%Y}"
        rows.append([day, money(r.sales), money(r.sales_b2b), grouped(r.units),
                     grouped(r.units_b2b), grouped(r.orders), grouped(r.orders_b2b),
                     grouped(r.page_views), grouped(r.page_views_b2b), grouped(r.sessions),
                     grouped(r.sessions_b2b), f"{r.fop * 100:.2f}%", f"{r.fop_b2b * 100:.2f}%",
                     pct(r.units, r.sessions), pct(r.units_b2b, r.sessions_b2b),
                     str(r.offer_count), str(r.parent_items)])
    return csv_bytes(BR_BY_DATE, rows)


def _money_fn(mkt: str, style: str) -> Callable[[int], str]:
    sym = "$" if mkt == "US" else "€"
    if style == "java" and mkt == "US":
        return lambda c: money_java(c, sym)
    return lambda c: money_us(c, sym)


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def sp_campaign_csv(mkt: str, days: pd.DataFrame) -> bytes:
    money = _money_fn(mkt, "java")
    rows = []
    for r in days.sort_values(["date", "campaign"]).itertuples():
        c = CAMPAIGN_BY_NAME[r.campaign]
        cpc = round(r.spend / 100 / r.clicks, 7) if r.clicks else 0.0
        cpc_text = ("$" + repr(cpc)) if mkt == "US" else money_us(int(round(cpc * 100)), "€")
        rows.append([us_date_long(r.date), us_date_long(c.start), "",
                     c.portfolio or "No Portfolio", "Sponsored Products", ads_csv_name(c.name),
                     "ENABLED", CURRENCY[mkt], money(c.budget), c.targeting_type, c.bidding,
                     str(r.impressions), "", str(r.clicks), "", pct(r.clicks, r.impressions),
                     money(r.spend), "", cpc_text, "", str(r.orders), pct(r.spend, r.sales),
                     money(r.sales)])
    return csv_bytes(SP_CAMPAIGN, rows, eol="\r\n")


def _sp_metric_values(r: Any) -> list[Any]:
    """Numeric SP metrics after the text columns (as typed xlsx values, money in units)."""
    return [r.impressions, r.clicks,
            r.clicks / r.impressions if r.impressions else None,
            r.spend / 100 / r.clicks if r.clicks else None, r.spend / 100, r.sales / 100,
            r.spend / r.sales if r.sales else None,
            r.sales / r.spend if r.spend else (None if r.sales else 0.0),
            r.orders, r.units, r.orders / r.clicks if r.clicks else None,
            r.adv_units, r.other_units, r.adv_sales / 100, r.other_sales / 100]


SP_METRIC_KINDS = ["int", "int", "pct", "money", "money", "money", "pct", "ratio", "int", "int",
                   "pct", "int", "int", "money", "money"]
SUM_COLS = ["impressions", "clicks", "spend", "sales", "orders", "units", "adv_units",
            "other_units", "adv_sales", "other_sales"]


def search_term_rows(facts: pd.DataFrame) -> pd.DataFrame:
    """The console search-term report: rows with a click, or with an attributed order."""
    sp = facts[(facts.ad_type == "SP") & (facts.date >= REPORT_START)]
    sp = sp[(sp.clicks > 0) | (sp.orders > 0)]
    return sp.sort_values(["date", "campaign", "ad_group", "search_term"], kind="stable")


def sp_search_term_xlsx(facts: pd.DataFrame) -> bytes:
    rows = []
    for r in search_term_rows(facts).itertuples():
        c = CAMPAIGN_BY_NAME[r.campaign]
        rows.append([r.date, c.portfolio or "Not grouped", "USD", r.campaign, r.ad_group,
                     r.targeting, r.match_type, r.search_term] + _sp_metric_values(r))
    kinds = ["date"] + ["str"] * 7 + SP_METRIC_KINDS
    return xlsx_bytes("Sponsored_Products_Search_term_report", SP_SEARCH_TERM, kinds, rows,
                      "$ #,##0.00")


def sp_search_term_csv_de(facts: pd.DataFrame) -> bytes:
    rows = []
    for r in search_term_rows(facts).itertuples():
        c = CAMPAIGN_BY_NAME[r.campaign]
        rows.append([us_date_long(r.date), c.portfolio or "Not grouped", "EUR",
                     ads_csv_name(r.campaign), r.ad_group, r.targeting, r.match_type,
                     r.search_term, str(r.impressions), str(r.clicks),
                     pct(r.clicks, r.impressions),
                     money_us(int(round(r.spend / r.clicks)), "€") if r.clicks else "€0.00",
                     money_us(r.spend, "€"), money_us(r.sales, "€"),
                     pct(r.spend, r.sales) if r.sales else "",
                     f"{r.sales / r.spend:.2f}" if r.spend else "0.00", str(r.orders),
                     str(r.units), pct(r.orders, r.clicks) if r.clicks else "",
                     str(r.adv_units), str(r.other_units), money_us(r.adv_sales, "€"),
                     money_us(r.other_sales, "€")])
    return csv_bytes(SP_SEARCH_TERM, rows, eol="\r\n")


def sp_advertised_xlsx(facts: pd.DataFrame) -> bytes:
    sp = facts[(facts.ad_type == "SP") & (facts.date >= REPORT_START)]
    g = sp.groupby(["date", "campaign", "ad_group", "sku", "asin"], sort=True)[SUM_COLS].sum()
    rows = []
    for r in g.reset_index().itertuples():
        c = CAMPAIGN_BY_NAME[r.campaign]
        rows.append([r.date, c.portfolio or "No Portfolio", "USD", r.campaign, r.ad_group,
                     "United States", r.sku, r.asin] + _sp_metric_values(r))
    kinds = ["date"] + ["str"] * 7 + SP_METRIC_KINDS
    return xlsx_bytes("Sponsored_Products_Advertised_product_report", SP_ADVERTISED, kinds, rows,
                      "$ #,##0.00")


def sp_targeting_summary_csv(facts: pd.DataFrame, week: str) -> bytes:
    first, last = week_bounds(week)
    sp = facts[(facts.ad_type == "SP") & facts.date.between(first, last)]
    keys = ["campaign", "ad_group", "targeting", "match_type"]
    active = sp[sp.impressions > 0]
    span = active.groupby(keys, sort=True)["date"].agg(["min", "max"])
    tot = sp.groupby(keys, sort=True)[SUM_COLS].sum().join(span, how="inner").reset_index()
    rows = []
    for r in tot.itertuples():
        c = CAMPAIGN_BY_NAME[r.campaign]
        money = _money_fn("US", "java")
        cpc = "$" + repr(round(r.spend / 100 / r.clicks, 7)) if r.clicks else "$0.0"
        rows.append([us_date_long(r.min), us_date_long(r.max), c.portfolio or "No Portfolio",
                     "USD", ads_csv_name(r.campaign), r.ad_group, r.targeting, r.match_type,
                     str(r.impressions), str(r.clicks), pct(r.clicks, r.impressions), cpc,
                     money(r.spend), pct(r.spend, r.sales),
                     repr(round(r.sales / r.spend, 2)) if r.spend else "0.0",
                     money(r.sales), str(r.orders), str(r.units), pct(r.orders, r.clicks),
                     str(r.adv_units), str(r.other_units), money(r.adv_sales),
                     money(r.other_sales)])
    return csv_bytes(SP_TARGETING_SUMMARY, rows, eol="\r\n")


def sb_campaign_csv(days: pd.DataFrame) -> bytes:
    money = _money_fn("US", "java")
    rows = []
    for r in days[days.ad_type == "SB"].sort_values(["date", "campaign"]).itertuples():
        rows.append([us_date_long(r.date), "No Portfolio", "USD", ads_csv_name(r.campaign), "CPC",
                     "United States", str(r.impressions), str(r.clicks),
                     pct(r.clicks, r.impressions),
                     "$" + repr(round(r.spend / 100 / r.clicks, 7)) if r.clicks else "$0.0",
                     money(r.spend), pct(r.spend, r.sales) if r.sales else "",
                     repr(round(_ratio(r.sales, r.spend), 2)), money(r.sales), str(r.orders),
                     str(r.units), pct(r.orders, r.clicks), str(r.viewable),
                     "$" + repr(round(_ratio(r.spend / 100 * 1000, r.viewable), 2)),
                     "", "", "", "", "", "", "", "", "", str(r.branded_searches), str(r.dpv),
                     str(r.ntb_orders), pct(r.ntb_orders, r.orders), money(r.ntb_sales),
                     pct(r.ntb_sales, r.sales), str(r.ntb_units), pct(r.ntb_units, r.units),
                     pct(r.ntb_orders, r.clicks)])
    return csv_bytes(SB_CAMPAIGN, rows, eol="\r\n")


def _sd_metrics(r: Any, money: Callable[[int], str]) -> list[str]:
    return [str(r.impressions), str(r.viewable), str(r.clicks), pct(r.clicks, r.impressions),
            str(r.dpv), money(r.spend),
            "$" + repr(round(r.spend / 100 / r.clicks, 7)) if r.clicks else "$0.0",
            "$" + repr(round(_ratio(r.spend / 100 * 1000, r.viewable), 2)),
            pct(r.spend, r.sales) if r.sales else "",
            repr(round(_ratio(r.sales, r.spend), 2)), str(r.orders), str(r.units), money(r.sales),
            str(r.ntb_orders), money(r.ntb_sales), str(r.ntb_units),
            pct(r.spend, r.click_sales) if r.click_sales else "",
            repr(round(_ratio(r.click_sales, r.spend), 2)), str(r.click_orders),
            str(r.click_units), money(r.click_sales)]


def sd_campaign_csv(days: pd.DataFrame) -> bytes:
    money = _money_fn("US", "java")
    rows = []
    for r in days[days.ad_type == "SD"].sort_values(["date", "campaign"]).itertuples():
        c = CAMPAIGN_BY_NAME[r.campaign]
        m = _sd_metrics(r, money)
        rows.append([us_date_long(r.date), "USD", ads_csv_name(r.campaign), "ENABLED",
                     money(c.budget), "No Portfolio", c.cost_type] + m)
    return csv_bytes(SD_CAMPAIGN, rows, eol="\r\n")


def sd_advertised_xlsx(facts: pd.DataFrame) -> bytes:
    sd = facts[(facts.ad_type == "SD") & (facts.date >= REPORT_START)]
    cols = SUM_COLS + ["viewable", "dpv", "ntb_orders", "ntb_units", "ntb_sales", "click_orders",
                       "click_units", "click_sales"]
    g = sd.groupby(["date", "campaign", "ad_group", "sku", "asin"], sort=True)[cols].sum()
    rows = []
    for r in g.reset_index().itertuples():
        c = CAMPAIGN_BY_NAME[r.campaign]
        rows.append([r.date, "USD", r.campaign, "No Portfolio", c.cost_type, r.ad_group,
                     c.bid_optimization, r.sku, r.asin, r.impressions, r.viewable, r.clicks,
                     r.clicks / r.impressions if r.impressions else None, r.dpv, r.spend / 100,
                     r.spend / 100 / r.clicks if r.clicks else None,
                     r.spend / 100 * 1000 / r.viewable if r.viewable else None,
                     r.spend / r.sales if r.sales else None,
                     r.sales / r.spend if r.spend else 0.0, r.orders, r.units, r.sales / 100,
                     r.ntb_orders, r.ntb_sales / 100, r.ntb_units,
                     r.spend / r.click_sales if r.click_sales else None,
                     r.click_sales / r.spend if r.spend else 0.0, r.click_orders, r.click_units,
                     r.click_sales / 100])
    kinds = (["date"] + ["str"] * 8 + ["int", "int", "int", "pct", "int", "money", "money",
                                        "money", "pct", "ratio", "int", "int", "money", "int",
                                        "money", "int", "pct", "ratio", "int", "int", "money"])
    return xlsx_bytes("Sponsored_Display_Advertised_product_report", SD_ADVERTISED, kinds, rows,
                      "$ #,##0.00")


def de_sb_2024_csv(days: pd.DataFrame, week: str) -> bytes:
    first, last = week_bounds(week)
    d = days[(days.ad_type == "SB") & days.date.between(first, last)]
    tot = d.groupby("campaign", sort=True).sum(numeric_only=True).reset_index()
    rows = []
    for r in tot.itertuples():
        c = CAMPAIGN_BY_NAME[r.campaign]
        rows.append([
            "EUR", f"{first:%b %d, %Y} - {last:%b %d, %Y}",
            '="amzn1.ads-account.g.5t3ccd2wq8lk0mx7h4e1ybn9r"', "Lumen Home EU", "", "",
            f'="{c.campaign_id}"', c.name, "ENABLED", f"{c.budget / 100:.2f}", "Daily",
            c.cost_type, str(r.impressions), str(r.clicks), pct(r.clicks, r.impressions, 4),
            f"{r.spend / 100:.2f}", f"{_ratio(r.spend / 100, r.clicks):.2f}", str(r.orders),
            f"{r.sales / 100:.2f}", str(r.units), pct(r.spend, r.sales, 4) if r.sales else "",
            f"{_ratio(r.sales, r.spend):.5f}", str(r.ntb_orders), f"{r.ntb_sales / 100:.2f}",
            str(r.ntb_units), str(r.dpv), str(r.viewable), str(r.branded_searches)])
    return csv_bytes(ADS_2024_SB_CAMPAIGN, rows)


def inventory_txt(mkt: str, inv: pd.DataFrame, snapshot: date) -> bytes:
    rows = []
    for r in inv[inv.snapshot == snapshot].sort_values("sku").itertuples():
        warehouse = r.sellable + r.unsellable + r.reserved
        rows.append([r.sku, r.fnsku, r.asin, r.title, "New", f"{r.price / 100:.2f}", "No", "",
                     "Yes", str(warehouse), str(r.sellable), str(r.unsellable), str(r.reserved),
                     str(warehouse + r.inbound), f"{r.volume:.2f}", str(r.working),
                     str(r.shipped), str(r.receiving), "0", "0", "0"])
    return tsv_bytes(INVENTORY, rows, encoding="cp1252" if mkt == "US" else "utf-8")


def utc_stamp(local: datetime, mkt: str) -> str:
    """A marketplace-local moment as Amazon writes it in flat files: in UTC, ``+00:00``."""
    zone = ZoneInfo({"US": "America/Los_Angeles", "DE": "Europe/Berlin"}[mkt])
    return local.replace(tzinfo=zone).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def returns_csv(ret: pd.DataFrame, mkt: str) -> bytes:
    rows = [[utc_stamp(r.when, mkt), r.order_id, r.sku, r.asin, r.fnsku, r.title,
             str(r.quantity), r.fc, r.disposition, r.reason, "Unit returned to inventory",
             r.lpn, r.comment]
            for r in ret.itertuples()]
    return csv_bytes(RETURNS, rows, bom=False, quote_all=True, encoding="cp1252")


def all_orders_txt(orders: pd.DataFrame) -> bytes:
    titles = {x.key: x.title[:150] for x in LISTINGS["US"]}
    rows = []
    last_day = week_bounds(REPORT_WEEK)[1]
    for r in orders.itertuples():
        when = datetime.combine(r.date, datetime.min.time()) + timedelta(seconds=int(r.secs))
        pending = (last_day - r.date).days < 2 and (r.date == last_day or r.secs % 3 == 0)
        city, state, zip5, tax = US_PLACES[r.place]
        item_price = r.quantity * r.price
        if r.cancelled:
            status, item_status, price, tax_text = "Cancelled", "Cancelled", "", ""
        elif pending:
            status, item_status = "Pending", "Unshipped"
            price, tax_text = f"{item_price / 100:.2f}", ""
        else:
            status, item_status = "Shipped", "Shipped"
            price = f"{item_price / 100:.2f}"
            tax_text = f"{round(item_price * tax) / 100:.2f}"
        lst = BY_KEY["US"][r.key]
        updated = when + timedelta(hours=int(r.updated_h))
        rows.append([r.order_id, r.order_id, utc_stamp(when, "US"),
                     utc_stamp(updated, "US"), status, "Amazon", "Amazon.com", "",
                     "", "Expedited" if r.expedited else "Standard", titles[r.key], lst.sku,
                     lst.asin, item_status, str(r.quantity), "USD", price, tax_text,
                     "0.00" if price else "", "0.00" if tax_text else "", "", "", "0.00"
                     if price else "", "0.00" if price else "", city, state,
                     f"{zip5}-{r.zip4}", "US", "", "true" if r.b2b else "false", "",
                     "BusinessPrice" if r.b2b else ""])
    return tsv_bytes(ALL_ORDERS, rows, encoding="utf-8")


def monday_after(week: str) -> date:
    return week_bounds(week)[1] + timedelta(days=1)


def render_files(world: World) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for i, week in enumerate(WEEKS):
        dl = monday_after(week)
        w_us = weekly_asin(world.asin_daily["US"], week)
        files[f"US/business/{week}/BusinessReport-{dl.month}-{dl.day:02d}-{dl:%y}.csv"] = (
            business_by_asin("US", w_us, "A" if i < 3 else "B"))
        w_de = weekly_asin(world.asin_daily["DE"], week)
        files[f"DE/business/{week}/BusinessReport-{dl:%d.%m.%y}.csv"] = (
            business_by_asin("DE", w_de, "D" if week == REPORT_WEEK else "C"))
    files["US/business/BusinessReport-11-23-26.csv"] = business_by_date(
        "US", world.store_daily["US"])
    files["DE/business/BusinessReport-23.11.26.csv"] = business_by_date(
        "DE", world.store_daily["DE"])

    us_days = campaign_days(world.ads["US"])
    sp_us = us_days[us_days.ad_type == "SP"]
    first = sp_us[sp_us.date <= date(2026, 11, 15)].set_index(["date", "ad_type", "campaign"])
    prelim = world.prelim_sp_us.set_index(["date", "ad_type", "campaign"])
    first.loc[prelim.index, prelim.columns] = prelim
    files["US/ads/Sponsored Products Campaign report (1).csv"] = sp_campaign_csv(
        "US", first.reset_index())
    files["US/ads/Sponsored Products Campaign report (2).csv"] = sp_campaign_csv(
        "US", sp_us[sp_us.date >= RESTATED[0]])
    files["US/ads/Sponsored_Products_Search_term_report.xlsx"] = sp_search_term_xlsx(
        world.ads["US"])
    files["US/ads/Sponsored_Products_Advertised_product_report.xlsx"] = sp_advertised_xlsx(
        world.ads["US"])
    files[f"US/ads/{REPORT_WEEK}/Sponsored Products Targeting report.csv"] = (
        sp_targeting_summary_csv(world.ads["US"], REPORT_WEEK))
    files["US/ads/Sponsored Brands Campaign report.csv"] = sb_campaign_csv(us_days)
    files["US/ads/Sponsored Display Campaign report.csv"] = sd_campaign_csv(us_days)
    files["US/ads/Sponsored_Display_Advertised_product_report.xlsx"] = sd_advertised_xlsx(
        world.ads["US"])

    de_days = campaign_days(world.ads["DE"])
    files["DE/ads/Sponsored Products Campaign report.csv"] = sp_campaign_csv(
        "DE", de_days[de_days.ad_type == "SP"])
    files["DE/ads/Sponsored Products Search term report.csv"] = sp_search_term_csv_de(
        world.ads["DE"])
    for i, week in enumerate(WEEKS):
        suffix = f" ({i})" if i else ""
        files[f"DE/ads/Sponsored_Brands_Campaign_report{suffix}.csv"] = de_sb_2024_csv(
            de_days, week)

    g = rng("report-ids")
    for mkt, weeks in (("US", WEEKS), ("DE", WEEKS[-2:])):
        for week in weeks:
            report_id = f"{g.integers(10**16, 9 * 10**16)}"
            files[f"{mkt}/inventory/{week}/{report_id}.txt"] = inventory_txt(
                mkt, world.inventory[mkt], week_bounds(week)[1])
    span = f"{REPORT_START:%Y-%m-%d}_{END:%Y-%m-%d}"
    for mkt in LISTINGS:
        files[f"{mkt}/returns/FBA customer returns {span}.csv"] = returns_csv(world.returns[mkt], mkt)
    first_day, last_day = week_bounds(REPORT_WEEK)
    files[f"US/orders/All Orders {first_day:%Y-%m-%d}_{last_day:%Y-%m-%d}.txt"] = all_orders_txt(
        world.orders_us)
    return files


# --------------------------------------------------------------------------------------------
# Ground truth and design checks
# --------------------------------------------------------------------------------------------


def _money(cents: Any) -> float:
    return round(int(cents) / 100, 2)


def _ad_totals(d: pd.DataFrame) -> dict[str, Any]:
    return {"ad_spend": _money(d.spend.sum()), "ad_sales": _money(d.sales.sum()),
            "ad_orders": int(d.orders.sum()), "impressions": int(d.impressions.sum()),
            "clicks": int(d.clicks.sum())}


def _status(value: float | None, green: Callable[[float], bool],
            yellow: Callable[[float], bool]) -> str:
    if value is None:
        return "blank"
    return "green" if green(value) else "yellow" if yellow(value) else "red"


def status_conversion(change: float) -> str:
    return _status(change, lambda v: v > -0.05, lambda v: v > -0.15)


def status_buy_box(v: float) -> str:
    return _status(v, lambda v: v >= 0.80, lambda v: v >= 0.70)


def status_acos(v: float) -> str:
    return _status(v, lambda v: v <= 0.25, lambda v: v <= 0.35)


def status_roas(v: float) -> str:
    return _status(v, lambda v: v >= 3.0, lambda v: v >= 2.0)


def status_tacos(v: float) -> str:
    return _status(v, lambda v: v <= 0.12, lambda v: v <= 0.15)


def status_returns(v: float) -> str:
    return _status(v, lambda v: v <= 0.03, lambda v: v <= 0.05)


def status_cover(v: float) -> str:
    return _status(v, lambda v: v >= LEAD_TIME_DAYS + SAFETY_DAYS, lambda v: v >= LEAD_TIME_DAYS)


def build_truth(world: World) -> dict[str, Any]:
    truth: dict[str, Any] = {
        "store": "Lumen Home", "seed": SEED, "generated_by": "sheetsbot.demo.generate",
        "periods": {p: {"start": a.isoformat(), "end": b.isoformat()}
                    for p, (a, b) in PERIODS.items()},
        "caveats": [
            "DE Sponsored Brands is exported in the 2024+ console format as one summary row per "
            "ISO week; 2026-W44 (Oct 26 - Nov 1) straddles the month boundary, so the DE 'SB' "
            "(and 'total') monthly ad figures come from the generator's daily facts and cannot be "
            "derived exactly from the files.",
            "US SP campaign export (1) holds preliminary numbers for 2026-11-02..11-15; truth uses "
            "the restated numbers of export (2).",
            "Business Report by-ASIN files exist for W42-W47 only; monthly figures are store-level "
            "(by-date report).",
            "Campaign names in Ads classic CSVs write a double quote as backslash + quote "
            '(Bath Mat 31\\" x 19\\" - Exact); truth uses the plain name.',
        ],
        "marketplaces": {},
    }
    for mkt in LISTINGS:
        a, s, f = world.asin_daily[mkt], world.store_daily[mkt], world.ads[mkt]
        m: dict[str, Any] = {
            "currency": CURRENCY[mkt],
            "asins": {x.asin: {"sku": x.sku, "parent": x.parent, "title": x.title}
                      for x in LISTINGS[mkt]},
            "campaigns_meta": {c.name: {"ad_type": c.ad_type, "start": c.start.isoformat(),
                                        "established": c.established}
                               for c in CAMPAIGNS if c.mkt == mkt},
            "store": {}, "asin": {}, "ads": {}, "campaigns": {}, "returns": {}, "inventory": {},
            "search_terms": {},
        }
        for p, (lo, hi) in PERIODS.items():
            sp = s[s.date.between(lo, hi)]
            m["store"][p] = {"sales": _money(sp.sales.sum()), "units": int(sp.units.sum()),
                             "orders": int(sp.orders.sum()), "sessions": int(sp.sessions.sum()),
                             "page_views": int(sp.page_views.sum())}
            fp = f[f.date.between(lo, hi)]
            m["ads"][p] = {t: _ad_totals(fp[fp.ad_type == t])
                           for t in ("SP", "SB", "SD") if (f.ad_type == t).any()}
            m["ads"][p]["total"] = _ad_totals(fp)
        for week in WEEKS:
            w = weekly_asin(a, week)
            variant = ("A" if WEEKS.index(week) < 3 else "B") if mkt == "US" else "C"
            m["asin"][week] = {
                r.asin: {"sales": _money(r.sales), "units": int(r.units), "orders": int(r.orders),
                         "sessions": int(r.sessions), "page_views": int(r.page_views),
                         "buy_box": round(float(buy_box_text(r.bb, variant)[:-1]) / 100, 6)}
                for r in w.sort_values("asin").itertuples()}
            lo, hi = week_bounds(week)
            fw = f[f.date.between(lo, hi)]
            m["campaigns"][week] = {
                name: {"ad_type": str(g.ad_type.iloc[0]), **_ad_totals(g),
                       "ad_units": int(g.units.sum()), "days": int(g.date.nunique())}
                for name, g in fw.groupby("campaign", sort=True)}
            rw = world.returns[mkt]
            rw = rw[rw.date.between(lo, hi)].groupby("asin")["quantity"].sum()
            m["returns"][week] = {x.asin: int(rw.get(x.asin, 0))
                                  for x in sorted(LISTINGS[mkt], key=lambda x: x.asin)}
        inv = world.inventory[mkt]
        for snap, g in inv.groupby("snapshot", sort=True):
            per = g.groupby("asin")[["sellable", "inbound"]].sum()
            m["inventory"][snap.isoformat()] = {
                asin: {"sellable": int(r.sellable), "inbound": int(r.inbound)}
                for asin, r in per.iterrows()}
        lo, hi = week_bounds(REPORT_WEEK)
        st = search_term_rows(f)
        st = st[st.date.between(lo, hi)]
        keys = ["campaign", "ad_group", "targeting", "match_type", "search_term"]
        agg = st.groupby(keys, sort=True)[["impressions", "clicks", "spend", "sales", "orders",
                                           "units"]].sum().reset_index()
        m["search_terms"][REPORT_WEEK] = [
            {"campaign": r.campaign, "ad_group": r.ad_group, "targeting": r.targeting,
             "match_type": r.match_type, "search_term": r.search_term,
             "impressions": int(r.impressions), "clicks": int(r.clicks),
             "spend": _money(r.spend), "sales": _money(r.sales), "orders": int(r.orders),
             "units": int(r.units)} for r in agg.itertuples()]
        truth["marketplaces"][mkt] = m
    truth["design"] = design_block(world, truth)
    return truth


def design_block(world: World, truth: dict[str, Any]) -> dict[str, Any]:
    """The W47 traffic lights the demo is built to show, with the numbers behind them."""
    out: dict[str, Any] = {
        "reporting_week": REPORT_WEEK, "previous_week": PREVIOUS_WEEK,
        "thresholds": {"conversion_change": [-0.05, -0.15], "buy_box": [0.80, 0.70],
                       "acos": [0.25, 0.35], "roas": [3.0, 2.0], "tacos": [0.12, 0.15],
                       "return_rate": [0.03, 0.05],
                       "days_of_cover": [LEAD_TIME_DAYS + SAFETY_DAYS, LEAD_TIME_DAYS],
                       "negate_min_clicks": 10, "harvest_min_orders": 2},
        "velocity": "units of the reporting week / 7 (the 28-day velocity gives the same colours)",
        "turnover": "units of the last 28 days x 365/28 / mean sellable over the snapshots",
    }
    lo47, hi47 = week_bounds(REPORT_WEEK)
    for mkt, m in truth["marketplaces"].items():
        key_of = {x.asin: x.key for x in LISTINGS[mkt]}
        cur, prev = m["asin"][REPORT_WEEK], m["asin"][PREVIOUS_WEEK]
        d: dict[str, Any] = {"conversion": {}, "buy_box": {}, "return_rate": {},
                             "days_of_cover": {}, "campaigns": {}}
        for asin, r in cur.items():
            c1, c0 = r["units"] / r["sessions"], prev[asin]["units"] / prev[asin]["sessions"]
            ch = c1 / c0 - 1
            d["conversion"][asin] = {"key": key_of[asin], "w46": round(c0, 6), "w47": round(c1, 6),
                                     "change": round(ch, 6), "status": status_conversion(ch)}
            d["buy_box"][asin] = {"key": key_of[asin], "value": r["buy_box"],
                                  "status": status_buy_box(r["buy_box"])}
            rr = m["returns"][REPORT_WEEK][asin] / r["units"]
            d["return_rate"][asin] = {"key": key_of[asin],
                                      "returned": m["returns"][REPORT_WEEK][asin],
                                      "units": r["units"], "value": round(rr, 6),
                                      "status": status_returns(rr)}
        inv = m["inventory"][hi47.isoformat()]
        a = world.asin_daily[mkt]
        snaps = sorted(m["inventory"])
        for asin, st in inv.items():
            v7 = m["asin"][REPORT_WEEK][asin]["units"] / 7
            sold28 = int(a[(a.asin == asin)
                           & a.date.between(lo47 - timedelta(days=27), hi47)].units.sum())
            v28 = sold28 / 28
            cover = (st["sellable"] + st["inbound"]) / v7 if v7 else None
            cover28 = (st["sellable"] + st["inbound"]) / v28 if v28 else None
            status = status_cover(cover) if cover is not None else "blank"
            if st["sellable"] == 0 and v7 > 0:
                status = "red"  # and the inventory.stockout task
            on_hand = float(np.mean([m["inventory"][sn][asin]["sellable"] for sn in snaps]))
            turnover = sold28 * 365 / 28 / on_hand if on_hand else None
            d["days_of_cover"][asin] = {
                "key": key_of[asin], "sellable": st["sellable"], "inbound": st["inbound"],
                "velocity": round(v7, 6), "days": round(cover, 3) if cover is not None else None,
                "days_28d_velocity": round(float(cover28), 3) if cover28 is not None else None,
                "status": status, "stockout": bool(st["sellable"] == 0 and v7 > 0),
                "turnover_per_year": round(turnover, 3) if turnover is not None else None,
                "overstock": bool(cover is not None and cover > 180)}
        for name, c in m["campaigns"][REPORT_WEEK].items():
            acos = c["ad_spend"] / c["ad_sales"] if c["ad_sales"] else None
            roas = c["ad_sales"] / c["ad_spend"] if c["ad_spend"] else None
            flag = c["days"] >= 7
            d["campaigns"][name] = {
                "ad_type": c["ad_type"], "days": c["days"], "flaggable": flag,
                "acos": round(acos, 6) if acos is not None else None,
                "roas": round(roas, 6) if roas is not None else None,
                "acos_status": status_acos(acos) if flag and acos is not None else "not flagged",
                "roas_status": status_roas(roas) if flag and roas is not None else "not flagged"}
        spend = m["ads"][REPORT_WEEK]["total"]["ad_spend"]
        tacos = spend / m["store"][REPORT_WEEK]["sales"]
        d["tacos"] = {"ad_spend": spend, "sales": m["store"][REPORT_WEEK]["sales"],
                      "value": round(tacos, 6), "status": status_tacos(tacos)}
        terms = m["search_terms"][REPORT_WEEK]
        d["negate_terms"] = [t["search_term"] for t in terms if t["clicks"] >= 10
                             and t["orders"] == 0]
        d["harvest_terms"] = [
            {"campaign": t["campaign"], "search_term": t["search_term"], "orders": t["orders"]}
            for t in terms if t["orders"] >= 2 and (
                CAMPAIGN_BY_NAME[t["campaign"]].targeting_type == "Automatic targeting"
                or t["match_type"] == "BROAD")]
        mtd = m["store"]["2026-11"]["sales"]
        elapsed = (END - date(2026, 11, 1)).days + 1
        target = round(mtd / (elapsed / 30) / TARGET_ATTAINMENT[mkt], -3)
        att = mtd / (target * elapsed / 30)
        d["monthly_target"] = {
            "month": "2026-11", "suggested_target": target, "sales_to_date": mtd,
            "days_elapsed": elapsed, "days_in_month": 30, "attainment_prorated": round(att, 6),
            "status": _status(att, lambda v: v >= 0.95, lambda v: v >= 0.85),
            "october_sales": m["store"]["2026-10"]["sales"]}
        out[mkt] = d
    return out


def check_design(truth: dict[str, Any]) -> list[str]:
    """Compare the W47 statuses with INTENDED; return the mismatches (empty = all good)."""
    problems = []
    for mkt, intended in INTENDED.items():
        d = truth["design"][mkt]
        asin_of = {x.key: x.asin for x in LISTINGS[mkt]}
        for area in ("conversion", "buy_box", "return_rate", "days_of_cover"):
            plan = intended[area]
            for got in d[area].values():
                want = plan.get(got["key"], plan.get("*"))
                if got["status"] != want:
                    problems.append(f"{mkt} {area} {got['key']}: {got['status']} != {want} {got}")
            assert all(k == "*" or k in asin_of for k in plan)
        for area in ("acos", "roas"):
            for name, want in intended[area].items():
                got = d["campaigns"][name][f"{area}_status"]
                if got != want:
                    problems.append(f"{mkt} {area} {name}: {got} != {want} {d['campaigns'][name]}")
        if d["tacos"]["status"] != intended["tacos"]["store"]:
            problems.append(f"{mkt} tacos {d['tacos']}")
        for c in d["campaigns"].values():
            if not c["flaggable"] and c["acos_status"] != "not flagged":
                problems.append(f"{mkt} launch campaign flagged {c}")
        designed = {t.text for c in CAMPAIGNS if c.mkt == mkt for ag in c.ad_groups
                    for tg in ag.targets for t in tg.terms if t.role == "negate"}
        if set(d["negate_terms"]) != designed:
            problems.append(f"{mkt} negate terms {d['negate_terms']} != {sorted(designed)}")
        harvest = {t.text for c in CAMPAIGNS if c.mkt == mkt for ag in c.ad_groups
                   for tg in ag.targets for t in tg.terms if t.role == "harvest"}
        if not harvest <= {h["search_term"] for h in d["harvest_terms"]}:
            problems.append(f"{mkt} harvest terms missing: {harvest}")
    us = truth["design"]["US"]
    if us["monthly_target"]["status"] == "green":
        problems.append("US should be behind its monthly target")
    return problems


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def truth_bytes(truth: dict[str, Any]) -> bytes:
    return (json.dumps(truth, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def generate(out: Path = DEFAULT_OUT, truth_path: Path | None = None, *,
             clean: bool = False, check: bool = True) -> dict[str, bytes]:
    """Write every export under out (and truth.json); return {relative path: bytes}.

    Unchanged files are not rewritten.  ``clean`` removes files the generator did not write,
    but only inside its own marketplace folders (``out/US``, ``out/DE``).
    """
    world = build_world()
    files = render_files(world)
    truth = build_truth(world)
    if check:
        problems = check_design(truth)
        if problems:
            raise RuntimeError("demo design not met:\n" + "\n".join(problems))
    out = Path(out)
    outputs = {out / rel: data for rel, data in files.items()}
    outputs[Path(truth_path) if truth_path else out.parent / "truth.json"] = truth_bytes(truth)
    for path, data in outputs.items():
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    if clean:
        for mkt in LISTINGS:
            for path in sorted((out / mkt).rglob("*"), reverse=True):
                if path.is_file() and path not in outputs:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sheetsbot.demo.generate",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="exports folder (default: sheetsbot/demo/exports)")
    parser.add_argument("--truth", type=Path, default=None,
                        help="where truth.json goes (default: next to the exports folder)")
    parser.add_argument("--clean", action="store_true",
                        help="delete files under --out that this generator did not write")
    args = parser.parse_args(argv)
    files = generate(args.out, args.truth, clean=args.clean)
    total = sum(len(b) for b in files.values())
    print(f"wrote {len(files)} files ({total / 1024:.0f} KiB) under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
