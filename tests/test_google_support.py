"""Shared fixtures and helpers of the ``test_google_*`` files (this file holds no tests).

Every test talks to the in-process Google stand-in on 127.0.0.1 through the real clients
(gspread, google-auth, requests); nothing of sheetsbot's own code is mocked. Fixtures are
imported by name into each test file so pytest finds them.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sheetsbot.google import GoogleClient, RetryPolicy
from sheetsbot.sinks.google_sheets import GoogleSheetsSink
from sheetsbot.testing.google_standin import StandIn
from sheetsbot.workbook.model import (
    Cell,
    Chart,
    ChartSeries,
    Column,
    ConditionalRule,
    GridRange,
    NumberFormat,
    Protection,
    Style,
    Tab,
    Validation,
    Workbook,
)

#: Fast retries for tests (Retry-After still sets the floor).
FAST = RetryPolicy(deadline=20.0, base_delay=0.01, max_delay=0.05)
STATUSES = ("To do", "Doing", "Done", "Blocked")


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything under test tries to resolve a host other than 127.0.0.1."""
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and str(host) not in ("127.0.0.1", "localhost", "::1") and not str(
                host).startswith("127."):
            raise OSError(f"test tried to reach {host}: only 127.0.0.1 is allowed")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    monkeypatch.delenv("SHEETSBOT_GOOGLE_API_URL", raising=False)


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    root.mkdir()
    return root


@pytest.fixture
def google(exports: Path) -> Iterator[StandIn]:
    with StandIn(drive_folder=exports) as standin:
        yield standin


@pytest.fixture
def key_file(google: StandIn, tmp_path: Path) -> Path:
    path = tmp_path / "key.json"
    google.write_credentials(path)
    return path


@pytest.fixture
def client(google: StandIn, key_file: Path) -> GoogleClient:
    return GoogleClient.from_key_file(key_file, base_url=google.url, policy=FAST)


@pytest.fixture
def sheet_id(google: StandIn, client: GoogleClient) -> str:
    """A blank Sheet the team made and shared with the service account (as Editor)."""
    return google.add_spreadsheet("Lumen KPIs")


@pytest.fixture
def sink(sheet_id: str, client: GoogleClient) -> GoogleSheetsSink:
    return GoogleSheetsSink(sheet_id, client)


# -------------------------------------------------------------------------------- helpers


def calls_of(google: StandIn, method: str) -> list[Any]:
    return [c for c in google.calls if c.api_method == method]


def sheets_calls(google: StandIn) -> list[str]:
    return [c.api_method for c in google.calls if c.api_method.startswith("sheets.")]


def sheet_of(google: StandIn, sheet_id: str, title: str) -> dict[str, Any]:
    for sheet in google.spreadsheet(sheet_id)["sheets"]:
        if sheet["properties"]["title"] == title:
            return sheet
    raise KeyError(title)


def everything(google: StandIn, sheet_id: str) -> dict[str, Any]:
    """Every stored cell (value, format, note, validation) and every sheet's furniture."""
    book = google.store.spreadsheets[sheet_id]
    out: dict[str, Any] = {}
    for sheet in book.sheets:
        furniture = {k: v for k, v in sheet.resource().items()}
        furniture["properties"] = {k: v for k, v in furniture["properties"].items()}
        out[sheet.title] = {"cells": {f"{r},{c}": cell for (r, c), cell in sheet.cells.items()},
                            "cols": dict(sheet.col_meta), "sheet": furniture}
    return out


def task_rows(n: int, start: int = 0) -> list[list[Cell]]:
    """Generated task rows: key, action, evidence (generated); owner, due, status, notes (team)."""
    return [[Cell.text(f"ads.cut|US|C{i}|2026-W47"), Cell.text(f"Cut budget of campaign C{i}"),
             Cell.text(f"ACoS {40 + i} % > 35 %"), Cell.text("Li Wei"),
             Cell.date(dt.date(2026, 11, 25)), Cell.text("To do"), Cell.text(None)]
            for i in range(start, start + n)]


