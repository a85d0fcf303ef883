"""KPI values for one period: exports in, wide frames out (pure: no I/O, no clock).

For each level (store, asin, campaign) the result is one frame indexed by
``(marketplace, key)`` with a column per metric and a parallel frame of notes. Additive
metrics are summed from the rows :mod:`sheetsbot.kpis.select` chose; ratios are computed
afterwards from the sums, so a ratio is never an average of ratios. A value that cannot be
computed is NaN with a note; a count over a period the exports cover, for a subject with no
rows in it, is 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sheetsbot.config import Config
from sheetsbot.kpis.metrics import Level, metrics_for
from sheetsbot.kpis.select import Selection, daily_rows, period_rows
from sheetsbot.periods import Period
from sheetsbot.reports import ReportSet
from sheetsbot.reports.model import Export

LEVELS: tuple[Level, ...] = ("store", "asin", "campaign")
INDEX = ["marketplace", "key"]

#: Ad report shapes in the order their totals are trusted: a campaign report holds every
#: impression; a search-term report lists only terms with clicks.
AD_SHAPE_PRIORITY = ("campaign", "targeting", "advertised_product", "search_term")
_AD_SUMS = ["ad_spend", "ad_sales", "ad_orders", "impressions", "clicks"]
_AD_COLUMNS = {
    "spend": "ad_spend",
    "ad_sales": "ad_sales",
    "ad_orders": "ad_orders",
    "impressions": "impressions",
    "clicks": "clicks",
}
_BUSINESS_SUMS = ["sales", "units", "orders", "sessions", "page_views"]


@dataclass
class LevelFrame:
    """Values and notes for one level: same index, same columns."""

    values: pd.DataFrame
    notes: pd.DataFrame

    @classmethod
    def empty(cls, level: Level) -> LevelFrame:
        cols = metrics_for(level)
        idx = pd.MultiIndex.from_arrays([pd.Index([], dtype="string"), pd.Index([], dtype="string")], names=INDEX)
        return cls(
            pd.DataFrame(index=idx, columns=cols, dtype="float64"),
            pd.DataFrame(index=idx, columns=cols, dtype="object"),
        )


@dataclass
class PeriodResult:
    period: Period
    levels: dict[Level, LevelFrame]
    #: Campaign attributes: ad type, days of data, first day seen.
    campaigns: pd.DataFrame
    #: Search terms of the period, summed per term (for the Ads tab and the task rules).
    search_terms: pd.DataFrame
    #: Per-ASIN attributes: title, lead time.
    asins: pd.DataFrame
    #: What was left out of the period, and why.
    notes: list[str] = field(default_factory=list)


@dataclass
class _Family:
    """One family's sums per level, and where it could not say anything."""

    frames: dict[Level, pd.DataFrame] = field(default_factory=dict)
    #: (level, marketplace, metric or "*") → why the value is unknown.
    missing: dict[tuple[str, str, str], str] = field(default_factory=dict)
    #: (level, marketplace) pairs whose exports cover the period: absent subjects are 0 there.
    covered: set[tuple[str, str]] = field(default_factory=set)
    #: The metrics this family provides (whether or not it found rows).
    metrics: tuple[str, ...] = ()


def compute_period(
    reports: ReportSet, period: Period, config: Config, *, as_of: date | None = None, detail: bool = True
) -> PeriodResult:
    """Every KPI of every level for ``period``; ``as_of`` cuts a month to date.

    ``detail=False`` skips what only the reporting period shows (search terms, campaign ages):
    a previous period is only there to compare values with.
    """
    markets = reports.marketplaces
    notes: list[str] = []
    business = _business(reports, period, markets, notes)
    ads, campaigns, search_terms = _ads(reports, period, markets, config, notes, detail)
    returns = _returns(reports, period, markets, notes)
    inventory = _inventory(reports, period, markets, config, notes)
    families = [business, ads, returns, inventory]
    subjects = _subjects(reports, period)
    levels: dict[Level, LevelFrame] = {}
    for level in LEVELS:
        levels[level] = _assemble(level, families, markets, subjects.get(level, set()))
    _ratios(levels)
    _store_only(levels["store"], reports, period, config, as_of, notes)
    _days_of_cover(levels, reports, period, config, notes)
    asins = _asin_attributes(reports, config)
    return PeriodResult(period, levels, campaigns, search_terms, asins, list(dict.fromkeys(notes)))


