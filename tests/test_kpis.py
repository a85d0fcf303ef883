"""KPI rules that real data demands, each checked against numbers computed by hand here."""

from __future__ import annotations

import math
import os
from datetime import date
from pathlib import Path

import pytest
from builders import (
    BUSINESS_ASIN,
    BUSINESS_DATE,
    INVENTORY,
    RETURNS,
    SP_ADVERTISED,
    SP_CAMPAIGN,
    SP_SEARCH_TERM,
    ad_date,
    business_asin_rows,
    csv_text,
    days,
    us_date,
    write,
)

from sheetsbot.config import parse_config
from sheetsbot.kpis import compute_kpis
from sheetsbot.periods import Period
from sheetsbot.reports import ReadHints, read_exports
from sheetsbot.sources.local import LocalFolder

W47 = Period.parse("2026-W47")  # Mon 2026-11-16 … Sun 2026-11-22
W46 = Period.parse("2026-W46")


def kpis(root: Path, config_text: str = "", week: Period = W47, month: Period | None = None):
    config = parse_config(config_text or "store:\n  default_marketplace: US\n")
    reports = read_exports(LocalFolder(root), ReadHints(default_marketplace=config.store.default_marketplace))
    return compute_kpis(reports, week, config, month)


def value(result, metric: str, level: str = "store", key: str = "", market: str = "US", period: str = "2026-W47"):
    r = result.records
    row = r[
        (r.metric == metric) & (r.level == level) & (r.key == key) & (r.marketplace == market) & (r.period == period)
    ]
    assert len(row) == 1, f"{len(row)} records for {metric}/{level}/{key}/{market}"
    return row.iloc[0]


def by_date_rows(
    start: date, n: int, sessions: int, page_views: int, units: int, sales: float, orders: int, bb: float = 1.0
):
    return [
        [us_date(d), f"${sales:,.2f}", units, orders, page_views, sessions, f"{bb * 100:.2f}%"] for d in days(start, n)
    ]


# -- rule 1: store traffic comes from the report by date ----------------------------------------


def test_store_sessions_come_from_the_business_report_by_date(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/2026-W47/BusinessReport-11-23-26.csv",
        csv_text(
            BUSINESS_ASIN,
            business_asin_rows(
                [
                    ("B0A", 100, 150, 0.90, 10, 200.0, 9),
                    ("B0B", 80, 100, 0.60, 4, 80.0, 4),
                ]
            ),
        ),
    )
    write(
        tmp_path,
        "US/BusinessReport-by-date.csv",
        csv_text(BUSINESS_DATE, by_date_rows(date(2026, 11, 16), 7, 20, 30, 2, 40.0, 2)),
    )
    result = kpis(tmp_path)
    # Per-ASIN sessions add up to 180; the shopper-level truth is 7 × 20 = 140.
    assert value(result, "sessions").value == 140
    assert value(result, "units").value == 14
    assert value(result, "conversion").value == pytest.approx(14 / 140)
    assert value(result, "sessions", "asin", "B0A").value == 100
    assert value(result, "conversion", "asin", "B0B").value == pytest.approx(4 / 80)
    # Buy Box weighted by page views: (0.9 × 150 + 0.6 × 100) / 250.
    assert value(result, "buy_box", "asin", "B0A").value == pytest.approx(0.90)


def test_without_the_report_by_date_store_sessions_are_blank_with_a_reason(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/2026-W47/BusinessReport-11-23-26.csv",
        csv_text(
            BUSINESS_ASIN,
            business_asin_rows(
                [
                    ("B0A", 100, 150, 0.90, 10, 200.0, 9),
                    ("B0B", 80, 100, 0.60, 4, 80.0, 4),
                ]
            ),
        ),
    )
    result = kpis(tmp_path)
    sessions = value(result, "sessions")
    assert math.isnan(sessions.value)
    assert "Business Report by date" in sessions.note
    assert value(result, "sales").value == pytest.approx(280.0)
    assert value(result, "buy_box").value == pytest.approx((0.9 * 150 + 0.6 * 100) / 250)
    assert value(result, "aov").value == pytest.approx(280.0 / 13)


# -- rule 2: undated reports count only for their exact period, or a tiling ------------------


