"""The Settings tab: the team's knobs, read first on every run, written back untouched.

    rows = initial_rows(config)                     # a new Sheet gets the config's values
    config, warnings = apply_settings(config, read_rows)

Values only: a cell holding a formula (text starting with ``=``) is never evaluated; like any
invalid entry it becomes a warning that names the cell, and the default is used.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sheetsbot.config import Config, ManualInput, Threshold
from sheetsbot.kpis.metrics import METRICS
from sheetsbot.marketplaces import MARKETPLACES, canonical_code

HEADER_ROWS = 1  # row 1 holds the headers; settings start on row 2
ROLES = ("ops", "ads", "purchasing", "service")


@dataclass(frozen=True)
class SettingRow:
    id: str
    scope: str
    value: Any


def initial_rows(config: Config) -> list[SettingRow]:
    rows: list[SettingRow] = []
    markets = config.store.marketplaces or sorted(config.targets.monthly_sales) or ["US"]
    for m in markets:
        rows.append(SettingRow("monthly_sales_target", m, config.targets.monthly_sales.get(m)))
    from sheetsbot.kpis.status import thresholds

    for metric, rule in thresholds(config).items():
        if metric == "days_of_cover":
            continue  # expressed in lead time and safety days below
        rows.append(SettingRow(f"threshold.{metric}.green", "", rule.green))
        rows.append(SettingRow(f"threshold.{metric}.red", "", rule.red))
    for role in ROLES:
        rows.append(SettingRow(f"owner.{role}", "", config.owners.get(role, "")))
    rows.append(SettingRow("lead_time_days", "", config.inventory.lead_time_days))
    for asin, days in sorted(config.inventory.lead_time_overrides.items()):
        rows.append(SettingRow("lead_time_days", asin, days))
    rows.append(SettingRow("safety_days", "", config.inventory.safety_days))
    rows.append(SettingRow("cover_target_days", "", config.inventory.cover_target_days))
    for m in markets:
        manual = {
            k: v
            for e in config.manual_inputs
            if e.marketplace in (None, m) and e.period is None
            for k, v in (("odr", e.odr), ("ipi", e.ipi))
            if v is not None
        }
        rows.append(SettingRow("odr", m, manual.get("odr")))
        rows.append(SettingRow("ipi", m, manual.get("ipi")))
    rows.append(SettingRow("holiday", "", None))
    return rows


def parse_rows(raw: list[list[Any]]) -> list[tuple[int, SettingRow]]:
    """(sheet row number, row) for every settings row read back; the header row is skipped."""
    out = []
    for i, cells in enumerate(raw[HEADER_ROWS:], start=HEADER_ROWS + 1):
        cells = list(cells) + [None] * 4
        ident = str(cells[0] or "").strip()
        if not ident:
            continue
        out.append((i, SettingRow(ident, str(cells[1] or "").strip(), cells[2])))
    return out


def apply_settings(
    config: Config, raw: list[list[Any]], tab: str = "Settings"
) -> tuple[Config, list[str], list[SettingRow]]:
    """The config with the team's Settings applied; warnings name the cell of each bad entry."""
    if not raw:
        return config, [], initial_rows(config)
    warnings: list[str] = []
    targets = dict(config.targets.monthly_sales)
    thresholds: dict[str, dict[str, Any]] = {k: v.model_dump() for k, v in config.thresholds.items()}
    owners = dict(config.owners)
    inventory = config.inventory.model_dump()
    overrides = dict(config.inventory.lead_time_overrides)
    manual: list[ManualInput] = [e for e in config.manual_inputs if e.period is not None]
    manual_now: dict[str, dict[str, float]] = {}
    holidays: list[dt.date] = []
    rows = parse_rows(raw)
    defaults = {(r.id, r.scope): r.value for r in initial_rows(config)}

    def bad(row_no: int, problem: str, default: Any) -> None:
        shown = "empty" if default is None or default == "" else repr(default)
        warnings.append(f"{tab}!C{row_no}: {problem}; the default ({shown}) is used")

    for row_no, row in rows:
        value = row.value
        if isinstance(value, str) and value.strip().startswith("="):
            bad(row_no, f"{value!r} is a formula; Settings holds values only", defaults.get((row.id, row.scope)))
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        ident = row.id
        if ident == "monthly_sales_target":
            market = canonical_code(row.scope)
            number = _number(value)
            if market not in MARKETPLACES:
                warnings.append(f"{tab}!B{row_no}: {row.scope!r} is not a marketplace code")
            elif number is None or number < 0:
                bad(row_no, f"{value!r} is not an amount", targets.get(market))
            else:
                targets[market] = number
        elif ident.startswith("threshold."):
            parts = ident.split(".")
            if len(parts) != 3 or parts[1] not in METRICS or parts[2] not in ("green", "red"):
                warnings.append(f"{tab}!A{row_no}: unknown setting {ident!r}")
                continue
            try:
                Threshold.model_validate({parts[2]: str(value)})
            except ValueError:
                bad(row_no, f"{value!r} is not a comparison such as '<= 0.25'", defaults.get((row.id, row.scope)))
                continue
            thresholds.setdefault(parts[1], {})[parts[2]] = str(value).strip()
        elif ident.startswith("owner."):
            owners[ident.removeprefix("owner.")] = str(value).strip()
        elif ident in ("lead_time_days", "safety_days", "cover_target_days"):
            number = _number(value)
            if number is None or number < 0 or number != int(number):
                bad(row_no, f"{value!r} is not a whole number of days", inventory.get(ident))
            elif ident == "lead_time_days" and row.scope:
                overrides[row.scope.upper()] = int(number)
            else:
                inventory[ident] = int(number)
        elif ident in ("odr", "ipi"):
            number = _number(value)
            limit = 1.0 if ident == "odr" else 1500.0
            scope_market = canonical_code(row.scope) if row.scope else None
            if number is None or not 0 <= number <= limit:
                bad(row_no, f"{value!r} is not a valid {ident.upper()}", None)
            elif scope_market is not None and scope_market not in MARKETPLACES:
                warnings.append(f"{tab}!B{row_no}: {row.scope!r} is not a marketplace code")
            else:
                manual_now.setdefault(scope_market or "", {})[ident] = number
        elif ident == "holiday":
            day = _date(value)
            if day is None:
                bad(row_no, f"{value!r} is not a date (YYYY-MM-DD)", None)
            else:
                holidays.append(day)
        else:
            warnings.append(f"{tab}!A{row_no}: unknown setting {ident!r}")
    for market, values in manual_now.items():
        manual.append(ManualInput(marketplace=market or None, odr=values.get("odr"), ipi=values.get("ipi")))
    inventory["lead_time_overrides"] = overrides
    updated = config.model_copy(
        update={
            "targets": config.targets.model_copy(update={"monthly_sales": targets}),
            "thresholds": {k: Threshold.model_validate(v) for k, v in thresholds.items()},
            "owners": owners,
            "inventory": config.inventory.model_validate(inventory),
            "manual_inputs": manual,
            "holidays": holidays or list(getattr(config, "holidays", [])),
        }
    )
    return updated, warnings, [r for _, r in rows]


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = re.sub(r"[\s,$€£¥]", "", str(value))
    percent = text.endswith("%")
    try:
        number = float(text.rstrip("%"))
    except ValueError:
        return None
    return number / 100 if percent else number


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None
