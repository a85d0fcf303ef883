# ruff: noqa: E501
"""The eight real Amazon exports in ``shared/samples/amazon`` (see SOURCES.md there).

The files have no licence: they are read in place, never copied into the repository. Every
test is skipped cleanly when the folder is absent. Expected values come from the bytes: row
counts from Python's own csv module / openpyxl, spot values as written in the files.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sheetsbot.reports import Export, ReadHints, read_exports, read_file
from sheetsbot.sources.local import LocalFolder

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "amazon"

pytestmark = pytest.mark.shared

#: file → (kind, marketplace, currency)
EXPECTED = {
    "BusinessReport-11-21-19.csv": ("business_report_asin", "US", "USD"),
    "BusinessReport-23-07-2025.csv": ("business_report_asin", "UK", "GBP"),
    "sales daily 12.1-12.8.csv": ("business_report_date", "US", "USD"),
    "ST 12.29.xlsx": ("sp_search_term", "US", "USD"),
    "Sponsored_Products_Advertised_product_report - SUMMARY.xlsx": ("sp_advertised_product", "IN", "INR"),
    "12.15 Campaign report.csv": ("sp_campaign", "US", "USD"),
    "manage amazon inventory.csv": ("fba_inventory", None, None),
    "RETURN DEC.csv": ("fba_returns", None, None),
}


@pytest.fixture(scope="module")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared samples not present at {SAMPLES}")
    missing = [name for name in EXPECTED if not (SAMPLES / name).is_file()]
    if missing:
        pytest.skip(f"shared samples incomplete, missing {missing}")
    return SAMPLES


def _read(samples: Path, name: str, hints: ReadHints | None = None) -> Export:
    file = next(f for f in LocalFolder(samples).files() if f.name == name)
    exports, problems = read_file(file, hints or ReadHints())
    assert not problems, [p.line() for p in problems]
    assert len(exports) == 1
    return exports[0]


def _csv_rows(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    text = path.read_bytes().decode(encoding)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return [r for r in rows[1:] if any(c.strip() for c in r)]


def _xlsx_rows(path: Path) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    sheet.reset_dimensions()
    rows = [r for r in sheet.iter_rows(values_only=True)][1:]
    book.close()
    return [r for r in rows if any(v not in (None, "") for v in r)]


def _expected_rows(path: Path) -> int:
    if path.suffix == ".xlsx":
        return len(_xlsx_rows(path))
    encoding = "cp1252" if path.name == "manage amazon inventory.csv" else "utf-8-sig"
    return len(_csv_rows(path, encoding))


def _col(export: Export, name: str) -> list[Any]:
    out = []
    for v in export.table[name].tolist():
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif isinstance(v, pd.Timestamp):
            out.append(v.date())
        else:
            out.append(v)
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_is_detected_with_its_kind_rows_marketplace_and_currency(samples: Path, name: str) -> None:
    kind, marketplace, currency = EXPECTED[name]
    e = _read(samples, name)
    assert e.kind == kind
    assert e.rows == _expected_rows(samples / name) == len(e.table)
    assert (e.marketplace, e.currency) == (marketplace, currency)


def test_the_sample_folder_reads_whole_with_only_sources_md_refused(samples: Path) -> None:
    result = read_exports(LocalFolder(samples))
    assert sorted(e.path for e in result.exports) == sorted(EXPECTED)
    assert [p.path for p in result.problems] == ["SOURCES.md"]
    assert result.problems[0].action == "skipped"
    # Three marketplaces (US, UK, IN) in the folder: nothing is guessed for the files without one.
    assert result.marketplaces == ["IN", "UK", "US"]


def test_us_business_report_first_row(samples: Path) -> None:
    e = _read(samples, "BusinessReport-11-21-19.csv")
    first = _csv_rows(samples / "BusinessReport-11-21-19.csv")[0]
    assert first[:2] == ["B07JH5RJYF", "B07JJC4NTT"] and first[4] == "3,395" and first[11] == "$5,216.29"
    assert _col(e, "parent_asin")[0] == "B07JH5RJYF"
    assert _col(e, "asin")[0] == "B07JJC4NTT"
    assert _col(e, "sku")[0] == "1-mc-18"
    assert _col(e, "title")[0] == first[2]  # the doubled quotes ("31"" x 19""") come out single
    assert '31" x 19"' in _col(e, "title")[0]
    assert _col(e, "sessions")[0] == 3395
    assert _col(e, "page_views")[0] == 4488
    assert _col(e, "buy_box")[0] == pytest.approx(0.99)
    assert _col(e, "units")[0] == 119
    assert _col(e, "sales")[0] == pytest.approx(5216.29)
    assert _col(e, "orders")[0] == 107
    # The name is the download date (Nov 21, 2019), not a period.
    assert e.period is None
    assert any(w.startswith("no period") for w in e.warnings)


