"""Task rules, texts and the merge with the team's edits, on KPI frames made by hand here."""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sheetsbot.config import Config, parse_config
from sheetsbot.errors import ConfigError
from sheetsbot.kpis import RECORD_COLUMNS, KpiReport, PeriodResult
from sheetsbot.locales import load_locale
from sheetsbot.periods import Period
from sheetsbot.tasks import (
    DEFAULT_RULES,
    TASK_COLUMNS,
    generate_tasks,
    load_rules,
    merge_tasks,
    parse_rules,
    task_completion,
)

REPO = Path(__file__).resolve().parent.parent
W46, W47, W48 = (Period.parse(f"2026-W{n}") for n in (46, 47, 48))
CURRENCY = {"US": "USD", "DE": "EUR"}
RULES = load_rules(None)
RULE_IDS = [r.id for r in RULES]


# -- a KPI report made by hand ------------------------------------------------------------------


@dataclass
class Kpis:
    """KPI values per subject: ``{(marketplace, key): {metric: value | (value, change)}}``."""

    store: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    asins: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    campaigns: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: (marketplace, campaign) → days of data; targeting type from ``targeting_types``.
    ages: dict[tuple[str, str], int] = field(default_factory=dict)
    targeting_types: dict[tuple[str, str], str] = field(default_factory=dict)
    lead_times: dict[tuple[str, str], int] = field(default_factory=dict)
    terms: list[dict[str, Any]] = field(default_factory=list)

    def report(self, week: Period = W47) -> KpiReport:
        rows = []
        for level, table in (
            ("store", self.store),
            ("asin", self.asins),
            ("campaign", self.campaigns),
        ):
            for (market, key), metrics in table.items():
                for metric, given in metrics.items():
                    value, change = given if isinstance(given, tuple) else (given, math.nan)
                    previous = value / (1 + change) if not math.isnan(change) else math.nan
                    rows.append(
                        {
                            "period": week.label,
                            "level": level,
                            "key": key,
                            "marketplace": market,
                            "currency": CURRENCY[market],
                            "metric": metric,
                            "value": float(value),
                            "previous": previous,
                            "change": change,
                            "target": math.nan,
                            "status": None,
                            "note": None,
                        }
                    )
        records = pd.DataFrame(rows, columns=RECORD_COLUMNS)
        index = pd.MultiIndex.from_tuples(list(self.ages), names=["marketplace", "key"])
        campaigns = pd.DataFrame(
            {
                "ad_type": "SP",
                "first_seen": pd.Timestamp(week.end),
                "days_of_data": list(self.ages.values()),
                "targeting_type": [
                    self.targeting_types.get(k, "Manual targeting") for k in self.ages
                ],
            },
            index=index,
        )
        asin_index = pd.MultiIndex.from_tuples(list(self.lead_times), names=["marketplace", "key"])
        asins = pd.DataFrame(
            {"title": "A product", "lead_time": list(self.lead_times.values())}, index=asin_index
        )
        terms = pd.DataFrame(self.terms, columns=list(_term()))
        result = PeriodResult(week, {}, campaigns, terms, asins)
        return KpiReport(result, result, records)


def _term(
    marketplace: str = "US",
    campaign: str = "Auto",
    search_term: str = "mat",
    targeting: str = "*",
    match_type: str = "-",
    ad_group: str = "Group",
    ad_spend: float = 10.0,
    ad_sales: float = 0.0,
    ad_orders: float = 0.0,
    impressions: float = 1000.0,
    clicks: float = 5.0,
) -> dict[str, Any]:
    return {
        "marketplace": marketplace,
        "ad_type": "SP",
        "campaign": campaign,
        "ad_group": ad_group,
        "targeting": targeting,
        "match_type": match_type,
        "search_term": search_term,
        "ad_spend": ad_spend,
        "ad_sales": ad_sales,
        "ad_orders": ad_orders,
        "impressions": impressions,
        "clicks": clicks,
    }


def tasks_of(
    kpis: Kpis, config: Config | None = None, week: Period = W47, locale: str = "en"
) -> pd.DataFrame:
    config = config or Config()
    return generate_tasks(kpis.report(week), config, week, config.owners, locale, rules=RULES)


def rule_rows(tasks: pd.DataFrame, rule: str) -> pd.DataFrame:
    return tasks[tasks["rule"] == rule].reset_index(drop=True)


# -- each rule: triggers at its threshold, not just below it ------------------------------------

