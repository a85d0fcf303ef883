"""Workbook benchmark: model build + xlsx write, for the demo store and a big store.

    python bench/workbook.py            # demo store and 2,000 ASINs / 500 campaigns / 1M search terms

Each store runs in its own process (so peak RSS is that store's): read the exports and compute
the KPIs (reported, not the subject), then time ``build_workbook`` and ``XlsxSink.write``.
Target (issue "workbook"): model building linear and well under the ingest time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BUSINESS = [
    "(Parent) ASIN",
    "(Child) ASIN",
    "Title",
    "SKU",
    "Sessions - Total",
    "Page Views - Total",
    "Featured Offer (Buy Box) Percentage",
    "Units Ordered",
    "Ordered Product Sales",
    "Total Order Items",
]
CAMPAIGN = [
    "Date",
    "Portfolio name",
    "Campaign Type",
    "Campaign Name",
    "Status",
    "Currency",
    "Budget",
    "Targeting Type",
    "Bidding strategy",
    "Impressions",
    "Clicks",
    "Click-Thru Rate (CTR)",
    "Spend",
    "Cost Per Click (CPC)",
    "7 Day Total Orders (#)",
    "Total Advertising Cost of Sales (ACoS) ",
    "7 Day Total Sales ",
]
INVENTORY = [
    "sku",
    "fnsku",
    "asin",
    "product-name",
    "afn-fulfillable-quantity",
    "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity",
    "afn-inbound-receiving-quantity",
    "afn-total-quantity",
]


def big_store(root: Path, asins: int, campaigns: int, terms: int) -> None:
    """Two weeks of a large US store in Amazon's layouts."""
    from ingest import generate

    rng = np.random.default_rng(7)
    ids = [f"B0{i:08d}" for i in range(asins)]
    for week in ("2026-W46", "2026-W47"):
        folder = root / "US" / week
        folder.mkdir(parents=True, exist_ok=True)
        sessions = rng.integers(50, 3000, asins)
        units = rng.binomial(sessions, 0.1)
        frame = pd.DataFrame(
            {
                BUSINESS[0]: ids,
                BUSINESS[1]: ids,
                BUSINESS[2]: [f"Product {i}" for i in range(asins)],
                BUSINESS[3]: [f"SKU-{i}" for i in range(asins)],
                BUSINESS[4]: sessions,
                BUSINESS[5]: (sessions * 1.4).astype(int),
                BUSINESS[6]: [f"{x:.2f}%" for x in rng.uniform(60, 100, asins)],
                BUSINESS[7]: units,
                BUSINESS[8]: [f"${x:,.2f}" for x in units * rng.uniform(15, 60, asins)],
                BUSINESS[9]: units,
            }
        )
        frame.to_csv(folder / "BusinessReport.csv", index=False)
        inv = pd.DataFrame(
            {
                INVENTORY[0]: [f"SKU-{i}" for i in range(asins)],
                INVENTORY[1]: "X0",
                INVENTORY[2]: ids,
                INVENTORY[3]: "Product",
                INVENTORY[4]: rng.integers(0, 900, asins),
                INVENTORY[5]: 0,
                INVENTORY[6]: rng.integers(0, 200, asins),
                INVENTORY[7]: 0,
                INVENTORY[8]: rng.integers(0, 1200, asins),
            }
        )
        (root / "US" / "inventory" / week).mkdir(parents=True, exist_ok=True)
        inv.to_csv(root / "US" / "inventory" / week / "inventory.txt", sep="\t", index=False)
    days = pd.date_range("2026-11-09", "2026-11-22", freq="D")
    grid = pd.MultiIndex.from_product([days, range(campaigns)]).to_frame(index=False, name=["day", "c"])
    n = len(grid)
    spend = rng.uniform(5, 80, n)
    sales = spend * rng.uniform(1, 6, n)
    camp = pd.DataFrame(
        {
            CAMPAIGN[0]: grid["day"].dt.strftime("%b %d, %Y"),
            CAMPAIGN[1]: "",
            CAMPAIGN[2]: "Sponsored Products",
            CAMPAIGN[3]: "Campaign " + grid["c"].astype(str),
            CAMPAIGN[4]: "ENABLED",
            CAMPAIGN[5]: "USD",
            CAMPAIGN[6]: "$50.0",
            CAMPAIGN[7]: "Manual targeting",
            CAMPAIGN[8]: "Dynamic bids - down only",
            CAMPAIGN[9]: rng.integers(100, 9000, n),
            CAMPAIGN[10]: rng.integers(5, 90, n),
            CAMPAIGN[11]: "1%",
            CAMPAIGN[12]: [f"${x:.2f}" for x in spend],
            CAMPAIGN[13]: "$0.5",
            CAMPAIGN[14]: rng.integers(0, 9, n),
            CAMPAIGN[15]: "",
            CAMPAIGN[16]: [f"${x:.2f}" for x in sales],
        }
    )
    (root / "US" / "ads").mkdir(parents=True, exist_ok=True)
    camp.to_csv(root / "US" / "ads" / "Sponsored Products Campaign report.csv", index=False)
    generate(root / "US" / "ads" / "Sponsored Products Search term report.csv", terms)