def test_us_business_report_totals_match_the_bytes(samples: Path) -> None:
    e = _read(samples, "BusinessReport-11-21-19.csv")
    rows = _csv_rows(samples / "BusinessReport-11-21-19.csv")
    sessions = sum(int(r[4].replace(",", "")) for r in rows)
    sales = sum(float(r[11].replace("$", "").replace(",", "")) for r in rows)
    assert e.table["sessions"].sum() == sessions
    assert e.table["sales"].sum() == pytest.approx(sales)


def test_uk_business_report_with_en_dash_headers(samples: Path) -> None:
    e = _read(samples, "BusinessReport-23-07-2025.csv")
    rows = _csv_rows(samples / "BusinessReport-23-07-2025.csv")
    first = rows[0]
    assert first[:4] == ["B0B46GGBBP", "B0B46GGBBP", "Parkers Triple Lion Plain Uncooked Poppadoms 1kg", "ACC01 - 001"]
    assert _col(e, "asin")[0] == "B0B46GGBBP"
    assert _col(e, "sessions")[0] == int(first[4].replace(",", ""))  # "Sessions – Total", not B2B
    assert _col(e, "buy_box")[0] == pytest.approx(float(first[12].rstrip("%")) / 100)
    assert _col(e, "sales")[0] == pytest.approx(float(first[18].lstrip("£").replace(",", "")))
    assert e.table["sales"].sum() == pytest.approx(sum(float(r[18].lstrip("£").replace(",", "")) for r in rows))
    assert e.period is None


def test_business_report_by_date_sample(samples: Path) -> None:
    e = _read(samples, "sales daily 12.1-12.8.csv")
    assert pd.api.types.is_datetime64_any_dtype(e.table["date"])
    assert _col(e, "date") == [date(2019, 12, d) for d in range(1, 9)]
    assert _col(e, "sales")[:3] == pytest.approx([611.84, 208.95, 287.93])
    assert _col(e, "sessions")[:3] == [321, 320, 231]
    assert _col(e, "buy_box")[:2] == pytest.approx([0.98, 1.0])
    assert e.period is not None and e.period.label == "2019-12-01_2019-12-08"
    assert e.period_source == "dates in the rows"


def test_search_term_xlsx_dates_and_values(samples: Path) -> None:
    e = _read(samples, "ST 12.29.xlsx")
    raw = _xlsx_rows(samples / "ST 12.29.xlsx")
    assert e.sheet == "Sponsored Product Search Term R"
    assert pd.api.types.is_datetime64_any_dtype(e.table["date"])
    assert sorted(set(_col(e, "date"))) == [date(2019, 12, 28), date(2019, 12, 29)]
    assert e.period is not None and e.period.label == "2019-12-28_2019-12-29"
    assert (e.ad_type, e.attribution_days) == ("SP", 7)
    assert _col(e, "search_term")[0] == raw[0][7] == "kitchen mats/rugs"
    assert _col(e, "impressions")[0] == 26
    assert _col(e, "spend")[0] == pytest.approx(0.51)
    assert e.table["spend"].sum() == pytest.approx(sum(r[12] or 0 for r in raw))
    assert e.table["ad_sales"].sum() == pytest.approx(sum(r[13] or 0 for r in raw))
    assert not any("re-saved" in w for w in e.warnings), e.warnings


