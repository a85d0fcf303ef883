"""The bundled demo store (sheetsbot/demo/exports + truth.json): deterministic, up to date, and
shaped like the real Amazon exports described in shared/amazon-exports.md.

The cross-checks at the end parse the files with plain pandas/csv (not with sheetsbot's parsers)
and compare them with truth.json, so a generator bug cannot hide behind its own ground truth.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from sheetsbot.demo import generate as G

# Amazon's own (Apache POI) xlsx files make openpyxl warn the same way
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style")

BUNDLED = G.DEFAULT_OUT
TRUTH = G.DEMO_DIR / "truth.json"


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "exports"
    G.generate(out)
    return out


@pytest.fixture(scope="module")
def files(fresh: Path) -> dict[str, bytes]:
    return files_of(fresh)


@pytest.fixture(scope="module")
def truth(fresh: Path) -> dict:
    return json.loads((fresh.parent / "truth.json").read_text(encoding="utf-8"))


def one(files: dict[str, bytes], prefix: str) -> bytes:
    hits = [k for k in files if k.startswith(prefix)]
    assert len(hits) == 1, (prefix, hits)
    return files[hits[0]]


# ------------------------------------------------------------------ determinism and freshness


def test_generation_is_deterministic(fresh: Path, tmp_path: Path) -> None:
    again = tmp_path / "exports"
    G.generate(again)
    assert files_of(again) == files_of(fresh)
    assert (again.parent / "truth.json").read_bytes() == (fresh.parent / "truth.json").read_bytes()


def test_bundled_files_equal_a_fresh_generation(files: dict[str, bytes], fresh: Path) -> None:
    assert BUNDLED.is_dir(), "run: python -m sheetsbot.demo.generate"
    bundled = files_of(BUNDLED)
    assert sorted(bundled) == sorted(files), "stale or missing files: regenerate with --clean"
    stale = [k for k in files if bundled[k] != files[k]]
    assert not stale, f"regenerate: python -m sheetsbot.demo.generate ({stale[:3]})"
    assert TRUTH.read_bytes() == (fresh.parent / "truth.json").read_bytes()


def test_output_is_commit_sized(files: dict[str, bytes]) -> None:
    assert sum(len(b) for b in files.values()) < 1_500_000


def test_designed_traffic_lights_hold(truth: dict) -> None:
    assert G.check_design(truth) == []


# ------------------------------------------------------------------ layouts, encodings, bytes


def header(data: bytes, encoding: str = "utf-8", delimiter: str = ",") -> list[str]:
    text = data.decode(encoding).removeprefix("\ufeff")
    return next(csv.reader(io.StringIO(text.splitlines()[0]), delimiter=delimiter))


def lines(data: bytes) -> int:
    return data.count(b"\n") - 1


CSV_LAYOUTS = [  # (path prefix, layout, BOM, line end, data rows or None)
    ("US/business/2026-W42/", G.BR_CLASSIC, True, b"\n", 12),
    ("US/business/2026-W44/", G.BR_CLASSIC, True, b"\n", 12),
    ("US/business/2026-W45/", G.BR_CURRENT_US, True, b"\n", 12),
    ("US/business/2026-W47/", G.BR_CURRENT_US, True, b"\n", 12),
    ("DE/business/2026-W42/", G.BR_CURRENT_GB, True, b"\n", 7),
    ("DE/business/2026-W46/", G.BR_CURRENT_GB, True, b"\n", 7),
    ("DE/business/2026-W47/", G.BR_CURRENT_DE, True, b"\n", 7),
    ("US/business/BusinessReport-11-23-26.csv", G.BR_BY_DATE, True, b"\n", 53),
    ("DE/business/BusinessReport-23.11.26.csv", G.BR_BY_DATE, True, b"\n", 53),
    ("US/ads/Sponsored Products Campaign report (1).csv", G.SP_CAMPAIGN, True, b"\r\n", 46 * 3),
    ("US/ads/Sponsored Products Campaign report (2).csv", G.SP_CAMPAIGN, True, b"\r\n",
     21 * 3 + 3),
    ("US/ads/2026-W47/Sponsored Products Targeting report.csv", G.SP_TARGETING_SUMMARY, True,
     b"\r\n", None),
    ("US/ads/Sponsored Brands Campaign report.csv", G.SB_CAMPAIGN, True, b"\r\n", 53),
    ("US/ads/Sponsored Display Campaign report.csv", G.SD_CAMPAIGN, True, b"\r\n", 53),
    ("DE/ads/Sponsored Products Campaign report.csv", G.SP_CAMPAIGN, True, b"\r\n", 53 * 2),
    ("DE/ads/Sponsored Products Search term report.csv", G.SP_SEARCH_TERM, True, b"\r\n", None),
    ("DE/ads/Sponsored_Brands_Campaign_report (5).csv", G.ADS_2024_SB_CAMPAIGN, True, b"\n", 1),
]


@pytest.mark.parametrize("prefix,layout,bom,eol,rows", CSV_LAYOUTS, ids=lambda v: str(v)[:40])
def test_csv_layouts(files: dict[str, bytes], prefix: str, layout: list[str], bom: bool,
                     eol: bytes, rows: int | None) -> None:
    data = one(files, prefix)
    assert data.startswith(b"\xef\xbb\xbf") == bom
    assert data.endswith(eol) and (eol == b"\r\n") == (b"\r\n" in data)
    assert header(data) == layout
    if rows is not None:
        assert lines(data) == rows


def test_business_report_quoting_and_values(files: dict[str, bytes]) -> None:
    classic = one(files, "US/business/2026-W42/").decode("utf-8-sig").splitlines()
    assert all(line.startswith('"') and line.endswith('"') for line in classic)
    assert '"$' in classic[1]
    buy_box = [next(csv.reader([line]))[8] for line in classic[1:]]
    assert all(v.endswith("%") and v[:-1].isdigit() for v in buy_box)  # whole numbers: "99%"
    current = one(files, "US/business/2026-W47/").decode("utf-8-sig").splitlines()
    assert not current[0].startswith('"') and ',"$' in current[1]
    german = one(files, "DE/business/2026-W47/").decode("utf-8-sig")
    assert " €" in german and "," in german.split("€")[0] and "." in german.split("%")[0]
    assert "(Übergeordnete) ASIN" in german and "–" in german


def test_ads_csv_quirks(files: dict[str, bytes]) -> None:
    sp = one(files, "US/ads/Sponsored Products Campaign report (2).csv").decode("utf-8-sig")
    assert '"Bath Mat 31\\"" x 19\\"" - Exact"' in sp  # backslash and doubled quote
    assert "DL门垫自动" in sp and '"Nov 22, 2026"' in sp
    assert any(v.endswith(".0") for v in sp.replace("\r\n", ",").split(",") if v.startswith("$"))
    sb = one(files, "DE/ads/Sponsored_Brands_Campaign_report.csv").decode("utf-8-sig")
    assert '"Oct 12, 2026 - Oct 18, 2026"' in sb and '"=""512004773610288"""' in sb


