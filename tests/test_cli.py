"""The command-line contract, exercised as a user would: separate processes, real files."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from builders import BUSINESS_ASIN, BUSINESS_DATE, business_asin_rows, csv_text, days, us_date, write

KEYS = [
    "period",
    "level",
    "key",
    "marketplace",
    "currency",
    "metric",
    "value",
    "previous",
    "change",
    "target",
    "status",
    "note",
]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sheetsbot", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    write(
        root,
        "US/2026-W47/BusinessReport-11-23-26.csv",
        csv_text(
            BUSINESS_ASIN,
            business_asin_rows(
                [
                    ("B0A", 100, 150, 0.9, 10, 200.0, 9),
                    ("B0B", 50, 60, 0.7, 5, 50.0, 5),
                ]
            ),
        ),
    )
    rows = [[us_date(d), "$35.00", 2, 2, 30, 20, "90.00%"] for d in days(date(2026, 11, 9), 14)]
    write(root, "US/by-date.csv", csv_text(BUSINESS_DATE, rows))
    write(root, "US/notes.txt", "this is not an export\nat all\n")
    write(root, "US/cut.csv", csv_text(BUSINESS_DATE, rows[:3]) + '"11/12/2026","$1.00"\n')
    return root


def test_json_output_is_records_and_nothing_else(exports: Path) -> None:
    result = run("kpis", "--input", str(exports), "--week", "2026-W47", "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert records and all(list(r) == KEYS for r in records)
    for r in records:
        for field in ("value", "previous", "change", "target"):
            assert r[field] is None or isinstance(r[field], (int, float))
        assert r["status"] in (None, "green", "yellow", "red")
    sessions = next(r for r in records if r["level"] == "store" and r["metric"] == "sessions")
    assert sessions == {**sessions, "value": 140, "previous": 140, "change": 0.0, "currency": "USD", "key": ""}
    # Problems are on stderr, one line per file, naming file, problem and action.
    lines = result.stderr.strip().splitlines()
    assert any("notes.txt" in line and "not a known Amazon export" in line and "skipped" in line for line in lines)
    assert any("cut.csv" in line and "cut off" in line and "refused whole" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_csv_output_has_the_same_columns(exports: Path) -> None:
    result = run("kpis", "--input", str(exports), "--week", "2026-W47", "--format", "csv")
    assert result.returncode == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and list(rows[0]) == KEYS
    sales = next(r for r in rows if r["level"] == "store" and r["metric"] == "sales")
    assert float(sales["value"]) == pytest.approx(245.0)


def test_month_records_follow_the_week(exports: Path) -> None:
    result = run("kpis", "--input", str(exports), "--week", "2026-W47", "--month", "2026-11", "--format", "json")
    periods = {r["period"] for r in json.loads(result.stdout)}
    assert periods == {"2026-W47", "2026-11"}


def test_table_format_is_for_people(exports: Path) -> None:
    result = run("kpis", "--input", str(exports), "--week", "2026-W47")
    assert result.returncode == 0
    assert "US store · 2026-W47" in result.stdout and "Sessions" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["kpis", "--input", "/no/such/folder", "--week", "2026-W47"],
            "--input /no/such/folder: no such file or folder",
        ),
        (["kpis", "--input", ".", "--week", "2026-W99"], "2026 has no ISO week 99"),
        (["kpis", "--input", ".", "--week", "2026-10"], "expected a week like 2026-W47"),
        (["kpis", "--input", ".", "--config", "/no/config.yaml"], "config file not found"),
    ],
)
def test_usage_errors_are_one_line_and_non_zero(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_config_errors_name_file_line_and_key(tmp_path: Path) -> None:
    config = tmp_path / "store.yaml"
    config.write_text("store:\n  name: x\n  time_zon: UTC\n")
    result = run("kpis", "--input", str(tmp_path), "--config", str(config))
    assert result.returncode == 2
    assert f"{config}:3: unknown key 'store.time_zon' (did you mean 'time_zone'?)" in result.stderr


def test_detect_json(exports: Path) -> None:
    result = run("detect", str(exports), "--format", "json")
    assert result.returncode == 0
    found = {Path(r["path"]).name: r for r in json.loads(result.stdout)}
    br = found["BusinessReport-11-23-26.csv"]
    assert (br["kind"], br["marketplace"], br["currency"], br["period"], br["rows"]) == (
        "business_report_asin",
        "US",
        "USD",
        "2026-W47",
        2,
    )
    assert br["period_source"] == "folder name"
    unknown = found["notes.txt"]
    assert unknown["kind"] == "unknown" and unknown["closest_kind"] and unknown["missing"]


def test_default_week_is_the_last_complete_week(exports: Path) -> None:
    result = run("kpis", "--input", str(exports), "--format", "json")
    assert result.returncode == 0
    from datetime import datetime, timezone

    from sheetsbot.periods import last_complete_week

    expected = last_complete_week(datetime.now(timezone.utc), "UTC").label
    assert {r["period"] for r in json.loads(result.stdout)} == {expected}
