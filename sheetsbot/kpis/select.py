"""Which rows count for a period: the rules real exports demand (pure, no I/O).

* A daily export counts day by day: for each (marketplace, day) the export whose period ends
  later wins, because Amazon restates ad attribution for weeks (rule 4). The choice is made by
  period, never by file name or modification time.
* An export without dated rows (a Business Report by ASIN, an ad summary report) counts for a
  period only when its period equals it, or when several non-overlapping exports tile it
  exactly (rule 2).
* Rows with the same key inside one export are summed downstream, never de-duplicated:
  Amazon repeats rows (one search term under two match types).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from sheetsbot.periods import Period
from sheetsbot.reports.model import Export


@dataclass
class Selection:
    """Rows chosen for one period and marketplace, and what the choice left out."""

    rows: pd.DataFrame
    #: Days of the period that some export covers.
    covered_days: int
    period_days: int
    exports: list[Export] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The days of the period some export covers (whether or not it has rows on them).
    days: set[date] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        return self.covered_days >= self.period_days

    def gap_note(self, what: str, period: Period) -> str:
        if self.covered_days == 0:
            return f"no {what} covers {period.label}"
        return f"{what} cover {self.covered_days} of {self.period_days} days of {period.label}"


def _winner_order(e: Export) -> tuple[date, int, int, str]:
    # Later end wins; then the longer export; the path only makes the order total.
    assert e.period is not None
    return (e.period.end, -e.period.start.toordinal(), e.rows, e.path)


def daily_rows(exports: Sequence[Export], period: Period, marketplace: str, day_column: str = "date") -> Selection:
    """Rows of dated exports cut exactly to ``period``, de-duplicated on the natural key.

    Where exports overlap, each (day, key) is taken from the export whose period ends later
    (Amazon restates attribution). Exports that hold different keys for the same days (two
    downloads filtered to different campaigns) both count.
    """
    candidates = sorted((e for e in exports if e.period is not None and e.period.overlaps(period)), key=_winner_order)
    covered: set[date] = set()
    frames = []
    for rank, export in enumerate(candidates):
        assert export.period is not None
        day = max(export.period.start, period.start)
        while day <= min(export.period.end, period.end):
            covered.add(day)
            day += timedelta(days=1)
        table = export.table
        days = table[day_column].dt.normalize()
        mask = (
            (table["marketplace"] == marketplace).fillna(False)
            & (days >= pd.Timestamp(period.start))
            & (days <= pd.Timestamp(period.end))
        )
        part = table.loc[mask]
        if not part.empty:
            frames.append(part.assign(_rank=rank, _day=days[mask]))
    notes: list[str] = []
    used: list[Export] = []
    if len(frames) == 1:
        # One export has rows here: nothing overlaps, nothing to de-duplicate.
        used = [candidates[int(frames[0]["_rank"].iloc[0])]]
        rows = frames[0].drop(columns=["_rank", "_day"]).reset_index(drop=True)
    elif frames:
        rows = pd.concat(frames, ignore_index=True)
        key = ["_day", *_common_key(candidates, rows)]
        best = rows.groupby(key, dropna=False)["_rank"].transform("max")
        kept = rows[rows["_rank"] == best]
        for rank in sorted(set(rows["_rank"]) - set(kept["_rank"])):
            notes.append(f"{candidates[rank].name}: its rows in {period.label} are replaced by a later export")
        partly = set(kept["_rank"]) & set(rows.loc[rows["_rank"] != best, "_rank"])
        for rank in sorted(partly):
            notes.append(f"{candidates[rank].name}: some rows in {period.label} are replaced by a later export")
        used = [candidates[r] for r in sorted(set(kept["_rank"]))]
        rows = kept.drop(columns=["_rank", "_day"]).reset_index(drop=True)
    else:
        rows = _empty_like(candidates)
    return Selection(rows, len(covered), period.days, used, notes, covered)


def _common_key(exports: Sequence[Export], rows: pd.DataFrame) -> list[str]:
    keys = [k for e in exports for k in e.key]
    return [k for k in dict.fromkeys(keys) if k in rows.columns]


def period_rows(exports: Sequence[Export], period: Period, marketplace: str) -> Selection:
    """Rows of undated exports whose periods equal ``period`` or tile it without overlap."""
    candidates = [e for e in exports if e.period is not None and period.covers(e.period)]
    exact = [e for e in candidates if e.period == period]
    notes: list[str] = []
    if exact:
        chosen = [_pick_duplicate(exact, period, notes)]
    else:
        # Several exports of one sub-period: one of them counts, chosen as for the exact case,
        # so which one counts never depends on the order files were listed in.
        by_period: dict[Period, list[Export]] = {}
        for e in candidates:
            assert e.period is not None
            by_period.setdefault(e.period, []).append(e)
        unique = [
            _pick_duplicate(group, p, notes)
            for p, group in sorted(by_period.items(), key=lambda kv: (kv[0].start, kv[0].end))
        ]
        chosen = _tiling(unique, period) or []
    for e in exports:
        if e.period is not None and e.period.overlaps(period) and not period.covers(e.period):
            notes.append(f"{e.name}: its period {e.period.label} does not match {period.label}, so it is not counted")
    covered = period.days if chosen else 0
    frames = [e.table.loc[(e.table["marketplace"] == marketplace).fillna(False)] for e in chosen]
    frames = [f for f in frames if not f.empty]
    rows = pd.concat(frames, ignore_index=True) if frames else _empty_like(exports)
    return Selection(rows, covered, period.days, chosen, notes, set(period.dates()) if chosen else set())


def _pick_duplicate(exact: list[Export], period: Period, notes: list[str]) -> Export:
    if len(exact) == 1:
        return exact[0]
    # Two exports of the same period: usually the same download twice. Keep the fuller one and
    # say so; if their numbers differ the team must know which one counted.
    ordered = sorted(exact, key=lambda e: (e.rows, e.path), reverse=True)
    kept = ordered[0]
    for other in ordered[1:]:
        same = _same_numbers(kept, other)
        notes.append(
            f"{other.name} covers {period.label} like {kept.name}"
            + ("; identical numbers, counted once" if same else f"; their numbers disagree, {kept.name} counted")
        )
    return kept


def _same_numbers(a: Export, b: Export) -> bool:
    numeric = [c for c in a.table.columns if c in b.table.columns and pd.api.types.is_float_dtype(a.table[c])]
    return bool(numeric) and all(abs(float(a.table[c].sum()) - float(b.table[c].sum())) < 1e-6 for c in numeric)


def _tiling(candidates: list[Export], period: Period) -> list[Export] | None:
    """Non-overlapping exports that cover every day of ``period`` exactly once, if any."""
    by_start: dict[date, list[Export]] = {}
    for e in candidates:
        assert e.period is not None
        by_start.setdefault(e.period.start, []).append(e)

    def search(cursor: date) -> list[Export] | None:
        if cursor == period.end + timedelta(days=1):
            return []
        for e in sorted(by_start.get(cursor, []), key=lambda x: x.period.end, reverse=True):  # type: ignore[union-attr]
            assert e.period is not None
            rest = search(e.period.end + timedelta(days=1))
            if rest is not None:
                return [e, *rest]
        return None

    return search(period.start)


def _empty_like(exports: Sequence[Export]) -> pd.DataFrame:
    columns: dict[str, None] = {}
    for e in exports:
        columns.update(dict.fromkeys(e.table.columns))
    return pd.DataFrame(columns=list(columns) or ["marketplace"])