# -- assembly ---------------------------------------------------------------------------------


def _subjects(reports: ReportSet, period: Period) -> dict[Level, set[tuple[str, str]]]:
    """ASINs and campaigns that exports around the period name, so each gets every metric
    (blank with a reason where its numbers are missing) even when it has no rows this week."""
    window = Period.range(period.previous().start, period.end)
    found: dict[Level, set[tuple[str, str]]] = {"asin": set(), "campaign": set()}
    for e in reports.exports:
        if e.period is None or not e.period.overlaps(window):
            continue
        t = e.table
        if (
            "asin" in t.columns
            and e.family in ("business_asin", "inventory", "returns")
            or e.shape == "advertised_product"
        ):
            pairs = t[["marketplace", "asin"]].dropna().drop_duplicates()
            found["asin"].update(map(tuple, pairs.to_numpy().tolist()))
        if e.family == "ads" and "campaign" in t.columns and e.shape in AD_SHAPE_PRIORITY:
            pairs = t[["marketplace", "campaign"]].dropna().drop_duplicates()
            found["campaign"].update(map(tuple, pairs.to_numpy().tolist()))
    return found


def _assemble(level: Level, families: list[_Family], markets: list[str], subjects: set[tuple[str, str]]) -> LevelFrame:
    cols = metrics_for(level)
    frames = [f.frames[level] for f in families if level in f.frames and not f.frames[level].empty]
    if level == "store":
        index = pd.MultiIndex.from_tuples([(m, "") for m in markets], names=INDEX)
    else:
        keys = set(subjects)
        for frame in frames:
            keys.update(frame.index.tolist())
        index = pd.MultiIndex.from_tuples(sorted(keys), names=INDEX) if keys else LevelFrame.empty(level).values.index
    values = pd.DataFrame(np.nan, index=index, columns=cols, dtype="float64")
    notes = pd.DataFrame(None, index=index, columns=cols, dtype="object")
    market_of = index.get_level_values("marketplace")
    for family in families:
        frame = family.frames.get(level)
        family_cols = [c for c in family.metrics if c in cols]
        if frame is not None and not frame.empty:
            present = [c for c in family_cols if c in frame.columns]
            values.update(frame[present].reindex(index))
        for col in family_cols:
            covered = np.array([(level, m) in family.covered for m in market_of], dtype=bool)
            fill = covered & values[col].isna().to_numpy()
            values.loc[fill, col] = 0.0
        for (lvl, market, metric), why in family.missing.items():
            if lvl != level:
                continue
            targets = family_cols if metric == "*" else [metric]
            rows = market_of == market
            for col in targets:
                if col in notes.columns:
                    # Partial rows are not a value: a week with 3 of 7 days is unknown.
                    notes.loc[rows, col] = why
                    values.loc[rows, col] = np.nan
    return LevelFrame(values, notes)


def _divide(levels: dict[Level, LevelFrame], level: Level, out: str, num: str, den: str, why_zero: str) -> None:
    lf = levels[level]
    if out not in lf.values.columns:
        return
    n, d = lf.values[num], lf.values[den]
    with np.errstate(divide="ignore", invalid="ignore"):
        result = n / d
    result = result.where(d > 0)
    lf.values[out] = result
    # Explain every blank: the input's own note, or the zero denominator.
    note = lf.notes[num].where(n.isna(), lf.notes[den].where(d.isna(), None))
    zero_note = np.where(d == 0, why_zero, None)  # type: ignore[call-overload]  # numpy stubs reject a None branch
    note = note.where(note.notna(), pd.Series(zero_note, index=d.index))
    lf.notes[out] = note.where(result.isna(), None)


def _ratios(levels: dict[Level, LevelFrame]) -> None:
    # Buy Box is weighted by page views in the business family, not here.
    for level in LEVELS:
        _divide(levels, level, "aov", "sales", "orders", "no orders")
        _divide(levels, level, "conversion", "units", "sessions", "no sessions")
        _divide(levels, level, "acos", "ad_spend", "ad_sales", "no ad sales")
        _divide(levels, level, "roas", "ad_sales", "ad_spend", "no ad spend")
        _divide(levels, level, "ctr", "clicks", "impressions", "no impressions")
        _divide(levels, level, "cpc", "ad_spend", "clicks", "no clicks")
        _divide(levels, level, "ad_cvr", "ad_orders", "clicks", "no clicks")
        _divide(levels, level, "tacos", "ad_spend", "sales", "no sales")
        _divide(levels, level, "return_rate", "units_returned", "units", "no units ordered")


