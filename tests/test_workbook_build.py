"""The workbook model built from the demo store: tabs, types, formats, rules, state, settings."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd
import pytest

from sheetsbot.config import load_config
from sheetsbot.demo.paths import CONFIG_PATH, EXPORTS_DIR
from sheetsbot.job import _trend, read_hints
from sheetsbot.kpis import compute_kpis
from sheetsbot.locales import available, load_locale
from sheetsbot.periods import Period
from sheetsbot.reports import ReportSet, read_exports
from sheetsbot.reports.compact import compact
from sheetsbot.sources.local import LocalFolder
from sheetsbot.workbook.build import TASK_COLUMNS, BuildInputs, build_workbook
from sheetsbot.workbook.model import NumberFormat, Workbook
from sheetsbot.workbook.settings import apply_settings, initial_rows
from sheetsbot.workbook.state import State
from sheetsbot.workbook.template import load_template

WEEK = Period.parse("2026-W47")


@cache
def demo(locale: str = "en") -> Workbook:
    config = load_config(CONFIG_PATH)
    reports = read_exports(LocalFolder(EXPORTS_DIR), read_hints(config))
    compacted = ReportSet([compact(e) for e in reports.exports], [])
    state = State(exports=compacted.exports)
    tasks = pd.DataFrame(
        [
            {
                "key": "ads.cut_budget|US|x|2026-W47",
                "week": "2026-W47",
                "priority": "high",
                "area": "ads",
                "subject": '=HYPERLINK("http://x","y")',
                "action": "+cut",
                "evidence": "-1",
                "owner": "@li",
                "due": dt.date(2026, 11, 25),
                "status": "todo",
                "notes": None,
            }
        ],
        columns=TASK_COLUMNS,
    )
    trend = _trend(compacted, state, WEEK, config, 12)  # fills the state's history first, as a run does
    return build_workbook(
        BuildInputs(
            config=config,
            locale=load_locale(locale),
            template=load_template(),
            week=WEEK,
            report=compute_kpis(compacted, WEEK, config, Period.parse("2026-11")),
            closed_month=compute_kpis(compacted, WEEK, config, Period.parse("2026-10")),
            tasks=tasks,
            settings=initial_rows(config),
            state_rows=state.encode(),
            generated_at=dt.datetime(2026, 11, 23, 7, 30),
            trend=trend,
            run_log=[
                {"started": "2026-11-23T07:30:00", "trigger": "demo", "files": "a.csv", "rows": 3, "duration": 1.5}
            ],
            files_read=41,
        )
    )


def test_english_tab_names_are_exact() -> None:
    titles = [t.title for t in demo().tabs]
    assert titles[:8] == ["Dashboard", "ASINs", "Ads", "Inventory", "Tasks", "Monthly", "Settings", "Run log"]
    state = demo().tab("state")
    assert state.hidden and len(titles) == 9


def test_every_locale_has_every_tab_and_column() -> None:
    english = load_locale("en").data
    for code in available():
        data = load_locale(code).data
        for section in ("tabs", "columns", "statuses", "labels", "metrics", "tasks", "settings"):
            missing = set(english[section]) - set(data.get(section, {}))
            assert not missing, (code, section, missing)


def test_chinese_workbook() -> None:
    book = demo("zh-CN")
    assert [t.title for t in book.tabs][:5] == ["看板", "ASIN", "广告", "库存", "任务"]
    tasks = book.tab("tasks")
    assert tasks.validations[0].options == ("待办", "进行中", "已完成", "受阻")


def test_text_from_exports_stays_text_and_numbers_stay_numbers() -> None:
    book = demo()
    task = book.tab("tasks").rows[0]
    for cell in task[:9]:
        if isinstance(cell.value, str):
            assert cell.format is NumberFormat.TEXT
    assert task[4].value == '=HYPERLINK("http://x","y")'
    titles = [row[2].value for row in book.tab("asins").rows]
    assert any(isinstance(v, str) and v.startswith("+") for v in titles)  # the demo's "+Plus Size" title
    for row in book.tab("asins").rows:
        for col, cell in zip(book.tab("asins").columns, row, strict=True):
            if col.format is not NumberFormat.TEXT:
                assert cell.value is None or isinstance(cell.value, float | int), (col.key, cell.value)


def test_currency_formats_follow_the_marketplace() -> None:
    rows = demo().tab("asins").rows
    sales = {(r[0].value, r[3].pattern) for r in rows if r[3].value is not None}
    assert ("US", "$#,##0.00") in sales and ("DE", '"€"#,##0.00') in sales


def test_traffic_lights_are_rules_from_thresholds() -> None:
    ads = demo().tab("ads")
    acos_col = [c.key for c in ads.columns].index("acos")
    rules = [r for r in ads.rules if r.range.start_col == acos_col]
    assert [r.background for r in rules] == ["#B7E1CD", "#F4C7C3", "#FCE8B2"]  # green, red, yellow
    # ACoS is judged only with enough days of data: the gate names the days column.
    assert all("$N2>=7" in r.values[0] for r in rules)
    assert any("0.35" in r.values[0] for r in rules)


def test_generated_tabs_are_bounded() -> None:
    template = load_template()
    book = demo()
    assert len(book.tab("asins").rows) <= template.limits.asins
    assert sum(1 for _ in book.tab("ads").rows) <= template.limits.campaigns + template.limits.search_terms + 3


def test_dashboard_has_tiles_and_trend_charts_per_marketplace() -> None:
    dash = demo().tab("dashboard")
    texts = [c.value for row in dash.rows for c in row if isinstance(c.value, str)]
    assert "US · USD" in texts and "DE · EUR" in texts and "ACoS" in texts
    assert len(dash.charts) == 4
    assert {s.axis for c in dash.charts for s in c.series} == {"left", "right"}


def test_monthly_tab_keeps_the_month_to_date_and_the_closed_month() -> None:
    monthly = demo().tab("monthly")
    titles = [row[0].value for row in monthly.rows if row and isinstance(row[0].value, str)]
    assert any("2026-11" in t and "2026-11-22" in t for t in titles)
    assert any("2026-10" in t and "closed" in t for t in titles)
    causes = [row[5].value for row in monthly.rows if len(row) > 5 and isinstance(row[5].value, str)]
    assert any("traffic" in c and "conversion" in c and "price" in c for c in causes)


def test_state_tab_round_trips() -> None:
    rows = [[c.value for c in row] for row in demo().tab("state").rows]
    state = State.decode(rows)
    assert len(state.exports) == 41 and state.history


def test_settings_values_only_and_bad_cells_named() -> None:
    config = load_config(CONFIG_PATH)
    rows = [["Setting", "Scope", "Value", "What"]] + [[r.id, r.scope, r.value, ""] for r in initial_rows(config)]
    rows[1][2] = '=IMPORTXML("http://evil","//a")'
    rows[2][2] = 99000
    new, warnings, _ = apply_settings(config, rows)
    assert warnings == [
        'Settings!C2: \'=IMPORTXML("http://evil","//a")\' is a formula; Settings holds values only; '
        "the default (142000.0) is used"
    ]
    assert new.targets.monthly_sales == {"US": 142000.0, "DE": 99000.0}


@pytest.mark.parametrize("tab", ["asins", "ads", "inventory", "tasks", "settings", "run_log"])
def test_header_row_is_frozen(tab: str) -> None:
    t = demo().tab(tab)
    assert t.header and t.frozen_rows == 1


def test_a_team_renames_tabs_and_columns_in_config_and_its_rows_still_read_back() -> None:
    from sheetsbot.workbook.readback import tasks_from_rows

    locale = load_locale("en").renamed({"asins": "Products"}, {"owner": "Who"})
    assert (locale.tab("asins"), locale.column("owner"), locale.tab("ads")) == ("Products", "Who", "Ads")
    header = [locale.column(c) for c in TASK_COLUMNS]
    frame = tasks_from_rows(
        [header, ["k|US|x|2026-W47", "2026-W47", "High", "Ads", "x", "a", "e", "Mei", None, "Done", None]], locale
    )
    assert frame.loc[0, "owner"] == "Mei" and frame.loc[0, "status"] == "done"


@pytest.mark.parametrize("damage", ["last row deleted", "middle row deleted", "marker cell edited",
                                    "chunk cut short", "chunk typed over"])
def test_a_state_tab_damaged_by_hand_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    """Any hand edit of the hidden state tab stops the run with the way out, never a traceback
    and never a silently smaller state."""
    import random
    import string

    import sheetsbot.workbook.state as state_module
    from sheetsbot.errors import SheetsbotError

    monkeypatch.setattr(state_module, "CHUNK", 1000)  # several chunk rows from a small state
    rng = random.Random(7)
    rows = State(last_weekly_run="".join(rng.choice(string.ascii_letters) for _ in range(6000))).encode()
    assert len(rows) >= 4
    damaged = {
        "last row deleted": rows[:-1],
        "middle row deleted": rows[:1] + rows[2:],
        "marker cell edited": [rows[0], ["note to self", *rows[1][1:]], *rows[2:]],
        "chunk cut short": [*rows[:-1], [*rows[-1][:3], rows[-1][3][:-10]]],
        "chunk typed over": [[*rows[0][:3], "oops"], *rows[1:]],
    }[damage]
    with pytest.raises(SheetsbotError, match=r"'_sheetsbot_state' is damaged .* delete it"):
        State.decode(damaged, "_sheetsbot_state")
