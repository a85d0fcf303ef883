"""How the CLI shows things: JSON and CSV for machines, aligned tables for people."""

from __future__ import annotations

import csv
import json
import math
from typing import IO, Any

from sheetsbot.kpis.metrics import METRICS, Level

_STATUS_STYLE = {"green": "green", "yellow": "yellow", "red": "bold red"}


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def records_as_dicts(records: Any) -> list[dict[str, Any]]:
    out = []
    for row in records.to_dict("records"):
        out.append({k: _clean(v) for k, v in row.items()})
    return out


def write_json(records: Any, stream: IO[str]) -> None:
    stream.write(json.dumps(records_as_dicts(records), ensure_ascii=False, allow_nan=False))
    stream.write("\n")


def write_csv(records: Any, stream: IO[str]) -> None:
    rows = records_as_dicts(records)
    writer = csv.DictWriter(stream, fieldnames=list(records.columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else repr(v) if isinstance(v, float) else v) for k, v in row.items()})


def format_value(metric: str, value: Any, currency: str | None = None) -> str:
    value = _clean(value)
    if value is None:
        return "—"
    unit = METRICS[metric].unit if metric in METRICS else "count"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "money":
        return f"{value:,.2f}" + (f" {currency}" if currency else "")
    if unit == "count":
        return f"{value:,.0f}"
    if unit in ("days", "per_year"):
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def format_change(value: Any) -> str:
    value = _clean(value)
    return "—" if value is None else f"{value * 100:+.1f}%"


_ASIN_COLUMNS = ["sales", "units", "conversion", "buy_box", "ad_spend", "acos", "tacos", "return_rate", "days_of_cover"]
_CAMPAIGN_COLUMNS = ["ad_spend", "ad_sales", "acos", "roas", "ctr", "cpc", "clicks", "ad_orders"]


def _console() -> Any:
    import sys

    from rich.console import Console

    # Piped output is read in a pager or a file: do not wrap at 80 columns.
    return Console() if sys.stdout.isatty() else Console(width=200)


def print_kpi_tables(records: Any, week: Any, month: Any) -> None:
    from rich.table import Table

    console = _console()
    for period in records["period"].unique():
        for market in sorted(records["marketplace"].dropna().unique()):
            rows = records[(records["period"] == period) & (records["marketplace"] == market)]
            store = rows[rows["level"] == "store"]
            if store.empty:
                continue
            currency = store["currency"].iloc[0]
            table = Table(title=f"{market} store · {period}", title_justify="left")
            for col in ("metric", "value", "previous", "change", "target", "status", "note"):
                table.add_column(
                    col,
                    justify="right" if col in ("value", "previous", "change", "target") else "left",
                    overflow="fold",
                    max_width=60 if col == "note" else None,
                )
            for r in store.itertuples():
                style = _STATUS_STYLE.get(r.status) if isinstance(r.status, str) else None
                table.add_row(
                    METRICS[r.metric].label,
                    format_value(r.metric, r.value, currency),
                    format_value(r.metric, r.previous, currency),
                    format_change(r.change),
                    format_value(r.metric, r.target, currency),
                    r.status if isinstance(r.status, str) else "",
                    r.note if isinstance(r.note, str) else "",
                    style=style,
                )
            console.print(table)
            _print_wide(console, rows, "asin", _ASIN_COLUMNS, f"{market} ASINs · {period}", currency)
            _print_wide(console, rows, "campaign", _CAMPAIGN_COLUMNS, f"{market} campaigns · {period}", currency)


def _print_wide(console: Any, rows: Any, level: Level, columns: list[str], title: str, currency: str) -> None:
    from rich.table import Table
    from rich.text import Text

    sub = rows[rows["level"] == level]
    if sub.empty:
        return
    table = Table(title=title, title_justify="left")
    table.add_column(level)
    for c in columns:
        table.add_column(METRICS[c].label, justify="right")
    for key, group in sub.groupby("key", sort=True):
        by_metric = group.set_index("metric")
        cells = [str(key)]
        styled = []
        for c in columns:
            if c not in by_metric.index:
                styled.append(Text("—"))
                continue
            r = by_metric.loc[c]
            text = format_value(c, r["value"], None)
            status = r["status"] if isinstance(r["status"], str) else None
            styled.append(Text(text, style=_STATUS_STYLE.get(status or "", "")))
        table.add_row(*cells, *styled)
    console.print(table)


# -- detect -----------------------------------------------------------------------------------


def detect_rows(results: list[tuple[Any, list[Any], list[Any]]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _file, exports, problems in results:
        for e in exports:
            out.append(
                {
                    "path": e.name,
                    "kind": e.kind,
                    "label": e.label,
                    "marketplace": e.marketplace,
                    "currency": e.currency,
                    "period": e.period.label if e.period else None,
                    "period_source": e.period_source,
                    "rows": e.rows_in_file,
                    "ad_type": e.ad_type,
                    "attribution_days": e.attribution_days,
                    "conventions": e.conventions,
                    "warnings": list(e.warnings),
                    "problem": None,
                }
            )
        for p in problems:
            out.append(
                {
                    "path": p.path,
                    "kind": "unknown",
                    "closest_kind": p.closest_kind,
                    "missing": list(p.missing),
                    "marketplace": None,
                    "currency": None,
                    "period": None,
                    "rows": None,
                    "warnings": [],
                    "problem": p.problem,
                    "action": p.action,
                }
            )
    return out


def write_detect_json(results: list[tuple[Any, list[Any], list[Any]]], stream: IO[str]) -> None:
    json.dump(detect_rows(results), stream, ensure_ascii=False, indent=1)
    stream.write("\n")


def print_detect_table(results: list[tuple[Any, list[Any], list[Any]]]) -> None:
    from rich.table import Table

    console = _console()
    table = Table(show_lines=False)
    for col in ("file", "kind", "market", "currency", "period", "rows", "warnings / problem"):
        table.add_column(col, overflow="fold", no_wrap=col in ("kind", "market", "currency", "rows"))
    for row in detect_rows(results):
        period = row["period"] or "—"
        if row.get("period_source") and row["period"]:
            period += f"\n({row['period_source']})"
        note = row["problem"] or "; ".join(row["warnings"])
        table.add_row(
            row["path"],
            row["kind"] if not row["problem"] else f"[red]unknown[/red] (closest: {row.get('closest_kind') or '—'})",
            row["marketplace"] or "—",
            row["currency"] or "—",
            period,
            "—" if row["rows"] is None else f"{row['rows']:,}",
            note,
        )
    console.print(table)