# -- business reports -------------------------------------------------------------------------


def _business(reports: ReportSet, period: Period, markets: list[str], notes: list[str]) -> _Family:
    fam = _Family(metrics=(*_BUSINESS_SUMS, "buy_box"))
    by_date = reports.of_family("business_date")
    by_asin = reports.of_family("business_asin")
    store_rows, asin_rows = [], []
    for m in markets:
        daily = daily_rows([e for e in by_date if _in_market(e, m)], period, m)
        tiles = period_rows([e for e in by_asin if _in_market(e, m)], period, m)
        notes.extend(daily.notes + tiles.notes)
        asin_ok = tiles.complete
        if asin_ok:
            fam.covered.add(("asin", m))
            rows = tiles.rows
            grouped = rows.groupby("asin", dropna=True)
            sums = grouped[[c for c in _BUSINESS_SUMS if c in rows.columns]].sum(min_count=1)
            sums = sums.reindex(columns=_BUSINESS_SUMS)
            sums["buy_box"] = _weighted_buy_box(rows, "asin")
            for c in [*_BUSINESS_SUMS, "buy_box"]:
                if c not in rows.columns:
                    # A column the report does not have is unknown, not zero.
                    fam.missing[("asin", m, c)] = f"the Business Report by ASIN has no {c.replace('_', ' ')} column"
            sums.index = pd.MultiIndex.from_arrays(
                [pd.Index([m] * len(sums), dtype="string"), sums.index.astype("string")], names=INDEX
            )
            asin_rows.append(sums)
        else:
            fam.missing[("asin", m, "*")] = tiles.gap_note("Business Report by ASIN", period)
        store: dict[str, float] = {}
        if daily.complete:
            fam.covered.add(("store", m))
            rows = daily.rows
            for c in _BUSINESS_SUMS:
                store[c] = float(rows[c].sum()) if c in rows.columns and rows[c].notna().any() else np.nan
                if c in ("sessions", "page_views") and np.isnan(store[c]):
                    fam.missing[("store", m, c)] = f"the Business Report by date has no {c.replace('_', ' ')} column"
            store["buy_box"] = float(_weighted_buy_box(rows, None)) if "buy_box" in rows.columns else np.nan
            if np.isnan(store["buy_box"]) and asin_ok:
                store["buy_box"] = float(_weighted_buy_box(tiles.rows, None))
        elif asin_ok:
            # Sales, units and orders add up across ASINs; sessions do not (one shopper views
            # several ASINs), so store traffic needs the report by date.
            fam.covered.add(("store", m))
            rows = tiles.rows
            for c in ("sales", "units", "orders"):
                store[c] = float(rows[c].sum()) if c in rows.columns else np.nan
                if c not in rows.columns:
                    fam.missing[("store", m, c)] = f"the Business Report by ASIN has no {c} column"
            store["sessions"] = store["page_views"] = np.nan
            store["buy_box"] = float(_weighted_buy_box(rows, None))
            why = "store sessions need the Business Report by date (summing per-ASIN sessions over-counts)"
            fam.missing[("store", m, "sessions")] = why
            fam.missing[("store", m, "page_views")] = why
        else:
            fam.missing[("store", m, "*")] = daily.gap_note("Business Report", period)
        if store:
            store_rows.append(pd.DataFrame([store], index=pd.MultiIndex.from_tuples([(m, "")], names=INDEX)))
    fam.frames["store"] = pd.concat(store_rows) if store_rows else pd.DataFrame()
    fam.frames["asin"] = pd.concat(asin_rows) if asin_rows else pd.DataFrame()
    return fam


def _weighted_buy_box(rows: pd.DataFrame, by: str | None) -> pd.Series | float:
    if "buy_box" not in rows.columns:
        return np.nan if by is None else pd.Series(dtype="float64")
    weight = rows["page_views"] if "page_views" in rows.columns else rows.get("sessions")
    if weight is None:
        weight = pd.Series(1.0, index=rows.index)
    valid = rows["buy_box"].notna() & weight.notna()
    num = (rows["buy_box"] * weight).where(valid, 0.0)
    den = weight.where(valid, 0.0)
    if by is None:
        total = den.sum()
        return float(num.sum() / total) if total > 0 else np.nan
    frame = pd.DataFrame({by: rows[by], "num": num, "den": den})
    g = frame.groupby(by, dropna=True)[["num", "den"]].sum()
    return (g["num"] / g["den"]).where(g["den"] > 0)


