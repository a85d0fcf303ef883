"""Traffic lights: green, yellow or red from configurable thresholds (vectorised)."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from sheetsbot.config import Config, Threshold
from sheetsbot.kpis.metrics import DEFAULT_THRESHOLDS

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def thresholds(config: Config) -> dict[str, Threshold]:
    merged = {k: Threshold.model_validate(v) for k, v in DEFAULT_THRESHOLDS.items()}
    merged.update(config.thresholds)
    return merged


def _operand(text: str, lead_time: pd.Series, safety: float) -> pd.Series | float:
    if text.startswith("lead_time"):
        return lead_time + (safety if "safety" in text else 0.0)
    return float(text)


def traffic_light(
    metric: str,
    value: pd.Series,
    change: pd.Series,
    config: Config,
    lead_time: pd.Series | None = None,
) -> pd.Series:
    """``green``/``yellow``/``red`` per row, or ``None`` where the metric has no threshold or value."""
    rule = thresholds(config).get(metric)
    out = pd.Series(None, index=value.index, dtype="object")
    if rule is None:
        return out
    judged = change if rule.basis == "change" else value
    lead = lead_time if lead_time is not None else pd.Series(float(config.inventory.lead_time_days), index=value.index)
    safety = float(config.inventory.safety_days)
    known = judged.notna().to_numpy()
    status = np.where(known, "yellow", None).astype(object)  # type: ignore[call-overload]  # numpy stubs reject a None branch
    for colour in ("red", "green"):  # green last: a value meeting both is green
        parsed = rule.parsed(colour)  # type: ignore[arg-type]
        if parsed is None:
            continue
        op, operand = parsed
        hit = _OPS[op](judged, _operand(operand, lead, safety)).fillna(False).to_numpy(dtype=bool)
        status = np.where(known & hit, colour, status)
    if rule.green is None or rule.red is None:
        # With one bound only (ODR: green below 1 %, red from 1 %) there is no yellow band.
        status = np.where(status == "yellow", "green" if rule.red else "red", status)
    return pd.Series(status, index=value.index, dtype="object")
