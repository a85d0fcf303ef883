"""Sheets calls and wall time of one refresh: sheetsbot's sink vs a naive gspread writer.

Both write the same workbook into a fresh Google Sheet through the local stand-in, with a
latency injected on every call (150 ms by default: a round trip to Google from Asia):

* the demo store (bundled exports → ``job.run`` → its workbook);
* a synthetic store of 2,000 ASINs and 500 campaigns (the demo workbook scaled up: the same
  columns, formats, currencies, rules, with more rows).

sheetsbot: the first write to a blank Sheet, then a refresh (``read_tabs`` + ``write``).
The naive writer does what typical scripts do with gspread: open the Sheet, then per tab
``add_worksheet``, one ``worksheet.update`` per block of rows (a table or a section) and one
``worksheet.format`` per formatted range (the column runs sheetsbot itself computes, which is
generous: many scripts format cell by cell). It writes no rules, dropdowns, charts or
protections, so its call count is a lower bound.

    python bench/google_calls.py                      # Markdown table on stdout
    python bench/google_calls.py --latency-ms 0 --asins 500 --campaigns 100
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sheetsbot.google import GoogleClient, RetryPolicy
from sheetsbot.sinks.google_sheets import GoogleSheetsSink, _format_json, _value_json
from sheetsbot.testing.google_standin import StandIn
from sheetsbot.workbook.model import Cell, GridRange, Tab, Validation, Workbook

NOW = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.timezone.utc)


# ------------------------------------------------------------------------- workbooks


def demo_workbook() -> Workbook:
    """The demo store's workbook, made by the real job from the bundled exports."""
    from sheetsbot import job
    from sheetsbot.config import load_config
    from sheetsbot.demo.paths import CONFIG_PATH, DEMO_WEEK, EXPORTS_DIR
    from sheetsbot.periods import Period
    from sheetsbot.sources.local import LocalFolder

    class Capture:
        workbook: Workbook | None = None

        def read_tabs(self, titles: list[str]) -> dict[str, list[list[object]]]:
            return {t: [] for t in titles}

        def missing_tabs(self, titles: list[str]) -> list[str]:
            return []

        def write(self, workbook: Workbook, replan: object = None) -> None:
            self.workbook = workbook

    capture = Capture()
    job.run(LocalFolder(EXPORTS_DIR), capture, load_config(CONFIG_PATH), Period.parse(DEMO_WEEK),
            now=NOW, trigger="bench")
    assert capture.workbook is not None
    return capture.workbook


def synthetic_workbook(demo: Workbook, asins: int, campaigns: int, tasks: int) -> Workbook:
    """The demo workbook with ``asins`` ASIN rows, ``campaigns`` campaign rows, ``tasks`` tasks."""
    book = dataclasses.replace(demo, tabs=[dataclasses.replace(t) for t in demo.tabs])
    for tab in book.tabs:
        if tab.key in ("asins", "inventory"):
            _scale_table(tab, "asin", asins, lambda i: f"B0SYN{i:05d}")
        elif tab.key == "ads":
            _scale_table(tab, "campaign", campaigns, lambda i: f"SP - Synthetic campaign {i:03d}")
        elif tab.key == "tasks":
            _scale_table(tab, "key", tasks, lambda i: f"synthetic|US|task-{i:04d}|2026-W47")
    return book


def _scale_table(tab: Tab, key: str, count: int, name: Callable[[int], str]) -> None:
    """Repeat the table's rows (those above its first blank row) to ``count``, renamed and
    with numbers varied, keeping what follows the table; ranges that ended at the table's
    last row now end at the new one."""
    col = [c.key for c in tab.columns].index(key)
    body_end = next((i for i, row in enumerate(tab.rows) if not any(c.value for c in row)),
                    len(tab.rows))
    body, rest = tab.rows[:body_end], tab.rows[body_end:]
    if not body:
        return
    rows = []
    for i in range(count):
        base = body[i % len(body)]
        factor = 1 + ((i * 37) % 23 - 11) / 100
        row = [dataclasses.replace(c, value=c.value * factor)
               if isinstance(c.value, float) else c for c in base]
        row[col] = Cell.text(name(i))
        rows.append(row)
    old_end, new_end = 1 + len(body), 1 + count
    tab.rows = rows + rest

    def moved(r: GridRange) -> GridRange:
        return dataclasses.replace(r, end_row=new_end) if r.end_row == old_end else r

    tab.rules = [dataclasses.replace(r, range=moved(r.range)) for r in tab.rules]
    tab.validations = [
        Validation(GridRange(1, max(v.range.end_row or 0, new_end + 200), v.range.start_col,
                             v.range.end_col), v.options, v.strict)
        for v in tab.validations]


