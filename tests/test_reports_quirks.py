# ruff: noqa: E501  (rows are kept on one line each, as Amazon writes them)
"""The quirks of Amazon's exports, one at a time: encodings, delimiters, header spellings,
number and date conventions, currency and marketplace order, periods, and files that must be
refused with a specific message (never an exception).

Helpers and header lists come from ``test_reports_kinds``.
"""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from test_reports_kinds import (
    ADS_2024_SEARCH_TERM,
    BR_A,
    BR_DATE_DPST,
    BR_DE,
    BR_JP,
    INVENTORY_21,
    RETURNS,
    SP_ADVERTISED_SUMMARY_IN,
    SP_CAMPAIGN_19,
    SP_SEARCH_TERM_DAILY,
    SP_TARGETING_SUMMARY_IN,
    assert_datetime_column,
    assert_numbers,
    by_header,
    put,
    read,
    read_one,
    read_problem,
    to_csv,
    values,
    xlsx_bytes,
)

from sheetsbot.reports import ReadHints, read_exports
from sheetsbot.sources.local import LocalFolder


def br_row(sales: str = "$5,216.29", buy_box: str = "99%", title: str = "Bath Mat", asin: str = "B07JJC4NTT", sessions: str = "3,395") -> list[str]:
    """A classic US Business Report (Variant A) row."""
    return ["B07JH5RJYF", asin, title, "1-mc-18", sessions, "4.51%", "4,488", "4.61%", buy_box, "119", "3.51%", sales, "107"]


def br_file(*rows: list[str], delimiter: str = ",", header: list[str] = BR_A) -> str:
    return to_csv(header, rows or [br_row()], delimiter=delimiter, quote_all=delimiter != "\t")


def br_date_row(day: str, sales: str = "$611.84") -> list[str]:
    return [day, sales, "16", "16", "493", "321", "98%", "4.98%", "102", "13"]


# =============================================================================================
# encodings and delimiters
# =============================================================================================


