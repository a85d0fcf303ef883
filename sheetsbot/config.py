"""The store's configuration: a YAML file validated on load, with errors that name key and line.

    from sheetsbot.config import load_config
    config = load_config("config/example.yaml")
    config.store.time_zone            # 'Asia/Shanghai'
    config.thresholds["acos"].red     # '> 0.35'

Every key is optional except where a run cannot work without it; a store that sells in one
marketplace needs no configuration at all (``Config()`` is valid). Unknown keys are errors,
with the closest known key suggested, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import stat
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sheetsbot.errors import ConfigError
from sheetsbot.marketplaces import MARKETPLACES, canonical_code
from sheetsbot.worker.settings import WorkerConfig

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_COMPARISON = re.compile(r"^\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?|lead_time(?:\s*\+\s*safety)?)\s*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _marketplace(value: str) -> str:
    code = canonical_code(value)
    if code not in MARKETPLACES:
        known = ", ".join(sorted(MARKETPLACES))
        raise ValueError(f"unknown marketplace {value!r}; known codes: {known}")
    return code


class StoreConfig(_Model):
    name: str = "My Amazon store"
    marketplaces: list[str] = Field(default_factory=list)
    #: Used for a file that names no marketplace anywhere (path, rows, currency).
    default_marketplace: str | None = None
    time_zone: str = "UTC"
    week_start: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    locale: str = "en"

    @field_validator("marketplaces")
    @classmethod
    def _codes(cls, values: list[str]) -> list[str]:
        return [_marketplace(v) for v in values]

    @field_validator("default_marketplace")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        return _marketplace(value) if value else None

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai") from None
        return value

    @property
    def week_start_index(self) -> int:
        return _WEEKDAYS.index(self.week_start)

    @property
    def fallback_marketplace(self) -> str | None:
        if self.default_marketplace:
            return self.default_marketplace
        return self.marketplaces[0] if len(self.marketplaces) == 1 else None


class Threshold(_Model):
    """When a metric is green or red; anything between is yellow.

    ``green: "<= 0.25"`` and ``red: "> 0.35"`` read as they are written. ``basis: change`` judges
    the week-over-week change instead of the value (conversion). Days of cover compare with
    ``lead_time`` or ``lead_time + safety`` instead of a number.
    """

    green: str | None = None
    red: str | None = None
    basis: Literal["value", "change"] = "value"

    @field_validator("green", "red")
    @classmethod
    def _comparison(cls, value: str | None) -> str | None:
        if value is not None and not _COMPARISON.match(str(value)):
            raise ValueError(
                f"{value!r} is not a comparison; write an operator and a number, "
                "such as '<= 0.25' or '> 35' (ratios are fractions: 0.25 means 25 %)"
            )
        return value

    def parsed(self, which: Literal["green", "red"]) -> tuple[str, str] | None:
        text = self.green if which == "green" else self.red
        if text is None:
            return None
        m = _COMPARISON.match(text)
        assert m is not None
        return m.group(1), re.sub(r"\s+", "", m.group(2))


class InventoryConfig(_Model):
    lead_time_days: int = Field(30, ge=0)
    safety_days: int = Field(14, ge=0)
    #: Days of stock a restock should reach.
    cover_target_days: int = Field(60, ge=1)
    #: Per-ASIN lead times where a product ships from another supplier.
    lead_time_overrides: dict[str, int] = Field(default_factory=dict)
    #: Days of sales that set the velocity (4 weeks ending with the reporting week).
    velocity_days: int = Field(28, ge=7)


class AdsConfig(_Model):
    #: Ad effect needs 7–14 days to show: no flag on fewer days of data.
    min_days_for_flag: int = Field(7, ge=1)
    min_spend_for_cut: float = Field(20.0, ge=0)
    negate_min_clicks: int = Field(10, ge=1)
    harvest_min_orders: int = Field(2, ge=1)


class ManualInput(_Model):
    """Numbers no export carries (ODR, IPI), typed in by the team."""

    marketplace: str | None = None
    #: A week or month label; without it the value holds for every period.
    period: str | None = None
    odr: float | None = Field(None, ge=0, le=1)
    ipi: float | None = Field(None, ge=0, le=1500)

    @field_validator("marketplace")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        return _marketplace(value) if value else None


class Targets(_Model):
    #: Monthly sales target per marketplace, in that marketplace's currency.
    monthly_sales: dict[str, float] = Field(default_factory=dict)
    #: Targets for ratio metrics (fractions), shown next to the value.
    acos: float | None = Field(None, ge=0)
    tacos: float | None = Field(None, ge=0)
    roas: float | None = Field(None, ge=0)
    conversion: float | None = Field(None, ge=0, le=1)
    buy_box: float | None = Field(None, ge=0, le=1)
    return_rate: float | None = Field(None, ge=0, le=1)
    task_completion: float | None = Field(None, ge=0, le=1)

    @field_validator("monthly_sales")
    @classmethod
    def _codes(cls, values: dict[str, float]) -> dict[str, float]:
        return {_marketplace(k): float(v) for k, v in values.items()}


class WorkbookConfig(_Model):
    #: A layout file of the team's own (default: the one shipped in sheetsbot/workbook/).
    template: str | None = None
    #: The team's own names for tabs and column headers, over the locale's:
    #: ``tabs: {asins: Products}``, ``columns: {owner: Who}``.
    tabs: dict[str, str] = Field(default_factory=dict)
    columns: dict[str, str] = Field(default_factory=dict)
    #: Task rules of the team's own (default: the shipped config/rules.yaml).
    rules: str | None = None


class GoogleConfig(_Model):
    credentials: str | None = None
    drive_folder_id: str | None = None
    spreadsheet_id: str | None = None


class Config(_Model):
    store: StoreConfig = Field(default_factory=StoreConfig)
    targets: Targets = Field(default_factory=Targets)
    thresholds: dict[str, Threshold] = Field(default_factory=dict)
    owners: dict[str, str] = Field(default_factory=dict)
    inventory: InventoryConfig = Field(default_factory=InventoryConfig)
    ads: AdsConfig = Field(default_factory=AdsConfig)
    manual_inputs: list[ManualInput] = Field(default_factory=list)
    google: GoogleConfig = Field(default_factory=GoogleConfig)
    #: Days with no monthly summary (the first working day skips them); the Settings tab adds more.
    holidays: list[date] = Field(default_factory=list)
    workbook: WorkbookConfig = Field(default_factory=lambda: WorkbookConfig())
    #: ``sheetsbot serve``: schedule, webhook, limits (see docs/worker.md).
    worker: WorkerConfig = Field(default_factory=lambda: WorkerConfig())
    #: The file this config was read from (relative paths inside resolve against its folder).
    source: str | None = Field(None, exclude=True)

    @field_validator("thresholds")
    @classmethod
    def _known_metrics(cls, value: dict[str, Threshold]) -> dict[str, Threshold]:
        # The metric table is plain data; importing it here keeps the check next to the key.
        from sheetsbot.kpis.metrics import METRICS

        unknown = sorted(set(value) - set(METRICS))
        if unknown:
            guess = difflib.get_close_matches(unknown[0], list(METRICS), n=1)
            hint = f" (did you mean {guess[0]!r}?)" if guess else f"; known: {', '.join(sorted(METRICS))}"
            raise ValueError(f"unknown metric {unknown[0]!r}{hint}")
        return value

    def resolve_path(self, value: str) -> Path:
        """A path from the config, relative to the config file's folder (not the cwd)."""
        path = Path(os.path.expanduser(value))
        if not path.is_absolute() and self.source:
            path = Path(self.source).resolve().parent / path
        return path


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Load and validate a config file; ``None`` gives the defaults."""
    if path is None:
        return Config()
    return parse_config(read_text(path, "config file"), str(path))


def read_text(path: str | os.PathLike[str], what: str) -> str:
    """A settings file's text, or a ConfigError that names it (``what``: "rules file" …)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
        warn_if_shared(file)
        return text
    except FileNotFoundError:
        raise ConfigError(f"{file}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read {what} ({exc})") from None


