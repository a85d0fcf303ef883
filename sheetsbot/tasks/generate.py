"""Rules × the week's KPIs → one task per triggered (rule, marketplace, subject) (pure).

    from sheetsbot.tasks import generate_tasks, load_rules
    tasks = generate_tasks(report, config, Period.parse("2026-W47"), config.owners, "en")
    tasks[["key", "priority", "subject", "action", "evidence", "owner", "due"]]
    # key 'ads.cut_budget|US|Mats - Exact|2026-W47', due datetime.date(2026, 11, 25)

Each rule is evaluated on a whole frame at once (one row per subject of its level, see
:mod:`sheetsbot.tasks.subjects`): conditions are column comparisons ANDed into one mask. The
loop is over rules and their conditions, never over rows. No clock: the week is a parameter,
and due dates count from the Monday after it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from sheetsbot.config import Config
from sheetsbot.errors import ConfigError, UsageError
from sheetsbot.kpis import KpiReport
from sheetsbot.kpis.status import thresholds
from sheetsbot.locales import Locale, load_locale
from sheetsbot.periods import Period
from sheetsbot.tasks.rules import THRESHOLD_SUFFIX, Condition, Rule, load_rules
from sheetsbot.tasks.subjects import (
    SEARCH_TERM_SUMS,
    SEARCH_TERM_TEXT,
    TaskLevel,
    columns_at,
    search_term_ratios,
    subject_frame,
)
from sheetsbot.tasks.text import (
    OP_SYMBOLS,
    format_column,
    join_parts,
    label,
    placeholders,
    render_template,
)

#: The task frame: the Tasks tab's columns, then what the merge needs (rule, marketplace, carried).
TASK_COLUMNS = [
    "key",
    "week",
    "priority",
    "area",
    "subject",
    "action",
    "evidence",
    "owner",
    "due",
    "status",
    "notes",
    "rule",
    "marketplace",
    "carried",
]
#: Text cells are ``object``: the team may type anything in a row (a number, a date), and
#: ``due`` holds ``datetime.date`` values (or whatever the team wrote instead).
TASK_DTYPES: dict[str, str] = {**{c: "object" for c in TASK_COLUMNS}, "carried": "bool"}
PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}
#: The subject part of a store-level task's key (the Subject cell shows the locale's word).
STORE_SUBJECT = "store"

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def empty_tasks() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in TASK_DTYPES.items()})


def task_key(rule: str, marketplace: pd.Series, subject: pd.Series, week: str) -> pd.Series:
    """``rule|marketplace|subject|week``: stable across runs, unique per task."""
    return rule + "|" + marketplace.astype("str") + "|" + subject.astype("str") + "|" + week


def due_date(week: Period, days: int) -> date:
    """The Monday after the week (the meeting), plus ``days``."""
    return week.end + timedelta(days=1 + days)


def generate_tasks(
    report: KpiReport,
    config: Config,
    week: Period,
    owners: Mapping[str, str] | None = None,
    locale: Locale | str = "en",
    *,
    rules: list[Rule] | None = None,
) -> pd.DataFrame:
    """Every rule on the week's KPIs: one row per triggered (rule, marketplace, subject).

    ``owners`` maps roles to people (default: the config's); a role nobody holds is shown as
    the role. ``rules`` defaults to the shipped ``config/rules.yaml``. Columns are
    :data:`TASK_COLUMNS`, ordered by priority, area, rule, marketplace and subject (or the
    rule's ``sort``). The frame remembers the locale (``attrs["locale"]``) for the merge.
    """
    if report.week.period.label != week.label:
        raise UsageError(f"the KPI report is for {report.week.period.label}, not {week.label}")
    texts = locale if isinstance(locale, Locale) else load_locale(locale)
    people = dict(config.owners if owners is None else owners)
    rules = load_rules(None) if rules is None else rules
    frames: dict[TaskLevel, pd.DataFrame] = {}
    parts = []
    for rule in rules:
        if rule.level not in frames:
            frames[rule.level] = subject_frame(report, rule.level, config, week)
        found = _rule_tasks(rule, frames[rule.level], config, week, texts)
        if not found.empty:
            parts.append(found)
    if not parts:
        tasks = empty_tasks()
    else:
        tasks = pd.concat(parts, ignore_index=True)
        tasks = tasks.sort_values(
            ["_priority", "area", "rule", "marketplace", "_order"], kind="stable"
        )
        # A role nobody holds shows as the role, so the task is never without an owner.
        tasks["owner"] = tasks["owner"].map(people).astype("object").fillna(tasks["owner"])
        tasks = tasks.reindex(columns=TASK_COLUMNS).astype(TASK_DTYPES).reset_index(drop=True)
    tasks.attrs["locale"] = texts.code
    return tasks


@dataclass(frozen=True)
class _Comparison:
    """A condition resolved against a frame: what is compared with what, row by row."""

    condition: Condition
    column: str
    op: str
    #: The bound per row; ``None`` when a config value it needs is unset (never triggers).
    bound: pd.Series | None
    #: The values of ``in`` / ``not in``.
    members: tuple[Any, ...] = ()


def _resolve(condition: Condition, rule: Rule, frame: pd.DataFrame, config: Config) -> _Comparison:
    if condition.threshold is not None:
        metric = str(condition.metric)
        bound_rule = thresholds(config).get(metric)
        parsed = bound_rule.parsed(condition.threshold) if bound_rule is not None else None
        if bound_rule is None or parsed is None:
            raise ConfigError(
                f"task rule {rule.id}: metric {metric!r} has no {condition.threshold} threshold; "
                f"set thresholds.{metric}.{condition.threshold} in the config"
            )
        op, operand = parsed
        basis = condition.basis or bound_rule.basis
        bound = _threshold_operand(operand, frame, config)
        return _Comparison(condition, _column(condition, basis), condition.op or op, bound)
    value: Any = condition.value
    if isinstance(value, str) and value.startswith("$"):
        value = _config_value(config, value[1:], rule)
        if value is None:
            value = condition.default
    column = _column(condition, condition.basis or "value")
    if value is None:
        return _Comparison(condition, column, str(condition.op), None)
    op = str(condition.op)
    if isinstance(value, list):
        # Membership has no bound to show; a known list is "a bound" in the sense that it can hold.
        known = pd.Series(True, index=frame.index, dtype="bool")
        return _Comparison(condition, column, op, known, tuple(value))
    dtype = "float64" if isinstance(value, int | float) else "object"
    return _Comparison(condition, column, op, pd.Series(value, index=frame.index, dtype=dtype))


def _column(condition: Condition, basis: str) -> str:
    return condition.name if basis == "value" else f"{condition.name}.{basis}"


def _threshold_operand(operand: str, frame: pd.DataFrame, config: Config) -> pd.Series:
    """A traffic-light bound per row: a number, or the ASIN's lead time (+ safety days)."""
    if operand.startswith("lead_time"):
        lead = (
            frame["lead_time"]
            if "lead_time" in frame
            else pd.Series(float(config.inventory.lead_time_days), index=frame.index)
        )
        safety = float(config.inventory.safety_days) if "safety" in operand else 0.0
        return (lead.astype("float64") + safety).rename(None)
    return pd.Series(float(operand), index=frame.index, dtype="float64")


def _config_value(config: Config, path: str, rule: Rule) -> Any:
    value: Any = config
    for part in path.split("."):
        value = getattr(value, part)
    if value is not None and not isinstance(value, int | float):
        raise ConfigError(f"task rule {rule.id}: ${path} is not a number ({value!r})")
    return value


def _holds(comparison: _Comparison, frame: pd.DataFrame) -> pd.Series:
    """Where the comparison holds; a blank value or bound never does."""
    if comparison.bound is None:
        return pd.Series(False, index=frame.index, dtype="bool")
    values = frame[comparison.column]
    op = comparison.op
    if op in ("in", "not in"):
        inside = values.isin(comparison.members)
        return ((inside if op == "in" else ~inside) & values.notna()).astype("bool")
    if comparison.bound.dtype == "float64":
        values = pd.to_numeric(values, errors="coerce").astype("float64")
    result = _OPS[op](values, comparison.bound)
    return pd.Series(result, index=frame.index).fillna(False).astype("bool")


def _rule_tasks(
    rule: Rule, frame: pd.DataFrame, config: Config, week: Period, texts: Locale
) -> pd.DataFrame:
    """The tasks of one rule: mask, one row per subject, text, evidence, order."""
    mask = pd.Series(True, index=frame.index, dtype="bool")
    for condition in rule.when:
        mask &= _holds(_resolve(condition, rule, frame, config), frame)
    hits = frame[mask]
    if hits.empty:
        return pd.DataFrame()
    if rule.level == "search_term":
        hits = _one_row_per_term(hits)
    hits = hits.reset_index(drop=True)
    # Bounds again on the rows kept, so evidence and text show what each row was compared with.
    comparisons = [_resolve(c, rule, hits, config) for c in rule.when]
    units = columns_at(rule.level)
    subject_text = (
        hits["subject"]
        if rule.level != "store"
        else pd.Series(texts.label("store"), index=hits.index, dtype="str")
    )
    subject_id = (
        hits["subject"]
        if rule.level != "store"
        else pd.Series(STORE_SUBJECT, index=hits.index, dtype="str")
    )

    def formatted(column: str) -> pd.Series:
        return format_column(hits[column], units[column], hits["currency"])

    def bound_of(name: str) -> pd.Series:
        comparison = next(
            c for c in comparisons if c.condition.name == name and c.condition.numeric
        )
        assert comparison.bound is not None  # triggered rows had a bound
        return format_column(comparison.bound, units[comparison.column], hits["currency"])

    action = _action(rule, texts, hits, subject_text, formatted, bound_of)
    evidence_parts = [
        label(texts, c.column)
        + " "
        + formatted(c.column)
        + " "
        + OP_SYMBOLS[c.op]
        + " "
        + bound_of(c.condition.name)
        for c in comparisons
        if c.condition.numeric and c.condition.in_evidence
    ]
    evidence_parts += [label(texts, column) + " " + formatted(column) for column in rule.evidence]
    tasks = pd.DataFrame(
        {
            "key": task_key(rule.id, hits["marketplace"], subject_id, week.label),
            "week": week.label,
            "priority": rule.priority,
            "area": rule.area,
            "subject": subject_text,
            "action": action,
            "evidence": join_parts(evidence_parts, hits.index),
            "owner": rule.owner,
            "due": due_date(week, rule.due_days),
            "status": "todo",
            "notes": None,
            "rule": rule.id,
            "marketplace": hits["marketplace"],
            "carried": False,
            "_priority": PRIORITY_RANK[rule.priority],
            "_order": _order(rule, hits),
        },
        index=hits.index,
    )
    if rule.limit is not None:
        within = tasks.sort_values(["marketplace", "_order"], kind="stable").groupby("marketplace").cumcount()
        tasks = tasks[within.reindex(tasks.index) < rule.limit]
    return tasks


def _action(
    rule: Rule,
    texts: Locale,
    hits: pd.DataFrame,
    subject_text: pd.Series,
    formatted: Callable[[str], pd.Series],
    bound_of: Callable[[str], pd.Series],
) -> pd.Series:
    template = texts.task_text(rule.id)
    if template == rule.id:  # neither the locale nor English knows this rule id
        template = rule.text or rule.id
    columns = columns_at(rule.level)
    fills: dict[str, pd.Series] = {}
    for name in placeholders(template):
        ref = rule.fill.get(name, name)
        if name == "subject":
            fills[name] = subject_text
        elif ref.endswith(THRESHOLD_SUFFIX) and name in rule.fill:
            fills[name] = bound_of(ref.removesuffix(THRESHOLD_SUFFIX))
        elif ref in columns:
            # A placeholder named like a column shows that column ({campaign}, {clicks}).
            fills[name] = formatted(ref)
        else:
            raise ConfigError(
                f"task text {rule.id!r} ({texts.code}): placeholder {{{name}}} is not filled by "
                "the rule; add it to the rule's `fill:` or use a column name"
            )
    return render_template(template, fills, hits.index)


def _order(rule: Rule, hits: pd.DataFrame) -> pd.Series:
    """Position of each task within its rule and marketplace: the rule's sort, then subject."""
    by, ascending = ["marketplace"], [True]
    if rule.sort is not None:
        by.append(rule.sort.by)
        ascending.append(not rule.sort.descending)
    ordered = hits.sort_values(
        [*by, "subject"], ascending=[*ascending, True], na_position="last", kind="stable"
    )
    rank = pd.Series(np.arange(len(ordered)), index=ordered.index, dtype="int64")
    return rank.reindex(hits.index)


def _one_row_per_term(hits: pd.DataFrame) -> pd.DataFrame:
    """A term triggered in several campaigns or ad groups is one task: sums, campaigns listed.

    Every default condition survives the merge (sums of ≥ stay ≥, a ratio over rows that are all
    above a bound stays above it), so the evidence still shows why.
    """
    ordered = hits.sort_values(["marketplace", "subject", "campaign", "ad_group"], kind="stable")
    groups = ordered.groupby(["marketplace", "subject"], sort=True)
    merged = groups[list(SEARCH_TERM_SUMS)].sum(min_count=1)
    merged["days_of_data"] = groups["days_of_data"].min()
    # Properties of the term itself: the same on every row of a term.
    merged["exact_keywords"] = groups["exact_keywords"].max()
    merged["term_kind"] = groups["term_kind"].first()
    merged["currency"] = groups["currency"].first()
    for name in SEARCH_TERM_TEXT:
        unique = ordered[ordered[name] != ""].drop_duplicates(["marketplace", "subject", name])
        joined = unique.groupby(["marketplace", "subject"], sort=True)[name].agg(", ".join)
        merged[name] = joined.reindex(merged.index).fillna("").astype("str")
    merged = merged.reset_index()
    search_term_ratios(merged)
    return merged
