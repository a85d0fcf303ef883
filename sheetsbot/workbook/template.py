"""The workbook template (layout as data): ``sheetsbot/workbook/template.yaml`` by default."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from sheetsbot.config import validate_yaml

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "template.yaml"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_M):
    asins: int = Field(2000, ge=1)
    campaigns: int = Field(1000, ge=1)
    search_terms: int = Field(50, ge=1)
    run_log: int = Field(200, ge=1)
    trend_weeks: int = Field(12, ge=2, le=52)


class Dashboard(_M):
    tiles: list[str]


class Asins(_M):
    columns: list[str]
    sort_by: str = "sales"


class Ads(_M):
    campaign_columns: list[str]
    search_term_columns: list[str]


class Inventory(_M):
    columns: list[str]


class Monthly(_M):
    review: list[str]
    top_movers: int = Field(5, ge=1)


class Template(_M):
    colours: dict[str, str]
    tab_colours: dict[str, str] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    dashboard: Dashboard
    asins: Asins
    ads: Ads
    inventory: Inventory
    monthly: Monthly

    def colour(self, name: str) -> str:
        return self.colours.get(name, "#FFFFFF")


def load_template(path: str | Path | None = None) -> Template:
    file = Path(path) if path else DEFAULT_TEMPLATE
    return validate_yaml(file.read_text(encoding="utf-8"), str(file), Template)