def measure(folder: str, out: str) -> dict[str, float]:
    """Runs inside the child process."""
    import datetime as dt
    import resource

    from sheetsbot.config import parse_config
    from sheetsbot.job import _trend, read_hints
    from sheetsbot.kpis import compute_kpis
    from sheetsbot.kpis.compute import search_terms_for
    from sheetsbot.locales import load_locale
    from sheetsbot.periods import Period
    from sheetsbot.reports import ReportSet, read_exports
    from sheetsbot.reports.compact import compact
    from sheetsbot.sinks.xlsx import XlsxSink
    from sheetsbot.sources.local import LocalFolder
    from sheetsbot.tasks import generate_tasks
    from sheetsbot.workbook.build import BuildInputs, build_workbook
    from sheetsbot.workbook.settings import initial_rows
    from sheetsbot.workbook.state import State
    from sheetsbot.workbook.template import load_template

    config = parse_config("store:\n  default_marketplace: US\n  marketplaces: [US]\n")
    week = Period.parse("2026-W47")
    t0 = time.perf_counter()
    fresh = read_exports(LocalFolder(folder), read_hints(config))
    reports = ReportSet([compact(e) for e in fresh.exports], [])
    report = compute_kpis(reports, week, config, Period.parse("2026-11"))
    report.week.search_terms = search_terms_for(
        [e for e in fresh.exports if e.shape == "search_term"], week, reports.marketplaces
    )
    state = State(exports=reports.exports)
    trend = _trend(reports, state, week, config, 12)
    tasks = generate_tasks(report, config, week, config.owners, "en")
    t1 = time.perf_counter()
    book = build_workbook(
        BuildInputs(
            config=config,
            locale=load_locale("en"),
            template=load_template(),
            week=week,
            report=report,
            tasks=tasks,
            settings=initial_rows(config),
            state_rows=state.encode(),
            generated_at=dt.datetime(2026, 11, 23),
            trend=trend,
        )
    )
    t2 = time.perf_counter()
    summary = XlsxSink(out).write(book)
    t3 = time.perf_counter()
    return {
        "ingest_s": t1 - t0,
        "build_s": t2 - t1,
        "write_s": t3 - t2,
        "cells": float(sum(len(r) for t in book.tabs for r in t.grid())),
        "file_mb": summary.size_bytes / 1e6,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sheetsbot-bench-workbook")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return
    from sheetsbot.demo.paths import EXPORTS_DIR

    args.workdir.mkdir(parents=True, exist_ok=True)
    big = args.workdir / "big"
    if not (big / "US" / "ads" / "Sponsored Products Search term report.csv").exists():
        big_store(big, asins=2000, campaigns=500, terms=1_000_000)
    print("| store | ingest + KPIs s | model build s | xlsx write s | cells | xlsx MB | peak RSS GB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, folder in (
        ("demo (2 marketplaces, 12 ASINs, 9 campaigns)", EXPORTS_DIR),
        ("2,000 ASINs, 500 campaigns, 1M search-term rows", big),
    ):
        out = args.workdir / f"{folder.name}.xlsx"
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(folder), str(out)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ},
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"| {name} | {r['ingest_s']:.2f} | {r['build_s']:.2f} | {r['write_s']:.2f} | {r['cells']:,.0f} | "
            f"{r['file_mb']:.2f} | {r['peak_rss_gb']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