def test_india_advertised_product_summary(samples: Path) -> None:
    e = _read(samples, "Sponsored_Products_Advertised_product_report - SUMMARY.xlsx")
    raw = _xlsx_rows(samples / "Sponsored_Products_Advertised_product_report - SUMMARY.xlsx")
    assert e.summary
    assert (e.marketplace, e.currency) == ("IN", "INR")
    assert set(_col(e, "marketplace")) == {"IN"}
    assert set(_col(e, "currency")) == {"INR"}
    assert _col(e, "start_date")[0] == date(2025, 2, 1)
    assert _col(e, "end_date")[0] == date(2025, 3, 15)
    assert _col(e, "asin")[0] == "B0CLLRKYF1"
    assert _col(e, "sku")[0] == "CSTE_0333_Wands_Dumbledore_Light"
    assert _col(e, "spend")[0] == pytest.approx(338.23)
    assert _col(e, "ad_sales")[0] == pytest.approx(5086.73)
    assert _col(e, "ad_orders")[0] == 5
    starts = [r[0].date() for r in raw]
    ends = [r[1].date() for r in raw]
    assert e.period is not None and (e.period.start, e.period.end) == (min(starts), max(ends))


def test_campaign_csv_start_date_is_not_the_period(samples: Path) -> None:
    e = _read(samples, "12.15 Campaign report.csv")
    rows = _csv_rows(samples / "12.15 Campaign report.csv")
    assert {r[0] for r in rows} == {"Dec 14, 2019"}
    assert any(r[1] != "Dec 14, 2019" for r in rows)  # the campaigns' own start dates differ
    assert e.period is not None and e.period.label == "2019-12-14_2019-12-14"
    assert e.period_source == "dates in the rows"
    assert "start_date" not in e.table.columns
    assert set(_col(e, "date")) == {date(2019, 12, 14)}
    assert _col(e, "campaign")[0] == "B07L118VDV (Hello Happiness) - Keyword Target"
    assert _col(e, "impressions")[0] == 568
    assert _col(e, "clicks")[0] == 4
    assert _col(e, "spend")[0] == pytest.approx(2.38)
    assert _col(e, "budget")[0] == pytest.approx(6.0)
    assert e.table["spend"].sum() == pytest.approx(sum(float(r[16].lstrip("$")) for r in rows))


def test_cp1252_inventory_decodes_en_dash_and_e_acute(samples: Path) -> None:
    e = _read(samples, "manage amazon inventory.csv")
    assert "cp1252" in e.conventions
    titles = _col(e, "title")
    assert any("Rug –63\" x 27.5\"" in t for t in titles)
    assert any("Décor" in t for t in titles)
    assert not any("\ufffd" in t for t in titles)
    rows = _csv_rows(samples / "manage amazon inventory.csv", "cp1252")
    assert _col(e, "sku") == [r[0] for r in rows]
    assert e.table["fulfillable"].sum() == sum(int(r[10]) for r in rows)
    # A snapshot with no date in its name or folder has no period of its own.
    assert e.period is None and e.snapshot_date is None


def test_returns_dates_are_dates(samples: Path) -> None:
    e = _read(samples, "RETURN DEC.csv")
    assert pd.api.types.is_datetime64_any_dtype(e.table["return_date"])
    days = _col(e, "return_date")
    assert all(isinstance(d, date) for d in days)
    assert days[0] == date(2019, 12, 24)  # 2019-12-24T07:27:37+00:00, no marketplace known: UTC
    assert e.period is not None and e.period.label == "2019-12-01_2019-12-24"
    us = _read(samples, "RETURN DEC.csv", ReadHints(default_marketplace="US"))
    assert (us.marketplace, us.currency) == ("US", "USD")
    assert _col(us, "return_date")[0] == date(2019, 12, 23)  # the same instant in Los Angeles
    assert _col(us, "units") == [float(r[6]) for r in _csv_rows(samples / "RETURN DEC.csv")]
