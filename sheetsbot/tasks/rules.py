"""Task rules as data: the models of ``config/rules.yaml`` and their loader.

    from sheetsbot.tasks.rules import load_rules
    rules = load_rules(None)                  # the shipped defaults (BRIEF §4)
    rules = load_rules("my-rules.yaml")       # a team's own file, same format
    [r.id for r in rules][:2]                 # ['ads.cut_budget', 'ads.scale']

Everything that can be checked without data is checked on load: keys, operators, the names a
rule tests at its level, ``$config.paths`` and text fills. Errors name the file and the line
(through :func:`sheetsbot.config.validate_yaml`), so a typo never silently disables a rule.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sheetsbot.config import Config, read_text, validate_yaml
from sheetsbot.kpis.metrics import METRICS
from sheetsbot.tasks.subjects import LEVEL_FIELDS, TaskLevel, columns_at, metrics_at

#: The rules shipped with the package (a copy of the repository's ``config/rules.yaml``).
DEFAULT_RULES = Path(__file__).resolve().parent / "rules.yaml"

Op = Literal["<", "<=", ">", ">=", "==", "!=", "in", "not in"]
Area = Literal["ads", "inventory", "sales", "customer"]
Priority = Literal["high", "medium", "low"]
Basis = Literal["value", "change", "previous"]

#: Fill references may end in one of these: ``conversion.change``, ``acos.threshold``.
THRESHOLD_SUFFIX = ".threshold"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def config_path_exists(path: str) -> bool:
    """Whether ``ads.min_days_for_flag`` names a key of :class:`~sheetsbot.config.Config`."""
    model: Any = Config
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return False
        model = fields[part].annotation
    return True


class Condition(_Model):
    """One comparison: a metric or attribute of the subject against a number, a config value
    (``$ads.min_days_for_flag``) or the metric's own traffic-light bound (``threshold: red``)."""

    metric: str | None = None
    field: str | None = None
    #: Compare the value (default), its week-over-week change, or last week's value.
    basis: Basis | None = None
    op: Op | None = None
    value: float | str | list[float | str] | None = None
    threshold: Literal["green", "red"] | None = None
    #: Used when ``value`` is a config reference whose key is unset (``targets.conversion``).
    default: float | None = None
    #: Whether the evidence shows this comparison (numeric ones do unless this says false).
    in_evidence: bool = True

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str | None) -> str | None:
        if value is not None and value not in METRICS:
            raise ValueError(f"unknown metric {value!r}{_guess(value, METRICS)}")
        return value

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        if (self.metric is None) == (self.field is None):
            raise ValueError("a condition names exactly one of `metric:` or `field:`")
        if self.field is not None and (self.threshold or self.basis):
            raise ValueError("`threshold:` and `basis:` apply to a metric, not to a field")
        if (self.value is None) == (self.threshold is None):
            raise ValueError("a condition compares with exactly one of `value:` or `threshold:`")
        if self.threshold is not None and self.op in ("in", "not in"):
            raise ValueError("`threshold:` compares with a number: use < <= > >= == or !=")
        if self.threshold is None and self.op is None:
            raise ValueError(
                "a condition with `value:` needs `op:` (one of < <= > >= == != in, not in)"
            )
        listed = isinstance(self.value, list)
        if self.op in ("in", "not in") and not listed:
            raise ValueError(f"`op: {self.op}` compares with a list, such as [auto, broad]")
        if listed and self.op not in ("in", "not in"):
            raise ValueError("a list `value:` needs `op: in` or `op: not in`")
        if isinstance(self.value, str) and self.value.startswith("$"):
            path = self.value[1:]
            if not config_path_exists(path):
                raise ValueError(
                    f"{self.value!r} names no config key (such as $ads.min_days_for_flag)"
                )
        elif self.default is not None:
            raise ValueError("`default:` only applies to a `$config.key` value")
        return self

    @property
    def name(self) -> str:
        """The metric or attribute this condition tests."""
        return self.metric if self.metric is not None else str(self.field)

    @property
    def numeric(self) -> bool:
        """Whether it compares numbers (and so shows in the evidence as value vs bound)."""
        if self.threshold is not None:
            return True
        if isinstance(self.value, list):
            return False
        return not isinstance(self.value, str) or self.value.startswith("$")


