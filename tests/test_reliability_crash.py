"""Crash consistency (issue 13): SIGKILL `sheetsbot run` at 50 points of a run, then run again.

The stand-in runs as its own process with ``--state FILE``, so the Sheet outlives the killed
sheetsbot process exactly as Google's would. Every trial starts from the same *baseline*
state file: a Sheet holding one run over two of the four DE demo exports of ``EXPORTS``, and
the team's edits (a task marked Done, a note, a row typed by hand). The two withheld exports
are then in the Drive folder, so the run under test has real work to do. Then:

1. ``sheetsbot run`` starts as a subprocess and is killed with SIGKILL: 34 kills after a
   seeded random delay in [0, typical run time]; 10 as soon as the stand-in holds the
   ``batchUpdate`` (in an injected 800 ms delay, so the process dies with its write sent and
   unanswered) plus a random part of that delay; 6 right after the write was answered.
   Where each kill landed is read from ``/_standin/calls`` and ``/_standin/faults``.
2. ``sheetsbot run`` runs again, to the end.
3. The Sheet must be exactly the Sheet of one clean run from the baseline: every tab's values
   but the Run log's (timestamps of the run normalised: the Dashboard's "Updated …" minute and
   each file's ``processed_at`` in the state), so no export lost or counted twice, no
   duplicate task row, no team edit lost, no half-written tab; each late export named in
   exactly one Run log row, and one Run log row per write that landed.

Two trials run at a time (each with its own stand-in and its own Sheet state).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sheetsbot.demo.paths import CONFIG_PATH, EXPORTS_DIR

SEED = 20261123
KILLS_TIMED, KILLS_DURING, KILLS_AFTER = 34, 10, 6
LANES = 2
#: A small store (one marketplace, one week, four exports): a run costs ~1.6 s of computing, so
#: 50 kills and 50 recoveries fit in a few minutes.
EXPORTS = ("DE/business/2026-W47/BusinessReport-23.11.26.csv",
           "DE/ads/Sponsored_Brands_Campaign_report (5).csv",
           "DE/inventory/2026-W47/21996027399665561.txt",
           "DE/returns/FBA customer returns 2026-10-12_2026-11-22.csv")
LATE = ("DE/returns/FBA customer returns 2026-10-12_2026-11-22.csv",
        "DE/inventory/2026-W47/21996027399665561.txt")
WRITE_DELAY_MS = 800
WEEK = "2026-W47"
TASKS, RUN_LOG = "Tasks", "Run log"
NOTE = "asked the agency, waiting"
HAND_ACTION = "Order new packaging (typed by hand)"
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\+00:00)?")


# ================================================================================ processes


class StandInProcess:
    """``python -m sheetsbot.testing.google_standin --state FILE`` on 127.0.0.1."""

    def __init__(self, drive: Path, state: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sheetsbot.testing.google_standin", "--port", "0",
             "--drive-folder", str(drive), "--state", str(state), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            self.proc.kill()
            raise RuntimeError("the stand-in did not start")
        self.ready: dict[str, Any] = json.loads(line)
        self.url: str = self.ready["url"]

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as answer:
            return json.loads(answer.read())

    def calls(self) -> list[dict[str, Any]]:
        return list(self.get("/_standin/calls")["calls"])

    def write_arrived(self) -> bool:
        return any(f["matched"] >= 1 for f in self.get("/_standin/faults")["faults"])

    def write_answered(self) -> bool:
        return any(c["api_method"] == "sheets.spreadsheets.batchUpdate" for c in self.calls())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def sheetsbot_run(standin: StandInProcess, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sheetsbot", "run", "--config", str(CONFIG_PATH), "--week", WEEK],
        env={**env, "SHEETSBOT_GOOGLE_API_URL": standin.url}, cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def run_to_end(standin: StandInProcess, env: dict[str, str], cwd: Path) -> float:
    started = time.monotonic()
    proc = sheetsbot_run(standin, env, cwd)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return time.monotonic() - started


def read_sheet(drive: Path, state: Path, sheet_id: str) -> dict[str, list[list[Any]]]:
    """Every tab's values, from the stand-in's state file (in-process, not served)."""
    from sheetsbot.testing.google_standin import StandIn

    google = StandIn(drive_folder=drive, state=state)
    return {title: google.cells(sheet_id, title) for title in google.sheet_titles(sheet_id)}


def normalise(tabs: dict[str, list[list[Any]]]) -> dict[str, Any]:
    """The tabs minus the Run log, with the run's own timestamps blanked."""
    from sheetsbot.workbook.state import State

    out: dict[str, Any] = {"titles": list(tabs)}
    for title, rows in tabs.items():
        if title == RUN_LOG:
            continue
        if title.startswith("_"):
            state = State.decode(rows)
            for p in state.processed.values():
                p.processed_at = ""
            out[title] = state.encode()
            continue
        out[title] = [[_TIME.sub("<time>", v) if isinstance(v, str) else v for v in row]
                      for row in rows]
    return out