def _in_market(export: Export, market: str) -> bool:
    return bool((export.table["marketplace"] == market).any())


# -- ads --------------------------------------------------------------------------------------


def _ads(
    reports: ReportSet, period: Period, markets: list[str], config: Config, notes: list[str], detail: bool = True
) -> tuple[_Family, pd.DataFrame, pd.DataFrame]:
    fam = _Family(metrics=tuple(_AD_SUMS))
    ads = [e for e in reports.of_family("ads") if e.shape in AD_SHAPE_PRIORITY]
    store_rows, campaign_rows, asin_rows, term_rows = [], [], [], []
    for m in markets:
        in_market = [e for e in ads if _in_market(e, m)]
        if not in_market:
            fam.missing[("store", m, "*")] = f"no ads report for {m}"
            fam.missing[("campaign", m, "*")] = f"no ads report for {m}"
            fam.missing[("asin", m, "*")] = f"no advertised product report for {m}"
            continue
        totals = []
        complete = True
        gap = ""
        for ad_type in sorted({e.ad_type for e in in_market if e.ad_type}):
            typed = [e for e in in_market if e.ad_type == ad_type]
            rows, full, why = _ad_totals(typed, period, m, notes)
            if not full:
                complete, gap = False, why
            if rows is not None and not rows.empty:
                totals.append(rows.assign(ad_type=ad_type))
            # Advertised product rows attribute spend to ASINs (SP and SD; SB has none).
            adv = [e for e in typed if e.shape == "advertised_product"]
            if adv:
                sel = _dated_or_tiled(adv, period, m, notes)
                if sel.complete:
                    asin_rows.append(sel.rows)
            # Compacted exports (from the Sheet's state) keep campaign sums only: no terms.
            terms = [e for e in typed if e.shape == "search_term" and "search_term" in e.table.columns]
            if terms and detail:
                sel = _dated_or_tiled(terms, period, m, notes)
                if not sel.rows.empty:
                    term_rows.append(sel.rows.assign(ad_type=ad_type))
        if complete:
            fam.covered.update({("store", m), ("campaign", m)})
        else:
            fam.missing[("store", m, "*")] = gap
            fam.missing[("campaign", m, "*")] = gap
        all_rows = pd.concat(totals, ignore_index=True) if totals else pd.DataFrame()
        if not all_rows.empty:
            sums = all_rows[list(_AD_COLUMNS)].sum(min_count=1).rename(_AD_COLUMNS)
            store_rows.append(pd.DataFrame([sums], index=pd.MultiIndex.from_tuples([(m, "")], names=INDEX)))
            camp = (
                all_rows.groupby("campaign", dropna=True)[list(_AD_COLUMNS)]
                .sum(min_count=1)
                .rename(columns=_AD_COLUMNS)
            )
            camp.index = pd.MultiIndex.from_arrays(
                [pd.Index([m] * len(camp), dtype="string"), camp.index.astype("string")], names=INDEX
            )
            campaign_rows.append(camp)
        if any(e.shape == "advertised_product" for e in in_market):
            if asin_rows and any((r["marketplace"] == m).any() for r in asin_rows):
                fam.covered.add(("asin", m))
        else:
            fam.missing[("asin", m, "*")] = "no advertised product report: ad spend per ASIN unknown"
    fam.frames["store"] = pd.concat(store_rows) if store_rows else pd.DataFrame()
    fam.frames["campaign"] = pd.concat(campaign_rows) if campaign_rows else pd.DataFrame()
    if asin_rows:
        rows = pd.concat(asin_rows, ignore_index=True)
        asin = (
            rows.groupby(["marketplace", "asin"], dropna=True)[list(_AD_COLUMNS)]
            .sum(min_count=1)
            .rename(columns=_AD_COLUMNS)
        )
        asin.index = asin.index.set_names(INDEX)
        asin.index = pd.MultiIndex.from_arrays(
            [asin.index.get_level_values(0).astype("string"), asin.index.get_level_values(1).astype("string")],
            names=INDEX,
        )
        fam.frames["asin"] = asin
    campaigns = _campaign_attributes(ads, period, config) if detail else _campaign_attributes([], period, config)
    terms = _search_terms(term_rows)
    return fam, campaigns, terms