def test_undated_reports_tile_a_week_and_a_wider_one_is_left_out(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/2026-11-16_2026-11-19/BR.csv",
        csv_text(BUSINESS_ASIN, business_asin_rows([("B0A", 40, 60, 1.0, 4, 80.0, 4)])),
    )
    write(
        tmp_path,
        "US/2026-11-20_2026-11-22/BR.csv",
        csv_text(BUSINESS_ASIN, business_asin_rows([("B0A", 30, 40, 1.0, 3, 60.0, 3)])),
    )
    write(
        tmp_path,
        "US/2026-11-10_2026-11-25/BR.csv",
        csv_text(BUSINESS_ASIN, business_asin_rows([("B0A", 999, 999, 1.0, 99, 999.0, 99)])),
    )
    result = kpis(tmp_path)
    assert value(result, "units", "asin", "B0A").value == 7
    assert value(result, "sales", "asin", "B0A").value == pytest.approx(140.0)
    assert any("2026-11-10_2026-11-25" in n and "does not match" in n for n in result.notes)


def test_a_monthly_report_does_not_count_for_a_week_and_dated_rows_are_cut_exactly(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/2026-11/BR.csv",
        csv_text(BUSINESS_ASIN, business_asin_rows([("B0A", 400, 600, 1.0, 40, 800.0, 40)])),
    )
    # Daily rows from Nov 10 to Nov 25: only Nov 16–22 count for W47.
    write(tmp_path, "US/by-date.csv", csv_text(BUSINESS_DATE, by_date_rows(date(2026, 11, 10), 16, 10, 10, 1, 25.0, 1)))
    result = kpis(tmp_path)
    assert math.isnan(value(result, "units", "asin", "B0A").value)
    assert value(result, "units").value == 7
    assert value(result, "sales").value == pytest.approx(175.0)


def test_a_file_with_no_period_counts_in_no_period(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/BusinessReport-11-23-26.csv",
        csv_text(BUSINESS_ASIN, business_asin_rows([("B0A", 40, 60, 1.0, 4, 80.0, 4)])),
    )
    result = kpis(tmp_path)
    assert math.isnan(value(result, "units").value)
    assert "no Business Report covers 2026-W47" in value(result, "units").note


# -- rule 3: one source per ad type and day -------------------------------------------------


def _campaign_rows(
    start: date,
    n: int,
    name: str,
    impressions: int,
    clicks: int,
    spend: float,
    orders: int,
    sales: float,
    currency: str = "USD",
):
    return [
        [
            ad_date(d),
            "No Portfolio",
            "Sponsored Products",
            name,
            "ENABLED",
            currency,
            "$10.0",
            "Manual targeting",
            "Dynamic bids - down only",
            impressions,
            clicks,
            "1.00%",
            f"${spend:.2f}",
            "$0.50",
            orders,
            "10.00%",
            f"${sales:.2f}",
        ]
        for d in days(start, n)
    ]


def _term_rows(
    start: date, n: int, name: str, term: str, impressions: int, clicks: int, spend: float, orders: int, sales: float
):
    return [
        [
            ad_date(d),
            "No Portfolio",
            "USD",
            name,
            "AG",
            term,
            "EXACT",
            term,
            impressions,
            clicks,
            "1%",
            "$0.5",
            f"${spend:.2f}",
            f"${sales:.2f}",
            "",
            "",
            orders,
            orders,
        ]
        for d in days(start, n)
    ]


def test_store_ad_totals_come_from_the_campaign_report_not_the_search_terms(tmp_path: Path) -> None:
    start = date(2026, 11, 9)
    write(
        tmp_path,
        "US/ads/Campaign.csv",
        csv_text(SP_CAMPAIGN, _campaign_rows(start, 14, "Mats - Exact", 1000, 10, 5.0, 1, 20.0)),
    )
    write(
        tmp_path,
        "US/ads/SearchTerm.csv",
        csv_text(SP_SEARCH_TERM, _term_rows(start, 14, "Mats - Exact", "bath mat", 300, 10, 5.0, 1, 20.0)),
    )
    result = kpis(tmp_path)
    assert value(result, "impressions").value == 7 * 1000
    assert value(result, "ad_spend").value == pytest.approx(35.0)
    assert value(result, "acos").value == pytest.approx(35.0 / 140.0)
    assert value(result, "ctr", "campaign", "Mats - Exact").value == pytest.approx(70 / 7000)
    terms = result.week.search_terms
    assert terms.loc[terms.search_term == "bath mat", "clicks"].item() == 70


