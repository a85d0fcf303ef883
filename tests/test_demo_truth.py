"""The whole reading + KPI pipeline on the bundled demo store equals the generator's truth.

``sheetsbot/demo/truth.json`` is computed by the generator from its own fact tables, never by
reading the exports back, so this checks parsing (encodings, header generations, German
headers, EU numbers, xlsx), period resolution, the restated-export rule, the campaign vs
search-term rule and the KPI sums in one go, week by week.
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from sheetsbot.config import load_config
from sheetsbot.demo.paths import CONFIG_PATH, EXPORTS_DIR, TRUTH_PATH
from sheetsbot.job import read_hints
from sheetsbot.kpis import compute_kpis
from sheetsbot.periods import Period
from sheetsbot.reports import read_exports
from sheetsbot.sources.local import LocalFolder

TRUTH = json.loads(TRUTH_PATH.read_text(encoding="utf-8"))
WEEKS = [p for p in TRUTH["periods"] if "W" in p]
MARKETS = sorted(TRUTH["marketplaces"])


@cache
def records(week: str):
    config = load_config(CONFIG_PATH)
    reports = read_exports(LocalFolder(EXPORTS_DIR), read_hints(config))
    assert not reports.problems, [p.line() for p in reports.problems]
    month = Period.parse("2026-10") if week == "2026-W44" else None
    result = compute_kpis(reports, Period.parse(week), config, month)
    r = result.records
    return {(row.period, row.level, row.marketplace, row.key, row.metric): row.value for row in r.itertuples()}


@pytest.mark.parametrize("week", WEEKS)
@pytest.mark.parametrize("market", MARKETS)
def test_store_sales_and_traffic(week: str, market: str) -> None:
    got = records(week)
    for metric, expected in TRUTH["marketplaces"][market]["store"][week].items():
        assert got[(week, "store", market, "", metric)] == pytest.approx(expected, abs=0.005), metric


@pytest.mark.parametrize("week", WEEKS)
@pytest.mark.parametrize("market", MARKETS)
def test_asin_sales_and_traffic(week: str, market: str) -> None:
    got = records(week)
    for asin, metrics in TRUTH["marketplaces"][market]["asin"][week].items():
        for metric, expected in metrics.items():
            assert got[(week, "asin", market, asin, metric)] == pytest.approx(expected, abs=0.005), (asin, metric)


@pytest.mark.parametrize("week", WEEKS)
@pytest.mark.parametrize("market", MARKETS)
def test_store_ad_totals_use_restated_numbers_and_campaign_reports(week: str, market: str) -> None:
    got = records(week)
    for metric, expected in TRUTH["marketplaces"][market]["ads"][week]["total"].items():
        assert got[(week, "store", market, "", metric)] == pytest.approx(expected, abs=0.005), metric


@pytest.mark.parametrize("week", WEEKS)
@pytest.mark.parametrize("market", MARKETS)
def test_campaign_totals(week: str, market: str) -> None:
    got = records(week)
    for name, metrics in TRUTH["marketplaces"][market]["campaigns"][week].items():
        for metric in ("ad_spend", "ad_sales", "ad_orders", "impressions", "clicks"):
            assert got[(week, "campaign", market, name, metric)] == pytest.approx(metrics[metric], abs=0.005), (
                name,
                metric,
            )


@pytest.mark.parametrize("week", WEEKS)
@pytest.mark.parametrize("market", MARKETS)
def test_units_returned(week: str, market: str) -> None:
    got = records(week)
    truth = TRUTH["marketplaces"][market]["returns"].get(week, {})
    for asin, expected in truth.items():
        assert got[(week, "asin", market, asin, "units_returned")] == expected, asin


@pytest.mark.parametrize("market", MARKETS)
def test_inventory_snapshot_of_the_week(market: str) -> None:
    got = records("2026-W47")
    snapshot = TRUTH["marketplaces"][market]["inventory"]["2026-11-22"]
    for asin, stock in snapshot.items():
        assert got[("2026-W47", "asin", market, asin, "sellable")] == stock["sellable"], asin
        assert got[("2026-W47", "asin", market, asin, "inbound")] == stock["inbound"], asin


def test_designed_traffic_lights_show_in_week_47() -> None:
    config = load_config(CONFIG_PATH)
    reports = read_exports(LocalFolder(EXPORTS_DIR), read_hints(config))
    r = compute_kpis(reports, Period.parse("2026-W47"), config).records
    for level in ("store", "asin", "campaign"):
        statuses = set(r.loc[r.level == level, "status"].dropna())
        assert {"green", "yellow", "red"} <= statuses, (level, statuses)
    launch = r[(r.level == "campaign") & (r.key == "SP - Launch - Exact") & (r.metric == "acos")].iloc[0]
    assert launch.status is None and "fewer than 7 days" in launch.note


def test_october_month_store_sales() -> None:
    got = records("2026-W44")
    for market in MARKETS:
        expected = TRUTH["marketplaces"][market]["store"]["2026-10"]["sales"]
        assert got[("2026-10", "store", market, "", "sales")] == pytest.approx(expected, abs=0.005)