def _dated_or_tiled(exports: list[Export], period: Period, market: str, notes: list[str]) -> Selection:
    daily = [e for e in exports if e.dated]
    if daily:
        sel = daily_rows(daily, period, market)
        if sel.complete or not [e for e in exports if not e.dated]:
            notes.extend(sel.notes)
            return sel
    sel = period_rows([e for e in exports if not e.dated], period, market)
    notes.extend(sel.notes)
    return sel


def _ad_totals(
    exports: list[Export], period: Period, market: str, notes: list[str]
) -> tuple[pd.DataFrame | None, bool, str]:
    """Rows that give one ad type's totals, each day from the most complete report shape."""
    daily = [e for e in exports if e.dated]
    covered: dict[date, str] = {}
    frames = []
    for shape in AD_SHAPE_PRIORITY:
        shaped = [e for e in daily if e.shape == shape]
        if not shaped:
            continue
        sel = daily_rows(shaped, period, market)
        notes.extend(sel.notes)
        if sel.rows.empty and sel.covered_days == 0:
            continue
        new_days = sel.days - covered.keys()
        if not new_days:
            continue
        part = sel.rows[sel.rows["date"].dt.date.isin(new_days)]
        frames.append(part)
        for d in new_days:
            covered[d] = shape
    if len(covered) >= period.days:
        return (pd.concat(frames, ignore_index=True) if frames else None), True, ""
    # No daily report covers the whole period: a summary report of exactly this period may.
    for shape in AD_SHAPE_PRIORITY:
        shaped = [e for e in exports if e.shape == shape and not e.dated]
        if shaped:
            sel = period_rows(shaped, period, market)
            notes.extend(sel.notes)
            if sel.complete:
                return sel.rows, True, ""
    ad_type = exports[0].ad_type if exports else ""
    if covered:
        why = f"{ad_type} ads reports cover {len(covered)} of {period.days} days of {period.label}"
    else:
        why = f"no {ad_type} ads report covers {period.label}"
    return (pd.concat(frames, ignore_index=True) if frames else None), False, why


def _campaign_attributes(ads: list[Export], period: Period, config: Config) -> pd.DataFrame:
    """Per campaign: ad type, first day seen in any export, days of data up to the period end."""
    frames = []
    for e in ads:
        t = e.table
        if "campaign" not in t.columns:
            continue
        first = t["date"] if "date" in t.columns else t.get("start_date")
        if first is None:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "marketplace": t["marketplace"],
                    "key": t["campaign"],
                    "first": first,
                    "ad_type": e.ad_type,
                    "targeting_type": t["targeting_type"] if "targeting_type" in t.columns else pd.NA,
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            columns=["ad_type", "first_seen", "days_of_data", "targeting_type"],
            index=LevelFrame.empty("campaign").values.index,
        )
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["first"].dt.date <= period.end]
    g = rows.groupby(["marketplace", "key"], dropna=True)
    out = pd.DataFrame(
        {
            "ad_type": g["ad_type"].first(),
            "first_seen": g["first"].min(),
            "targeting_type": g["targeting_type"].first(),
        }
    )
    out["days_of_data"] = (pd.Timestamp(period.end) - out["first_seen"]).dt.days + 1
    out.index = out.index.set_names(INDEX)
    return out


def _search_terms(frames: list[pd.DataFrame]) -> pd.DataFrame:
    cols = ["marketplace", "ad_type", "campaign", "ad_group", "targeting", "match_type", "search_term"]
    if not frames:
        return pd.DataFrame(columns=[*cols, *_AD_SUMS])
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["search_term"].notna() & (rows["search_term"] != "")]
    for c in cols:
        if c not in rows.columns:
            rows[c] = ""
        rows[c] = rows[c].fillna("").astype("string")
    sums = rows.groupby(cols, dropna=False)[list(_AD_COLUMNS)].sum(min_count=1).rename(columns=_AD_COLUMNS)
    return sums.reset_index()


def search_terms_for(exports: list[Export], period: Period, markets: list[str]) -> pd.DataFrame:
    """The period's search terms, summed per term, from full (not compacted) exports."""
    rows = []
    for m in markets:
        for ad_type in sorted({e.ad_type for e in exports if e.ad_type}):
            typed = [
                e
                for e in exports
                if e.ad_type == ad_type
                and _in_market(e, m)
                and e.shape == "search_term"
                and "search_term" in e.table.columns
            ]
            if typed:
                sel = _dated_or_tiled(typed, period, m, [])
                if not sel.rows.empty:
                    rows.append(sel.rows.assign(ad_type=ad_type))
    return _search_terms(rows)