@pytest.mark.parametrize("name,sheet,rows", [
    ("Sponsored_Products_Search_term_report.xlsx", "Sponsored_Products_Search_term_", None),
    ("Sponsored_Products_Advertised_product_report.xlsx", "Sponsored_Products_Advertised_p",
     None),
    ("Sponsored_Display_Advertised_product_report.xlsx", "Sponsored_Display_Advertised_pr",
     42 * 4),
])
def test_xlsx_like_amazon(files: dict[str, bytes], name: str, sheet: str, rows: int | None) -> None:
    data = files[f"US/ads/{name}"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert b"<Application>Apache POI</Application>" in z.read("docProps/app.xml")
        assert f'name="{sheet}"'.encode() in z.read("xl/workbook.xml")
        assert {i.date_time for i in z.infolist()} == {G.XLSX_TIME}
    df = pd.read_excel(io.BytesIO(data), engine="openpyxl")
    assert pd.api.types.is_datetime64_any_dtype(df["Date"])
    assert df["Date"].min() == pd.Timestamp("2026-10-12")
    assert df["Date"].max() == pd.Timestamp("2026-11-22")
    if rows is not None:
        assert len(df) == rows
    if "Search_term" in name:
        assert list(df.columns) == G.SP_SEARCH_TERM
        assert df.duplicated().sum() == 1  # one exact duplicate row (to be summed)
        assert (df["Clicks"] == 0).sum() == 2 and df.loc[df["Clicks"] == 0,
                                                         "7 Day Total Orders (#)"].min() >= 1
        assert df["Customer Search Term"].str.startswith("-").any()
        assert 0 < df["Click-Thru Rate (CTR)"].max() < 1  # fractions, not percent strings


def test_flat_file_encodings(files: dict[str, bytes]) -> None:
    us_inv = [v for k, v in files.items() if k.startswith("US/inventory/")]
    de_inv = [v for k, v in files.items() if k.startswith("DE/inventory/")]
    assert len(us_inv) == 6 and len(de_inv) == 2
    for data in us_inv:
        assert b"\x96" in data and b"\xe9" in data and not data.startswith(b"\xef\xbb\xbf")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert header(data, "cp1252", "\t") == G.INVENTORY and data.count(b"\r\n") == 14
        assert b'"Welcome"' in data  # raw quotes inside a title: read with quoting off
    for data in de_inv:
        assert header(data, "utf-8", "\t") == G.INVENTORY and "ß".encode() in data
    for mkt in ("US", "DE"):
        ret = one(files, f"{mkt}/returns/")
        assert not ret.startswith(b"\xef\xbb\xbf") and b"\r\n" not in ret
        assert header(ret, "cp1252") == G.RETURNS and ret.startswith(b'"return-date"')
    assert b'"=HYPERLINK(""http://x"",""y"")"' in one(files, "US/returns/")
    orders = one(files, "US/orders/")
    assert header(orders, "utf-8", "\t") == G.ALL_ORDERS and orders.endswith(b"\r\n")
    assert orders.split(b"\r\n")[0].endswith(b"price-designation ")


# ------------------------------------------------------------------ the files agree with truth


def money(text: str) -> float:
    text = str(text).strip()
    if text.endswith("€") and "," in text[-5:]:  # German: 1.234,56 €
        return float(text[:-1].strip().replace(".", "").replace(",", "."))
    return float(text.replace("$", "").replace("€", "").replace(",", "") or 0)


def read_csv(data: bytes, encoding: str = "utf-8-sig", sep: str = ",") -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding=encoding, sep=sep, dtype=str,
                       keep_default_na=False, quoting=csv.QUOTE_NONE if sep == "\t" else 0)