# ---------------------------------------------------------------------------- writers


@dataclasses.dataclass
class Result:
    store: str
    writer: str
    calls: int
    seconds: float
    payload: int | None = None
    requests: int | None = None
    read_bytes: int | None = None


def sheets_calls(google: StandIn) -> int:
    return sum(1 for c in google.calls if c.api_method.startswith("sheets."))


def run_sheetsbot(google: StandIn, client: GoogleClient, store: str, book: Workbook,
                  read_titles: list[str]) -> list[Result]:
    """A blank Sheet, then next week's refresh (every number moved), then a refresh with
    nothing new (a poll of the folder): each is ``read_tabs`` + ``write``."""
    sheet_id = google.add_spreadsheet(f"{store} — sheetsbot")
    sink = GoogleSheetsSink(sheet_id, client)
    next_week = vary(book)
    out = []
    for label, workbook in (("sheetsbot, first write (blank Sheet)", book),
                            ("sheetsbot, weekly refresh (every number changed)", next_week),
                            ("sheetsbot, refresh with nothing new", next_week)):
        google.clear_calls()
        started = time.perf_counter()
        sink.read_tabs(read_titles)
        summary = sink.write(workbook)
        seconds = time.perf_counter() - started
        read = sum(c.response_bytes for c in google.calls
                   if c.api_method == "sheets.spreadsheets.get")
        out.append(Result(store, label, sheets_calls(google), seconds, summary.payload_bytes,
                          summary.requests, read))
    return out


def vary(book: Workbook) -> Workbook:
    """The same workbook a week later: every generated number has moved a little."""
    tabs = []
    for tab in book.tabs:
        if tab.team_edited:
            tabs.append(tab)
            continue
        rows = [[dataclasses.replace(c, value=c.value * 1.013) if isinstance(c.value, float)
                 else c for c in row] for row in tab.rows]
        tabs.append(dataclasses.replace(tab, rows=rows))
    return dataclasses.replace(book, tabs=tabs)


def naive_plan(book: Workbook) -> list[tuple[str, Any]]:
    """The calls a typical gspread script makes for ``book``, in order (one entry per call)."""
    ops: list[tuple[str, Any]] = [("open", None), ("sheet1", None)]
    for tab in book.tabs:
        grid = tab.grid()
        width = max((len(r) for r in grid), default=1)
        ops.append(("add_worksheet", (tab.title, max(len(grid), 1) + 1, max(width, 1))))
        for start, block in _blocks(grid):
            values = [[_plain(c) for c in row] + [""] * (width - len(row)) for row in block]
            ops.append(("update", (f"A{start + 1}", values)))
        for a1, fmt in _format_ranges(grid, width):
            ops.append(("format", (a1, fmt)))
    ops.append(("del_worksheet", None))
    return ops


def run_naive(google: StandIn, client: GoogleClient, store: str, book: Workbook) -> Result:
    from gspread.utils import ValueInputOption
    from gspread.worksheet import Worksheet

    sheet_id = google.add_spreadsheet(f"{store} — naive")
    ops = naive_plan(book)
    google.clear_calls()
    started = time.perf_counter()
    spreadsheet = client.gspread.open_by_key(sheet_id)  # "open"
    first = spreadsheet.sheet1                           # "sheet1"
    ws: Worksheet = first
    for kind, arg in ops[2:]:
        if kind == "add_worksheet":
            ws = spreadsheet.add_worksheet(arg[0], rows=arg[1], cols=arg[2])
        elif kind == "update":
            ws.update(arg[1], arg[0], value_input_option=ValueInputOption.raw)
        elif kind == "format":
            ws.format(*arg)
        else:
            spreadsheet.del_worksheet(first)
    seconds = time.perf_counter() - started
    assert sheets_calls(google) == len(ops), (sheets_calls(google), len(ops))
    return Result(store, "naive gspread", len(ops), seconds)


def estimate_naive(store: str, book: Workbook, per_call: float) -> Result:
    """The naive writer's exact call count, and its time at the measured seconds per call."""
    calls = len(naive_plan(book))
    return Result(store, "naive gspread (estimated: calls × s/call measured on the demo)",
                  calls, calls * per_call)


def _plain(cell: Cell) -> Any:
    value = _value_json(cell.value) or {}
    return next(iter(value.values()), "")


