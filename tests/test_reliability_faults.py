"""The fault matrix (issue 13): every cell is a real run through the Google stand-in.

Each test starts from the same *baseline*: a Sheet that already holds one run over eight DE demo
exports (``EXPORTS``) minus two of them, plus the team's work (a task marked Done, a note, a row typed by
hand). The two withheld exports (the returns report and the W47 inventory) then "arrive" in
the Drive folder and one run (``job.run`` with real gspread, google-auth and requests; nothing
of sheetsbot's is mocked) meets one fault injected by the stand-in.

The *reference* is the same run without any fault. After every fault, whatever the run did
(succeeded, or failed and was run again), "data lost: none" means:

* every tab but the Run log holds exactly the reference's values (so every export counted
  once, the team's edits kept, no half-written tab);
* the state tab lists every file of the Drive folder once, and no export twice;
* no task key appears twice;
* each newly arrived export is named in exactly one Run log row, and there is exactly one
  Run log row per run that wrote.

The outcome table is in docs/reliability.md.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sheetsbot.config import load_config
from sheetsbot.demo.paths import CONFIG_PATH, DEMO_WEEK, EXPORTS_DIR
from sheetsbot.google import GoogleClient, RetryPolicy
from sheetsbot.google.errors import GoogleUnavailable, NotShared
from sheetsbot.periods import Period
from sheetsbot.sinks.google_sheets import GoogleSheetsSink
from sheetsbot.sources.drive import DriveFolder
from sheetsbot.testing.google_standin import StandIn

#: The loopback guard of the other Google tests (autouse).
pytest_plugins = ["test_google_support"]

#: A small store (one marketplace, two weeks): each run costs ~2.5 s instead of ~3.6 s.
EXPORTS = ("DE/business/2026-W46/BusinessReport-16.11.26.csv",
           "DE/business/2026-W47/BusinessReport-23.11.26.csv",
           "DE/inventory/2026-W46/29254377408811720.txt",
           "DE/inventory/2026-W47/21996027399665561.txt",
           "DE/ads/Sponsored_Brands_Campaign_report (4).csv",
           "DE/ads/Sponsored_Brands_Campaign_report (5).csv",
           "DE/ads/Sponsored Products Search term report.csv",
           "DE/returns/FBA customer returns 2026-10-12_2026-11-22.csv")
#: Exports that arrive between the baseline and the run under test.
LATE = ("DE/returns/FBA customer returns 2026-10-12_2026-11-22.csv",
        "DE/inventory/2026-W47/21996027399665561.txt")
BASE_NOW = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.timezone.utc)
NOW = BASE_NOW + dt.timedelta(hours=1)
#: Fast retries; Retry-After still sets the floor.
FAST = RetryPolicy(deadline=20.0, base_delay=0.01, max_delay=0.05)
RUN_LOG, TASKS, SETTINGS = "Run log", "Tasks", "Settings"
STATE_PREFIX = "_"
#: The team's work in the baseline (column headers of the Tasks tab).
DONE_ROW, NOTE_ROW = 2, 3
NOTE = "asked the agency, waiting"
HAND_ACTION = "Order new packaging (typed by hand)"


# ================================================================================ the world


@dataclass
class Baseline:
    state: Path          # the stand-in's state file after the baseline run and the team's edits
    key: Path
    sheet_id: str
    runlog_rows: int     # Run log rows (header included) in the baseline
    done_key: str        # the task the team marked Done
    note_key: str        # the task the team wrote a note on
    reference: dict[str, list[list[Any]]] = field(default_factory=dict)
    reference_titles: list[str] = field(default_factory=list)


def _copy_exports(dest: Path, *, with_late: bool) -> Path:
    for rel in EXPORTS:
        if with_late or rel not in LATE:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(EXPORTS_DIR / rel, dest / rel)
    return dest


def _run(google: StandIn, key: Path, sheet_id: str, *, now: dt.datetime = NOW,
         policy: RetryPolicy = FAST, week: Period | None = None) -> Any:
    from sheetsbot import job

    client = GoogleClient.from_key_file(key, base_url=google.url, policy=policy)
    return job.run(DriveFolder(google.folder_id, client), GoogleSheetsSink(sheet_id, client),
                   load_config(CONFIG_PATH), week or Period.parse(DEMO_WEEK), now=now)


def tab_values(google: StandIn, sheet_id: str) -> dict[str, list[list[Any]]]:
    return {title: google.cells(sheet_id, title) for title in google.sheet_titles(sheet_id)}


def _col(header: list[Any], name: str) -> int:
    return header.index(name)


def _letter(index: int) -> str:
    return chr(ord("A") + index)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    root = tmp_path_factory.mktemp("reliability")
    base_exports = _copy_exports(root / "base-exports", with_late=False)
    state = root / "baseline-state.json"
    key = root / "key.json"
    with StandIn(drive_folder=base_exports, state=state) as google:
        google.write_credentials(key)
        sheet_id = google.add_spreadsheet("Lumen KPIs")
        first = _run(google, key, sheet_id, now=BASE_NOW)
        assert first.problems == [] and len(first.files_read) == first.files_seen
        tasks = google.cells(sheet_id, TASKS)
        header = tasks[0]
        status, notes = _col(header, "Status"), _col(header, "Notes")
        action = _col(header, "Action")
        assert len(tasks) > NOTE_ROW, "the baseline needs at least two tasks"
        google.edit_cell(sheet_id, f"{TASKS}!{_letter(status)}{DONE_ROW}", "Done")
        google.edit_cell(sheet_id, f"{TASKS}!{_letter(notes)}{NOTE_ROW}", NOTE)
        google.edit_cell(sheet_id, f"{TASKS}!{_letter(action)}{len(tasks) + 1}", HAND_ACTION)
        done_key, note_key = tasks[DONE_ROW - 1][0], tasks[NOTE_ROW - 1][0]
        runlog_rows = len(google.cells(sheet_id, RUN_LOG))
    base = Baseline(state, key, sheet_id, runlog_rows, done_key, note_key)

    # The reference: the same run with no fault.
    ref_dir = root / "reference"
    ref_dir.mkdir()
    exports = _copy_exports(ref_dir / "exports", with_late=True)
    shutil.copy(state, ref_dir / "state.json")
    with StandIn(drive_folder=exports, state=ref_dir / "state.json") as google:
        result = _run(google, key, sheet_id)
        assert result.problems == [] and len(result.files_read) == len(LATE)
        base.reference = tab_values(google, sheet_id)
        base.reference_titles = google.sheet_titles(sheet_id)
    return base


@dataclass
class World:
    google: StandIn
    base: Baseline
    exports: Path

    @property
    def sheet_id(self) -> str:
        return self.base.sheet_id

    def run(self, **kwargs: Any) -> Any:
        return _run(self.google, self.base.key, self.sheet_id, **kwargs)

    def client(self, policy: RetryPolicy = FAST) -> GoogleClient:
        return GoogleClient.from_key_file(self.base.key, base_url=self.google.url, policy=policy)

    def calls(self, method: str) -> list[Any]:
        return [c for c in self.google.calls if c.api_method == method]

    @property
    def email(self) -> str:
        return next(iter(self.google.service_account_emails))


@pytest.fixture
def world(baseline: Baseline, tmp_path: Path) -> Iterator[World]:
    """The baseline Sheet in a fresh stand-in; the two late exports are now in the folder."""
    exports = _copy_exports(tmp_path / "exports", with_late=True)
    state = tmp_path / "state.json"
    shutil.copy(baseline.state, state)
    with StandIn(drive_folder=exports, state=state) as google:
        yield World(google, baseline, exports)


def when(predicate: Callable[[], bool], action: Callable[[], None],
         timeout: float = 60.0) -> threading.Thread:
    """Do ``action`` (as the team, from another thread) as soon as ``predicate`` holds."""
    done = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                action()
                done.set()
                return
            time.sleep(0.002)

    thread = threading.Thread(target=watch, daemon=True)
    thread.done = done  # type: ignore[attr-defined]
    thread.start()
    return thread


def after_read(world: World) -> Callable[[], bool]:
    """True once the run's one spreadsheets.get has been answered (the run now computes)."""
    return lambda: any(c.api_method == "sheets.spreadsheets.get" and c.status == 200
                       for c in world.google.calls)