@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b"\xef\xbb\xbf"), ("utf-8", b""), ("utf-16-le", b"\xff\xfe"), ("cp1252", b"")],
    ids=["utf8-bom", "utf8-no-bom", "utf16le-bom", "cp1252"],
)
def test_encodings_of_a_business_report(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    title = "Kitchen Mat – Café grey"
    put(tmp_path, "br.csv", prefix + br_file(br_row(title=title)).encode(encoding))
    e = read_one(tmp_path, "br.csv")
    assert e.kind == "business_report_asin"
    assert values(e, "title") == [title]
    assert values(e, "asin") == ["B07JJC4NTT"]
    assert_numbers(e, "sales", [5216.29])
    assert_numbers(e, "sessions", [3395])


def test_cp932_japanese_business_report(tmp_path: Path) -> None:
    row = ["B0JP000001", "B0JP000002", "バスマット（グレー）", "JP-SKU-1", "1,234", "56", "2", "￥123,456", "￥0", "50", "4.54%"]
    put(tmp_path, "BusinessReport.csv", to_csv(BR_JP, [row]), encoding="cp932")
    e = read_one(tmp_path, "BusinessReport.csv")
    assert e.kind == "business_report_asin"
    assert "cp932" in e.conventions
    assert values(e, "title") == ["バスマット（グレー）"]
    assert (e.marketplace, e.currency) == ("JP", "JPY")
    assert_numbers(e, "sales", [123456])


@pytest.mark.parametrize("delimiter, name", [(",", "br.csv"), ("\t", "br.txt"), (";", "br.csv")], ids=["csv", "tsv", "semicolon"])
def test_delimiters(tmp_path: Path, delimiter: str, name: str) -> None:
    put(tmp_path, name, br_file(br_row(), br_row(asin="B07JMDZBSR", sales="$10.00"), delimiter=delimiter))
    e = read_one(tmp_path, name)
    assert e.kind == "business_report_asin"
    assert values(e, "asin") == ["B07JJC4NTT", "B07JMDZBSR"]
    assert_numbers(e, "sales", [5216.29, 10.0])


def test_semicolon_german_file_with_decimal_commas(tmp_path: Path) -> None:
    rows = [["B0DE000001", "B0DE000002", "Fußmatte", "DE-1", "312", "5", "401", "7", "12", "1", "1.234,56 €", "30,00 €"]]
    put(tmp_path, "DE/BusinessReport-02.12.25.csv", to_csv(BR_DE, rows, delimiter=";"), encoding="cp1252")
    e = read_one(tmp_path, "DE/BusinessReport-02.12.25.csv")
    assert e.kind == "business_report_asin"
    assert values(e, "title") == ["Fußmatte"]
    assert_numbers(e, "sales", [1234.56])
    assert e.currency == "EUR"


# =============================================================================================
# header spellings
# =============================================================================================


def test_headers_with_trailing_spaces_and_mixed_case(tmp_path: Path) -> None:
    header = ["(PARENT) ASIN ", " (child) asin", "TITLE", "sku", "SESSIONS  ", "Session Percentage", "page views", "Page Views Percentage", "BUY BOX PERCENTAGE", "units ordered ", "Unit Session Percentage", "ordered  product   sales", "Total Order Items "]
    put(tmp_path, "br.csv", to_csv(header, [br_row()]))
    e = read_one(tmp_path, "br.csv")
    assert e.kind == "business_report_asin"
    assert_numbers(e, "sessions", [3395])
    assert_numbers(e, "units", [119])
    assert_numbers(e, "sales", [5216.29])
    assert_numbers(e, "buy_box", [0.99])


def test_en_dash_and_em_dash_headers_equal_hyphens(tmp_path: Path) -> None:
    header = ["(Parent) ASIN", "(Child) ASIN", "Title", "Sessions — Total", "Sessions – Total – B2B", "Units ordered", "Ordered Product Sales"]
    put(tmp_path, "br.csv", to_csv(header, [["B0P", "B0C", "T", "260", "6", "101", "£1,137.26"]]))
    e = read_one(tmp_path, "br.csv")
    assert_numbers(e, "sessions", [260])


def test_currency_suffix_in_the_header_gives_the_currency(tmp_path: Path) -> None:
    header = [h for h in SP_TARGETING_SUMMARY_IN if h != "Currency"]
    row = by_header(header, {
        "Start Date": "Feb 01, 2025", "End Date": "Mar 15, 2025", "Campaign Name": "wands", "Ad Group Name": "g",
        "Targeting": "wand", "Match Type": "BROAD", "Impressions": "5120", "Clicks": "169", "Spend": "338.23",
        "7 Day Total Sales (₹)": "5086.73",
    })
    put(tmp_path, "targeting.csv", to_csv(header, [row]))
    e = read_one(tmp_path, "targeting.csv")
    assert e.kind == "sp_targeting"
    assert (e.currency, e.marketplace) == ("INR", "IN")
    assert_numbers(e, "ad_sales", [5086.73])
    assert_numbers(e, "spend", [338.23])


# =============================================================================================
# numbers
# =============================================================================================


@pytest.mark.parametrize(
    "sales, expected, currency",
    [
        ("$1,234.56", 1234.56, "USD"),
        ("1.234,56 €", 1234.56, "EUR"),
        ("€1.234,56", 1234.56, "EUR"),
        ("¥1,234", 1234.0, "JPY"),
        ("￥1,234", 1234.0, "JPY"),
        ("Rs.201.68", 201.68, "INR"),
        ("MX$500.00", 500.0, "MXN"),
        ("₹1,08,218.36", 108218.36, "INR"),
        ("£12,897.84", 12897.84, "GBP"),
        ("$0.46833329999999995", 0.46833329999999995, "USD"),
    ],
)
def test_money_formats(tmp_path: Path, sales: str, expected: float, currency: str) -> None:
    put(tmp_path, "br.csv", br_file(br_row(sales=sales)))
    e = read_one(tmp_path, "br.csv")
    assert_numbers(e, "sales", [expected])
    assert e.currency == currency
    assert not any("not numbers" in w for w in e.warnings), e.warnings


@pytest.mark.parametrize(
    "buy_box, sales, expected",
    [
        ("12.5%", "$10.00", 0.125),
        ("12,5 %", "10,00 €", 0.125),
        ("99%", "$10.00", 0.99),
        ("99.80%", "$10.00", 0.998),
        ("3.1055900621118013%", "$10.00", 0.031055900621118013),
    ],
)
def test_percent_formats_become_fractions(tmp_path: Path, buy_box: str, sales: str, expected: float) -> None:
    put(tmp_path, "br.csv", br_file(br_row(buy_box=buy_box, sales=sales)))
    e = read_one(tmp_path, "br.csv")
    assert_numbers(e, "buy_box", [expected])


@pytest.mark.parametrize("empty", ["--", "", "N/A"])
def test_no_data_tokens_are_empty_not_zero_and_not_a_warning(tmp_path: Path, empty: str) -> None:
    put(tmp_path, "br.csv", br_file(br_row(sales=empty, buy_box=empty), br_row(asin="B07JMDZBSR", sales="$10.00", buy_box="100%")))
    e = read_one(tmp_path, "br.csv")
    assert_numbers(e, "sales", [None, 10.0])
    assert_numbers(e, "buy_box", [None, 1.0])
    assert not any("not numbers" in w for w in e.warnings), e.warnings


def test_text_in_a_number_column_is_blank_with_a_warning(tmp_path: Path) -> None:
    put(tmp_path, "br.csv", br_file(br_row(sales="n.a. (see note)"), br_row(asin="B07JMDZBSR", sales="$10.00")))
    e = read_one(tmp_path, "br.csv")
    assert_numbers(e, "sales", [None, 10.0])
    assert any("Ordered Product Sales" in w and "n.a. (see note)" in w for w in e.warnings), e.warnings


def test_decimal_comma_decided_once_per_file_from_its_values(tmp_path: Path) -> None:
    rows = [
        br_row(sales="1.234,56 €", buy_box="98,5 %", asin="B0DE000001"),
        br_row(sales="12,00 €", buy_box="100 %", asin="B0DE000002"),
    ]
    put(tmp_path, "br.csv", br_file(*rows))
    e = read_one(tmp_path, "br.csv")
    assert "decimal comma" in e.conventions
    assert_numbers(e, "sales", [1234.56, 12.0])
    assert_numbers(e, "buy_box", [0.985, 1.0])


def test_a_de_folder_file_written_with_decimal_points_is_read_with_points(tmp_path: Path) -> None:
    put(tmp_path, "DE/br.csv", br_file(br_row(sales="€1,234.56"), br_row(asin="B07JMDZBSR", sales="€12.50")))
    e = read_one(tmp_path, "DE/br.csv")
    assert "decimal point" in e.conventions
    assert_numbers(e, "sales", [1234.56, 12.5])
    assert (e.marketplace, e.currency) == ("DE", "EUR")


@pytest.mark.parametrize(
    "folder, sales, expected",
    [
        ("DE", "1.234", 1234.0),
        ("DE", "1,234", 1.234),
        ("US", "1.234", 1.234),
        ("US", "1,234", 1234.0),
    ],
)
def test_ambiguous_values_fall_back_to_the_marketplace(tmp_path: Path, folder: str, sales: str, expected: float) -> None:
    put(tmp_path, f"{folder}/br.csv", br_file(br_row(sales=sales)))
    e = read_one(tmp_path, f"{folder}/br.csv")
    assert "marketplace" in e.conventions  # "decimal … (marketplace (values are ambiguous))"
    assert_numbers(e, "sales", [expected])


def test_german_counts_with_thousands_dots_in_a_decimal_comma_file(tmp_path: Path) -> None:
    rows = [["B0DE000001", "B0DE000003", "Fußmatte blau", "DE-2", "1.204", "0", "1.530", "0", "40", "0", "1.234,56 €", "0,00 €"]]
    put(tmp_path, "DE/br.csv", to_csv(BR_DE, rows))
    e = read_one(tmp_path, "DE/br.csv")
    assert "decimal comma" in e.conventions
    assert_numbers(e, "sessions", [1204])
    assert_numbers(e, "page_views", [1530])


def test_german_money_with_commas_and_percent_with_points_each_column_decides(tmp_path: Path) -> None:
    header = ["(Übergeordnete) ASIN", "(Untergeordnete) ASIN", "Titel", "Sitzungen – Summe", "Prozentsatz der Buy Box", "Bestellte Einheiten", "Durch bestellte Produkte erzielter Umsatz"]
    rows = [["B0DE000001", "B0DE000002", "Fußmatte", "312", "16.40%", "12", "368,14 €"]]
    put(tmp_path, "DE/br.csv", to_csv(header, rows))
    e = read_one(tmp_path, "DE/br.csv")
    assert_numbers(e, "sales", [368.14])
    assert_numbers(e, "buy_box", [0.164])


# =============================================================================================
# dates
# =============================================================================================


@pytest.mark.parametrize(
    "folder, days, expected",
    [
        ("", ["11/16/26", "11/10/26"], [date(2026, 11, 16), date(2026, 11, 10)]),
        ("", ["16/11/2026", "10/11/2026"], [date(2026, 11, 16), date(2026, 11, 10)]),
        ("", ["16.11.2026", "10.11.2026"], [date(2026, 11, 16), date(2026, 11, 10)]),
        ("", ["2026/11/16", "2026/11/10"], [date(2026, 11, 16), date(2026, 11, 10)]),
        ("", ["2026-11-16", "2026-11-10"], [date(2026, 11, 16), date(2026, 11, 10)]),
        ("", ["Dec 14, 2019", "Dec 7, 2019"], [date(2019, 12, 14), date(2019, 12, 7)]),
        ("", ["7/1/26", "7/13/26"], [date(2026, 7, 1), date(2026, 7, 13)]),
        # a day above 12 settles the order; the marketplace does not override it
        ("UK/", ["11/16/2026", "11/10/2026"], [date(2026, 11, 16), date(2026, 11, 10)]),
        ("US/", ["16/11/2026", "05/11/2026"], [date(2026, 11, 16), date(2026, 11, 5)]),
        # only ties go to the marketplace
        ("UK/", ["05/11/2026"], [date(2026, 11, 5)]),
        ("US/", ["05/11/2026"], [date(2026, 5, 11)]),
        ("DE/", ["05/11/2026"], [date(2026, 11, 5)]),
    ],
)
def test_date_order_is_decided_per_file(tmp_path: Path, folder: str, days: list[str], expected: list[date]) -> None:
    # Money in the folder's own currency (a "$" in a UK folder is refused: see the currency tests).
    symbol = {"UK/": "£", "DE/": "€"}.get(folder, "$")
    put(tmp_path, f"{folder}by date.csv", to_csv(BR_DATE_DPST, [br_date_row(d, f"{symbol}611.84") for d in days]))
    e = read_one(tmp_path, f"{folder}by date.csv")
    assert e.kind == "business_report_date"
    assert_datetime_column(e, "date")
    assert values(e, "date") == expected


def test_iso_timestamps_with_offsets_become_the_marketplace_local_day(tmp_path: Path) -> None:
    def ret(when: str, lpn: str) -> list[str]:
        return [when, "113-1", "SKU", "B07KK3RQNV", "X001", "Mat", "1", "LEX2", "SELLABLE", "UNWANTED_ITEM", "Unit returned to inventory", lpn, ""]

    rows = [ret("2026-11-16T23:30:00-08:00", "LPN1"), ret("2026-11-17T07:27:37+00:00", "LPN2")]
    put(tmp_path, "US/returns.csv", to_csv(RETURNS, rows, quote_all=True))
    put(tmp_path, "JP/returns.csv", to_csv(RETURNS, rows, quote_all=True))
    us = read_one(tmp_path, "US/returns.csv")
    jp = read_one(tmp_path, "JP/returns.csv")
    assert values(us, "return_date") == [date(2026, 11, 16), date(2026, 11, 16)]
    assert values(jp, "return_date") == [date(2026, 11, 17), date(2026, 11, 17)]


def test_excel_dates_and_serials_in_xlsx(tmp_path: Path) -> None:
    rows_dates = [[datetime(2026, 11, 16), 611.84, 16, 16, 493, 321, 0.98, 0.0498, 102, 13]]
    rows_serials = [[46342, 611.84, 16, 16, 493, 321, 0.98, 0.0498, 102, 13]]
    fmt = {"Buy Box Percentage": "0.00%", "Unit Session Percentage": "0.00%", "Ordered Product Sales": "$ #,##0.00"}
    put(tmp_path, "dates.xlsx", xlsx_bytes(BR_DATE_DPST, rows_dates, formats={"Date": "MMM dd, yyyy", **fmt}))
    put(tmp_path, "serials.xlsx", xlsx_bytes(BR_DATE_DPST, rows_serials, formats=fmt))
    for name in ("dates.xlsx", "serials.xlsx"):
        e = read_one(tmp_path, name, ReadHints(default_marketplace="US"))
        assert e.kind == "business_report_date"
        assert_datetime_column(e, "date")
        assert values(e, "date") == [date(2026, 11, 16)], name
        assert_numbers(e, "buy_box", [0.98])  # an xlsx fraction is already a fraction
        assert_numbers(e, "sales", [611.84])


def test_xlsx_with_poi_one_cell_dimension_reads_every_column(tmp_path: Path) -> None:
    rows = [[datetime(2019, 12, 28), "Not grouped", "USD", "Auto", "Auto", "*", "-", "bath mat", 300, 4, 0.0133, 0.6, 2.4, 45.98, 0.0522, 19.16, 2, 2, 0.5, 2, 0, 45.98, 0]]
    put(tmp_path, "ST.xlsx", xlsx_bytes(SP_SEARCH_TERM_DAILY, rows, formats={"Date": "MMM dd, yyyy"}, dimension_a1=True))
    with zipfile.ZipFile(tmp_path / "ST.xlsx") as z:
        assert b'<dimension ref="A1"/>' in z.read("xl/worksheets/sheet1.xml")
    e = read_one(tmp_path, "ST.xlsx")
    assert e.kind == "sp_search_term"
    assert values(e, "search_term") == ["bath mat"]
    assert_numbers(e, "spend", [2.4])


def test_a_google_sheets_xlsx_with_money_as_text(tmp_path: Path) -> None:
    rows = [[datetime(2025, 2, 1), datetime(2025, 3, 15), "No Portfolio", "INR", "c", "g", "India", "S", "B0CLLRKYF1", 5120, 169, 0.033, 2.0, "₹9352.89", "₹5086.73", 0.0665, 15.04, 5, 6, 0.0296, 2, 4, "₹1646.61", "₹3440.12"]]
    put(tmp_path, "ap.xlsx", xlsx_bytes(SP_ADVERTISED_SUMMARY_IN, rows, application="Google Sheets"))
    e = read_one(tmp_path, "ap.xlsx")
    assert e.kind == "sp_advertised_product"
    assert (e.marketplace, e.currency) == ("IN", "INR")
    assert_numbers(e, "spend", [9352.89])
    assert_numbers(e, "ad_sales", [5086.73])
    assert any("Google Sheets" in w for w in e.warnings), e.warnings


def test_a_re_saved_xlsx_is_read_with_a_warning(tmp_path: Path) -> None:
    rows = [[datetime(2019, 12, 28), "Not grouped", "USD", "Auto", "Auto", "*", "-", "bath mat", 300, 4, 0.0133, 0.6, 2.4, 45.98, 0.0522, 19.16, 2, 2, 0.5, 2, 0, 45.98, 0]]
    put(tmp_path, "ST.xlsx", xlsx_bytes(SP_SEARCH_TERM_DAILY, rows, application="Microsoft Excel"))
    e = read_one(tmp_path, "ST.xlsx")
    assert e.kind == "sp_search_term"
    assert any("re-saved" in w and "Microsoft Excel" in w for w in e.warnings), e.warnings


# =============================================================================================
# text cells
# =============================================================================================


def test_excel_text_guards_are_unwrapped(tmp_path: Path) -> None:
    put(tmp_path, "br.csv", br_file(br_row(asin='="B0ABC12345"')))
    e = read_one(tmp_path, "br.csv")
    assert values(e, "asin") == ["B0ABC12345"]


def test_backslash_and_doubled_quote_campaign_names_yield_the_clean_name(tmp_path: Path) -> None:
    header = ",".join(f'"{h}"' if h.endswith(" ") else h for h in SP_CAMPAIGN_19)
    line = '"Dec 14, 2019","Dec 7, 2019",,No Portfolio,Sponsored Products,"31\\"" x 19\\""  - key words 1 manual",ENABLED,USD,$6.0,Manual targeting,Dynamic bids - down only,568,4,0.70%,$2.38,$0.595,0,0.00%,$0.0'
    put(tmp_path, "campaign.csv", header + "\r\n" + line + "\r\n")
    e = read_one(tmp_path, "campaign.csv")
    assert e.kind == "sp_campaign"
    assert values(e, "campaign") == ['31" x 19"  - key words 1 manual']


def test_exact_duplicate_rows_are_kept(tmp_path: Path) -> None:
    row = ["Dec 28, 2019", "Not grouped", "USD", "Auto - all", "Auto", "*", "-", "bath mat", "300", "4", "1.33%", "$0.60", "$2.40", "$45.98", "5.22%", "19.16", "2", "2", "50.00%", "2", "0", "$45.98", "$0.00"]
    put(tmp_path, "st.csv", to_csv(SP_SEARCH_TERM_DAILY, [row, row]))
    e = read_one(tmp_path, "st.csv")
    assert e.rows == 2
    assert_numbers(e, "spend", [2.40, 2.40])
    assert e.table["spend"].sum() == pytest.approx(4.80)


# =============================================================================================
# currency order: Currency column → header currency → symbol in values → marketplace
# =============================================================================================


def _targeting(header_sales: str, currency: str | None, sales: str) -> tuple[list[str], list[str]]:
    header = [h if h != "7 Day Total Sales (₹)" else header_sales for h in SP_TARGETING_SUMMARY_IN]
    if currency is None:
        header = [h for h in header if h != "Currency"]
    cells = {"Start Date": "Feb 01, 2025", "End Date": "Mar 15, 2025", "Campaign Name": "c", "Ad Group Name": "g",
             "Targeting": "t", "Match Type": "BROAD", "Spend": "10.00", header_sales: sales}
    if currency is not None:
        cells["Currency"] = currency
    return header, by_header(header, cells)


def test_currency_column_beats_header_and_symbols(tmp_path: Path) -> None:
    header, row = _targeting("7 Day Total Sales (₹)", "AED", "$5.00")
    put(tmp_path, "t.csv", to_csv(header, [row]))
    e = read_one(tmp_path, "t.csv")
    assert (e.currency, e.marketplace) == ("AED", "AE")
    assert values(e, "currency") == ["AED"]


def test_header_currency_beats_symbols_in_values(tmp_path: Path) -> None:
    header, row = _targeting("7 Day Total Sales (₹)", None, "$5.00")
    put(tmp_path, "t.csv", to_csv(header, [row]))
    assert read_one(tmp_path, "t.csv").currency == "INR"


def test_money_in_another_currency_than_the_folder_is_refused(tmp_path: Path) -> None:
    # Counting pounds as a German store's sales would add them to euros: the team moves the file.
    put(tmp_path, "DE/br.csv", br_file(br_row(sales="£12.00")))
    p = read_problem(tmp_path, "DE/br.csv")
    assert p.action == "refused whole"
    assert "GBP" in p.problem and "DE (EUR)" in p.problem and "move it" in p.problem


def test_without_a_folder_the_symbol_in_values_names_the_currency(tmp_path: Path) -> None:
    put(tmp_path, "br.csv", br_file(br_row(sales="£12.00")))
    e = read_one(tmp_path, "br.csv")
    assert (e.marketplace, e.currency) == ("UK", "GBP")


def test_a_bare_dollar_in_a_canadian_folder_is_cad(tmp_path: Path) -> None:
    put(tmp_path, "CA/br.csv", br_file(br_row(sales="$12.00")))
    e = read_one(tmp_path, "CA/br.csv")
    assert (e.marketplace, e.currency) == ("CA", "CAD")


def test_without_any_currency_sign_the_marketplace_currency_is_used(tmp_path: Path) -> None:
    put(tmp_path, "JP/br.csv", br_file(br_row(sales="1234")))
    e = read_one(tmp_path, "JP/br.csv")
    assert (e.marketplace, e.currency) == ("JP", "JPY")
    assert values(e, "currency") == ["JPY"]


# =============================================================================================
# marketplace order: rows → path segment → currency → default
# =============================================================================================


def _advertised_with_country(country: str, currency: str) -> str:
    header = [h.replace(" (₹)", " ") for h in SP_ADVERTISED_SUMMARY_IN]
    row = by_header(header, {
        "Start Date": "Feb 01, 2025", "End Date": "Mar 15, 2025", "Currency": currency, "Campaign Name": "c",
        "Ad Group Name": "g", "Country": country, "Advertised SKU": "S", "Advertised ASIN": "B0CLLRKYF1",
        "Spend": "10.00", "7 Day Total Sales ": "50.00",
    })
    return to_csv(header, [row])


@pytest.mark.parametrize(
    "country, currency, code",
    [("Amazon.com", "USD", "US"), ("United States", "USD", "US"), ("amazon.de", "EUR", "DE"), ("AMAZON.COM", "USD", "US"), ("India", "INR", "IN")],
)
def test_marketplace_names_in_the_rows_become_codes(tmp_path: Path, country: str, currency: str, code: str) -> None:
    put(tmp_path, "ap.csv", _advertised_with_country(country, currency))
    e = read_one(tmp_path, "ap.csv")
    assert e.marketplace == code
    assert values(e, "marketplace") == [code]
    assert "country" not in e.table.columns


def test_the_rows_beat_the_folder_with_a_warning(tmp_path: Path) -> None:
    put(tmp_path, "DE/ap.csv", _advertised_with_country("United States", "USD"))
    e = read_one(tmp_path, "DE/ap.csv")
    assert e.marketplace == "US"
    assert any("rows win" in w for w in e.warnings), e.warnings


def _returns(lpn: str = "LPN1") -> str:
    return to_csv(RETURNS, [["2026-11-17T07:27:37+00:00", "113-1", "SKU", "B07KK3RQNV", "X001", "Mat", "1", "LEX2", "SELLABLE", "UNWANTED_ITEM", "Unit returned to inventory", lpn, ""]], quote_all=True)


@pytest.mark.parametrize("folder, code, currency", [("US", "US", "USD"), ("de", "DE", "EUR"), ("GB", "UK", "GBP"), ("2026-W47/jp", "JP", "JPY")])
def test_a_path_segment_that_is_a_marketplace_code(tmp_path: Path, folder: str, code: str, currency: str) -> None:
    put(tmp_path, f"{folder}/returns.csv", _returns())
    e = read_one(tmp_path, f"{folder}/returns.csv")
    assert (e.marketplace, e.currency) == (code, currency)
    assert not any("marketplace unknown" in w for w in e.warnings), e.warnings


def test_a_currency_owned_by_one_marketplace_names_it_but_euro_does_not(tmp_path: Path) -> None:
    put(tmp_path, "uk.csv", br_file(br_row(sales="£12.00")))
    put(tmp_path, "eu.csv", br_file(br_row(sales="12,00 €")))
    assert read_one(tmp_path, "uk.csv").marketplace == "UK"
    eu = read_one(tmp_path, "eu.csv")
    assert (eu.marketplace, eu.currency) == (None, "EUR")
    assert any("marketplace unknown" in w and "default_marketplace" in w for w in eu.warnings), eu.warnings


def test_default_marketplace_is_the_last_resort(tmp_path: Path) -> None:
    put(tmp_path, "returns.csv", _returns())
    e = read_one(tmp_path, "returns.csv", ReadHints(default_marketplace="UK"))
    assert (e.marketplace, e.currency) == ("UK", "GBP")
    nothing = read_one(tmp_path, "returns.csv")
    assert (nothing.marketplace, nothing.currency) == (None, None)
    assert any("marketplace unknown" in w for w in nothing.warnings), nothing.warnings


def test_a_single_marketplace_store_needs_no_config(tmp_path: Path) -> None:
    put(tmp_path, "br.csv", br_file(br_row(sales="$12.00")))
    put(tmp_path, "returns.csv", _returns())
    put(tmp_path, "inventory.csv", to_csv(INVENTORY_21, [["S", "X", "B07KK3RQNV", "Mat", "New", "58.89", "No", "", "Yes", "3", "3", "0", "0", "3", "0.28", "0", "0", "0", "0", "0", "0"]]))
    result = read_exports(LocalFolder(tmp_path))
    assert not result.problems, [p.line() for p in result.problems]
    by_kind = {e.kind: e for e in result.exports}
    assert set(by_kind) == {"business_report_asin", "fba_returns", "fba_inventory"}
    for kind in ("fba_returns", "fba_inventory"):
        e = by_kind[kind]
        assert (e.marketplace, e.currency) == ("US", "USD"), kind
        assert values(e, "marketplace") == ["US"]
        assert values(e, "currency") == ["USD"]
        assert not any(w.startswith("marketplace unknown") for w in e.warnings), e.warnings
        assert any("taken from the store's other exports" in w for w in e.warnings), e.warnings
    assert result.marketplaces == ["US"]


def test_a_two_marketplace_store_does_not_guess(tmp_path: Path) -> None:
    put(tmp_path, "br-us.csv", br_file(br_row(sales="$12.00")))
    put(tmp_path, "br-uk.csv", br_file(br_row(sales="£12.00")))
    put(tmp_path, "returns.csv", _returns())
    result = read_exports(LocalFolder(tmp_path))
    returns = next(e for e in result.exports if e.kind == "fba_returns")
    assert returns.marketplace is None
    assert result.marketplaces == ["UK", "US"]


def test_a_single_marketplace_store_does_not_claim_a_file_in_another_currency(tmp_path: Path) -> None:
    put(tmp_path, "br-us.csv", br_file(br_row(sales="$12.00")))
    put(tmp_path, "br-eu.csv", br_file(br_row(sales="12,00 €")))
    result = read_exports(LocalFolder(tmp_path))
    eu = next(e for e in result.exports if e.path == "br-eu.csv")
    assert eu.currency == "EUR"
    assert eu.marketplace != "US"
    assert "US" not in values(eu, "marketplace")


def test_ads_2024_rows_in_two_currencies_name_two_marketplaces(tmp_path: Path) -> None:
    rows = [
        ["USD", "Aug 15, 2026 - Sep 13, 2026", "Acct", "No Portfolio", '="1"', "Nets US", '="2"', "g", "cast net", "500", "9", "1.8000%", "6.30", "1", "29.99", "1", "4.76"],
        ["MXN", "Aug 15, 2026 - Sep 13, 2026", "Acct", "No Portfolio", '="3"', "Nets MX", '="4"', "g", "atarraya", "200", "3", "1.5000%", "42.00", "1", "350.00", "1", "8.33"],
    ]
    put(tmp_path, "Search_term_report.csv", to_csv(ADS_2024_SEARCH_TERM, rows))
    e = read_one(tmp_path, "Search_term_report.csv")
    assert values(e, "currency") == ["USD", "MXN"]
    assert e.currency is None
    assert values(e, "marketplace") == ["US", "MX"]


# =============================================================================================
# period: rows → file name range → folder; snapshots
# =============================================================================================


def test_period_from_a_date_range_in_the_file_name(tmp_path: Path) -> None:
    put(tmp_path, "BusinessReport_2026-11-16_2026-11-22.csv", br_file())
    e = read_one(tmp_path, "BusinessReport_2026-11-16_2026-11-22.csv")
    assert e.period is not None and e.period.label == "2026-11-16_2026-11-22"
    assert e.period_source == "file name"


@pytest.mark.parametrize(
    "folder, label, start, end",
    [
        ("2026-W47", "2026-W47", date(2026, 11, 16), date(2026, 11, 22)),
        ("2026-11-16_2026-11-22", "2026-11-16_2026-11-22", date(2026, 11, 16), date(2026, 11, 22)),
        ("2026-10", "2026-10", date(2026, 10, 1), date(2026, 10, 31)),
        ("US/2026-W47", "2026-W47", date(2026, 11, 16), date(2026, 11, 22)),
    ],
)
def test_period_from_a_sub_folder(tmp_path: Path, folder: str, label: str, start: date, end: date) -> None:
    put(tmp_path, f"{folder}/BusinessReport-11-23-26.csv", br_file())
    e = read_one(tmp_path, f"{folder}/BusinessReport-11-23-26.csv")
    assert e.period is not None
    assert (e.period.label, e.period.start, e.period.end) == (label, start, end)
    assert e.period_source == "folder name"


def test_a_download_date_in_the_name_is_not_a_period(tmp_path: Path) -> None:
    put(tmp_path, "BusinessReport-11-23-26.csv", br_file())
    e = read_one(tmp_path, "BusinessReport-11-23-26.csv")
    assert e.period is None
    assert e.period_source == "none"
    warning = next(w for w in e.warnings if w.startswith("no period"))
    assert "2026-W47" in warning and "_2026-11-16_2026-11-22.csv" in warning


def test_dated_rows_inside_a_dated_folder_take_the_folder_period(tmp_path: Path) -> None:
    rows = [br_date_row("11/16/2026"), br_date_row("11/20/2026")]
    put(tmp_path, "2026-W47/by date.csv", to_csv(BR_DATE_DPST, rows))
    e = read_one(tmp_path, "2026-W47/by date.csv")
    assert e.period is not None and e.period.label == "2026-W47"
    assert e.period_source == "folder name (rows within it)"


def test_dated_rows_outside_the_folder_period_win_with_a_warning(tmp_path: Path) -> None:
    rows = [br_date_row("11/16/2026"), br_date_row("11/24/2026")]
    put(tmp_path, "2026-W47/by date.csv", to_csv(BR_DATE_DPST, rows))
    e = read_one(tmp_path, "2026-W47/by date.csv")
    assert e.period is not None and e.period.label == "2026-11-16_2026-11-24"
    assert e.period_source == "dates in the rows"
    assert any("the rows win" in w for w in e.warnings), e.warnings


def _inventory() -> str:
    return to_csv(INVENTORY_21, [["S", "X", "B07KK3RQNV", "Mat", "New", "58.89", "No", "", "Yes", "3", "3", "0", "0", "3", "0.28", "0", "0", "0", "0", "0", "0"]], quote_all=True)


@pytest.mark.parametrize(
    "relpath, day, source",
    [
        ("US/Inventory_2026-11-23.csv", date(2026, 11, 23), "download date in the file name"),
        ("US/manage-inventory-11-23-26.csv", date(2026, 11, 23), "download date in the file name"),
        ("UK/manage-inventory-23-11-2026.csv", date(2026, 11, 23), "download date in the file name"),
        ("US/2026-W47/manage amazon inventory.csv", date(2026, 11, 22), "end of the period in its folder name"),
    ],
)
def test_a_snapshot_takes_its_download_date_or_its_folder_period_end(tmp_path: Path, relpath: str, day: date, source: str) -> None:
    put(tmp_path, relpath, _inventory())
    e = read_one(tmp_path, relpath)
    assert e.kind == "fba_inventory"
    assert e.snapshot_date == day
    assert e.period is not None and (e.period.start, e.period.end) == (day, day)
    assert e.period_source == source


def test_a_user_range_like_11_16_to_11_22_in_a_snapshot_name_is_not_a_download_date(tmp_path: Path) -> None:
    # Users name files this way ("sales daily 12.1-12.8.csv" in the real samples).
    put(tmp_path, "US/2026-W47/manage inventory 11.16-11.22.csv", _inventory())
    e = read_one(tmp_path, "US/2026-W47/manage inventory 11.16-11.22.csv")
    assert e.snapshot_date == date(2026, 11, 22)
    assert e.period_source == "end of the period in its folder name"


# =============================================================================================
# files that must be refused with a specific message
# =============================================================================================


def test_an_unknown_file_names_the_closest_kind_and_what_is_missing(tmp_path: Path) -> None:
    header = ["Customer search term", "Keywords", "Match type", "Impressions", "Clicks", "CTR(%)", "Spend(USD)", "CPC(USD)", "Orders", "Sales(USD)", "ACOS(%)", "RoAS", "Conversion rate"]
    put(tmp_path, "Sponsored_Products_adgroup_1.csv", to_csv(header, [["bath mat", "bath mat", "broad", "100", "2", "2", "1.2", "0.6", "0", "0", "0", "0", "0"]]))
    p = read_problem(tmp_path, "Sponsored_Products_adgroup_1.csv")
    assert p.closest_kind is not None and "search_term" in p.closest_kind
    assert "campaign" in p.missing
    assert "campaign" in p.problem.lower() and "search term" in p.problem.lower()
    assert p.action == "skipped"


def test_a_file_of_no_known_kind(tmp_path: Path) -> None:
    put(tmp_path, "notes.csv", "foo,bar\n1,2\n")
    p = read_problem(tmp_path, "notes.csv")
    assert "not a known Amazon export" in p.problem
    assert "'foo'" in p.problem
    assert p.closest_kind is not None
    assert p.missing


def test_a_known_kind_missing_a_required_column_names_it_and_an_example_header(tmp_path: Path) -> None:
    header = [h for h in BR_A if h != "Ordered Product Sales"]
    row = br_row()
    del row[BR_A.index("Ordered Product Sales")]
    put(tmp_path, "br.csv", to_csv(header, [row]))
    p = read_problem(tmp_path, "br.csv")
    assert p.closest_kind == "business_report_asin"
    assert p.missing == ("sales",)
    assert "'sales'" in p.problem
    assert "ordered product sales" in p.problem.lower()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \r\n\r\n",
        b"\xef\xbb\xbf\r\n",
    ],
    ids=["0-bytes", "blank-lines", "bom-only"],
)
def test_an_empty_file(tmp_path: Path, data: bytes) -> None:
    put(tmp_path, "empty.csv", data)
    p = read_problem(tmp_path, "empty.csv")
    assert "empty" in p.problem