US_STORE = ("US", "")
CAMPAIGN = ("US", "Mats - Exact")
ASIN = ("US", "B0A")
AGED = {CAMPAIGN: 9, ("US", "Auto"): 30, ("US", "Broad"): 30}


def _campaign(**metrics: Any) -> Kpis:
    return Kpis(campaigns={CAMPAIGN: metrics}, ages=dict(AGED))


def _asin(**metrics: Any) -> Kpis:
    return Kpis(asins={ASIN: metrics})


def _store(**metrics: Any) -> Kpis:
    return Kpis(store={US_STORE: metrics})


def _terms(*terms: dict[str, Any]) -> Kpis:
    return Kpis(
        terms=list(terms), ages=dict(AGED), targeting_types={("US", "Auto"): "Automatic targeting"}
    )


#: rule → (KPIs that trigger it, KPIs just below its threshold, the subject of the task)
CASES: dict[str, tuple[Kpis, Kpis, str]] = {
    "ads.cut_budget": (
        _campaign(acos=0.351, ad_spend=50.0),
        _campaign(acos=0.35, ad_spend=50.0),
        "Mats - Exact",
    ),
    "ads.scale": (_campaign(roas=3.01), _campaign(roas=3.0), "Mats - Exact"),
    "ads.negate": (_terms(_term(clicks=10)), _terms(_term(clicks=9)), "mat"),
    "ads.harvest": (
        _terms(_term(ad_orders=2, ad_sales=60.0, clicks=12)),
        _terms(_term(ad_orders=1, ad_sales=30.0, clicks=12)),
        "mat",
    ),
    "ads.relevance": (
        # CTR 20 / 1000 = 2 %, conversion 1 / 20 = 5 % (< 10 %) … CTR 20 / 2000 = 1 %, not above.
        _terms(_term(clicks=20, impressions=1000, ad_orders=1, ad_sales=30.0)),
        _terms(_term(clicks=20, impressions=2000, ad_orders=1, ad_sales=30.0)),
        "mat",
    ),
    "inventory.restock": (
        _asin(sellable=100.0, inbound=0.0, days_of_cover=43.9, units=20.0),
        _asin(sellable=100.0, inbound=0.0, days_of_cover=44.0, units=20.0),
        "B0A",
    ),
    "inventory.stockout": (
        _asin(sellable=0.0, inbound=0.0, days_of_cover=0.0, units=70.0),
        _asin(sellable=1.0, inbound=0.0, days_of_cover=0.1, units=70.0),
        "B0A",
    ),
    "inventory.ipi": (_store(ipi=399.0), _store(ipi=400.0), "Store"),
    "sales.conversion_drop": (
        _asin(conversion=(0.08, -0.15)),
        _asin(conversion=(0.08, -0.149)),
        "B0A",
    ),
    "sales.buy_box": (_asin(buy_box=0.799), _asin(buy_box=0.80), "B0A"),
    "sales.behind_target": (
        _store(target_attainment=0.949),
        _store(target_attainment=0.95),
        "Store",
    ),
    "customer.returns": (_asin(return_rate=0.031), _asin(return_rate=0.03), "B0A"),
    "customer.odr": (_store(odr=0.01), _store(odr=0.0099), "Store"),
}


def test_every_default_rule_has_a_case() -> None:
    assert sorted(CASES) == sorted(RULE_IDS)
    assert len(RULE_IDS) == 13


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_triggers_at_its_threshold_and_not_just_below(rule: str) -> None:
    hit, below, subject = CASES[rule]
    found = rule_rows(tasks_of(hit), rule)
    assert len(found) == 1, found
    task = found.iloc[0]
    key_subject = "store" if subject == "Store" else subject
    assert task["key"] == f"{rule}|US|{key_subject}|2026-W47"
    assert task["subject"] == subject
    assert task["status"] == "todo" and task["week"] == "2026-W47" and not task["carried"]
    assert task["priority"] in ("high", "medium", "low")
    assert "{" not in task["action"] and task["evidence"]
    assert rule_rows(tasks_of(below), rule).empty