def write_in_flight(world: World, rule: int = 0) -> Callable[[], bool]:
    """True once the stand-in holds a batchUpdate in its injected delay (not yet applied)."""
    return lambda: world.google.faults.describe()[rule]["matched"] >= 1


# ============================================================================ "data lost: none"


def assert_nothing_lost(world: World, *, runs_written: int = 1,
                        expected: dict[str, list[list[Any]]] | None = None,
                        extra_titles: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> None:
    from sheetsbot.workbook.state import State

    google, sheet_id, base = world.google, world.sheet_id, world.base
    reference = expected or base.reference
    now = tab_values(google, sheet_id)
    titles = google.sheet_titles(sheet_id)
    assert [t for t in titles if t not in extra_titles] == base.reference_titles
    # Every tab but the Run log is exactly the reference: nothing lost, nothing twice, no half tab.
    for title in base.reference_titles:
        if title != RUN_LOG and title not in ignore:
            assert now[title] == reference[title], f"tab {title!r} differs from one clean run"
    # The state: every Drive file processed once, no export twice.
    state_title = next(t for t in titles if t.startswith(STATE_PREFIX))
    state = State.decode(now[state_title])
    on_drive = {str(p.relative_to(world.exports)) for p in world.exports.rglob("*") if p.is_file()}
    assert sorted(p.name for p in state.processed.values()) == sorted(on_drive)
    exports = Counter((e.file_id, e.sheet or "", e.kind) for e in state.exports)
    assert all(n == 1 for n in exports.values()), exports.most_common(3)
    # No duplicate task.
    keys = [row[0] for row in now[TASKS][1:] if row and row[0]]
    assert len(keys) == len(set(keys)), Counter(keys).most_common(3)
    # The team's edits.
    header = now[TASKS][0]
    by_key = {row[0]: row for row in now[TASKS][1:] if row and row[0]}
    assert by_key[base.done_key][_col(header, "Status")] == "Done"
    assert by_key[base.note_key][_col(header, "Notes")] == NOTE
    action = _col(header, "Action")
    assert sum(1 for row in now[TASKS] if len(row) > action and row[action] == HAND_ACTION) == 1
    # The Run log: one row per run that wrote; each late export named exactly once.
    log = now[RUN_LOG]
    assert len(log) == base.runlog_rows + runs_written
    files = _col(log[0], "Files read")
    for rel in LATE:
        assert sum(rel in (row[files] if len(row) > files else "") for row in log[1:]) == 1, rel


def sheet_fingerprint(world: World) -> tuple[Any, ...]:
    """Everything a run could change: titles, values, developer metadata."""
    google = world.google
    return (google.sheet_titles(world.sheet_id), tab_values(google, world.sheet_id),
            google.spreadsheet(world.sheet_id).get("developerMetadata"))


# ============================================================================ quota (429)


def test_429_storm_on_every_read(world: World) -> None:
    """429s (Retry-After: 0) on the Sheet's read and on Drive's list and downloads."""
    world.google.set_faults("get:1-6=429/0;files.list:1-4=429/0;files.get:1-5=429/0")
    result = world.run()
    assert sorted(f.split(" (")[0] for f in result.files_read) == sorted(LATE)
    faults = Counter(c.fault for c in world.google.calls if c.fault)
    assert faults["429"] == 15
    assert len(world.calls("sheets.spreadsheets.batchUpdate")) == 1
    assert_nothing_lost(world)


def test_429_storm_on_the_write_honours_retry_after(world: World) -> None:
    """Two 429s with Retry-After: 1 on the batchUpdate: refused (never applied), waited, sent."""
    world.google.set_faults("batchUpdate:1-2=429/1")
    result = world.run()
    writes = world.calls("sheets.spreadsheets.batchUpdate")
    assert [c.status for c in writes] == [429, 429, 200]
    sent = [dt.datetime.fromisoformat(c.time) for c in writes]
    # The record's time is when the answer left; the retry waited at least Retry-After.
    gaps = [(b - a).total_seconds() for a, b in zip(sent, sent[1:], strict=False)]
    assert all(gap >= 0.95 for gap in gaps), gaps
    assert result.write_summary.attempts == 1  # one plan, one marker: 429 is "not applied"
    assert_nothing_lost(world)


@pytest.mark.parametrize("target", ["get", "batchUpdate"])
def test_429_storm_beyond_the_deadline(world: World, target: str) -> None:
    """Google stays at 429 past the deadline: a clear error, nothing written; the next run works."""
    before = sheet_fingerprint(world)
    world.google.set_faults(f"{target}:*=429/1")
    with pytest.raises(GoogleUnavailable, match=r"answered 429.*gave up after .* the next run tries"):
        world.run(policy=RetryPolicy(deadline=1.5, base_delay=0.01, max_delay=0.05))
    assert sheet_fingerprint(world) == before
    world.google.set_faults(None)
    world.run()
    assert_nothing_lost(world)


# ============================================================================ 5xx and resets


def test_5xx_and_resets_on_reads(world: World) -> None:
    """500/503 and dropped connections on the read, the listing and a download: retried."""
    world.google.set_faults("get:1=500;get:2=503;get:3=reset;files.list:1=503;files.list:2=reset;"
                            "files.get:2=500;files.get:3=reset")
    world.run()
    faults = Counter(c.fault for c in world.google.calls if c.fault)
    assert faults == {"500": 2, "503": 2, "reset": 3}
    assert len(world.calls("sheets.spreadsheets.batchUpdate")) == 1
    assert_nothing_lost(world)


@pytest.mark.parametrize("faults", [("500", "503"), ("reset",)], ids=["500-then-503", "reset"])
def test_write_lost_before_it_was_applied(world: World, faults: tuple[str, ...]) -> None:
    """The batchUpdate fails before Google applies it: re-read, not applied, re-planned, sent.

    ``500-then-503``: the first write answers 500, the re-planned one 503, the third lands.
    """
    world.google.set_faults(";".join(f"batchUpdate:{i}={f}" for i, f in enumerate(faults, 1)))
    result = world.run()
    writes = world.calls("sheets.spreadsheets.batchUpdate")
    assert [c.fault for c in writes] == [*faults, None] and writes[-1].status == 200
    # The read, and one re-read per lost answer.
    assert len(world.calls("sheets.spreadsheets.get")) == 1 + len(faults)
    assert result.write_summary.attempts == 1 + len(faults)
    assert any("was not applied, so it was planned again" in n for n in result.write_summary.notes)
    assert_nothing_lost(world)


@pytest.mark.parametrize("spec", ["batchUpdate:1=reset-after",
                                  "batchUpdate:1=reset-after;get:2=503;get:3=reset"])
def test_write_applied_but_answer_lost(world: World, spec: str) -> None:
    """Applied, then the connection drops (and the re-read fails too): found applied, not resent."""
    world.google.set_faults(spec)
    result = world.run()
    writes = world.calls("sheets.spreadsheets.batchUpdate")
    assert [c.fault for c in writes] == ["reset-after"]  # never sent a second time
    assert any("applied, once" in n for n in result.write_summary.notes)
    assert_nothing_lost(world)


# ================================================================================ tokens


def test_token_expires_between_read_and_write(world: World) -> None:
    watcher = when(after_read(world), world.google.expire_tokens)
    world.run()
    assert watcher.done.is_set()  # type: ignore[attr-defined]
    statuses = [(c.api_method, c.status) for c in world.google.calls]
    assert ("sheets.spreadsheets.batchUpdate", 200) in statuses
    assert any(s == 401 for _, s in statuses)  # refused once, then refreshed
    assert statuses.count(("oauth2.token", 200)) >= 2
    assert_nothing_lost(world)


def test_token_expires_while_the_write_is_in_flight(world: World) -> None:
    """The token dies while Google holds the batchUpdate: 401 (not applied), refreshed, resent."""
    world.google.set_faults("batchUpdate:1=delay/700")
    watcher = when(write_in_flight(world), world.google.expire_tokens)
    world.run()
    assert watcher.done.is_set()  # type: ignore[attr-defined]
    writes = world.calls("sheets.spreadsheets.batchUpdate")
    assert [c.status for c in writes] == [401, 200]
    assert_nothing_lost(world)


# ============================================================================ sharing (403)


def test_unshared_sheet_fails_clearly_and_writes_nothing(world: World) -> None:
    before = sheet_fingerprint(world)
    world.google.unshare(world.sheet_id)
    with pytest.raises(NotShared) as raised:
        world.run()
    message = str(raised.value)
    assert world.sheet_id in message and world.email in message and "Share" in message
    assert not world.calls("sheets.spreadsheets.batchUpdate")
    world.google.share(world.sheet_id, world.email)
    assert sheet_fingerprint(world) == before
    world.run()
    assert_nothing_lost(world)


def test_unshared_between_read_and_write(world: World) -> None:
    before = sheet_fingerprint(world)
    watcher = when(after_read(world), lambda: world.google.unshare(world.sheet_id))
    with pytest.raises(NotShared) as raised:
        world.run()
    assert watcher.done.is_set()  # type: ignore[attr-defined]
    assert world.email in str(raised.value) and "Editor" in str(raised.value)
    assert [c.status for c in world.calls("sheets.spreadsheets.batchUpdate")] == [403]
    world.google.share(world.sheet_id, world.email)
    assert sheet_fingerprint(world) == before
    world.run()
    assert_nothing_lost(world)


# ========================================================================== tabs and Settings


def test_tabs_renamed_and_deleted_by_the_team(world: World) -> None:
    """A renamed tab stays the team's; it and a deleted one are made again; the Run log says so."""
    world.google.rename_sheet(world.sheet_id, "Ads", "Ads (our copy)")
    world.google.delete_sheet(world.sheet_id, "Inventory")
    result = world.run()
    assert set(result.write_summary.recreated) == {"Ads", "Inventory"}
    assert_nothing_lost(world, extra_titles=("Ads (our copy)",))
    log = world.google.cells(world.sheet_id, RUN_LOG)
    warnings = log[-1][_col(log[0], "Warnings")]
    assert "recreated tab(s)" in warnings and "Ads" in warnings and "Inventory" in warnings


def test_tab_deleted_while_the_run_computes(world: World) -> None:
    """Deleted between the read and the write: Google refuses the stale plan, the sink re-plans."""
    watcher = when(after_read(world), lambda: world.google.delete_sheet(world.sheet_id, "Inventory"))
    result = world.run()
    assert watcher.done.is_set()  # type: ignore[attr-defined]
    assert [c.status for c in world.calls("sheets.spreadsheets.batchUpdate")] == [400, 200]
    assert "Inventory" in result.write_summary.recreated
    assert_nothing_lost(world)


def test_tab_deleted_while_the_run_computes_is_in_the_run_log(world: World) -> None:
    when(after_read(world), lambda: world.google.delete_sheet(world.sheet_id, "Inventory"))
    world.run()
    log = world.google.cells(world.sheet_id, RUN_LOG)
    row = log[-1]
    text = " ".join(str(v) for v in row)
    assert "Inventory" in text and ("recreated" in text or "changed while" in text)


def test_garbage_in_a_settings_cell(world: World) -> None:
    """A bad value: a warning naming the cell, the default used, the team's cell left as typed."""
    settings = world.google.cells(world.sheet_id, SETTINGS)
    row = next(i for i, r in enumerate(settings, 1) if r and r[0] == "lead_time_days" and r[1] == "")
    cell = f"{SETTINGS}!C{row}"
    world.google.edit_cell(world.sheet_id, cell, "thirty-ish ###")
    result = world.run()
    assert any(w.startswith(f"{cell}:") and "default" in w for w in result.warnings), result.warnings
    log = world.google.cells(world.sheet_id, RUN_LOG)
    assert f"{cell}:" in log[-1][_col(log[0], "Warnings")]
    expected = {**world.base.reference, SETTINGS: [list(r) for r in world.base.reference[SETTINGS]]}
    expected[SETTINGS][row - 1][2] = "thirty-ish ###"
    assert_nothing_lost(world, expected=expected)


def test_the_hidden_state_tab_damaged_by_hand(world: World) -> None:
    """A cell of the hidden state tab edited: the run stops before anything is read or written
    and says how to start afresh; after the tab is deleted, the next run reads every export in
    the folder again and the Sheet holds the clean run's numbers, tasks and team edits."""
    from sheetsbot.workbook.state import StateError

    state_title = next(t for t in world.google.sheet_titles(world.sheet_id) if t.startswith(STATE_PREFIX))
    world.google.edit_cell(world.sheet_id, f"'{state_title}'!D1", "oops, typed here")
    before = sheet_fingerprint(world)
    with pytest.raises(StateError) as error:
        world.run()
    assert state_title in str(error.value) and "delete it" in str(error.value)
    assert not world.calls("sheets.spreadsheets.batchUpdate") and not world.calls("drive.files.get_media")
    assert sheet_fingerprint(world) == before
    world.google.delete_sheet(world.sheet_id, state_title)
    result = world.run()
    assert len(result.files_read) == len(EXPORTS) and result.problems == []
    # Every tab as the clean run's; the new state differs only in when each file was read.
    assert_nothing_lost(world, ignore=(state_title,))
    from sheetsbot.workbook.state import State

    fresh = State.decode(world.google.cells(world.sheet_id, state_title))
    clean = State.decode(world.base.reference[state_title])
    assert {(p.name, p.md5, p.kind) for p in fresh.processed.values()} == {
        (p.name, p.md5, p.kind) for p in clean.processed.values()}
    assert sorted((e.file_id, e.kind, e.rows) for e in fresh.exports) == sorted(
        (e.file_id, e.kind, e.rows) for e in clean.exports)


# ===================================================================== the team edits mid-run


def _team_edits_midrun(world: World) -> tuple[Callable[[], None], dict[str, list[list[Any]]]]:
    """Edits the team makes while a run is in flight, and the reference with them applied."""
    tasks = world.google.cells(world.sheet_id, TASKS)
    header = tasks[0]
    status, notes, action = (_col(header, n) for n in ("Status", "Notes", "Action"))
    target = 4  # a task row the baseline's edits did not touch
    assert len(tasks) >= target
    settings = world.google.cells(world.sheet_id, SETTINGS)
    srow = next(i for i, r in enumerate(settings, 1) if r and r[0] == "owner.ads")
    hand_row = len(tasks) + 1

    def edit() -> None:
        google, sid = world.google, world.sheet_id
        google.edit_cell(sid, f"{TASKS}!{_letter(status)}{target}", "Doing")
        google.edit_cell(sid, f"{TASKS}!{_letter(notes)}{target}", "started Monday")
        google.edit_cell(sid, f"{TASKS}!{_letter(action)}{hand_row}", "Call the 3PL (mid-run)")
        google.edit_cell(sid, f"{SETTINGS}!C{srow}", "Li Wei, Sun Yu")

    ref = {k: [list(r) for r in v] for k, v in world.base.reference.items()}
    rtasks = ref[TASKS]
    key = tasks[target - 1][0]
    row = next(r for r in rtasks if r and r[0] == key)
    row.extend([""] * (max(status, notes) + 1 - len(row)))
    row[status], row[notes] = "Doing", "started Monday"
    # The typed row lands where the team typed it; rows the run appends go below it.
    base_len = len(tasks)
    hand = [""] * (action + 1)
    hand[action] = "Call the 3PL (mid-run)"
    rtasks.insert(base_len, hand)
    ref[SETTINGS][srow - 1][2] = "Li Wei, Sun Yu"
    return edit, ref


@pytest.mark.parametrize("moment", ["between read and write", "while the write is in flight"])
def test_team_edits_while_a_run_is_in_flight(world: World, moment: str) -> None:
    """Status, notes, a typed row and a Settings value, edited mid-run: all survive the write."""
    edit, expected = _team_edits_midrun(world)
    if moment == "between read and write":
        watcher = when(after_read(world), edit)
    else:
        world.google.set_faults("batchUpdate:1=delay/700")
        watcher = when(write_in_flight(world), edit)
    world.run()
    assert watcher.done.is_set()  # type: ignore[attr-defined]
    assert_nothing_lost(world, expected=expected)


def test_team_inserts_a_row_above_the_tasks_while_next_weeks_run_computes(
        world: World, tmp_path: Path) -> None:
    """Next week's run rewrites the evidence of the open tasks it carries, in place, by row: a
    row the team inserts above them meanwhile must not receive it. The sink checks those rows
    just before the write and plans again on a fresh read."""
    week, now = Period.parse("2026-W48"), NOW + dt.timedelta(days=7)
    ref_state = tmp_path / "reference.json"
    shutil.copy(world.base.state, ref_state)
    with StandIn(drive_folder=world.exports, state=ref_state) as google:
        _run(google, world.base.key, world.sheet_id, now=now, week=week)
        reference = tab_values(google, world.sheet_id)
    tasks = world.google.cells(world.sheet_id, TASKS)
    action = _col(tasks[0], "Action")
    typed = "Call the 3PL (inserted mid-run)"

    def insert() -> None:
        world.google.insert_rows(world.sheet_id, TASKS, 3)
        world.google.edit_cell(world.sheet_id, f"{TASKS}!{_letter(action)}3", typed)

    watcher = when(after_read(world), insert)
    result = world.run(now=now, week=week)
    assert watcher.done.is_set()  # type: ignore[attr-defined]
    assert any("moved" in n for n in result.write_summary.notes), result.write_summary.notes
    hand = [""] * (action + 1)
    hand[action] = typed
    reference[TASKS].insert(2, hand)
    assert_nothing_lost(world, expected=reference)


# ============================================================== another run's write in flight


def _overlapping_runs(world: World) -> None:
    world.google.set_faults("batchUpdate:1=delay/1500")
    first = threading.Thread(target=world.run, daemon=True)
    first.start()
    arrived = write_in_flight(world)
    deadline = time.monotonic() + 60
    while not arrived() and time.monotonic() < deadline:
        time.sleep(0.005)
    world.run()  # reads while the first run's write is held, writes after it was applied
    first.join(timeout=60)


def test_another_runs_write_lands_between_read_and_write(world: World) -> None:
    _overlapping_runs(world)
    writes = world.calls("sheets.spreadsheets.batchUpdate")
    # The second run planned on a read from before the first run's write: Google refuses its
    # marker (derived from the marker it read), and it re-reads and re-plans.
    assert [c.status for c in writes] == [200, 400, 200]
    tasks = world.google.cells(world.sheet_id, TASKS)
    keys = [row[0] for row in tasks[1:] if row and row[0]]
    assert len(keys) == len(set(keys)), Counter(keys).most_common(2)


def test_overlapping_runs_keep_both_run_log_rows(world: World) -> None:
    _overlapping_runs(world)
    assert len(world.google.cells(world.sheet_id, RUN_LOG)) == world.base.runlog_rows + 2
