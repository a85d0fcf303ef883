"""The run's state, kept in the workbook's hidden tab so the Sheet is the single source of truth.

    state = State.decode(rows_read_from_the_hidden_tab)   # [] for a new Sheet
    state.is_processed(file_id, md5)
    rows = state.encode()                                  # write them back in the same run

What it holds: every processed export (id, name, checksum, kind, period, when) with its
compacted rows for the last weeks (:mod:`sheetsbot.reports.compact`), the weekly KPI history
that trends and week-over-week need, and the run log. It is machine data: JSON, gzip-compressed
(deterministically, so an unchanged state encodes to the same cells), base64 in cells of at
most 30,000 characters (a Sheets cell holds 50,000, an xlsx cell 32,767).
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from sheetsbot.errors import SheetsbotError
from sheetsbot.periods import Period
from sheetsbot.reports.model import Export

FORMAT_VERSION = 1
CHUNK = 30_000
#: Compacted rows older than this many days before the reporting week are dropped.
KEEP_DAYS = 7 * 8
#: Weekly KPI history kept for trends.
KEEP_WEEKS = 26
#: Search terms kept per week (by spend): enough for the rules, bounded for the Sheet.
TERMS_KEPT = 3000


@dataclass
class ProcessedFile:
    id: str
    name: str
    md5: str
    kind: str
    period: str | None
    processed_at: str
    marketplace: str | None = None
    rows: int = 0


@dataclass
class State:
    processed: dict[str, ProcessedFile] = field(default_factory=dict)
    exports: list[Export] = field(default_factory=list)
    #: Store-level weekly KPI records (period, marketplace, metric, value) for trends.
    history: list[dict[str, Any]] = field(default_factory=list)
    #: The last successful weekly run, for the worker's catch-up.
    last_weekly_run: str | None = None
    #: Search terms per week (summed per term, the top ones by spend): compacted exports keep
    #: campaign sums only, so the task rules and the Ads tab read the week's terms from here.
    terms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def is_processed(self, file_id: str, md5: str) -> bool:
        known = self.processed.get(file_id)
        return known is not None and known.md5 == md5

    # -- codec ------------------------------------------------------------------------------
    def encode(self) -> list[list[str]]:
        payload = {
            "version": FORMAT_VERSION,
            "processed": [vars(p) for p in sorted(self.processed.values(), key=lambda p: p.id)],
            "exports": [_export_to_json(e) for e in sorted(self.exports, key=lambda e: (e.file_id, e.sheet or ""))],
            "history": sorted(self.history, key=lambda r: (r["period"], r["marketplace"], r["metric"])),
            "last_weekly_run": self.last_weekly_run,
            "terms": {week: self.terms[week] for week in sorted(self.terms)},
        }
        raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()
        packed = base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")
        chunks = [packed[i : i + CHUNK] for i in range(0, len(packed), CHUNK)] or [""]
        return [["sheetsbot-state", str(FORMAT_VERSION), str(i), chunk] for i, chunk in enumerate(chunks)]

    @classmethod
    def decode(cls, rows: list[list[Any]], title: str = "the hidden state tab") -> State:
        """Rows read back from the hidden tab; a blank or foreign tab gives an empty state.

        A damaged one (someone edited a cell of it) raises :class:`StateError` rather than
        starting afresh silently: the run stops before reading or writing anything.
        """
        parts = sorted(
            (int(r[2]), str(r[3] or ""))
            for r in rows
            if len(r) >= 4 and r[0] == "sheetsbot-state" and str(r[2]).isdigit()
        )
        if not parts:
            return cls()
        try:
            if [i for i, _ in parts] != list(range(len(parts))):
                raise ValueError(f"chunks {[i for i, _ in parts]} are not 0..{len(parts) - 1}")
            raw = gzip.decompress(base64.b64decode("".join(p for _, p in parts)))
            payload = json.loads(raw)
            return cls(
                processed={p["id"]: ProcessedFile(**p) for p in payload.get("processed", [])},
                exports=[_export_from_json(e) for e in payload.get("exports", [])],
                history=list(payload.get("history", [])),
                last_weekly_run=payload.get("last_weekly_run"),
                terms=dict(payload.get("terms", {})),
            )
        except (ValueError, OSError, EOFError, zlib.error, KeyError, TypeError, AttributeError) as exc:
            raise StateError(
                f"{title!r} is damaged (edited by hand: {str(exc)[:120]}); nothing was read "
                "or written. To start afresh, show it (View → Hidden sheets) and delete it: the "
                "next run reads every export in the folder again; the "
                "tasks, settings and run log stay, and the trend keeps only the weeks the "
                "folder's exports cover"
            ) from None

    # -- upkeep -----------------------------------------------------------------------------
    def prune(self, week: Period) -> None:
        """Forget compacted rows and history too old to matter for this week's run."""
        cutoff = pd.Timestamp(week.start) - pd.Timedelta(days=KEEP_DAYS)
        kept = []
        for e in self.exports:
            if e.period is not None and pd.Timestamp(e.period.end) < cutoff and e.family != "inventory":
                continue
            if e.family == "inventory" and e.snapshot_date and pd.Timestamp(e.snapshot_date) < cutoff:
                continue
            kept.append(e)
        self.exports = kept
        weeks = sorted({r["period"] for r in self.history})
        keep_weeks = set(weeks[-KEEP_WEEKS:])
        self.history = [r for r in self.history if r["period"] in keep_weeks]
        self.terms = {w: rows for w, rows in self.terms.items() if w in (week.label, week.previous().label)}

    def set_terms(self, week: Period, terms: pd.DataFrame, limit: int = TERMS_KEPT) -> None:
        if terms.empty:
            return
        top = terms.sort_values(["ad_spend", "clicks"], ascending=False, kind="stable").head(limit)
        self.terms[week.label] = [
            {
                k: (
                    None
                    if pd.isna(v)
                    else (float(v) if isinstance(v, (int, float, np.floating, np.integer)) else str(v))
                )
                for k, v in row.items()
            }
            for row in top.to_dict("records")
        ]

    def terms_of(self, week: Period) -> pd.DataFrame:
        rows = self.terms.get(week.label, [])
        frame = pd.DataFrame(rows)
        for c in frame.columns:
            if frame[c].dtype == object:
                frame[c] = frame[c].astype("string")
        return frame


