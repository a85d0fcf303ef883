"""The team's language: tab names, headers, statuses, task texts (one YAML file per locale).

    texts = load_locale("zh-CN")
    texts.tab("tasks")           # '任务'
    texts.status("done")         # '已完成'

Adding a language is adding a file ``<locale>.yaml`` next to this module with the same keys;
a key missing from it falls back to English, so a partial translation still works.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sheetsbot.errors import ConfigError

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.yaml"))


@dataclass(frozen=True)
class Locale:
    code: str
    data: dict[str, Any]

    def renamed(self, tabs: dict[str, str], columns: dict[str, str]) -> Locale:
        """This locale with a team's own names for tabs and columns."""
        data = {
            **self.data,
            "tabs": {**self.data.get("tabs", {}), **tabs},
            "columns": {**self.data.get("columns", {}), **columns},
        }
        return Locale(self.code, data)

    def _get(self, section: str, key: str) -> str:
        value = self.data.get(section, {}).get(key)
        if value is None:
            value = _english().data.get(section, {}).get(key, key)
        return str(value)

    def tab(self, key: str) -> str:
        return self._get("tabs", key)

    def column(self, key: str) -> str:
        return self._get("columns", key)

    def label(self, key: str, **values: object) -> str:
        return self._get("labels", key).format(**values)

    def status(self, key: str) -> str:
        return self._get("statuses", key)

    def statuses(self) -> dict[str, str]:
        return {k: self.status(k) for k in ("todo", "doing", "done", "blocked")}

    def priority(self, key: str) -> str:
        return self._get("priorities", key)

    def light(self, key: str) -> str:
        return self._get("lights", key)

    def area(self, key: str) -> str:
        return self._get("areas", key)

    def setting(self, key: str, **values: object) -> str:
        return self._get("settings", key).format(**values)

    def metric(self, key: str) -> str:
        return self._get("metrics", key)

    def task_text(self, rule: str) -> str:
        return self._get("tasks", rule)


@functools.cache
def load_locale(code: str) -> Locale:
    path = HERE / f"{code}.yaml"
    if not path.exists():
        raise ConfigError(f"store.locale: no language file for {code!r}; available: {', '.join(available())}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Locale(code, data)


def _english() -> Locale:
    return load_locale("en")