def test_task_columns_dtypes_and_owners_due_dates() -> None:
    config = parse_config("owners: {ads: Li Wei}\n")
    tasks = tasks_of(
        Kpis(
            campaigns={CAMPAIGN: {"acos": 0.5, "ad_spend": 50.0}},
            ages=dict(AGED),
            store={US_STORE: {"odr": 0.02}},
        ),
        config,
    )
    assert list(tasks.columns) == TASK_COLUMNS
    assert tasks["carried"].dtype == bool and tasks["key"].dtype == object
    cut, odr = rule_rows(tasks, "ads.cut_budget").iloc[0], rule_rows(tasks, "customer.odr").iloc[0]
    assert cut["owner"] == "Li Wei"
    assert odr["owner"] == "service"  # nobody holds the role: the role shows
    # The Monday after W47 is 2026-11-23: +2 days and +1 day.
    assert cut["due"] == date(2026, 11, 25) and odr["due"] == date(2026, 11, 24)
    owners = generate_tasks(
        Kpis(store={US_STORE: {"odr": 0.02}}).report(), config, W47, {"service": "Zhao Min"}, "en"
    )
    assert owners["owner"].tolist() == ["Zhao Min"]


def test_numbers_in_action_and_evidence_are_worded() -> None:
    tasks = tasks_of(_campaign(acos=0.4123, ad_spend=123.4))
    task = rule_rows(tasks, "ads.cut_budget").iloc[0]
    assert task["action"] == "Cut the budget of Mats - Exact by 20% (ACoS 41.2% > 35.0%)"
    assert (
        task["evidence"]
        == "ACoS 41.2% > 35.0% · Ad spend 123.40 USD ≥ 20.00 USD · Days of data 9 ≥ 7"
    )


def test_output_order_is_priority_area_rule_marketplace_then_worst_first() -> None:
    kpis = Kpis(
        asins={
            ("US", "B0A"): {"return_rate": 0.04},
            ("US", "B0B"): {"return_rate": 0.09},
            ("DE", "B0C"): {"return_rate": 0.05},
            ("US", "B0D"): {"buy_box": 0.5},
        },
        store={US_STORE: {"ipi": 100.0}},
    )
    tasks = tasks_of(kpis)
    assert tasks["rule"].tolist() == [
        "sales.buy_box",
        "customer.returns",
        "customer.returns",
        "customer.returns",
        "inventory.ipi",
    ]
    returns = rule_rows(tasks, "customer.returns")
    assert returns["subject"].tolist() == [
        "B0C",
        "B0B",
        "B0A",
    ]  # DE first, then the US's worst first


# -- configuration changes the outcome ----------------------------------------------------------


def test_thresholds_and_ads_settings_from_config_change_the_outcome() -> None:
    kpis = _campaign(acos=0.41, ad_spend=50.0)
    assert len(rule_rows(tasks_of(kpis), "ads.cut_budget")) == 1
    stricter = parse_config('thresholds:\n  acos: { green: "<= 0.30", red: "> 0.45" }\n')
    assert rule_rows(tasks_of(kpis, stricter), "ads.cut_budget").empty
    assert rule_rows(
        tasks_of(kpis, parse_config("ads: {min_spend_for_cut: 60}\n")), "ads.cut_budget"
    ).empty
    cut = rule_rows(
        tasks_of(
            _campaign(acos=0.41, ad_spend=50.0),
            parse_config('thresholds:\n  acos: { green: "<= 0.25", red: "> 0.40" }\n'),
        ),
        "ads.cut_budget",
    )
    assert cut.iloc[0]["evidence"].startswith("ACoS 41.0% > 40.0%")

    negate = _terms(_term(clicks=12))
    assert len(rule_rows(tasks_of(negate), "ads.negate")) == 1
    assert rule_rows(
        tasks_of(negate, parse_config("ads: {negate_min_clicks: 15}\n")), "ads.negate"
    ).empty
    harvest = _terms(_term(ad_orders=3, ad_sales=90.0, clicks=20))
    assert rule_rows(
        tasks_of(harvest, parse_config("ads: {harvest_min_orders: 4}\n")), "ads.harvest"
    ).empty
    # ads.relevance compares with the conversion target (default 10 % when none is set).
    relevance = _terms(_term(clicks=20, impressions=1000, ad_orders=1, ad_sales=30.0))
    assert rule_rows(
        tasks_of(relevance, parse_config("targets: {conversion: 0.04}\n")), "ads.relevance"
    ).empty
    # Days of cover compare with lead time + safety: 20 days is enough with 10 + 5.
    short = _asin(sellable=100.0, inbound=0.0, days_of_cover=20.0, units=35.0)
    assert len(rule_rows(tasks_of(short), "inventory.restock")) == 1
    quick = parse_config("inventory: {lead_time_days: 10, safety_days: 5}\n")
    assert rule_rows(tasks_of(short, quick), "inventory.restock").empty