def test_search_terms_alone_give_the_totals_when_nothing_else_covers_the_days(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/ads/SearchTerm.csv",
        csv_text(SP_SEARCH_TERM, _term_rows(date(2026, 11, 9), 14, "Auto", "rug", 50, 2, 1.0, 0, 0.0)),
    )
    result = kpis(tmp_path)
    assert value(result, "clicks").value == 14
    acos = value(result, "acos")
    assert math.isnan(acos.value) and acos.note == "no ad sales"


# -- rule 4: overlapping exports: the later period wins, duplicates in a file are summed --------


def test_the_export_whose_period_ends_later_wins_overlapping_days(tmp_path: Path) -> None:
    older = csv_text(SP_CAMPAIGN, _campaign_rows(date(2026, 11, 2), 14, "C1", 100, 10, 5.0, 1, 10.0))  # Nov 2–15
    newer = csv_text(
        SP_CAMPAIGN, _campaign_rows(date(2026, 11, 9), 14, "C1", 100, 10, 5.0, 2, 30.0)
    )  # Nov 9–22, restated
    # Names and modification times point the wrong way on purpose: only periods decide.
    a = write(tmp_path, "US/ads/z-latest-download.csv", older)
    b = write(tmp_path, "US/ads/a-first.csv", newer)
    os.utime(b, (1_000_000, 1_000_000))
    os.utime(a, (2_000_000_000, 2_000_000_000))
    result = kpis(tmp_path, week=W46)
    assert value(result, "ad_sales", period="2026-W46").value == pytest.approx(7 * 30.0)
    assert value(result, "ad_orders", period="2026-W46").value == 14
    assert value(result, "ad_spend", period="2026-W46").value == pytest.approx(35.0)


def test_rows_with_the_same_key_in_one_file_are_summed(tmp_path: Path) -> None:
    rows = _term_rows(date(2026, 11, 16), 7, "C1", "door mat", 10, 1, 0.5, 0, 0.0)
    write(tmp_path, "US/ads/ST.csv", csv_text(SP_SEARCH_TERM, rows + rows[:1]))
    result = kpis(tmp_path)
    assert value(result, "clicks").value == 8
    assert value(result, "ad_spend").value == pytest.approx(4.0)


# -- rule 5: money is never summed across currencies ------------------------------------------


def test_each_marketplace_is_its_own_record_in_its_own_currency(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/ads/c.csv",
        csv_text(SP_CAMPAIGN, _campaign_rows(date(2026, 11, 16), 7, "US1", 100, 10, 5.0, 1, 20.0)),
    )
    write(
        tmp_path,
        "DE/ads/c.csv",
        csv_text(SP_CAMPAIGN, _campaign_rows(date(2026, 11, 16), 7, "DE1", 100, 10, 3.0, 1, 9.0, currency="EUR")),
    )
    result = kpis(tmp_path, "store:\n  marketplaces: [US, DE]\n")
    us, de = value(result, "ad_spend", market="US"), value(result, "ad_spend", market="DE")
    assert (us.value, us.currency) == (pytest.approx(35.0), "USD")
    assert (de.value, de.currency) == (pytest.approx(21.0), "EUR")
    assert set(result.records.marketplace) == {"US", "DE"}


# -- rule 6: blanks with reasons, zeros where the exports cover the period --------------------