# -- returns ----------------------------------------------------------------------------------


def _returns(reports: ReportSet, period: Period, markets: list[str], notes: list[str]) -> _Family:
    fam = _Family(metrics=("units_returned",))
    exports = reports.of_family("returns")
    asin_rows, store_rows = [], []
    for m in markets:
        mine = [e for e in exports if _in_market(e, m)]
        sel = daily_rows(mine, period, m, day_column="return_date")
        notes.extend(sel.notes)
        if not sel.complete:
            why = sel.gap_note("FBA returns report", period)
            fam.missing[("store", m, "units_returned")] = why
            fam.missing[("asin", m, "units_returned")] = why
            continue
        fam.covered.update({("store", m), ("asin", m)})
        rows = sel.rows
        total = float(rows["units"].sum()) if not rows.empty else 0.0
        store_rows.append(
            pd.DataFrame({"units_returned": [total]}, index=pd.MultiIndex.from_tuples([(m, "")], names=INDEX))
        )
        if not rows.empty:
            g = rows.groupby("asin", dropna=True)["units"].sum().rename("units_returned").to_frame()
            g.index = pd.MultiIndex.from_arrays(
                [pd.Index([m] * len(g), dtype="string"), g.index.astype("string")], names=INDEX
            )
            asin_rows.append(g)
    fam.frames["store"] = pd.concat(store_rows) if store_rows else pd.DataFrame()
    fam.frames["asin"] = pd.concat(asin_rows) if asin_rows else pd.DataFrame()
    return fam


# -- inventory --------------------------------------------------------------------------------


def _snapshot_day(export: Export, period: Period) -> date:
    return export.snapshot_date or period.end


def _inventory_snapshots(
    reports: ReportSet, market: str, up_to: date, notes: list[str], period: Period
) -> list[tuple[date, pd.DataFrame]]:
    """Every inventory snapshot of a marketplace up to a day, oldest first, one per day."""
    by_day: dict[date, Export] = {}
    for e in reports.of_family("inventory"):
        if not _in_market(e, market):
            continue
        day = _snapshot_day(e, period)
        if e.snapshot_date is None:
            notes.append(f"{e.name}: no snapshot date anywhere; taken as of {period.end} (end of {period.label})")
        if day > up_to:
            continue
        current = by_day.get(day)
        if current is None or (e.rows, e.path) > (current.rows, current.path):
            by_day[day] = e
    out = []
    for day in sorted(by_day):
        t = by_day[day].table
        out.append((day, t[t["marketplace"] == market]))
    return out


def _stock(rows: pd.DataFrame) -> pd.DataFrame:
    inbound_cols = [c for c in ("inbound_working", "inbound_shipped", "inbound_receiving") if c in rows.columns]
    frame = pd.DataFrame(
        {
            "asin": rows["asin"],
            "sellable": rows["fulfillable"].fillna(0.0),
            "inbound": rows[inbound_cols].fillna(0.0).sum(axis=1) if inbound_cols else 0.0,
            "on_hand": rows["on_hand_total"] if "on_hand_total" in rows.columns else rows["fulfillable"],
        }
    )
    return frame.groupby("asin", dropna=True).sum()


def _inventory(reports: ReportSet, period: Period, markets: list[str], config: Config, notes: list[str]) -> _Family:
    fam = _Family(metrics=("sellable", "inbound"))
    asin_rows, store_rows = [], []
    for m in markets:
        snaps = _inventory_snapshots(reports, m, period.end, notes, period)
        in_period = [(d, rows) for d, rows in snaps if d >= period.start]
        if not in_period:
            why = f"no inventory snapshot dated in {period.label}"
            for level in ("store", "asin"):
                for metric in ("sellable", "inbound", "turnover", "days_of_cover"):
                    fam.missing[(level, m, metric)] = why
            continue
        day, rows = in_period[-1]
        stock = _stock(rows)
        fam.covered.update({("store", m), ("asin", m)})
        s = stock[["sellable", "inbound"]].copy()
        s.index = pd.MultiIndex.from_arrays(
            [pd.Index([m] * len(s), dtype="string"), s.index.astype("string")], names=INDEX
        )
        asin_rows.append(s)
        store_rows.append(
            pd.DataFrame(
                {"sellable": [float(stock["sellable"].sum())], "inbound": [float(stock["inbound"].sum())]},
                index=pd.MultiIndex.from_tuples([(m, "")], names=INDEX),
            )
        )
    fam.frames["store"] = pd.concat(store_rows) if store_rows else pd.DataFrame()
    fam.frames["asin"] = pd.concat(asin_rows) if asin_rows else pd.DataFrame()
    return fam


