"""Ingest benchmark: `sheetsbot kpis` on a big Sponsored Products search-term CSV vs a raw read.

    python bench/ingest.py                 # 1M rows, 5 alternating runs
    python bench/ingest.py --rows 100000 1000000 2000000 --runs 3

Both sides are whole processes timed from outside (interpreter start and imports included):
``sheetsbot kpis --input DIR --week 2026-W47 --format json`` and a process that only calls
``pyarrow.csv.read_csv`` on the same file. Runs alternate so both see the same machine state.
Reported: median wall time of each, their ratio, and each process's peak RSS (from wait4).
Targets (issue "reports/KPI"): ratio ≤ 1.5, peak RSS ≤ 1.5 GB, cost linear in rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = [
    "Date",
    "Portfolio name",
    "Currency",
    "Campaign Name",
    "Ad Group Name",
    "Targeting",
    "Match Type",
    "Customer Search Term",
    "Impressions",
    "Clicks",
    "Click-Thru Rate (CTR)",
    "Cost Per Click (CPC)",
    "Spend",
    "7 Day Total Sales ",
    "Total Advertising Cost of Sales (ACoS) ",
    "Total Return on Advertising Spend (RoAS)",
    "7 Day Total Orders (#)",
    "7 Day Total Units (#)",
    "7 Day Conversion Rate",
    "7 Day Advertised SKU Units (#)",
    "7 Day Other SKU Units (#)",
    "7 Day Advertised SKU Sales ",
    "7 Day Other SKU Sales ",
]


def money(values: np.ndarray) -> pd.Series:
    return "$" + pd.Series(values).map("{:,.2f}".format)


def generate(path: Path, rows: int, seed: int = 47) -> None:
    """Eight weeks (2026-W40 … W47) of daily search-term rows, Amazon's text formats."""
    rng = np.random.default_rng(seed)
    chunk = 250_000
    days = pd.date_range("2026-09-28", "2026-11-22", freq="D")
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(",".join(f'"{h}"' if h != h.strip() else h for h in HEADER) + "\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            impressions = rng.integers(1, 5000, n)
            clicks = rng.integers(1, 40, n)
            spend = np.round(clicks * rng.uniform(0.2, 2.5, n), 2)
            orders = rng.binomial(clicks, 0.08)
            sales = np.round(orders * rng.uniform(15, 60, n), 2)
            day = days[rng.integers(0, len(days), n)]
            campaign = rng.integers(0, 500, n)
            frame = pd.DataFrame(
                {
                    "Date": day.strftime("%b %d, %Y"),
                    "Portfolio name": "Not grouped",
                    "Currency": "USD",
                    "Campaign Name": "Campaign " + pd.Series(campaign).astype(str),
                    "Ad Group Name": "Ad group " + pd.Series(campaign % 7).astype(str),
                    "Targeting": "*",
                    "Match Type": "-",
                    "Customer Search Term": "term " + pd.Series(rng.integers(0, 200_000, n)).astype(str),
                    "Impressions": impressions,
                    "Clicks": clicks,
                    "CTR": pd.Series(clicks / impressions * 100).map("{:.2f}%".format),
                    "CPC": money(np.round(spend / clicks, 2)),
                    "Spend": money(spend),
                    "Sales": money(sales),
                    "ACoS": pd.Series(np.where(sales > 0, spend / np.maximum(sales, 0.01) * 100, 0.0)).map(
                        "{:.2f}%".format
                    ),
                    "RoAS": pd.Series(np.round(sales / spend, 2)).astype(str),
                    "Orders": orders,
                    "Units": orders,
                    "CVR": pd.Series(orders / clicks * 100).map("{:.2f}%".format),
                    "AdvUnits": orders,
                    "OtherUnits": 0,
                    "AdvSales": money(sales),
                    "OtherSales": "$0.00",
                }
            )
            frame.to_csv(out, header=False, index=False)  # quotes cells with commas, like Amazon


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024 / 1024  # GiB (ru_maxrss is KiB on Linux)


def bench(rows: int, runs: int, workdir: Path) -> dict[str, float]:
    folder = workdir / f"st-{rows}"
    folder.mkdir(exist_ok=True)
    csv_path = folder / "Sponsored Products Search term report.csv"
    if not csv_path.exists():
        partial = csv_path.with_suffix(".partial")
        generate(partial, rows)
        partial.rename(csv_path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    sheetsbot = [
        sys.executable,
        "-m",
        "sheetsbot",
        "kpis",
        "--input",
        str(folder),
        "--week",
        "2026-W47",
        "--format",
        "json",
        "--config",
        str(workdir / "bench.yaml"),
    ]
    raw = [sys.executable, "-c", f"import pyarrow.csv as c; c.read_csv({str(csv_path)!r})"]
    ours, theirs, ours_rss, theirs_rss = [], [], [], []
    for _ in range(runs):
        t, m = measure(raw, env)
        theirs.append(t)
        theirs_rss.append(m)
        t, m = measure(sheetsbot, env)
        ours.append(t)
        ours_rss.append(m)
    return {
        "rows": rows,
        "mb": csv_path.stat().st_size / 1e6,
        "raw_s": statistics.median(theirs),
        "sheetsbot_s": statistics.median(ours),
        "ratio": statistics.median(ours) / statistics.median(theirs),
        "raw_rss_gb": max(theirs_rss),
        "sheetsbot_rss_gb": max(ours_rss),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sheetsbot-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "bench.yaml").write_text("store:\n  default_marketplace: US\n  time_zone: UTC\n")
    print("| rows | file MB | raw read s | sheetsbot kpis s | ratio | raw peak RSS GB | sheetsbot peak RSS GB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for rows in args.rows:
        r = bench(rows, args.runs, args.workdir)
        print(
            f"| {r['rows']:,} | {r['mb']:.0f} | {r['raw_s']:.2f} | {r['sheetsbot_s']:.2f} | {r['ratio']:.2f} | "
            f"{r['raw_rss_gb']:.2f} | {r['sheetsbot_rss_gb']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