def test_young_campaigns_and_their_search_terms_are_not_flagged() -> None:
    young = Kpis(
        campaigns={CAMPAIGN: {"acos": 0.9, "ad_spend": 500.0, "roas": 5.0}},
        ages={CAMPAIGN: 6},
        terms=[
            _term(campaign="Mats - Exact", clicks=40),
            _term(
                campaign="Mats - Exact",
                search_term="rug",
                ad_orders=5,
                ad_sales=100.0,
                match_type="BROAD",
            ),
        ],
    )
    tasks = tasks_of(young)
    assert tasks[tasks["area"] == "ads"].empty
    old_enough = parse_config("ads: {min_days_for_flag: 6}\n")
    assert set(tasks_of(young, old_enough)["rule"]) >= {
        "ads.cut_budget",
        "ads.negate",
        "ads.harvest",
    }
    # A campaign no export dated has no known age: not flagged either.
    unknown = Kpis(campaigns={CAMPAIGN: {"acos": 0.9, "ad_spend": 500.0}})
    assert tasks_of(unknown).empty


def test_harvest_needs_auto_or_broad_and_skips_terms_already_exact() -> None:
    kpis = _terms(
        _term(search_term="from auto", ad_orders=2, ad_sales=50.0),  # targeting *
        _term(
            campaign="Broad",
            targeting="bath mat",
            match_type="BROAD",
            search_term="from broad",
            ad_orders=3,
            ad_sales=50.0,
        ),
        _term(
            campaign="Mats - Exact",
            targeting="from phrase",
            match_type="PHRASE",
            search_term="from phrase",
            ad_orders=5,
            ad_sales=50.0,
        ),
        _term(search_term="already exact", ad_orders=4, ad_sales=50.0),
        _term(
            campaign="Mats - Exact",
            targeting="already exact",
            match_type="EXACT",
            search_term="already exact",
            ad_orders=1,
            ad_sales=20.0,
        ),
        _term(search_term="b0cx7t3kp4", ad_orders=4, ad_sales=50.0),  # a product, not a word
    )
    harvest = rule_rows(tasks_of(kpis), "ads.harvest")
    assert sorted(harvest["subject"]) == ["from auto", "from broad"]
    row = harvest.set_index("subject").loc["from broad"]
    assert row["action"] == 'Add "from broad" as an exact keyword (3 orders from Broad)'


def test_ads_rows_without_a_search_term_are_no_term() -> None:
    # What the KPI layer lists when search-term detail is gone (compacted state): campaign sums.
    kpis = _terms(
        _term(search_term="", clicks=50), _term(search_term="  ", ad_orders=9, ad_sales=90.0)
    )
    assert tasks_of(kpis).empty


def test_a_term_in_two_campaigns_is_one_task_listing_both() -> None:
    kpis = _terms(
        _term(clicks=11, ad_spend=5.0),
        _term(campaign="Broad", targeting="mats", match_type="BROAD", clicks=13, ad_spend=7.5),
    )
    negate = rule_rows(tasks_of(kpis), "ads.negate")
    assert len(negate) == 1
    assert (
        negate.iloc[0]["action"]
        == 'Add "mat" as a negative exact keyword in Auto, Broad (24 clicks, no order)'
    )
    assert (
        negate.iloc[0]["evidence"]
        == "Clicks 24 ≥ 10 · Ad orders 0 = 0 · Days of data 30 ≥ 7 · Ad spend 12.50 USD"
    )


def test_restock_units_by_hand() -> None:
    # velocity = (100 + 50) / 15 = 10 a day; 10 × 60 − 100 − 50 = 450 units.
    kpis = Kpis(asins={ASIN: {"sellable": 100.0, "inbound": 50.0, "days_of_cover": 15.0}})
    restock = rule_rows(tasks_of(kpis), "inventory.restock").iloc[0]
    assert restock["action"] == "Restock B0A: 450 units (15.0 days of cover < 44.0)"
    assert "Units / day 10.0" in restock["evidence"]
    # 37 units a day: ceil(37 × 60 − 150) = 2070; the cover target comes from the config.
    kpis = Kpis(asins={ASIN: {"sellable": 100.0, "inbound": 50.0, "days_of_cover": 150 / 37}})
    assert "2070 units" in rule_rows(tasks_of(kpis), "inventory.restock").iloc[0]["action"]
    target = parse_config("inventory: {cover_target_days: 90}\n")
    assert "3180 units" in rule_rows(tasks_of(kpis, target), "inventory.restock").iloc[0]["action"]
    # A per-ASIN lead time moves the bound: 60 + 14 days.
    slow = Kpis(
        asins={ASIN: {"sellable": 100.0, "inbound": 0.0, "days_of_cover": 50.0}},
        lead_times={ASIN: 60},
    )
    assert (
        "50.0 days of cover < 74.0"
        in rule_rows(
            tasks_of(slow, parse_config("inventory: {cover_target_days: 90}\n")),
            "inventory.restock",
        ).iloc[0]["action"]
    )
    # Stock that already reaches the cover target needs no restock, even under lead time + safety.
    enough = Kpis(asins={ASIN: {"sellable": 100.0, "inbound": 0.0, "days_of_cover": 40.0}})
    assert rule_rows(
        tasks_of(enough, parse_config("inventory: {cover_target_days: 40}\n")), "inventory.restock"
    ).empty