class SortSpec(_Model):
    by: str
    descending: bool = True


class Rule(_Model):
    id: str = Field(min_length=1)
    area: Area
    level: TaskLevel
    when: list[Condition] = Field(min_length=1)
    #: A role of the team (``owners:`` maps roles to people).
    owner: str = Field(min_length=1)
    due_days: int = Field(ge=0)
    priority: Priority
    #: Placeholder of the task text → a column, ``<name>.change``/``.previous``, or
    #: ``<name>.threshold`` (the bound of the condition on ``<name>``).
    fill: dict[str, str] = Field(default_factory=dict)
    #: Further columns shown in the evidence after the conditions.
    evidence: list[str] = Field(default_factory=list)
    sort: SortSpec | None = None
    #: At most this many tasks per marketplace (the first by ``sort``): a long list of terms
    #: to harvest is a report, not a to-do list; the rest wait for next week.
    limit: int | None = Field(None, ge=1)
    #: Text for a rule id the locale files do not know (a team's own rule).
    text: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        # "|" separates the parts of a task key.
        if "|" in value or value != value.strip():
            raise ValueError(f"{value!r}: a rule id has no '|' and no surrounding spaces")
        return value

    @model_validator(mode="after")
    def _names_exist_at_level(self) -> Rule:
        columns = columns_at(self.level)
        metrics = metrics_at(self.level)
        for i, condition in enumerate(self.when):
            where = f"when[{i}]"
            if condition.metric is not None and condition.metric not in metrics:
                raise ValueError(
                    f"{where}: metric {condition.metric!r} is not computed at level {self.level}"
                )
            if condition.field is not None and condition.field not in LEVEL_FIELDS[self.level]:
                known = LEVEL_FIELDS[self.level]
                hint = (
                    _guess(condition.field, known)
                    or f"; fields of {self.level}: {', '.join(known) or 'none'}"
                )
                raise ValueError(f"{where}: unknown field {condition.field!r}{hint}")
            if condition.basis not in (None, "value") and self.level == "search_term":
                raise ValueError(f"{where}: search terms have no week-over-week values")
        numeric = {c.name for c in self.when if c.numeric}
        for placeholder, ref in self.fill.items():
            if ref.endswith(THRESHOLD_SUFFIX):
                if ref.removesuffix(THRESHOLD_SUFFIX) not in numeric:
                    raise ValueError(
                        f"fill.{placeholder}: {ref!r} needs a numeric condition on "
                        f"{ref.removesuffix(THRESHOLD_SUFFIX)!r}"
                    )
            elif ref not in columns:
                raise ValueError(
                    f"fill.{placeholder}: {ref!r} is not a column of level {self.level}"
                    f"{_guess(ref, columns)}"
                )
        for ref in [*self.evidence, *([self.sort.by] if self.sort else [])]:
            if ref not in columns:
                raise ValueError(
                    f"{ref!r} is not a column of level {self.level}{_guess(ref, columns)}"
                )
        return self


class RuleFile(_Model):
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleFile:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice")
            seen.add(rule.id)
        return self


def load_rules(path: str | os.PathLike[str] | None = None) -> list[Rule]:
    """The rules of a YAML file (``None``: the shipped defaults), validated.

    Errors are :class:`~sheetsbot.errors.ConfigError` naming the file and line.
    """
    file = Path(path) if path is not None else DEFAULT_RULES
    return parse_rules(read_text(file, "rules file"), str(file))


def parse_rules(text: str, name: str = "<rules>") -> list[Rule]:
    return list(validate_yaml(text, name, RuleFile).rules)


def _guess(word: str, known: Any) -> str:
    found = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {found[0]!r}?)" if found else ""
