"""What the team has in the Sheet, turned back into data: Tasks rows and the Run log.

Headers are matched by the locale's names (and the English ones, so switching language keeps
the team's rows); statuses, priorities and areas by their localised or English words.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from sheetsbot.locales import Locale, load_locale
from sheetsbot.workbook.build import RUN_LOG_COLUMNS, TASK_COLUMNS


def _lookup(locale: Locale, section: str, keys: list[str]) -> dict[str, str]:
    english = load_locale("en")
    out: dict[str, str] = {}
    for key in keys:
        for loc in (english, locale):
            word = loc._get(section, key)
            out[word.strip().casefold()] = key
        out[key.casefold()] = key
    return out


def _columns(header: list[Any], locale: Locale, keys: list[str]) -> dict[int, str]:
    names = _lookup(locale, "columns", keys)
    found: dict[int, str] = {}
    for i, cell in enumerate(header):
        key = names.get(str(cell or "").strip().casefold())
        if key and key not in found.values():
            found[i] = key
    return found


def tasks_from_rows(rows: list[list[Any]], locale: Locale) -> pd.DataFrame:
    """The Tasks tab as a frame with internal values (``todo``, ``high``, ``ads``), sheet order kept."""
    columns = [*TASK_COLUMNS, "rule", "marketplace", "carried"]
    if not rows:
        return pd.DataFrame(columns=columns)
    mapping = _columns(rows[0], locale, TASK_COLUMNS)
    # Columns the team added (a budget, a link): kept as they are, under their own header.
    extra = {
        i: str(h).strip()
        for i, h in enumerate(rows[0])
        if i not in mapping and h not in (None, "") and str(h).strip() not in columns
    }
    columns = [*columns, *extra.values()]
    statuses = _lookup(locale, "statuses", ["todo", "doing", "done", "blocked"])
    priorities = _lookup(locale, "priorities", ["high", "medium", "low"])
    areas = _lookup(locale, "areas", ["ads", "inventory", "sales", "customer"])
    records = []
    for raw in rows[1:]:
        if not any(v not in (None, "") for v in raw):
            continue
        record: dict[str, Any] = {c: None for c in columns}
        for i, key in mapping.items():
            value = raw[i] if i < len(raw) else None
            if isinstance(value, str) and key in ("status", "priority", "area"):
                table = {"status": statuses, "priority": priorities, "area": areas}[key]
                value = table.get(value.strip().casefold(), value)
            if key == "due":
                value = _as_date(value)
            record[key] = value if value != "" else None
        for i, name in extra.items():
            record[name] = raw[i] if i < len(raw) else None
        key_text = record.get("key")
        if isinstance(key_text, str) and key_text.count("|") >= 3:
            rule, market = key_text.split("|")[:2]
            record["rule"], record["marketplace"] = rule, market
        records.append(record)
    frame = pd.DataFrame(records, columns=columns)
    frame["carried"] = frame["carried"].fillna(False).astype(bool)
    frame.attrs["extra_columns"] = list(extra.values())
    return frame


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date) or value in (None, ""):
        return value or None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return value  # the team wrote something else; keep it as they wrote it


def run_log_from_rows(rows: list[list[Any]], locale: Locale) -> list[dict[str, Any]]:
    """Earlier runs, oldest first, as the tab shows them."""
    if not rows:
        return []
    mapping = _columns(rows[0], locale, RUN_LOG_COLUMNS)
    entries = []
    for raw in rows[1:]:
        entry = {key: (raw[i] if i < len(raw) else None) for i, key in mapping.items()}
        if any(v not in (None, "") for v in entry.values()):
            entries.append(entry)
    return entries