def test_a_header_only_file_reads_with_no_rows(tmp_path: Path) -> None:
    put(tmp_path, "br.csv", to_csv(BR_A, []))
    exports, problems = read(tmp_path, "br.csv")
    assert not problems, [p.line() for p in problems]
    assert len(exports) == 1
    e = exports[0]
    assert e.kind == "business_report_asin"
    assert e.rows == 0
    assert len(e.table) == 0
    assert {"asin", "sales", "sessions", "marketplace", "currency"} <= set(e.table.columns)


def test_a_header_only_ad_file_reads_with_no_rows_and_no_period(tmp_path: Path) -> None:
    put(tmp_path, "st.csv", to_csv(SP_SEARCH_TERM_DAILY, []))
    exports, problems = read(tmp_path, "st.csv")
    assert not problems, [p.line() for p in problems]
    assert [e.rows for e in exports] == [0]


def test_duplicated_header_names_are_refused_whole(tmp_path: Path) -> None:
    header = [*BR_A[:5], "Sessions", *BR_A[5:]]
    row = br_row()
    row.insert(5, "12")
    put(tmp_path, "br.csv", to_csv(header, [row]))
    p = read_problem(tmp_path, "br.csv")
    assert "duplicated header 'Sessions'" in p.problem
    assert p.action == "refused whole"