def small_workbook(tasks: int = 2, *, evidence: str | None = None) -> Workbook:
    """A workbook with every kind of content the sink renders, small enough to read back."""
    dashboard = Tab(key="dashboard", title="Dashboard", header=False, frozen_rows=1,
                    tab_colour="#1A73E8", widths={0: 230, 1: 120})
    dashboard.rows = [
        [Cell.text("Lumen Home — week 2026-W47", Style(bold=True, size=16))],
        [Cell.text("Metric", Style(bold=True)), Cell.text("This week", Style(bold=True))],
        [Cell.text("Sales"), Cell.number(12345.678, NumberFormat.CURRENCY, "USD")],
        [Cell.text("ACoS"), Cell.number(0.3712, NumberFormat.PERCENT)],
        [Cell.text("Week"), Cell.text("US Sales")],
        [Cell.text("2026-W46"), Cell.number(11000.0, NumberFormat.CURRENCY, "USD")],
        [Cell.text("2026-W47"), Cell.number(12345.678, NumberFormat.CURRENCY, "USD")],
    ]
    for row in (2, 3):
        for colour, word in (("#B7E1CD", "green"), ("#F4C7C3", "red")):
            dashboard.rules.append(ConditionalRule(GridRange(row, row + 1, 1, 2), "text_eq",
                                                   (word,), colour))
    dashboard.rules.append(ConditionalRule(GridRange(3, 4, 1, 2), ">", ("0.35",), "#F4C7C3",
                                           description="ACoS > 35 %"))
    dashboard.rules.append(ConditionalRule(GridRange(3, 4, 1, 2), "formula",
                                           ("=AND(ISNUMBER(B4))",), "#FCE8B2"))
    dashboard.charts.append(Chart("US · Sales", "line", GridRange(5, 7, 0, 1),
                                  (ChartSeries("Sales", GridRange(5, 7, 1, 2)),),
                                  anchor_row=1, anchor_col=4))
    dashboard.protections.append(Protection(GridRange(0, None, 0, 7), "generated by sheetsbot"))

    asins = Tab(key="asins", title="ASINs", frozen_rows=1, frozen_cols=1)
    asins.columns = [Column("asin", "ASIN", width=120), Column("title", "Title", width=320),
                     Column("sales", "Sales", NumberFormat.CURRENCY),
                     Column("units", "Units", NumberFormat.INTEGER),
                     Column("acos", "ACoS", NumberFormat.PERCENT)]
    asins.rows = [
        [Cell.text("B0LUMEN001"), Cell.text("=HYPERLINK(\"http://evil\")"),
         Cell.number(1234.5, NumberFormat.CURRENCY, "USD"), Cell.number(17, NumberFormat.INTEGER),
         Cell.number(0.21, NumberFormat.PERCENT)],
        [Cell.text("B0LUMEN002"), Cell.text("Lamp, warm white"),
         Cell.number(980.25, NumberFormat.CURRENCY, "EUR"), Cell.number(9, NumberFormat.INTEGER),
         Cell.number(None, NumberFormat.PERCENT, note="no ad sales")],
    ]
    asins.rules.append(ConditionalRule(GridRange(1, None, 4, 5), ">", ("0.35",), "#F4C7C3"))
    asins.protections.append(Protection(GridRange(1, None, 0, 5), "generated by sheetsbot"))

    task_tab = Tab(key="tasks", title="Tasks", frozen_rows=1, team_edited=True)
    names = ["key", "action", "evidence", "owner", "due", "status", "notes"]
    team = ("owner", "due", "status", "notes")
    task_tab.columns = [Column(n, n.capitalize(),
                               NumberFormat.DATE if n == "due" else NumberFormat.TEXT,
                               team_owned=n in team) for n in names]
    task_tab.rows = task_rows(tasks)
    if evidence is not None:
        for row in task_tab.rows:
            row[2] = Cell.text(evidence)
    task_tab.validations.append(Validation(GridRange(1, 200, 5, 6), STATUSES))
    task_tab.rules.append(ConditionalRule(GridRange(1, None, 5, 6), "text_eq", ("Done",),
                                          "#B7E1CD"))
    task_tab.protections.append(Protection(GridRange(1, None, 0, 3), "generated by sheetsbot"))

    settings = Tab(key="settings", title="Settings", team_edited=True, note="Your knobs.")
    settings.columns = [Column("setting", "Setting"), Column("scope", "Scope"),
                        Column("value", "Value", team_owned=True), Column("explanation", "Why")]
    settings.rows = [
        [Cell.text("monthly_sales_target"), Cell.text("US"),
         Cell.number(142000, NumberFormat.INTEGER), Cell.text("Sales target of the month")],
        [Cell.text("threshold.acos.red"), Cell.text(None), Cell.text("> 0.35"),
         Cell.text("ACoS is red above")],
    ]

    state = Tab(key="state", title="_state", header=False, frozen_rows=0, hidden=True)
    state.rows = [[Cell.text("sheetsbot-state"), Cell.text("1"), Cell.text("0"),
                   Cell.text("H4sI" + "A" * 200)]]
    return Workbook("Lumen Home — sheetsbot", "en", [dashboard, asins, task_tab, settings, state])