# ==================================================================================== trials


@dataclass
class Kill:
    kind: str                # how the kill was aimed: timed, during, after
    delay: float             # seconds after the spawn (timed) or after the event
    landed: str = ""         # where it landed, from the stand-in's records
    write_applied: bool = False
    ok: bool = False
    problem: str = ""
    recovery: float = 0.0
    trial: float = 0.0


def _landed(calls: list[dict[str, Any]], arrived: bool, killed_at: dt.datetime | None,
            exited: bool) -> tuple[str, bool]:
    """Where a kill landed, and whether the killed run's write was applied."""
    writes = [c for c in calls if c["api_method"] == "sheets.spreadsheets.batchUpdate"]
    if exited:
        return "after the run ended (not killed)", bool(writes)
    if not arrived:
        reads = [c for c in calls if c["api_method"] == "sheets.spreadsheets.get"]
        if not calls:
            return "before any Google call", False
        if not reads:
            return "before the read (token only)", False
        return "between the read and the write", False
    answered = dt.datetime.fromisoformat(writes[0]["time"]) if writes else None
    if answered is None or (killed_at is not None and killed_at < answered):
        return "during the write (sent, no answer yet)", True
    return "after the write was answered", True


def _trial(i: int, kill: Kill, setup: dict[str, Any]) -> Kill:
    began = time.monotonic()
    root: Path = setup["root"] / f"trial-{i:02d}"
    root.mkdir()
    state = root / "state.json"
    shutil.copy(setup["baseline"], state)
    env = {**setup["env"], "HOME": str(root)}
    standin = StandInProcess(setup["drive"], state, "--faults",
                             f"batchUpdate:1=delay/{WRITE_DELAY_MS}")
    try:
        proc = sheetsbot_run(standin, env, root)
        spawned = time.monotonic()
        if kill.kind == "timed":
            time.sleep(kill.delay)
        else:
            # Poll gently: the polls share the two cores with the run being timed.
            while (not standin.write_arrived() and proc.poll() is None
                   and time.monotonic() - spawned < 60):
                time.sleep(0.02)
            if kill.kind == "after":
                while (not standin.write_answered() and proc.poll() is None
                       and time.monotonic() - spawned < 60):
                    time.sleep(0.01)
            time.sleep(kill.delay)
        exited = proc.poll() is not None
        killed_at = None
        if not exited:
            killed_at = dt.datetime.now(dt.timezone.utc)
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
        arrived = standin.write_arrived()
        if arrived:  # Google finishes a write it received: wait until the stand-in has
            deadline = time.monotonic() + 10
            while not standin.write_answered() and time.monotonic() < deadline:
                time.sleep(0.02)
        kill.landed, kill.write_applied = _landed(standin.calls(), arrived, killed_at, exited)
        kill.recovery = run_to_end(standin, env, root)
    finally:
        standin.stop()
    got = read_sheet(setup["drive"], state, setup["sheet_id"])
    problems = []
    if normalise(got) != setup["reference"]:
        diff = [t for t in setup["reference"] if normalise(got).get(t) != setup["reference"][t]]
        problems.append(f"tabs differ from one clean run: {diff}")
    log = got[RUN_LOG]
    files = log[0].index("Files read")
    for rel in LATE:
        named = sum(rel in (row[files] if len(row) > files else "") for row in log[1:])
        if named != 1:
            problems.append(f"{rel} named in {named} Run log rows")
    expected_rows = setup["baseline_log_rows"] + 1 + int(kill.write_applied)
    if len(log) != expected_rows:
        problems.append(f"{len(log)} Run log rows, expected {expected_rows}")
    keys = [row[0] for row in got[TASKS][1:] if row and row[0]]
    if len(keys) != len(set(keys)):
        problems.append(f"duplicate task keys: {Counter(keys).most_common(2)}")
    kill.ok, kill.problem = not problems, "; ".join(problems)
    shutil.rmtree(root, ignore_errors=True)
    kill.trial = time.monotonic() - began
    return kill