def test_a_last_row_shorter_than_the_header_is_refused_whole_as_cut_off(tmp_path: Path) -> None:
    text = br_file(br_row(), br_row(asin="B07JMDZBSR"))
    text = text.rstrip("\n").rsplit(",", 4)[0] + "\n"  # the download stopped mid-row
    put(tmp_path, "br.csv", text)
    p = read_problem(tmp_path, "br.csv")
    assert "cut off" in p.problem
    assert "row" in p.problem
    assert p.action == "refused whole"


def test_a_download_cut_inside_a_quoted_cell_is_refused_whole_as_cut_off(tmp_path: Path) -> None:
    text = br_file(br_row(), br_row(asin="B07JMDZBSR", title='Bath Mat 31" x 19" Luxury'))
    put(tmp_path, "br.csv", text[: text.rfind("Luxury")])
    p = read_problem(tmp_path, "br.csv")
    assert "cut off" in p.problem
    assert p.action == "refused whole"


def test_a_middle_row_with_an_extra_field_is_refused_with_its_row_and_not_called_cut_off(tmp_path: Path) -> None:
    lines = br_file(br_row(), br_row(asin="B07JMDZBSR"), br_row(asin="B07JMDZBSX")).splitlines()
    lines[2] = lines[2].replace('"Bath Mat"', '"Bath Mat",extra')  # line 3 has 14 fields
    put(tmp_path, "br.csv", "\n".join(lines) + "\n")
    p = read_problem(tmp_path, "br.csv")
    assert p.action == "refused whole"
    assert "cut off" not in p.problem
    assert "?" not in p.problem and ("row 2" in p.problem or "line 3" in p.problem)