def _blocks(grid: list[list[Cell]]) -> list[tuple[int, list[list[Cell]]]]:
    """Runs of non-blank rows: the tables and sections a script writes one by one."""
    out: list[tuple[int, list[list[Cell]]]] = []
    for r, row in enumerate(grid):
        if not any(c.value is not None for c in row):
            continue
        if out and out[-1][0] + len(out[-1][1]) == r:
            out[-1][1].append(row)
        else:
            out.append((r, [row]))
    return out


def _format_ranges(grid: list[list[Cell]], width: int) -> list[tuple[str, dict[str, Any]]]:
    """Formatted ranges as sheetsbot merges them (equal runs down a column, joined across
    neighbouring columns), each to be sent as its own ``worksheet.format`` call."""
    from sheetsbot.sinks.google_sheets import _format_requests
    from sheetsbot.workbook.build import col_letter

    out = []
    for request in _format_requests(0, grid, width):
        kind, body = next(iter(request.items()))
        r = body["range"]
        cols = range(r["startColumnIndex"], r["endColumnIndex"])
        if kind == "repeatCell":
            a1 = (f"{col_letter(cols[0])}{r['startRowIndex'] + 1}:"
                  f"{col_letter(cols[-1])}{r['endRowIndex']}")
            out.append((a1, body["cell"]["userEnteredFormat"]))
        else:  # formats changing every few rows: a script sets them range by range too
            for c in cols:
                start = 0
                for i in range(1, len(grid) + 1):
                    here = _format_json(grid[i - 1][c]) if c < len(grid[i - 1]) else {}
                    nxt = (_format_json(grid[i][c]) if i < len(grid) and c < len(grid[i]) else None)
                    if nxt != here:
                        if here:
                            out.append((f"{col_letter(c)}{start + 1}:{col_letter(c)}{i}", here))
                        start = i
    return out


# ------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--asins", type=int, default=2000)
    parser.add_argument("--campaigns", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--run-naive-synthetic", action="store_true",
                        help="really run the naive writer on the big store (it takes very long: "
                        "thousands of calls, each copying the whole spreadsheet in the stand-in); "
                        "by default its calls are counted from its plan and its time estimated")
    args = parser.parse_args(argv)

    print("building the workbooks ...", file=sys.stderr)
    demo = demo_workbook()
    big = synthetic_workbook(demo, args.asins, args.campaigns, args.tasks)
    read_titles = [t.title for t in demo.tabs if t.key in ("tasks", "settings", "run_log", "state")]
    stores = [("demo (12 ASINs × 2 marketplaces, 18 campaigns)", demo),
              (f"synthetic ({args.asins:,} ASINs, {args.campaigns} campaigns, {args.tasks} tasks)",
               big)]
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "exports"
        folder.mkdir()
        with StandIn(drive_folder=folder, latency_ms=args.latency_ms) as google:
            key = Path(tmp) / "key.json"
            google.write_credentials(key)
            client = GoogleClient.from_key_file(key, base_url=google.url,
                                                policy=RetryPolicy(deadline=600))
            client.fetch_token()
            per_call = 0.0
            for i, (store, book) in enumerate(stores):
                print(f"{store}: sheetsbot ...", file=sys.stderr)
                results += run_sheetsbot(google, client, store, book, read_titles)
                print(f"{store}: naive gspread ...", file=sys.stderr)
                if i == 0 or args.run_naive_synthetic:
                    measured = run_naive(google, client, store, book)
                    per_call = per_call or measured.seconds / measured.calls
                else:
                    measured = estimate_naive(store, book, per_call)
                results.append(measured)

    print(f"\nOne refresh written through the Google stand-in with {args.latency_ms} ms latency "
          "per call.\n")
    print("| store | writer | Sheets calls | wall time | batchUpdate payload | sub-requests "
          "| get answer |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in results:
        payload = f"{r.payload / 1024:,.0f} KB" if r.payload is not None else "—"
        requests = f"{r.requests:,}" if r.requests is not None else "—"
        read = f"{r.read_bytes / 1024:,.0f} KB" if r.read_bytes is not None else "—"
        print(f"| {r.store} | {r.writer} | {r.calls:,} | {r.seconds:.2f} s | {payload} "
              f"| {requests} | {read} |")
    print()
    for store, _ in stores:
        ours = [r for r in results if r.store == store and r.writer.startswith("sheetsbot")]
        naive = [r for r in results if r.store == store and r.writer.startswith("naive")]
        worst = max(r.calls for r in ours)
        line = f"- {store}: sheetsbot ≤ {worst} Sheets calls per refresh"
        if naive:
            speedup = naive[0].seconds / max(r.seconds for r in ours)
            line += (f"; {naive[0].calls / worst:,.0f}× fewer calls and {speedup:,.1f}× faster "
                     "than the naive writer")
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