@pytest.mark.slow
def test_sigkill_at_50_points_then_run_again(tmp_path: Path) -> None:
    drive = tmp_path / "drive"
    for rel in EXPORTS:
        (drive / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXPORTS_DIR / rel, drive / rel)
    late_bytes = {rel: (drive / rel).read_bytes() for rel in LATE}
    for rel in LATE:
        (drive / rel).unlink()
    home = tmp_path / "home"
    home.mkdir()
    baseline = tmp_path / "baseline.json"
    key = tmp_path / "key.json"

    # The baseline: one clean run, then the team works in the Sheet.
    standin = StandInProcess(drive, baseline, "--write-credentials", str(key),
                             "--create-spreadsheet", "Lumen KPIs")
    sheet_id = standin.ready["spreadsheet_id"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEETSBOT_")}
    env.update({"SHEETSBOT_GOOGLE_CREDENTIALS": str(key),
                "SHEETSBOT_DRIVE_FOLDER_ID": standin.ready["folder_id"],
                "SHEETSBOT_SPREADSHEET_ID": sheet_id, "HOME": str(home)})
    try:
        run_to_end(standin, env, home)
    finally:
        standin.stop()
    from sheetsbot.testing.google_standin import StandIn

    google = StandIn(drive_folder=drive, state=baseline)
    tasks = google.cells(sheet_id, TASKS)
    header = tasks[0]
    col = {name: chr(ord("A") + header.index(name)) for name in ("Status", "Notes", "Action")}
    google.edit_cell(sheet_id, f"{TASKS}!{col['Status']}2", "Done")
    google.edit_cell(sheet_id, f"{TASKS}!{col['Notes']}3", NOTE)
    google.edit_cell(sheet_id, f"{TASKS}!{col['Action']}{len(tasks) + 1}", HAND_ACTION)
    baseline_log_rows = len(google.cells(sheet_id, RUN_LOG))
    del google
    for rel, data in late_bytes.items():
        (drive / rel).write_bytes(data)

    # The reference: one clean run from the baseline; its duration is the "typical run time".
    reference_state = tmp_path / "reference.json"
    shutil.copy(baseline, reference_state)
    standin = StandInProcess(drive, reference_state)
    try:
        typical = run_to_end(standin, env, home)
    finally:
        standin.stop()
    reference_tabs = read_sheet(drive, reference_state, sheet_id)
    reference = normalise(reference_tabs)
    ref_tasks = reference_tabs[TASKS]
    status = header.index("Status")
    assert any(len(r) > status and r[status] == "Done" for r in ref_tasks[1:])
    setup = {"root": tmp_path, "drive": drive, "baseline": baseline, "env": env,
             "sheet_id": sheet_id, "reference": reference, "baseline_log_rows": baseline_log_rows}

    rng = random.Random(SEED)
    kills = ([Kill("timed", rng.uniform(0, typical)) for _ in range(KILLS_TIMED)]
             + [Kill("during", rng.uniform(0, WRITE_DELAY_MS / 1000 * 0.75))
                for _ in range(KILLS_DURING)]
             + [Kill("after", rng.uniform(0, 0.15)) for _ in range(KILLS_AFTER)])
    started = time.monotonic()
    with ThreadPoolExecutor(LANES) as pool:
        results = list(pool.map(lambda ik: _trial(ik[0], ik[1], setup), enumerate(kills)))
    elapsed = time.monotonic() - started

    where = Counter(k.landed for k in results)
    print(f"\ncrash test: {len(results)} kills in {elapsed:.0f} s (typical run {typical:.1f} s); "
          f"landed: {dict(where)}; write applied before the kill finished: "
          f"{sum(k.write_applied for k in results)}; failures: {sum(not k.ok for k in results)}")
    print(f"mean trial {sum(k.trial for k in results) / len(results):.1f} s, mean recovery run "
          f"{sum(k.recovery for k in results) / len(results):.1f} s")
    failed = [f"{k.kind} {k.delay:.2f}s → {k.landed}: {k.problem}" for k in results if not k.ok]
    assert not failed, "\n".join(failed)
    assert sum(k.landed != "after the run ended (not killed)" for k in results) >= 45
    assert any(k.landed == "between the read and the write" for k in results)
    assert any(k.landed.startswith("during the write") for k in results)
    assert any(k.landed == "after the write was answered" for k in results)
    assert any(k.landed.startswith("before") for k in results)