def test_negative_spend_is_refused_whole(tmp_path: Path) -> None:
    rows = [
        ["Dec 14, 2019", "Dec 7, 2019", "", "No Portfolio", "Sponsored Products", "A", "ENABLED", "USD", "$6.0", "Manual targeting", "Dynamic bids - down only", "568", "4", "0.70%", "$2.38", "$0.595", "0", "0.00%", "$0.0"],
        ["Dec 14, 2019", "Dec 7, 2019", "", "No Portfolio", "Sponsored Products", "B", "ENABLED", "USD", "$6.0", "Manual targeting", "Dynamic bids - down only", "568", "4", "0.70%", "-$2.38", "$0.595", "0", "0.00%", "$0.0"],
    ]
    put(tmp_path, "campaign.csv", to_csv(SP_CAMPAIGN_19, rows))
    p = read_problem(tmp_path, "campaign.csv")
    assert "negative" in p.problem and "'Spend'" in p.problem
    assert "line 3" in p.problem
    assert p.action == "refused whole"


def test_an_xlsx_that_is_really_a_csv(tmp_path: Path) -> None:
    put(tmp_path, "report.xlsx", br_file())
    p = read_problem(tmp_path, "report.xlsx")
    assert "not a workbook" in p.problem and ".csv" in p.problem