def _units_between(reports: ReportSet, window: Period, market: str) -> tuple[pd.Series | None, float | None]:
    """Units ordered per ASIN and in the store over a window, if the exports cover it exactly."""
    by_date = [e for e in reports.of_family("business_date") if _in_market(e, market)]
    by_asin = [e for e in reports.of_family("business_asin") if _in_market(e, market)]
    daily = daily_rows(by_date, window, market)
    store = float(daily.rows["units"].sum()) if daily.complete and "units" in daily.rows.columns else None
    tiles = period_rows(by_asin, window, market)
    per_asin = None
    if tiles.complete and not tiles.rows.empty:
        per_asin = tiles.rows.groupby("asin", dropna=True)["units"].sum()
        if store is None:
            store = float(per_asin.sum())
    return per_asin, store


def _days_of_cover(
    levels: dict[Level, LevelFrame], reports: ReportSet, period: Period, config: Config, notes: list[str]
) -> None:
    inv = config.inventory
    for m in reports.marketplaces:
        window = Period.range(period.end - timedelta(days=inv.velocity_days - 1), period.end)
        per_asin, store_units = _units_between(reports, window, m)
        for level in ("store", "asin"):
            lf = levels[level]
            rows = lf.values.index.get_level_values("marketplace") == m
            if not rows.any():
                continue
            stock = lf.values.loc[rows, "sellable"] + lf.values.loc[rows, "inbound"]
            if level == "store":
                units = pd.Series(store_units if store_units is not None else np.nan, index=stock.index)
            else:
                keys = lf.values.index[rows].get_level_values("key")
                units = pd.Series(
                    per_asin.reindex(keys).fillna(0.0).to_numpy() if per_asin is not None else np.nan, index=stock.index
                )
            velocity = units / inv.velocity_days
            cover = (stock / velocity).where(velocity > 0)
            lf.values.loc[rows, "days_of_cover"] = cover
            note = np.where(
                stock.isna(),
                lf.notes.loc[rows, "sellable"].fillna("no inventory snapshot"),
                np.where(
                    units.isna(),
                    f"no Business Report covers the {inv.velocity_days} days to {period.end}",
                    np.where(  # type: ignore[call-overload]  # numpy stubs reject a None branch
                        velocity <= 0, f"no units ordered in the {inv.velocity_days} days to {period.end}", None
                    ),
                ),
            )
            lf.notes.loc[rows, "days_of_cover"] = pd.Series(note, index=stock.index).where(cover.isna(), None)
        _turnover(levels, reports, period, m, notes)


def _turnover(
    levels: dict[Level, LevelFrame], reports: ReportSet, period: Period, market: str, notes: list[str]
) -> None:
    """Annualised units sold between the last two snapshots ÷ average units on hand."""
    snaps = _inventory_snapshots(reports, market, period.end, [], period)
    in_period = [(d, r) for d, r in snaps if d >= period.start]
    why = None
    if not in_period:
        why = f"no inventory snapshot dated in {period.label}"
    elif len(snaps) < 2:
        why = "needs two inventory snapshots"
    for level in ("store", "asin"):
        lf = levels[level]
        rows = lf.values.index.get_level_values("marketplace") == market
        if why:
            lf.notes.loc[rows & lf.values["turnover"].isna().to_numpy(), "turnover"] = why
            continue
        (d1, r1), (d2, r2) = snaps[-2], in_period[-1]
        if d1 == d2:
            d1, r1 = snaps[-3] if len(snaps) >= 3 else (d1, r1)
        window = Period.range(d1 + timedelta(days=1), d2)
        per_asin, store_units = _units_between(reports, window, market)
        s1, s2 = _stock(r1), _stock(r2)
        factor = 365.0 / window.days
        if level == "store":
            on_hand = (float(s1["on_hand"].sum()) + float(s2["on_hand"].sum())) / 2
            value = store_units * factor / on_hand if store_units is not None and on_hand > 0 else np.nan
            lf.values.loc[rows, "turnover"] = value
            if np.isnan(value):
                lf.notes.loc[rows, "turnover"] = (
                    f"no units ordered known for {window.label}" if store_units is None else "no units on hand"
                )
        else:
            keys = lf.values.index[rows].get_level_values("key")
            avg = ((s1["on_hand"].reindex(keys).fillna(0) + s2["on_hand"].reindex(keys).fillna(0)) / 2).to_numpy()
            if per_asin is None:
                lf.notes.loc[rows, "turnover"] = f"no Business Report by ASIN covers {window.label}"
                continue
            sold = per_asin.reindex(keys).fillna(0.0).to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                per_asin_value = np.where(avg > 0, sold * factor / avg, np.nan)
            lf.values.loc[rows, "turnover"] = per_asin_value
            lf.notes.loc[rows, "turnover"] = np.where(  # type: ignore[call-overload]  # numpy stubs reject a None branch
                np.isnan(per_asin_value), "no units on hand", None
            )