def test_stocked_out_asin_uses_the_weeks_units_for_velocity() -> None:
    kpis = _asin(sellable=0.0, inbound=0.0, days_of_cover=0.0, units=70.0)
    tasks = tasks_of(kpis)
    assert "600 units" in rule_rows(tasks, "inventory.restock").iloc[0]["action"]  # 10/day × 60
    stockout = rule_rows(tasks, "inventory.stockout").iloc[0]
    assert stockout["owner"] == "ads" and stockout["due"] == date(2026, 11, 24)
    # No sales in the velocity window: days of cover is blank, and nothing triggers.
    assert tasks_of(_asin(sellable=0.0, inbound=0.0, units=0.0)).empty


def test_blank_values_never_trigger() -> None:
    kpis = Kpis(
        asins={
            ASIN: {"return_rate": math.nan, "buy_box": math.nan, "conversion": (math.nan, math.nan)}
        },
        store={US_STORE: {"odr": math.nan, "ipi": math.nan, "target_attainment": math.nan}},
    )
    assert tasks_of(kpis).empty


# -- texts ---------------------------------------------------------------------------------------


def test_zh_cn_texts_render() -> None:
    kpis = Kpis(
        campaigns={CAMPAIGN: {"acos": 0.5, "ad_spend": 50.0}},
        ages=dict(AGED),
        asins={
            ASIN: {
                "sellable": 0.0,
                "inbound": 0.0,
                "days_of_cover": 0.0,
                "units": 70.0,
                "buy_box": 0.5,
                "return_rate": 0.2,
                "conversion": (0.05, -0.5),
            }
        },
        store={US_STORE: {"odr": 0.02, "ipi": 300.0, "target_attainment": 0.5}},
        terms=[
            _term(clicks=30),
            _term(search_term="rug", ad_orders=5, ad_sales=80.0, clicks=60, impressions=2000),
        ],
        targeting_types={("US", "Auto"): "Automatic targeting"},
    )
    zh = tasks_of(kpis, locale="zh-CN")
    en = tasks_of(kpis)
    assert zh["key"].tolist() == en["key"].tolist()  # keys do not depend on the language
    assert len(zh) >= 11
    by_rule = zh.set_index("rule")
    assert (
        by_rule.loc["ads.cut_budget", "action"]
        == "将 Mats - Exact 的预算降低 20%（ACoS 50.0% > 35.0%）"
    )
    assert by_rule.loc["customer.odr", "subject"] == "店铺"
    assert by_rule.loc["inventory.restock", "evidence"].startswith("可售天数 0.0 < 44.0")
    assert not zh["action"].str.contains(r"[{}]").any()


def test_both_locales_fill_the_same_placeholders() -> None:
    def names(text: str) -> set[str]:
        return {n for _, n, _, _ in string.Formatter().parse(text) if n}

    en, zh = load_locale("en"), load_locale("zh-CN")
    assert set(en.data["tasks"]) == set(zh.data["tasks"])
    for key in en.data["tasks"]:
        assert names(en.task_text(key)) == names(zh.task_text(key)), key


# -- the merge: three weeks with the team's edits between runs ----------------------------------


def week_kpis(
    acos: float, buy_box: float, return_rate: float, odr: float, ipi: float = 500.0
) -> Kpis:
    return Kpis(
        campaigns={("US", "Mats | Exact"): {"acos": acos, "ad_spend": 80.0}},
        ages={("US", "Mats | Exact"): 30},
        asins={("US", "B0A"): {"buy_box": buy_box}, ("US", "B0R"): {"return_rate": return_rate}},
        store={US_STORE: {"odr": odr, "ipi": ipi}},
    )


