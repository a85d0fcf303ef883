"""KPI frames, tasks, settings and state → the whole Sheet as a :class:`Workbook` (pure).

    workbook = build_workbook(inputs)      # then any sink renders it: xlsx, Google Sheets

Every generated tab is bounded (top-N rows), every number is written as a number with a
format (rounding is only a format), every text from an export as a literal string, and every
traffic light is a conditional-format rule built from the configured thresholds, so the team
can see in the Sheet why a cell is red.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sheetsbot import __version__
from sheetsbot.config import Config
from sheetsbot.kpis import KpiReport
from sheetsbot.kpis.metrics import METRICS
from sheetsbot.kpis.status import thresholds
from sheetsbot.locales import Locale
from sheetsbot.periods import Period
from sheetsbot.workbook.model import (
    Cell,
    Chart,
    ChartSeries,
    Column,
    ConditionalRule,
    GridRange,
    NumberFormat,
    Protection,
    Style,
    Tab,
    Validation,
    Workbook,
    col_letter,
)
from sheetsbot.workbook.settings import SettingRow
from sheetsbot.workbook.template import Template

TASK_COLUMNS = ["key", "week", "priority", "area", "subject", "action", "evidence", "owner", "due", "status", "notes"]
TEAM_TASK_COLUMNS = {"owner", "due", "status", "notes"}
RUN_LOG_COLUMNS = ["started", "trigger", "files", "rows", "warnings", "errors", "duration", "api_calls"]
SETTINGS_COLUMNS = ["setting", "scope", "value", "explanation"]

_UNIT_FORMAT = {
    "money": NumberFormat.CURRENCY,
    "count": NumberFormat.INTEGER,
    "ratio": NumberFormat.PERCENT,
    "days": NumberFormat.DECIMAL,
    "per_year": NumberFormat.DECIMAL,
    "index": NumberFormat.DECIMAL,
}
_EXTRA_FORMATS = {
    "conversion_change": NumberFormat.PERCENT,
    "days_of_data": NumberFormat.INTEGER,
    "velocity": NumberFormat.DECIMAL,
    "lead_time": NumberFormat.INTEGER,
    "restock_units": NumberFormat.INTEGER,
}
_TEXT_COLUMNS = {
    "marketplace",
    "asin",
    "title",
    "campaign",
    "ad_type",
    "ad_group",
    "match_type",
    "search_term",
    "suggestion",
}


@dataclass
class BuildInputs:
    config: Config
    locale: Locale
    template: Template
    week: Period
    report: KpiReport
    tasks: pd.DataFrame
    settings: list[SettingRow]
    state_rows: list[list[str]]
    generated_at: dt.datetime
    #: Weekly store KPIs for the trend charts: columns period, marketplace, metric, value.
    trend: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["period", "marketplace", "metric", "value"])
    )
    #: The previous month, closed and complete (the Monthly tab keeps both months).
    closed_month: KpiReport | None = None
    run_log: list[dict[str, Any]] = field(default_factory=list)
    files_read: int = 0
    #: Open tasks plus what the rules propose for next month (Monthly tab).
    monthly_actions: pd.DataFrame | None = None


def build_workbook(inputs: BuildInputs) -> Workbook:
    t = inputs.locale
    book = Workbook(
        title=f"{inputs.config.store.name} — sheetsbot", locale=t.code, unprotected_note=t.label("xlsx_protection_note")
    )
    book.tabs = [
        _dashboard(inputs),
        _asins(inputs),
        _ads(inputs),
        _inventory(inputs),
        _tasks(inputs),
        _monthly(inputs),
        _settings(inputs),
        _run_log(inputs),
        _state(inputs),
    ]
    for tab in book.tabs:
        colour = inputs.template.tab_colours.get(tab.key)
        if colour:
            tab.tab_colour = colour
    return book


# -- helpers ----------------------------------------------------------------------------------


def _format_of(key: str) -> NumberFormat:
    if key in _EXTRA_FORMATS:
        return _EXTRA_FORMATS[key]
    if key in METRICS:
        return _UNIT_FORMAT[METRICS[key].unit]
    return NumberFormat.TEXT


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _header(t: Locale, key: str) -> str:
    if key in METRICS or key in ("conversion_change", "days_of_data"):
        return t.metric(key)
    return t.column(key)


def _width(key: str) -> int:
    return {
        "title": 320,
        "campaign": 240,
        "search_term": 220,
        "action": 420,
        "evidence": 320,
        "notes": 240,
        "subject": 200,
        "suggestion": 260,
        "key": 90,
        "explanation": 360,
        "setting": 220,
        "ad_group": 160,
        "files": 420,
    }.get(key, 110)


def _wide(records: pd.DataFrame, level: str, period: str) -> pd.DataFrame:
    sub = records[(records["level"] == level) & (records["period"] == period)]
    if sub.empty:
        return pd.DataFrame()
    values = sub.pivot_table(
        index=["marketplace", "key"], columns="metric", values="value", aggfunc="first", dropna=False
    )
    changes = sub.pivot_table(
        index=["marketplace", "key"], columns="metric", values="change", aggfunc="first", dropna=False
    )
    if "conversion" in changes.columns:
        values["conversion_change"] = changes["conversion"]
    currency = sub.groupby(["marketplace", "key"])["currency"].first()
    values["_currency"] = currency
    return values


def _status_word_rules(inputs: BuildInputs, cell: GridRange) -> list[ConditionalRule]:
    """A status cell coloured by the word it shows (green, yellow, red in the team's language)."""
    t, tpl = inputs.locale, inputs.template
    return [
        ConditionalRule(cell, "text_eq", (t.light(colour),), tpl.colour(colour), description=colour)
        for colour in ("green", "yellow", "red")
    ]


def _threshold_rules(
    inputs: BuildInputs,
    metric: str,
    col: int,
    first_row: int,
    last_row: int | None,
    *,
    lead_col: int | None = None,
    gate: str | None = None,
) -> list[ConditionalRule]:
    """Green, red, then yellow rules for one column, from the configured thresholds.

    ``gate`` is an extra condition for every rule (a campaign needs enough days of data), as
    a formula fragment for the first row; ``lead_col`` is where the row's lead time is.
    """
    basis_metric = "conversion" if metric == "conversion_change" else metric
    rule = thresholds(inputs.config).get(basis_metric)
    if rule is None or (basis_metric == "conversion" and metric != "conversion_change" and rule.basis == "change"):
        return []
    rng = GridRange(first_row, last_row, col, col + 1)
    cell = f"{col_letter(col)}{first_row + 1}"
    colours = inputs.template
    out: list[ConditionalRule] = []
    safety = inputs.config.inventory.safety_days
    for colour in ("green", "red"):
        parsed = rule.parsed(colour)  # type: ignore[arg-type]
        if parsed is None:
            continue
        op, operand = parsed
        words = f"{inputs.locale.metric(basis_metric)} {op} {operand}"
        if operand.startswith("lead_time") or gate:
            if operand.startswith("lead_time"):
                lead = (
                    f"${col_letter(lead_col)}{first_row + 1}"
                    if lead_col is not None
                    else str(inputs.config.inventory.lead_time_days)
                )
                operand_text = f"({lead}+{safety})" if "safety" in operand else lead
            else:
                operand_text = operand
            condition = f"AND(ISNUMBER({cell}),{cell}{op}{operand_text}" + (f",{gate})" if gate else ")")
            out.append(ConditionalRule(rng, "formula", (f"={condition}",), colours.colour(colour), description=words))
        else:
            out.append(ConditionalRule(rng, op, (operand,), colours.colour(colour), description=words))  # type: ignore[arg-type]
    yellow = f"=AND(ISNUMBER({cell})" + (f",{gate})" if gate else ")")
    out.append(
        ConditionalRule(rng, "formula", (yellow,), colours.colour("yellow"), description="between green and red")
    )
    return out


def _kpi_table_tab(
    inputs: BuildInputs,
    key: str,
    columns: list[str],
    frame: pd.DataFrame,
    *,
    limit: int,
    extra_rules: Any = None,
) -> Tab:
    t = inputs.locale
    tab = Tab(key=key, title=t.tab(key), frozen_rows=1, frozen_cols=2)
    tab.columns = [Column(c, _header(t, c), _format_of(c), _width(c)) for c in columns]
    frame = frame.head(limit)
    for record in frame.to_dict("records"):
        row = []
        for c in columns:
            value = record.get(c)
            if c in _TEXT_COLUMNS:
                row.append(
                    Cell.text(None if value is None or (isinstance(value, float) and math.isnan(value)) else value)
                )
            else:
                row.append(Cell.number(_num(value), _format_of(c), record.get("_currency")))
        tab.rows.append(row)
    tab.protections.append(Protection(GridRange(0, None, 0, len(columns)), t.label("protected")))
    return tab


# -- tabs -------------------------------------------------------------------------------------


def _dashboard(inputs: BuildInputs) -> Tab:
    t, tpl, week = inputs.locale, inputs.template, inputs.week
    tab = Tab(key="dashboard", title=t.tab("dashboard"), header=False, frozen_rows=2)
    records = inputs.report.records
    title = Style(bold=True, size=16, foreground=tpl.colour("title"))
    tab.rows.append([Cell.text(t.label("dashboard_title", store=inputs.config.store.name, week=week.label), title)])
    tab.rows.append(
        [
            Cell.text(
                t.label(
                    "generated",
                    when=inputs.generated_at.strftime("%Y-%m-%d %H:%M"),
                    files=inputs.files_read,
                    version=__version__,
                ),
                Style(italic=True, foreground=tpl.colour("muted")),
            )
        ]
    )
    tab.widths = {0: 230, 1: 120, 2: 120, 3: 90, 4: 120, 5: 80, 6: 380}
    head = [t.column(c) for c in ("metric", "this_period", "last_period", "change", "target", "light", "note")]
    markets = sorted(records.loc[records["level"] == "store", "marketplace"].dropna().unique())
    for market in markets:
        store = records[
            (records["level"] == "store") & (records["marketplace"] == market) & (records["period"] == week.label)
        ]
        by_metric = store.set_index("metric")
        currency = store["currency"].dropna().iloc[0] if store["currency"].notna().any() else None
        tab.rows.append([])
        tab.rows.append(
            [Cell.text(f"{market} · {currency or ''}", Style(bold=True, size=12, background=tpl.colour("section")))]
            + [Cell(style=Style(background=tpl.colour("section")))] * 6
        )
        tab.rows.append([Cell.text(h, Style(bold=True, background=tpl.colour("header"))) for h in head])
        for metric in tpl.dashboard.tiles:
            if metric not in by_metric.index:
                continue
            r = by_metric.loc[metric]
            fmt = _format_of(metric)
            status = r["status"] if isinstance(r["status"], str) else None
            row_no = len(tab.rows)
            tab.rows.append(
                [
                    Cell.text(t.metric(metric), Style(bold=True)),
                    Cell.number(_num(r["value"]), fmt, currency),
                    Cell.number(_num(r["previous"]), fmt, currency),
                    Cell.number(_num(r["change"]), NumberFormat.PERCENT),
                    Cell.number(_num(r["target"]), fmt, currency),
                    Cell.text(t.light(status) if status else None, Style(align="center")),
                    Cell.text(r["note"] if isinstance(r["note"], str) else None, Style(foreground=tpl.colour("muted"))),
                ]
            )
            judged_col = 3 if metric == "conversion" else 1
            tab.rules.extend(
                _threshold_rules(
                    inputs, "conversion_change" if metric == "conversion" else metric, judged_col, row_no, row_no + 1
                )
            )
            tab.rules.extend(_status_word_rules(inputs, GridRange(row_no, row_no + 1, 5, 6)))
    _trend(inputs, tab, markets)
    tab.protections.append(Protection(GridRange(0, None, 0, 7), t.label("protected")))
    return tab


def _trend(inputs: BuildInputs, tab: Tab, markets: list[str]) -> None:
    t, tpl = inputs.locale, inputs.template
    trend = inputs.trend
    if trend.empty:
        return
    weeks = sorted(trend["period"].unique())[-tpl.limits.trend_weeks :]
    tab.rows.append([])
    tab.rows.append([Cell.text(t.label("trend_title"), Style(bold=True, size=12))])
    header_row = len(tab.rows)
    metrics = ["sales", "ad_spend", "acos", "tacos"]
    header = [Cell.text(t.column("week"), Style(bold=True, background=tpl.colour("header")))]
    for m in markets:
        header += [Cell.text(f"{m} {t.metric(x)}", Style(bold=True, background=tpl.colour("header"))) for x in metrics]
    tab.rows.append(header)
    pivot = trend.pivot_table(index="period", columns=["marketplace", "metric"], values="value", aggfunc="first")
    currency = inputs.report.records.groupby("marketplace")["currency"].first().to_dict()
    for w in weeks:
        row = [Cell.text(w)]
        for m in markets:
            for x in metrics:
                v = pivot.get((m, x))
                row.append(Cell.number(_num(v.get(w)) if v is not None else None, _format_of(x), currency.get(m)))
        tab.rows.append(row)
    first, last = header_row + 1, header_row + 1 + len(weeks)
    for i, m in enumerate(markets):
        base = 1 + i * len(metrics)
        anchor = 8
        tab.charts.append(
            Chart(
                f"{m} · {t.label('sales_and_spend')}",
                "line",
                GridRange(first, last, 0, 1),
                (
                    ChartSeries(t.metric("sales"), GridRange(first, last, base, base + 1)),
                    ChartSeries(t.metric("ad_spend"), GridRange(first, last, base + 1, base + 2), "right"),
                ),
                anchor_row=3 + i * 32,
                anchor_col=anchor,
            )
        )
        tab.charts.append(
            Chart(
                f"{m} · {t.label('acos_and_tacos')}",
                "line",
                GridRange(first, last, 0, 1),
                (
                    ChartSeries(t.metric("acos"), GridRange(first, last, base + 2, base + 3)),
                    ChartSeries(t.metric("tacos"), GridRange(first, last, base + 3, base + 4)),
                ),
                anchor_row=3 + i * 32 + 16,
                anchor_col=anchor,
            )
        )


def _asins(inputs: BuildInputs) -> Tab:
    tpl = inputs.template
    columns = tpl.asins.columns
    wide = _wide(inputs.report.records, "asin", inputs.week.label)
    frame = pd.DataFrame(columns=columns)
    if not wide.empty:
        frame = wide.reset_index().rename(columns={"key": "asin"})
        titles = inputs.report.week.asins["title"] if not inputs.report.week.asins.empty else pd.Series(dtype="string")
        frame["title"] = [titles.get((m, a)) for m, a in zip(frame["marketplace"], frame["asin"], strict=True)]
        frame = frame.sort_values(
            [tpl.asins.sort_by, "marketplace", "asin"], ascending=[False, True, True], na_position="last", kind="stable"
        )
    tab = _kpi_table_tab(inputs, "asins", columns, frame, limit=tpl.limits.asins)
    for i, c in enumerate(columns):
        tab.rules.extend(
            _threshold_rules(inputs, c, i, 1, None)
            if c not in ("conversion", "days_of_cover") or c == "conversion_change"
            else []
        )
        if c == "days_of_cover":
            tab.rules.extend(_threshold_rules(inputs, c, i, 1, None))
    return tab


def _ads(inputs: BuildInputs) -> Tab:
    t, tpl = inputs.locale, inputs.template
    columns = tpl.ads.campaign_columns
    wide = _wide(inputs.report.records, "campaign", inputs.week.label)
    frame = pd.DataFrame(columns=columns)
    if not wide.empty:
        frame = wide.reset_index().rename(columns={"key": "campaign"})
        attrs = inputs.report.week.campaigns
        frame["ad_type"] = [
            attrs["ad_type"].get((m, c)) if not attrs.empty else None
            for m, c in zip(frame["marketplace"], frame["campaign"], strict=True)
        ]
        frame["days_of_data"] = [
            attrs["days_of_data"].get((m, c)) if not attrs.empty else None
            for m, c in zip(frame["marketplace"], frame["campaign"], strict=True)
        ]
        frame = frame.sort_values(
            ["ad_spend", "marketplace", "campaign"], ascending=[False, True, True], na_position="last", kind="stable"
        )
    frame = frame.head(tpl.limits.campaigns)
    tab = _kpi_table_tab(inputs, "ads", columns, frame, limit=tpl.limits.campaigns)
    days_col = columns.index("days_of_data") if "days_of_data" in columns else None
    for i, c in enumerate(columns):
        if c in ("acos", "roas"):
            gate = f"${col_letter(days_col)}2>={inputs.config.ads.min_days_for_flag}" if days_col is not None else None
            tab.rules.extend(_threshold_rules(inputs, c, i, 1, len(frame) + 1, gate=gate))
    # Search terms to act on, below the campaigns.
    terms = _terms_to_act_on(inputs)
    if not terms.empty:
        tab.rows.append([])
        tab.rows.append(
            [Cell.text(t.label("search_terms_title", n=tpl.limits.search_terms), Style(bold=True, size=12))]
        )
        st_cols = tpl.ads.search_term_columns
        tab.rows.append([Cell.text(_header(t, c), Style(bold=True, background=tpl.colour("header"))) for c in st_cols])
        for record in terms.to_dict("records"):
            tab.rows.append(
                [
                    Cell.text(record.get(c))
                    if c in _TEXT_COLUMNS
                    else Cell.number(_num(record.get(c)), _format_of(c), record.get("_currency"))
                    for c in st_cols
                ]
            )
    return tab


def _terms_to_act_on(inputs: BuildInputs) -> pd.DataFrame:
    terms = inputs.report.week.search_terms
    if terms is None or terms.empty:
        return pd.DataFrame()
    ads = inputs.config.ads
    frame = terms.copy()
    frame["acos"] = (frame["ad_spend"] / frame["ad_sales"]).where(frame["ad_sales"] > 0)
    negate = (frame["clicks"] >= ads.negate_min_clicks) & (frame["ad_orders"].fillna(0) == 0)
    broad = frame["match_type"].str.upper().isin(["BROAD", "-", ""]) | (frame["targeting"] == "*")
    harvest = (frame["ad_orders"] >= ads.harvest_min_orders) & broad
    red = thresholds(inputs.config)["acos"].parsed("red")
    expensive = frame["acos"] > float(red[1]) if red else pd.Series(False, index=frame.index)
    t = inputs.locale
    frame["suggestion"] = np.select(
        [negate, harvest, expensive.fillna(False)],
        [
            t.label("suggest_negate"),
            t.label("suggest_harvest"),
            t.label("suggest_high_acos", threshold=f"{float(red[1]):.0%}" if red else ""),
        ],
        default="",
    )
    frame = frame[frame["suggestion"] != ""]
    currency = inputs.report.records.groupby("marketplace")["currency"].first()
    frame["_currency"] = frame["marketplace"].map(currency)
    return frame.sort_values(["ad_spend", "clicks"], ascending=False, kind="stable").head(
        inputs.template.limits.search_terms
    )


def _inventory(inputs: BuildInputs) -> Tab:
    tpl, cfg = inputs.template, inputs.config
    columns = tpl.inventory.columns
    wide = _wide(inputs.report.records, "asin", inputs.week.label)
    frame = pd.DataFrame(columns=columns)
    if not wide.empty:
        frame = wide.reset_index().rename(columns={"key": "asin"})
        frame = frame[frame["sellable"].notna() | frame["inbound"].notna()]
        attrs = inputs.report.week.asins
        frame["title"] = [
            attrs["title"].get((m, a)) if not attrs.empty else None
            for m, a in zip(frame["marketplace"], frame["asin"], strict=True)
        ]
        frame["lead_time"] = [
            cfg.inventory.lead_time_overrides.get(a, cfg.inventory.lead_time_days) for a in frame["asin"]
        ]
        stock = frame["sellable"].fillna(0) + frame["inbound"].fillna(0)
        frame["velocity"] = (stock / frame["days_of_cover"]).where(frame["days_of_cover"] > 0)
        need = np.ceil(frame["velocity"] * cfg.inventory.cover_target_days - stock)
        frame["restock_units"] = need.where(need > 0)
        frame = frame.sort_values(["days_of_cover", "marketplace", "asin"], na_position="last", kind="stable")
    tab = _kpi_table_tab(inputs, "inventory", columns, frame, limit=tpl.limits.asins)
    lead_col = columns.index("lead_time") if "lead_time" in columns else None
    for i, c in enumerate(columns):
        if c in ("days_of_cover", "turnover"):
            tab.rules.extend(_threshold_rules(inputs, c, i, 1, None, lead_col=lead_col))
    return tab


def _tasks(inputs: BuildInputs) -> Tab:
    t, tpl = inputs.locale, inputs.template
    tab = Tab(key="tasks", title=t.tab("tasks"), frozen_rows=1, team_edited=True)
    extra = list(inputs.tasks.attrs.get("extra_columns", []))
    tab.columns = [
        Column(
            c,
            t.column(c),
            NumberFormat.DATE if c == "due" else NumberFormat.TEXT,
            _width(c),
            team_owned=c in TEAM_TASK_COLUMNS,
        )
        for c in TASK_COLUMNS
    ]
    tab.columns += [Column(name, name, NumberFormat.TEXT, 140, team_owned=True) for name in extra]
    statuses = t.statuses()
    for r in inputs.tasks.to_dict("records"):
        row = []
        for c in [*TASK_COLUMNS, *extra]:
            value = r.get(c)
            if c == "status":
                value = statuses.get(value, value) if isinstance(value, str) else value
            elif c == "priority" and r.get("key"):
                value = t.priority(value) if isinstance(value, str) and value in ("high", "medium", "low") else value
            elif c == "area" and r.get("key"):
                value = (
                    t.area(value)
                    if isinstance(value, str) and value in ("ads", "inventory", "sales", "customer")
                    else value
                )
            if c == "due" and isinstance(value, (dt.date, dt.datetime)):
                row.append(Cell.date(value if isinstance(value, dt.date) else value.date()))
            elif isinstance(value, float) and math.isnan(value):
                row.append(Cell.text(None))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                row.append(Cell.number(value, NumberFormat.DECIMAL))
            else:
                row.append(Cell.text(value if value is not None and value is not pd.NA else None))
        tab.rows.append(row)
    status_col = TASK_COLUMNS.index("status")
    # The dropdown covers the rows below the tasks too, so a row the team adds has it.
    tab.validations.append(
        Validation(GridRange(1, max(len(tab.rows) + 200, 500), status_col, status_col + 1), tuple(statuses.values()))
    )
    for key, colour in (("done", "green"), ("doing", "yellow"), ("blocked", "red")):
        tab.rules.append(
            ConditionalRule(
                GridRange(1, None, status_col, status_col + 1),
                "text_eq",
                (statuses[key],),
                tpl.colour(colour),
                description=key,
            )
        )
    generated = [i for i, c in enumerate(TASK_COLUMNS) if c not in TEAM_TASK_COLUMNS]
    for start in generated:
        tab.protections.append(Protection(GridRange(1, None, start, start + 1), t.label("protected")))
    return tab


def _monthly(inputs: BuildInputs) -> Tab:
    t, tpl = inputs.locale, inputs.template
    tab = Tab(key="monthly", title=t.tab("monthly"), header=False, frozen_rows=0)
    tab.widths = {0: 230, 1: 130, 2: 130, 3: 130, 4: 90, 5: 460}
    blocks = []
    if inputs.report.month is not None:
        blocks.append((inputs.report, inputs.report.month.period, False))
    if inputs.closed_month is not None and inputs.closed_month.month is not None:
        blocks.append((inputs.closed_month, inputs.closed_month.month.period, True))
    for report, period, closed in blocks:
        records = report.records[report.records["period"] == period.label]
        title = (
            t.label("month_closed", month=period.label)
            if closed
            else t.label("monthly_title", month=period.label, as_of=period.end.isoformat())
        )
        tab.rows.append([Cell.text(title, Style(bold=True, size=14, foreground=tpl.colour("title")))])
        head = [t.column(c) for c in ("metric", "this_month", "target", "last_month", "light", "cause")]
        tab.rows.append([Cell.text(h, Style(bold=True, background=tpl.colour("header"))) for h in head])
        for market in sorted(records["marketplace"].dropna().unique()):
            store = records[(records["level"] == "store") & (records["marketplace"] == market)].set_index("metric")
            currency = store["currency"].dropna().iloc[0] if store["currency"].notna().any() else None
            tab.rows.append([Cell.text(market, Style(bold=True, background=tpl.colour("section")))])
            causes = _causes(inputs, records, market, currency)
            for metric in tpl.monthly.review:
                if metric not in store.index:
                    continue
                r = store.loc[metric]
                fmt = _format_of(metric)
                status = r["status"] if isinstance(r["status"], str) else None
                row_no = len(tab.rows)
                cause = causes.get(metric) or (r["note"] if isinstance(r["note"], str) else None)
                tab.rows.append(
                    [
                        Cell.text(t.metric(metric), Style(bold=True)),
                        Cell.number(_num(r["value"]), fmt, currency),
                        Cell.number(_num(r["target"]), fmt, currency),
                        Cell.number(_num(r["previous"]), fmt, currency),
                        Cell.text(t.light(status) if status else None, Style(align="center")),
                        Cell.text(cause, Style(wrap=True)),
                    ]
                )
                tab.rules.extend(_status_word_rules(inputs, GridRange(row_no, row_no + 1, 4, 5)))
        tab.rows.append([])
    actions = inputs.monthly_actions
    if actions is not None and not actions.empty:
        tab.rows.append([Cell.text(t.label("monthly_actions"), Style(bold=True, size=12))])
        cols = ["priority", "subject", "action", "owner", "due", "status"]
        tab.rows.append([Cell.text(t.column(c), Style(bold=True, background=tpl.colour("header"))) for c in cols])
        statuses = t.statuses()
        for r in actions.to_dict("records"):
            tab.rows.append(
                [
                    Cell.date(r[c])
                    if c == "due" and isinstance(r.get(c), dt.date)
                    else Cell.text(
                        statuses.get(r.get(c), r.get(c))
                        if c == "status"
                        else (
                            t.priority(r.get(c))
                            if c == "priority" and r.get(c) in ("high", "medium", "low")
                            else r.get(c)
                        )
                    )
                    for c in cols
                ]
            )
    tab.protections.append(Protection(GridRange(0, None, 0, 6), t.label("protected")))
    return tab


def _causes(inputs: BuildInputs, records: pd.DataFrame, market: str, currency: str | None) -> dict[str, str]:
    """Why the month moved: sales change split into traffic, conversion and price, and the
    ASINs and campaigns that explain most of it."""
    t = inputs.locale
    store = records[(records["level"] == "store") & (records["marketplace"] == market)].set_index("metric")
    out: dict[str, str] = {}

    def get(metric: str, column: str) -> float | None:
        return _num(store.loc[metric, column]) if metric in store.index else None

    s1, s0 = get("sales", "value"), get("sales", "previous")
    v1, v0 = get("sessions", "value"), get("sessions", "previous")
    u1, u0 = get("units", "value"), get("units", "previous")
    if (
        s1 is not None and s0 is not None
        and v1 is not None and v0 is not None
        and u1 is not None and u0 is not None
        and min(s1, s0, v1, v0, u1, u0) > 0
    ):
        # Sales = sessions × (units/sessions) × (sales/units): split the change by log shares.
        total = math.log(s1 / s0)
        parts = [math.log(v1 / v0), math.log((u1 / v1) / (u0 / v0)), math.log((s1 / u1) / (s0 / u0))]
        delta = s1 - s0
        shares = [delta * p / total if total else 0.0 for p in parts]
        def money(x: float) -> str:
            return f"{x:+,.0f} {currency or ''}".strip()

        out["sales"] = t.label(
            "sales_change",
            change=money(delta),
            traffic=money(shares[0]),
            conversion=money(shares[1]),
            price=money(shares[2]),
        )
    movers = []
    for level, metric in (("asin", "sales"), ("campaign", "ad_sales")):
        sub = records[(records["level"] == level) & (records["marketplace"] == market) & (records["metric"] == metric)]
        delta = sub["value"].fillna(0) - sub["previous"].fillna(0)
        top = (
            sub.assign(delta=delta)
            .reindex(delta.abs().sort_values(ascending=False).index)
            .head(inputs.template.monthly.top_movers)
        )
        movers += [t.label("mover", subject=r.key, delta=f"{r.delta:+,.0f}") for r in top.itertuples() if r.delta]
    if movers:
        out["sales"] = (
            (out.get("sales", "") + " · " if out.get("sales") else "")
            + t.label("top_movers")
            + ": "
            + ", ".join(movers[: inputs.template.monthly.top_movers])
        )
    return out


def _settings(inputs: BuildInputs) -> Tab:
    t = inputs.locale
    tab = Tab(key="settings", title=t.tab("settings"), frozen_rows=1, team_edited=True, note=t.label("settings_intro"))
    tab.columns = [
        Column(c, t.column(c), NumberFormat.TEXT, _width(c), team_owned=c == "value") for c in SETTINGS_COLUMNS
    ]
    for row in inputs.settings:
        tab.rows.append(
            [Cell.text(row.id), Cell.text(row.scope or None), _setting_value(row.value), Cell.text(_explain(t, row))]
        )
    tab.protections.append(Protection(GridRange(1, None, 0, 2), t.label("protected")))
    return tab


def _setting_value(value: Any) -> Cell:
    if isinstance(value, bool) or value is None:
        return Cell.text(None if value is None else str(value))
    if isinstance(value, (int, float)):
        return Cell.number(value, NumberFormat.PLAIN)
    if isinstance(value, dt.date):
        return Cell.date(value)
    return Cell.text(value)


def _explain(t: Locale, row: SettingRow) -> str:
    ident = row.id
    if ident.startswith("threshold."):
        _, metric, colour = ident.split(".")
        return t.setting("threshold", metric=t.metric(metric), colour=t.light(colour))
    if ident.startswith("owner."):
        return t.setting("owner", role=ident.split(".", 1)[1])
    key = {
        "monthly_sales_target": "monthly_sales_target",
        "lead_time_days": "lead_time",
        "safety_days": "safety_days",
        "cover_target_days": "lead_time",
        "odr": "odr",
        "ipi": "ipi",
        "holiday": "holiday",
    }.get(ident)
    return t.setting(key) if key else ""


def _run_log(inputs: BuildInputs) -> Tab:
    t = inputs.locale
    tab = Tab(key="run_log", title=t.tab("run_log"), frozen_rows=1)
    tab.columns = [
        Column(
            c,
            t.column(c),
            NumberFormat.INTEGER
            if c in ("rows", "api_calls")
            else NumberFormat.DECIMAL
            if c == "duration"
            else NumberFormat.TEXT,
            _width(c),
        )
        for c in RUN_LOG_COLUMNS
    ]
    # Oldest first, the newest at the bottom: a run appends one row and moves no other.
    for entry in inputs.run_log[-inputs.template.limits.run_log :]:
        tab.rows.append(
            [
                Cell.number(
                    _num(entry.get(c)), NumberFormat.INTEGER if c in ("rows", "api_calls") else NumberFormat.DECIMAL
                )
                if c in ("rows", "api_calls", "duration")
                else Cell.text(entry.get(c), Style(wrap=c in ("files", "warnings", "errors")))
                for c in RUN_LOG_COLUMNS
            ]
        )
    tab.protections.append(Protection(GridRange(0, None, 0, len(RUN_LOG_COLUMNS)), t.label("protected")))
    return tab


def _state(inputs: BuildInputs) -> Tab:
    tab = Tab(key="state", title=inputs.locale.tab("state"), header=False, frozen_rows=0, hidden=True)
    tab.rows = [[Cell.text(v) for v in row] for row in inputs.state_rows]
    tab.protections.append(Protection(GridRange(0, None, 0, 4), "sheetsbot state: do not edit"))
    return tab