_PACKAGE = Path(__file__).resolve().parent


def warn_if_shared(file: Path) -> None:
    """Warn when a config or key file can be read by other users of the machine.

    Config files may hold the webhook secret and point at the service-account key; a key file
    is the service account itself. Files shipped inside sheetsbot (the demo's) are exempt.
    """
    if os.name != "posix":
        return
    try:
        resolved = file.resolve()
        mode = resolved.stat().st_mode
    except OSError:
        return
    if resolved.is_relative_to(_PACKAGE) or not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return
    logging.getLogger("sheetsbot").warning(
        "%s is readable by other users (mode %s); chmod 600 %s", file, oct(stat.S_IMODE(mode))[2:], file
    )


def parse_config(text: str, name: str = "<config>") -> Config:
    return validate_yaml(text, name, Config, extra={"source": name})


M = TypeVar("M", bound=BaseModel)


def validate_yaml(text: str, name: str, model: type[M], extra: dict[str, Any] | None = None) -> M:
    """Parse YAML text into ``model``; every error names the file, the line and the key."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{name}{where}: not valid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{name}:1: expected a mapping of settings at the top level")
    try:
        return model.model_validate({**data, **(extra or {})})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, name, root, model)) from None


def _describe(exc: ValidationError, name: str, root: yaml.Node | None, model: type[BaseModel] = Config) -> str:
    lines = _line_index(root)
    messages = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        line = next((lines[loc[:i]] for i in range(len(loc), -1, -1) if loc[:i] in lines), None)
        where = f"{name}:{line}" if line else name
        if error["type"] == "extra_forbidden":
            parent_fields = _fields_at(loc[:-1], model)
            guess = difflib.get_close_matches(str(loc[-1]), parent_fields, n=1)
            hint = f" (did you mean {guess[0]!r}?)" if guess else ""
            messages.append(f"{where}: unknown key {key!r}{hint}")
        else:
            msg = error["msg"].removeprefix("Value error, ")
            got = error.get("input")
            shown = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
            messages.append(f"{where}: {key}: {msg}{shown}")
    return "; ".join(messages)


def _fields_at(loc: tuple[Any, ...], root_model: type[BaseModel] = Config) -> list[str]:
    model: Any = root_model
    for part in loc:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        model = field.annotation
    return list(getattr(model, "model_fields", {}))


def _line_index(root: yaml.Node | None) -> dict[tuple[Any, ...], int]:
    """Map each key path of the YAML document to the line (1-based) where it is written."""
    index: dict[tuple[Any, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                index[path + (key,)] = key_node.start_mark.line + 1
                walk(value_node, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                index[path + (i,)] = item.start_mark.line + 1
                walk(item, path + (i,))

    if root is not None:
        index[()] = 1
        walk(root, ())
    return index