def test_no_returns_in_a_covered_week_is_zero_and_a_young_campaign_is_not_flagged(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/2026-W47/BR.csv",
        csv_text(
            BUSINESS_ASIN,
            business_asin_rows(
                [
                    ("B0A", 100, 150, 0.9, 10, 200.0, 9),
                    ("B0B", 50, 60, 0.9, 5, 50.0, 5),
                ]
            ),
        ),
    )
    write(
        tmp_path,
        "US/returns/FBA customer returns 2026-11-16_2026-11-22.csv",
        csv_text(
            RETURNS,
            [
                [
                    "2026-11-18T10:00:00+00:00",
                    "111-1",
                    "SKU-B0A",
                    "B0A",
                    "X1",
                    "Mat",
                    2,
                    "LEX2",
                    "SELLABLE",
                    "UNWANTED_ITEM",
                    "Unit returned to inventory",
                    "LPN1",
                    "",
                ],
            ],
        ),
    )
    # A campaign that started on Friday: 3 days of data, ACoS far above 35 %.
    write(
        tmp_path,
        "US/ads/c.csv",
        csv_text(SP_CAMPAIGN, _campaign_rows(date(2026, 11, 20), 3, "Launch", 100, 10, 20.0, 1, 10.0)),
    )
    write(
        tmp_path,
        "US/ads/old.csv",
        csv_text(SP_CAMPAIGN, _campaign_rows(date(2026, 11, 16), 7, "Old", 100, 10, 20.0, 1, 10.0)),
    )
    result = kpis(tmp_path)
    assert value(result, "units_returned", "asin", "B0B").value == 0
    assert value(result, "units_returned", "asin", "B0A").value == 2
    assert value(result, "return_rate", "asin", "B0A").value == pytest.approx(0.2)
    assert value(result, "units_returned").value == 2
    young = value(result, "acos", "campaign", "Launch")
    assert young.status is None and "fewer than 7 days" in young.note
    assert value(result, "acos", "campaign", "Old").status == "red"


def test_conversion_without_sessions_is_blank_with_a_reason(tmp_path: Path) -> None:
    write(tmp_path, "US/2026-W47/BR.csv", csv_text(BUSINESS_ASIN, business_asin_rows([("B0A", 0, 0, 0.0, 0, 0.0, 0)])))
    result = kpis(tmp_path)
    conversion = value(result, "conversion", "asin", "B0A")
    assert math.isnan(conversion.value) and conversion.note == "no sessions"
    assert math.isnan(value(result, "aov", "asin", "B0A").value)


def test_json_records_never_hold_infinity(tmp_path: Path) -> None:
    write(tmp_path, "US/2026-W47/BR.csv", csv_text(BUSINESS_ASIN, business_asin_rows([("B0A", 0, 0, 0.0, 5, 10.0, 0)])))
    result = kpis(tmp_path)
    numeric = result.records[["value", "previous", "change", "target"]].astype(float)
    assert not numeric.isin([math.inf, -math.inf]).any().any()


# -- inventory, targets, status, month --------------------------------------------------------


def test_days_of_cover_and_turnover_by_hand(tmp_path: Path) -> None:
    # Four weekly Business Reports (W44–W47) tile the 28-day velocity window.
    for week, units in (("2026-W44", 20), ("2026-W45", 20), ("2026-W46", 14), ("2026-W47", 30)):
        write(
            tmp_path,
            f"US/{week}/BR.csv",
            csv_text(BUSINESS_ASIN, business_asin_rows([("B0A", 100, 100, 1.0, units, units * 10.0, units)])),
        )
    inv = [["SKU-B0A", "X1", "B0A", "Mat", 60, 10, 20, 0, 70]]
    write(tmp_path, "US/inventory/2026-W47/1.txt", csv_text(INVENTORY, inv, delimiter="\t"))
    write(
        tmp_path,
        "US/inventory/2026-W46/1.txt",
        csv_text(INVENTORY, [["SKU-B0A", "X1", "B0A", "Mat", 80, 0, 0, 0, 90]], delimiter="\t"),
    )
    result = kpis(tmp_path)
    velocity = (20 + 20 + 14 + 30) / 28
    assert value(result, "sellable", "asin", "B0A").value == 60
    assert value(result, "inbound", "asin", "B0A").value == 30
    assert value(result, "days_of_cover", "asin", "B0A").value == pytest.approx(90 / velocity)
    # Snapshots on Nov 15 and Nov 22: units sold Nov 16–22 = 30, annualised over on-hand (90+70)/2.
    assert value(result, "turnover", "asin", "B0A").value == pytest.approx(30 * 365 / 7 / 80)
    cover = value(result, "days_of_cover", "asin", "B0A")
    assert cover.status == "yellow"  # 32.1 days: ≥ lead time 30, < 30 + 14