class StateError(SheetsbotError):
    """The hidden state tab cannot be decoded (the message says how to start afresh)."""


_DATE_COLUMNS = ("date", "start_date", "end_date", "return_date", "purchase_date")


def _export_to_json(e: Export) -> dict[str, Any]:
    table = e.table
    columns: dict[str, list[Any]] = {}
    for name in table.columns:
        series = table[name]
        if name in _DATE_COLUMNS:
            columns[name] = [None if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in series]
        elif pd.api.types.is_float_dtype(series):
            columns[name] = [
                None if not np.isfinite(v) else float(v) for v in series.to_numpy(dtype="float64", na_value=np.nan)
            ]
        else:
            columns[name] = [None if pd.isna(v) else str(v) for v in series]
    return {
        "path": e.path,
        "file_id": e.file_id,
        "kind": e.kind,
        "family": e.family,
        "label": e.label,
        "marketplace": e.marketplace,
        "currency": e.currency,
        "period": [e.period.start.isoformat(), e.period.end.isoformat(), e.period.kind, e.period.label]
        if e.period
        else None,
        "period_source": e.period_source,
        "shape": e.shape,
        "key": list(e.key),
        "ad_type": e.ad_type,
        "attribution_days": e.attribution_days,
        "snapshot_date": e.snapshot_date.isoformat() if e.snapshot_date else None,
        "summary": e.summary,
        "sheet": e.sheet,
        "rows_in_file": e.rows_in_file,
        "columns": columns,
    }


def _export_from_json(d: dict[str, Any]) -> Export:
    table = pd.DataFrame(d["columns"])
    for name in table.columns:
        if name in _DATE_COLUMNS:
            table[name] = pd.to_datetime(table[name]).astype("datetime64[s]")
        elif table[name].dtype == object:
            table[name] = table[name].astype("string")
    if "marketplace" not in table.columns:
        table["marketplace"] = pd.Series(dtype="string")
    period = d.get("period")
    return Export(
        path=d["path"],
        file_id=d["file_id"],
        kind=d["kind"],
        family=d["family"],
        label=d["label"],
        table=table,
        marketplace=d.get("marketplace"),
        currency=d.get("currency"),
        period=Period(period[2], date.fromisoformat(period[0]), date.fromisoformat(period[1]), period[3])
        if period
        else None,
        period_source=d.get("period_source", ""),
        shape=d.get("shape", ""),
        key=tuple(d.get("key", ())),
        ad_type=d.get("ad_type"),
        attribution_days=d.get("attribution_days"),
        snapshot_date=date.fromisoformat(d["snapshot_date"]) if d.get("snapshot_date") else None,
        summary=bool(d.get("summary")),
        sheet=d.get("sheet"),
        rows=len(table),
        rows_in_file=d.get("rows_in_file", 0),
    )


def now_iso(now: datetime) -> str:
    return now.replace(microsecond=0).isoformat()