def test_a_csv_that_is_really_a_zip(tmp_path: Path) -> None:
    put(tmp_path, "report.csv", xlsx_bytes(["a", "b"], [[1, 2]]))
    p = read_problem(tmp_path, "report.csv")
    assert "zip" in p.problem and ".xlsx" in p.problem


def test_a_jpeg_named_csv(tmp_path: Path) -> None:
    put(tmp_path, "report.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4)
    p = read_problem(tmp_path, "report.csv")
    assert "JPEG" in p.problem


def test_a_legacy_xls(tmp_path: Path) -> None:
    put(tmp_path, "report.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024)
    p = read_problem(tmp_path, "report.xls")
    assert "legacy .xls" in p.problem and "save as" in p.problem


def test_a_damaged_xlsx(tmp_path: Path) -> None:
    put(tmp_path, "report.xlsx", xlsx_bytes(["a", "b"], [[1, 2]])[:300])
    p = read_problem(tmp_path, "report.xlsx")
    assert "damaged" in p.problem or "cannot open" in p.problem


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_openpyxl_opens_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (32 * 1024 * 1024))
    assert len(buf.getvalue()) < 100_000
    put(tmp_path, "report.xlsx", buf.getvalue())
    started = time.perf_counter()
    p = read_problem(tmp_path, "report.xlsx")
    elapsed = time.perf_counter() - started
    assert "zip bomb" in p.problem
    assert p.action == "refused whole"
    assert elapsed < 0.5, elapsed


def test_the_sales_dashboard_trap_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    text = (
        '"Sales Dashboard"\n'
        '"Last updated","November 21, 2019 1:15:54 PM PST"\n'
        "\n"
        '"Sales Snapshot"\n'
        '"Total order items","Units ordered","Ordered product sales","Avg. units/order item","Avg. sales/order item"\n'
        '"1,203","1,295","$52,161.55","1.08","$43.36"\n'
        "\n"
        '"Compare Sales"\n'
        '"","Units ordered","Ordered product sales"\n'
        '"Today so far","12","$498.23"\n'
    )
    put(tmp_path, "SalesDashboard-11-21-19.csv", text)
    p = read_problem(tmp_path, "SalesDashboard-11-21-19.csv")
    assert "Sales Dashboard" in p.problem
    assert p.action == "skipped"


def test_a_whole_folder_of_bad_files_never_raises(tmp_path: Path) -> None:
    put(tmp_path, "empty.csv", b"")
    put(tmp_path, "photo.csv", b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    put(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    put(tmp_path, "fake.xlsx", "a,b\n1,2\n")
    put(tmp_path, "dash.csv", '"Sales Dashboard"\n"Last updated","November 21, 2019"\n')
    put(tmp_path, "good.csv", br_file())
    put(tmp_path, ".hidden/ignored.csv", b"")
    put(tmp_path, "~$lock.xlsx", b"")
    result = read_exports(LocalFolder(tmp_path))
    assert [e.path for e in result.exports] == ["good.csv"]
    assert sorted(p.path for p in result.problems) == ["dash.csv", "empty.csv", "fake.xlsx", "old.xls", "photo.csv"]
    assert all(p.problem and p.action for p in result.problems)