def test_by_date_reports_match_truth(files: dict[str, bytes], truth: dict) -> None:
    for mkt, name, fmt in (("US", "US/business/BusinessReport-11-23-26.csv", "%m/%d/%y"),
                           ("DE", "DE/business/BusinessReport-23.11.26.csv", "%d/%m/%Y")):
        df = read_csv(files[name])
        day = pd.to_datetime(df["Date"], format=fmt).dt.date
        for period, span in truth["periods"].items():
            sel = df[(day >= pd.Timestamp(span["start"]).date())
                     & (day <= pd.Timestamp(span["end"]).date())]
            want = truth["marketplaces"][mkt]["store"][period]
            assert sel["Ordered Product Sales"].map(money).sum() == pytest.approx(want["sales"])
            assert sel["Units Ordered"].str.replace(",", "").astype(int).sum() == want["units"]
            assert sel["Sessions - Total"].str.replace(",", "").astype(int).sum() == want[
                "sessions"]


def test_by_asin_reports_match_truth(files: dict[str, bytes], truth: dict) -> None:
    for mkt, week, cols in (("US", "2026-W42", ("(Child) ASIN", "Sessions", "Units Ordered",
                                                "Ordered Product Sales")),
                            ("US", "2026-W47", ("(Child) ASIN", "Sessions - Total",
                                                "Units Ordered", "Ordered Product Sales")),
                            ("DE", "2026-W47", ("(Untergeordnete) ASIN", "Sitzungen – Summe",
                                                "Bestellte Einheiten",
                                                "Durch bestellte Produkte erzielter Umsatz"))):
        df = read_csv(one(files, f"{mkt}/business/{week}/"))
        want = truth["marketplaces"][mkt]["asin"][week]
        asin, sessions, units, sales = cols
        assert sorted(df[asin]) == sorted(want)
        total_sessions = df[sessions].str.replace(",", "").astype(int).sum()
        for r in df.itertuples(index=False):
            row = dict(zip(df.columns, r, strict=True))
            w = want[row[asin]]
            assert int(row[units].replace(",", "")) == w["units"]
            assert money(row[sales]) == pytest.approx(w["sales"])
        # a shopper views several ASINs: per-ASIN sessions exceed the store's
        assert total_sessions > truth["marketplaces"][mkt]["store"][week]["sessions"]


