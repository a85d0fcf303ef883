"""The team's Tasks tab + this week's generated tasks → the new Tasks tab (pure, idempotent).

    from sheetsbot.tasks import merge_tasks, task_completion
    tab = merge_tasks(existing, generated, Period.parse("2026-W47"))   # existing: sheet order
    task_completion(tab, Period.parse("2026-W47"))                     # (0.75, None)
    merge_tasks(tab, generated, Period.parse("2026-W47")).equals(tab)  # True: a re-run is a no-op

What the team typed is never overwritten: of a row it already has, a run may change only the
evidence (and ``carried``, which the Sheet does not show and is recomputed from the key and the
status on every run). A task is identified by rule + marketplace + subject (its key without the
week), so one condition is one open task, however many weeks it lasts. Hand-made rows (no key)
and done tasks are left exactly as they are, in place; new tasks go at the bottom.
"""

from __future__ import annotations

import re

import pandas as pd

from sheetsbot.locales import Locale, load_locale
from sheetsbot.periods import Period
from sheetsbot.tasks.generate import TASK_COLUMNS, TASK_DTYPES
from sheetsbot.tasks.text import SEPARATOR, render_template

#: Locale key (``tasks:`` section) of the evidence prefix of a task whose condition is gone.
NOT_TRIGGERED = "not_triggered"
_WEEK_PATTERN = r"\d{4}-W\d{2}"


def merge_tasks(
    existing: pd.DataFrame,
    generated: pd.DataFrame,
    week: Period,
    *,
    locale: Locale | str | None = None,
) -> pd.DataFrame:
    """Merge this week's tasks into the team's rows; see the module docstring for the rules.

    ``locale`` words the evidence prefixes ("carried from 2026-W46"); by default the locale
    :func:`~sheetsbot.tasks.generate.generate_tasks` used, else English.
    """
    texts = _locale(locale if locale is not None else generated.attrs.get("locale", "en"))
    team = normalise(existing)
    new = normalise(generated)
    identity, task_week = parse_keys(team["key"])
    new_identity, _ = parse_keys(new["key"])
    generated_row = identity.notna()
    is_open = generated_row & (team["status"] != "done")

    # The one open task of each identity that carries it on: the newest week, then the lowest
    # row. Others (the team may have copied a row) are left as they are.
    position = pd.Series(range(len(team)), index=team.index, dtype="int64")
    candidates = pd.DataFrame({"identity": identity, "week": task_week, "position": position})[
        is_open
    ]
    holders = candidates.sort_values(["week", "position"], kind="stable").drop_duplicates(
        "identity", keep="last"
    )
    holds = team.index.isin(holders.index)

    fresh_evidence = pd.Series(new["evidence"].to_numpy(), index=new_identity.to_numpy())
    fresh_evidence = fresh_evidence[~fresh_evidence.index.duplicated()]
    triggered = identity.isin(new_identity)
    carried = holds & (task_week < week.label)
    core = identity.map(fresh_evidence).where(triggered, strip_prefixes(team["evidence"], texts))
    carried_from = render_template(
        _carried_template(texts), {"week": task_week.fillna("")}, team.index
    )
    prefixes = [
        (carried, carried_from + SEPARATOR),
        (holds & ~triggered, _not_triggered_template(texts).format(week=week.label) + SEPARATOR),
    ]
    evidence = pd.Series("", index=team.index, dtype="object")
    for where, words in prefixes:
        evidence = evidence.where(~where, evidence + words)
    evidence = evidence + core.astype("object").fillna("")
    team["evidence"] = team["evidence"].where(~holds, evidence)
    # Recomputed on every generated row from what the Sheet shows (it has no such column), so a
    # frame read back from the Sheet merges exactly like the one written to it.
    team["carried"] = team["carried"].where(~generated_row, carried)

    # New: an identity with no open task, unless the team already closed this very task (same key).
    appended = new[~new_identity.isin(holders["identity"]) & ~new["key"].isin(team["key"])]
    merged = pd.concat([team, appended], ignore_index=True) if not appended.empty else team
    return merged.astype(TASK_DTYPES).reset_index(drop=True)


def task_completion(tasks: pd.DataFrame, week: Period) -> tuple[float | None, str | None]:
    """Done ÷ tasks due within the week, or ``(None, reason)`` when none was due."""
    due = (
        pd.to_datetime(tasks["due"], errors="coerce", format="mixed")
        if len(tasks)
        else pd.Series(dtype="datetime64[ns]")
    )
    in_week = due.between(pd.Timestamp(week.start), pd.Timestamp(week.end))
    count = int(in_week.sum())
    if count == 0:
        return None, f"no tasks due in {week.label}"
    done = int((in_week & (tasks["status"] == "done")).sum())
    return done / count, None


def normalise(tasks: pd.DataFrame) -> pd.DataFrame:
    """All :data:`TASK_COLUMNS` in order, with their dtypes; values kept exactly as they are."""
    out = tasks.reset_index(drop=True)
    for column in TASK_COLUMNS:
        if column not in out:
            # A blank cell of the Sheet reads as None: a column it does not have is all None.
            # (A list: ``pd.Series(None, index=…)`` would hold NaN.)
            out[column] = pd.Series([None] * len(out), index=out.index, dtype="object")
    out = out[TASK_COLUMNS]
    out["carried"] = out["carried"].astype("object").where(out["carried"].notna(), False)
    identity, _ = parse_keys(out["key"])
    parts = identity.str.split("|", n=2, expand=False)
    # Rows read back from the Sheet carry no rule/marketplace cells: the key says them.
    out["rule"] = out["rule"].where(out["rule"].notna() | identity.isna(), parts.str[0])
    out["marketplace"] = out["marketplace"].where(
        out["marketplace"].notna() | identity.isna(), parts.str[1]
    )
    return out.astype(TASK_DTYPES)


def parse_keys(keys: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``rule|marketplace|subject|week`` → (``rule|marketplace|subject``, ``week``); blank for
    anything else (a hand-made row). The subject may itself contain ``|``."""
    # ``.str`` on an object column gives NaN for cells that are not text (None, a number).
    found = keys.astype("object").str.extract(
        rf"^(?P<identity>[^|]+\|[^|]+\|.+)\|(?P<week>{_WEEK_PATTERN})$"
    )
    return found["identity"].astype("object"), found["week"].astype("object")


def strip_prefixes(evidence: pd.Series, texts: Locale) -> pd.Series:
    """Evidence without the prefixes a merge adds, in English or the team's language, so a
    re-run words it exactly as the first run did."""
    words = []
    for loc in {texts.code: texts, "en": load_locale("en")}.values():
        for template in (_carried_template(loc), _not_triggered_template(loc)):
            words.append(_WEEK_PATTERN.join(re.escape(part) for part in template.split("{week}")))
    pattern = rf"^(?:(?:{'|'.join(words)}){re.escape(SEPARATOR)})+"
    return evidence.astype("object").str.replace(pattern, "", regex=True)


def _carried_template(texts: Locale) -> str:
    """``carried from {week}`` (the locale's ``labels.carried``, placeholder kept)."""
    return texts.label("carried", week="{week}")


def _not_triggered_template(texts: Locale) -> str:
    """``no longer triggers in {week}`` (the locale's ``tasks.not_triggered``)."""
    return texts.task_text(NOT_TRIGGERED)


def _locale(locale: Locale | str) -> Locale:
    return locale if isinstance(locale, Locale) else load_locale(locale)