def test_target_attainment_is_month_to_date_pro_rated(tmp_path: Path) -> None:
    write(
        tmp_path, "US/by-date.csv", csv_text(BUSINESS_DATE, by_date_rows(date(2026, 11, 1), 22, 100, 120, 10, 50.0, 10))
    )
    result = kpis(
        tmp_path,
        "store:\n  default_marketplace: US\ntargets:\n  monthly_sales: {US: 3000}\n",
        month=Period.parse("2026-11"),
    )
    attainment = value(result, "target_attainment")
    assert attainment.value == pytest.approx((22 * 50.0) / (3000 * 22 / 30))
    assert attainment.status == "red"  # 0.5 < 0.85
    month_sales = value(result, "sales", period="2026-11")
    assert month_sales.value == pytest.approx(22 * 50.0)
    assert value(result, "sales").target == pytest.approx(3000 * 7 / 30)


def test_thresholds_come_from_config(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/ads/c.csv",
        csv_text(SP_CAMPAIGN, _campaign_rows(date(2026, 11, 9), 14, "C1", 100, 10, 3.0, 1, 10.0)),
    )
    default = kpis(tmp_path)
    assert value(default, "acos", "campaign", "C1").status == "yellow"  # 30 %
    strict = kpis(
        tmp_path, "store:\n  default_marketplace: US\nthresholds:\n  acos: {green: '<= 0.10', red: '> 0.20'}\n"
    )
    assert value(strict, "acos", "campaign", "C1").status == "red"


def test_previous_week_and_change(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/by-date.csv",
        csv_text(
            BUSINESS_DATE,
            by_date_rows(date(2026, 11, 9), 7, 100, 100, 4, 40.0, 4)
            + by_date_rows(date(2026, 11, 16), 7, 100, 100, 3, 30.0, 3),
        ),
    )
    result = kpis(tmp_path)
    conversion = value(result, "conversion")
    assert conversion.previous == pytest.approx(28 / 700)
    assert conversion.change == pytest.approx((21 / 700) / (28 / 700) - 1)
    assert conversion.status == "red"  # −25 % week over week


def test_every_metric_of_a_level_is_emitted_for_every_subject(tmp_path: Path) -> None:
    write(
        tmp_path, "US/2026-W47/BR.csv", csv_text(BUSINESS_ASIN, business_asin_rows([("B0A", 10, 10, 1.0, 1, 10.0, 1)]))
    )
    write(
        tmp_path,
        "US/ads/c.csv",
        csv_text(SP_CAMPAIGN, _campaign_rows(date(2026, 11, 16), 7, "C1", 100, 10, 3.0, 1, 10.0)),
    )
    records = kpis(tmp_path).records
    from sheetsbot.kpis.metrics import metrics_for

    for level in ("store", "asin", "campaign"):
        sub = records[records.level == level]
        counts = sub.groupby(["marketplace", "key"]).metric.apply(list)
        for metrics in counts:
            assert metrics == metrics_for(level)
    assert list(records.columns) == [
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


def test_advertised_product_gives_asin_ad_metrics_and_tacos(tmp_path: Path) -> None:
    write(
        tmp_path,
        "US/2026-W47/BR.csv",
        csv_text(BUSINESS_ASIN, business_asin_rows([("B0A", 100, 100, 1.0, 10, 400.0, 10)])),
    )
    rows = [
        [ad_date(d), "", "USD", "C1", "AG", "SKU-B0A", "B0A", 100, 5, "$4.00", "$16.00", 1, 1]
        for d in days(date(2026, 11, 16), 7)
    ]
    write(tmp_path, "US/ads/adv.csv", csv_text(SP_ADVERTISED, rows))
    result = kpis(tmp_path)
    assert value(result, "ad_spend", "asin", "B0A").value == pytest.approx(28.0)
    assert value(result, "tacos", "asin", "B0A").value == pytest.approx(28.0 / 400.0)
    assert value(result, "acos", "asin", "B0A").value == pytest.approx(0.25)
    assert value(result, "acos", "asin", "B0A").status == "green"