def test_sp_campaign_exports_restate_and_latest_wins(files: dict[str, bytes],
                                                     truth: dict) -> None:
    def load(name: str) -> pd.DataFrame:
        df = read_csv(files[f"US/ads/{name}"])
        df["day"] = pd.to_datetime(df["Date"], format="%b %d, %Y").dt.date
        df["Campaign Name"] = df["Campaign Name"].str.replace('\\"', '"', regex=False)
        for c in ("Spend", "7 Day Total Sales "):
            df[c] = df[c].map(money)
        for c in ("Clicks", "7 Day Total Orders (#)"):
            df[c] = df[c].astype(int)
        return df.set_index(["day", "Campaign Name"])

    first, second = load("Sponsored Products Campaign report (1).csv"), load(
        "Sponsored Products Campaign report (2).csv")
    overlap = first.index.intersection(second.index)
    assert len(overlap) == 14 * 3
    a, b = first.loc[overlap], second.loc[overlap]
    assert b["7 Day Total Sales "].sum() > a["7 Day Total Sales "].sum()
    assert b["7 Day Total Orders (#)"].sum() > a["7 Day Total Orders (#)"].sum()
    assert b["Clicks"].sum() < a["Clicks"].sum()
    merged = pd.concat([first.drop(overlap), second])
    us = truth["marketplaces"]["US"]
    for period, span in truth["periods"].items():
        days = merged.index.get_level_values(0)
        sel = merged[(days >= pd.Timestamp(span["start"]).date())
                     & (days <= pd.Timestamp(span["end"]).date())]
        assert sel["Spend"].sum() == pytest.approx(us["ads"][period]["SP"]["ad_spend"])
        assert sel["7 Day Total Sales "].sum() == pytest.approx(us["ads"][period]["SP"]["ad_sales"])
    w47 = us["campaigns"]["2026-W47"]
    assert w47["SP - Launch - Exact"]["days"] == 3
    assert all(c["days"] == 7 for n, c in w47.items() if n != "SP - Launch - Exact")
    assert 'Bath Mat 31" x 19" - Exact' in w47 and len(w47) == 6


def test_search_terms_match_truth(files: dict[str, bytes], truth: dict) -> None:
    df = pd.read_excel(io.BytesIO(files["US/ads/Sponsored_Products_Search_term_report.xlsx"]))
    df = df[df["Date"] >= pd.Timestamp("2026-11-16")]
    got = df.groupby(["Campaign Name", "Customer Search Term"])[["Clicks", "Spend",
                                                                 "7 Day Total Orders (#)"]].sum()
    want = truth["marketplaces"]["US"]["search_terms"]["2026-W47"]
    assert len(got) == len(want)
    for t in want:
        row = got.loc[(t["campaign"], t["search_term"])]
        assert row["Clicks"] == t["clicks"] and row["7 Day Total Orders (#)"] == t["orders"]
        assert row["Spend"] == pytest.approx(t["spend"])
    impressions = sum(t["impressions"] for t in want)
    sp_impressions = truth["marketplaces"]["US"]["ads"]["2026-W47"]["SP"]["impressions"]
    assert impressions < 0.5 * sp_impressions  # only terms with clicks are listed


def test_inventory_returns_orders_match_truth(files: dict[str, bytes], truth: dict) -> None:
    us = truth["marketplaces"]["US"]
    inv = read_csv(one(files, "US/inventory/2026-W47/"), "cp1252", "\t")
    sellable = inv.groupby("asin")["afn-fulfillable-quantity"].apply(lambda s: s.astype(int).sum())
    want = us["inventory"]["2026-11-22"]
    assert sellable.to_dict() == {a: v["sellable"] for a, v in want.items()}
    ret = read_csv(one(files, "US/returns/"), "cp1252")
    # Flat files stamp returns in UTC; the team's week is in the marketplace's local time.
    stamps = pd.to_datetime(ret["return-date"], utc=True)
    local_day = stamps.dt.tz_convert("America/Los_Angeles").dt.strftime("%Y-%m-%d")
    ret = ret[local_day >= "2026-11-16"]
    assert ret.groupby("asin")["quantity"].apply(lambda s: s.astype(int).sum()).to_dict() == {
        a: n for a, n in us["returns"]["2026-W47"].items() if n}
    orders = read_csv(one(files, "US/orders/"), "utf-8", "\t")
    live = orders[orders["order-status"] != "Cancelled"]
    units: Counter[str] = Counter()
    for a, q in zip(live["asin"], live["quantity"], strict=True):
        units[a] += int(q)
    assert dict(units) == {a: v["units"] for a, v in us["asin"]["2026-W47"].items()}
    assert live["item-price"].astype(float).sum() == pytest.approx(
        sum(v["sales"] for v in us["asin"]["2026-W47"].values()))
    assert set(orders["order-status"]) == {"Shipped", "Pending", "Cancelled"}