def run_week(existing: pd.DataFrame, kpis: Kpis, week: Period) -> pd.DataFrame:
    config = parse_config(
        "owners: {ads: Li Wei, ops: Chen Jing, service: Zhao Min, purchasing: Wang Fang}\n"
    )
    generated = generate_tasks(kpis.report(week), config, week, config.owners, "en", rules=RULES)
    merged = merge_tasks(existing, generated, week)
    # A re-run of the same week changes nothing, row order and evidence included.
    again = generate_tasks(kpis.report(week), config, week, config.owners, "en", rules=RULES)
    pd.testing.assert_frame_equal(merge_tasks(merged, again, week), merged)
    # What the Sheet gives back has no rule/marketplace/carried cells: the same result.
    from_sheet = merged.drop(columns=["rule", "marketplace", "carried"])
    pd.testing.assert_frame_equal(merge_tasks(from_sheet, again, week), merged)
    return merged


def row(tasks: pd.DataFrame, key_start: str) -> pd.Series:
    found = tasks[tasks["key"].astype(str).str.startswith(key_start)]
    assert len(found) == 1, (key_start, found)
    return found.iloc[0]


def no_two_open_tasks_per_identity(tasks: pd.DataFrame) -> None:
    generated = tasks[tasks["key"].notna()]
    identity = generated["key"].str.rsplit("|", n=1).str[0]
    open_ = generated["status"] != "done"
    assert not identity[open_].duplicated().any()


TEAM = ["owner", "due", "status", "notes"]


def test_three_weeks_with_team_edits_between_runs() -> None:
    # Week 46: four tasks, from nothing.
    w46 = run_week(
        pd.DataFrame(), week_kpis(acos=0.50, buy_box=0.70, return_rate=0.10, odr=0.02), W46
    )
    assert w46["rule"].tolist() == [
        "ads.cut_budget",
        "customer.odr",
        "sales.buy_box",
        "customer.returns",
    ]
    cut_key = "ads.cut_budget|US|Mats | Exact|2026-W46"
    assert w46.loc[0, "key"] == cut_key

    # The team works: done, a new owner, a due date, notes, a status, and a row of their own.
    edited = w46.copy()
    edited.loc[edited["rule"] == "sales.buy_box", "status"] = "done"
    edited.loc[edited["rule"] == "ads.cut_budget", "owner"] = "Sun Li"
    edited.loc[edited["rule"] == "ads.cut_budget", "status"] = "doing"
    edited.loc[edited["rule"] == "customer.returns", "due"] = date(2026, 12, 1)
    edited.loc[edited["rule"] == "customer.odr", "notes"] = "waiting for the CS report"
    hand = {c: None for c in TASK_COLUMNS} | {
        "action": "Call the supplier about cartons",
        "owner": "Wang Fang",
        "status": "todo",
        "due": date(2026, 11, 27),
        "carried": False,
    }
    edited = pd.concat([edited, pd.DataFrame([hand])], ignore_index=True)

    # Week 47: ACoS still bad, Buy Box still low (its W46 task is done), returns fine, IPI new.
    w47 = run_week(
        edited, week_kpis(acos=0.45, buy_box=0.72, return_rate=0.01, odr=0.02, ipi=350.0), W47
    )
    assert len(w47) == len(edited) + 2
    pd.testing.assert_frame_equal(w47.loc[: len(edited) - 1, TEAM], edited[TEAM].astype(object))
    assert (
        w47.loc[len(edited) - 1].to_dict() == pd.Series(hand)[TASK_COLUMNS].to_dict()
    )  # the team's row, in place
    assert w47["key"].iloc[len(edited) :].tolist() == [  # new ones at the bottom
        "sales.buy_box|US|B0A|2026-W47",
        "inventory.ipi|US|store|2026-W47",
    ]
    cut = row(w47, "ads.cut_budget")
    assert cut["key"] == cut_key and cut["week"] == "2026-W46" and cut["carried"]
    assert cut["owner"] == "Sun Li" and cut["status"] == "doing"
    assert (
        cut["evidence"]
        == "carried from 2026-W46 · ACoS 45.0% > 35.0% · Ad spend 80.00 USD ≥ 20.00 USD"
        " · Days of data 30 ≥ 7"
    )
    returns = row(w47, "customer.returns")
    assert returns["evidence"].startswith(
        "carried from 2026-W46 · no longer triggers in 2026-W47 · Return rate 10.0%"
    )
    assert returns["due"] == date(2026, 12, 1)
    done = row(w47, "sales.buy_box|US|B0A|2026-W46")
    assert (
        done.to_dict() == edited[edited["rule"] == "sales.buy_box"].iloc[0].to_dict()
    )  # history untouched
    assert row(w47, "customer.odr")["notes"] == "waiting for the CS report"
    no_two_open_tasks_per_identity(w47)

    # The team again: the cut is done, the ODR task gets a new date, another row of their own.
    edited = w47.copy()
    edited.loc[edited["key"] == cut_key, "status"] = "done"
    edited.loc[edited["rule"] == "customer.odr", "due"] = date(2026, 12, 4)
    edited.loc[edited["rule"] == "inventory.ipi", "owner"] = "Chen Jing"
    second_hand = hand | {"action": "Book the Prime Day slot", "due": None}
    edited = pd.concat([edited, pd.DataFrame([second_hand])], ignore_index=True)

    # Week 48: ACoS still bad (new task: the old one is done), returns back up, ODR fixed.
    w48 = run_week(
        edited, week_kpis(acos=0.40, buy_box=0.90, return_rate=0.08, odr=0.005, ipi=350.0), W48
    )
    pd.testing.assert_frame_equal(w48.loc[: len(edited) - 1, TEAM], edited[TEAM].astype(object))
    assert w48["key"].iloc[len(edited) :].tolist() == ["ads.cut_budget|US|Mats | Exact|2026-W48"]
    assert row(w48, cut_key)["evidence"] == row(w47, cut_key)["evidence"]  # done: untouched
    returns = row(w48, "customer.returns")
    assert (
        returns["evidence"]
        == "carried from 2026-W46 · Return rate 8.0% > 3.0% · Units returned — · Units ordered —"
    )
    odr = row(w48, "customer.odr")
    assert odr["evidence"].startswith(
        "carried from 2026-W46 · no longer triggers in 2026-W48 · Order defect rate 2.0%"
    )
    assert odr["due"] == date(2026, 12, 4) and odr["notes"] == "waiting for the CS report"
    buy_box = row(w48, "sales.buy_box|US|B0A|2026-W47")
    assert buy_box["evidence"].startswith("carried from 2026-W47 · no longer triggers in 2026-W48")
    ipi = row(w48, "inventory.ipi")
    assert (
        ipi["owner"] == "Chen Jing"
        and ipi["carried"]
        and ipi["evidence"].startswith("carried from 2026-W47 · IPI 350")
    )
    assert w48.loc[len(edited) - 1, "action"] == "Book the Prime Day slot"
    no_two_open_tasks_per_identity(w48)