# -- store-only metrics -----------------------------------------------------------------------


def _store_only(
    lf: LevelFrame, reports: ReportSet, period: Period, config: Config, as_of: date | None, notes: list[str]
) -> None:
    for m in lf.values.index.get_level_values("marketplace"):
        idx = (m, "")
        for metric in ("odr", "ipi"):
            value = _manual(config, m, period, metric)
            if value is None:
                lf.notes.loc[idx, metric] = (
                    f"not in any export: enter {metric.upper()} in Settings (manual_inputs in the config)"
                )
            else:
                lf.values.loc[idx, metric] = value
        lf.notes.loc[idx, "task_completion"] = "comes from the Tasks tab"
        target = config.targets.monthly_sales.get(m)
        if target is None:
            lf.notes.loc[idx, "target_attainment"] = f"no monthly sales target set for {m}"
            continue
        end = min(as_of or period.end, period.end)
        month = Period.month_of(end)
        mtd = Period.range(month.start, end)
        sales = _sales_between(reports, mtd, m)
        pro_rated = target * mtd.days / month.days
        if sales is None:
            lf.notes.loc[idx, "target_attainment"] = f"no Business Report covers {mtd.label} (month to date)"
        else:
            lf.values.loc[idx, "target_attainment"] = sales / pro_rated if pro_rated > 0 else np.nan


def _sales_between(reports: ReportSet, window: Period, market: str) -> float | None:
    by_date = [e for e in reports.of_family("business_date") if _in_market(e, market)]
    daily = daily_rows(by_date, window, market)
    if daily.complete and "sales" in daily.rows.columns:
        return float(daily.rows["sales"].sum())
    tiles = period_rows([e for e in reports.of_family("business_asin") if _in_market(e, market)], window, market)
    return float(tiles.rows["sales"].sum()) if tiles.complete else None


def _manual(config: Config, market: str, period: Period, metric: str) -> float | None:
    best: tuple[int, float] | None = None
    for entry in config.manual_inputs:
        value = getattr(entry, metric)
        if value is None:
            continue
        if entry.marketplace not in (None, market) or entry.period not in (None, period.label):
            continue
        rank = (entry.marketplace is not None) + 2 * (entry.period is not None)
        if best is None or rank >= best[0]:
            best = (rank, float(value))
    return best[1] if best else None


def _asin_attributes(reports: ReportSet, config: Config) -> pd.DataFrame:
    frames = []
    for e in reports.exports:
        t = e.table
        if "asin" in t.columns and "title" in t.columns:
            frames.append(t[["marketplace", "asin", "title"]])
    if not frames:
        return pd.DataFrame(columns=["title", "lead_time"])
    rows = pd.concat(frames, ignore_index=True).dropna(subset=["asin"])
    rows = rows[rows["title"].fillna("") != ""]
    out = rows.groupby(["marketplace", "asin"])["title"].last().to_frame()
    out.index = out.index.set_names(INDEX)
    out["lead_time"] = [
        config.inventory.lead_time_overrides.get(k, config.inventory.lead_time_days)
        for k in out.index.get_level_values("key")
    ]
    return out


__all__ = ["LEVELS", "LevelFrame", "PeriodResult", "compute_period", "search_terms_for"]