def test_same_week_twice_gives_an_identical_frame() -> None:
    kpis = week_kpis(acos=0.5, buy_box=0.7, return_rate=0.1, odr=0.02, ipi=300.0)
    first = run_week(pd.DataFrame(columns=TASK_COLUMNS), kpis, W47)
    second = run_week(first, kpis, W47)
    pd.testing.assert_frame_equal(first, second)
    assert second.equals(first)


def test_merge_words_prefixes_in_the_team_language() -> None:
    config = Config()
    old = generate_tasks(
        week_kpis(0.5, 0.9, 0.01, 0.0).report(W46), config, W46, {}, "zh-CN", rules=RULES
    )
    now = generate_tasks(
        week_kpis(0.5, 0.9, 0.01, 0.0).report(W47), config, W47, {}, "zh-CN", rules=RULES
    )
    merged = merge_tasks(old, now, W47)
    assert merged["evidence"].iloc[0].startswith("自 2026-W46 延续 · ACoS 50.0%")
    assert merge_tasks(merged, now, W47).equals(merged)
    # The team switched the Sheet to English: the Chinese prefix is replaced, not stacked.
    english = merge_tasks(merged, now, W47, locale="en")
    assert english["evidence"].iloc[0].startswith("carried from 2026-W46 · ACoS")


# -- task completion -----------------------------------------------------------------------------


def test_task_completion_by_hand() -> None:
    tasks = pd.DataFrame(
        {
            "key": [
                "a|US|x|2026-W46",
                "b|US|x|2026-W46",
                "c|US|x|2026-W46",
                None,
                "d|US|x|2026-W47",
                None,
            ],
            "status": ["done", "done", "todo", "done", "done", "todo"],
            # W47 is 2026-11-16 … 2026-11-22: four tasks are due in it, three of them done.
            "due": [
                date(2026, 11, 16),
                date(2026, 11, 22),
                date(2026, 11, 20),
                "2026-11-18",
                date(2026, 11, 24),
                "after the fair",
            ],
        }
    )
    assert task_completion(tasks, W47) == (0.75, None)
    assert task_completion(tasks, W48) == (1.0, None)
    assert task_completion(tasks, Period.parse("2026-W40")) == (None, "no tasks due in 2026-W40")
    assert task_completion(pd.DataFrame(columns=TASK_COLUMNS), W47) == (
        None,
        "no tasks due in 2026-W47",
    )


# -- the rules file ------------------------------------------------------------------------------


def test_shipped_rules_are_the_repository_rules() -> None:
    assert DEFAULT_RULES.read_bytes() == (REPO / "config" / "rules.yaml").read_bytes()
    assert [r.id for r in load_rules(REPO / "config" / "rules.yaml")] == RULE_IDS


GOOD_RULE = """\
rules:
  - id: ads.cut_budget
    area: ads
    level: campaign
    when:
      - {metric: acos, threshold: red}
    owner: ads
    due_days: 2
    priority: high
"""


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("threshold: red}", "treshold: red}"), 6, "unknown key 'rules.0.when.0.treshold'"),
        (("priority: high", "priority: urgent"), 9, "priority"),
        (("{metric: acos", "{metric: acoss"), 6, "unknown metric 'acoss' (did you mean 'acos'?)"),
        (
            (
                "{metric: acos, threshold: red}",
                "{field: age, op: '>', value: $ads.min_days_for_flag}",
            ),
            2,
            "unknown field 'age'",
        ),
        (
            ("{metric: acos, threshold: red}", "{metric: acos, op: '>', value: $ads.max_acos}"),
            6,
            "'$ads.max_acos' names no config key",
        ),
        (
            (
                "    owner: ads",
                "    owner: ads\n    fill: {value: acos, threshold: roas.threshold}",
            ),
            2,
            "needs a numeric condition on 'roas'",
        ),
        (
            (
                "level: campaign",
                "level: campaign\n    sort: {by: acos, descending: true}\n    colour: red",
            ),
            6,
            "unknown key 'rules.0.colour'",
        ),
    ],
)
def test_rules_file_errors_name_file_and_line(
    tmp_path: Path, change: tuple[str, str], line: int, words: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD_RULE.replace(*change), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert f"{path}:{line}:" in str(err.value)
    assert words in str(err.value)


def test_rules_file_other_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rules file not found"):
        load_rules(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="appears twice"):
        parse_rules(GOOD_RULE + GOOD_RULE.removeprefix("rules:\n"), "dup.yaml")
    with pytest.raises(ConfigError, match=r"bad\.yaml:3: not valid YAML"):
        parse_rules("rules:\n  - id: x\n   area: [", "bad.yaml")
    # A threshold the config removed cannot be compared with: the rule is named.
    no_red = parse_config('thresholds:\n  odr: { green: "< 0.01" }\n')
    with pytest.raises(ConfigError, match="customer.odr.*no red threshold"):
        tasks_of(_store(odr=0.5), no_red)


def test_a_teams_own_rule_with_its_own_text() -> None:
    rules = parse_rules(
        """\
rules:
  - id: ads.expensive_clicks
    area: ads
    level: campaign
    when:
      - {metric: cpc, op: ">", value: 2.5}
      - {field: days_of_data, op: ">=", value: $ads.min_days_for_flag}
    owner: ads
    due_days: 3
    priority: low
    fill: {value: cpc}
    text: "Lower bids of {subject} (CPC {value})"
""",
        "team.yaml",
    )
    tasks = generate_tasks(_campaign(cpc=3.1).report(), Config(), W47, {}, "zh-CN", rules=rules)
    assert tasks["action"].tolist() == ["Lower bids of Mats - Exact (CPC 3.10 USD)"]
    assert tasks["evidence"].tolist() == ["单次点击费用 3.10 USD > 2.50 USD · 数据天数 9 ≥ 7"]


# -- end to end on the demo exports -------------------------------------------------------------


def test_demo_exports_give_tasks_in_every_area() -> None:
    from sheetsbot.config import load_config
    from sheetsbot.demo.paths import CONFIG_PATH, DEMO_WEEK, EXPORTS_DIR
    from sheetsbot.job import compute_from_folder

    assert W47.label == DEMO_WEEK
    config = load_config(CONFIG_PATH)
    run = compute_from_folder(EXPORTS_DIR, config, W47, Period.month_of(W47.end))
    tasks = generate_tasks(run.kpis, config, W47, config.owners, config.store.locale)
    assert set(tasks["area"]) == {"ads", "inventory", "sales", "customer"}
    assert tasks["key"].is_unique
    assert not tasks["action"].str.contains(r"[{}]").any()
    merged = merge_tasks(pd.DataFrame(), tasks, W47)
    assert merge_tasks(
        merged, generate_tasks(run.kpis, config, W47, config.owners, "en"), W47
    ).equals(merged)
