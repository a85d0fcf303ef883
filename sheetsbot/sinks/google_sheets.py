"""The workbook model → a Google Sheet, in ONE ``spreadsheets.batchUpdate`` per run.

A run reads the Sheet once (``read_tabs``: one ``spreadsheets.get`` with a field mask, which
also keeps what the write needs: sheet ids, rule counts, protected ranges, charts, developer
metadata, the team's tabs) and writes once (``write``): the plan is the difference between the
model and what is there, sent as one request that Google applies all or nothing, so the Sheet
never shows half a run.

    sink = GoogleSheetsSink(spreadsheet_id, client)
    rows = sink.read_tabs(["Tasks", "Settings", "Run log", "_state"])
    summary = sink.write(workbook)          # GoogleWriteSummary
    print(summary)                          # one line: tabs, requests, payload size, cells changed

What the plan does per tab:

* **Generated tabs** (Dashboard, ASINs, Ads, Inventory, Monthly, Run log, the hidden state tab):
  every cell is rewritten (values as ``numberValue``/``stringValue`` — export text starting with
  ``=`` stays text — notes, then formats as column runs), everything left over below or to the
  right is cleared, so the tab is exactly the model. A tab whose fingerprint (kept in its
  developer metadata) matches the model and whose values read back as written is not sent.
* **Team tabs** (``Tab.team_edited``: Tasks, Settings): rows are matched by their key columns
  (Tasks: ``key``; Settings: ``setting`` + ``scope``) and columns by their headers. Existing rows
  get only their generated columns updated, and only where the value differs; the team's columns
  (``Column.team_owned``), rows without a key (added by hand) and columns the team added are never
  written. Rows the model adds are appended at the bottom (``appendCells``).
* **Every tab**: created when missing (a deleted or renamed generated tab is recreated, and the
  summary says so), frozen rows/columns, hidden flag, tab colour, column widths, conditional
  format rules replaced (the old ones deleted in the same request, so they never pile up; on
  team tabs only sheetsbot's, which come first, and the team's own rules stay), data
  validation, charts, protected ranges (warning only; the team's own protections are kept).
* Tabs that are not in the model are never touched. A blank Sheet (one empty tab) becomes the
  template in the same request; its empty tab is removed.

Known rows of a team tab are updated by position, which a ``batchUpdate`` cannot make
conditional: when the plan updates any, the sink reads those rows again just before the write
and plans again if the team inserted, deleted or sorted rows meanwhile. After any re-read the
caller may rebuild the workbook on it (``write(workbook, replan=...)``).

A lost answer is not a reason to send again blindly: the first sub-request creates developer
metadata with an id derived from the run id, so the same write can never be applied twice
(Google rejects a second metadata with that id), and after a lost answer the sink re-reads the
Sheet, sees whether the run id is there, and re-plans from what it finds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import random
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sheetsbot.errors import SheetsbotError
from sheetsbot.google import urls
from sheetsbot.google.client import GoogleClient, encode_body
from sheetsbot.google.errors import GoogleApiError, GoogleUnavailable, WriteOutcomeUnknown
from sheetsbot.workbook.model import (
    Cell,
    Chart,
    ConditionalRule,
    GridRange,
    NumberFormat,
    Tab,
    Workbook,
    pattern_for,
)

JsonDict = dict[str, Any]

#: Spreadsheet-level developer metadata holding the id of the last run written.
RUN_KEY = "sheetsbot.run"
#: Sheet-level developer metadata naming the model tab a sheet was made for.
TAB_KEY = "sheetsbot.tab"
#: Sheet-level developer metadata: the fingerprint of what the last run wrote in the tab.
CONTENT_KEY = "sheetsbot.content"
#: Sheet-level developer metadata of a team tab: "<count>:<fingerprint>" of sheetsbot's rules.
RULES_KEY = "sheetsbot.rules"
#: Google recommends at most 2 MB per request; above that the summary warns.
RECOMMENDED_MAX_BYTES = 2_000_000
#: Columns identifying a row of a team tab (default: the tab's first column).
ROW_KEYS: dict[str, tuple[str, ...]] = {"tasks": ("key",), "settings": ("setting", "scope")}
#: Characters a Sheets cell holds.
MAX_CELL_CHARS = 50_000
#: Attempts of one write: the first, and re-plans after a lost answer or a stale plan.
MAX_ATTEMPTS = 3

# One read gets everything the plan needs. ``ranges`` cannot narrow the grid data to a few tabs
# without also dropping every other sheet from the answer (Google returns only the sheets the
# ranges name — see the WorksheetTest.test_get_notes_2nd_sheet recording), so the mask asks for
# values only, which keeps the answer small.
_GET_FIELDS = (
    "spreadsheetId,properties(title),developerMetadata(metadataId,metadataKey,metadataValue),"
    "sheets(properties(sheetId,title,index,sheetType,hidden,tabColorStyle,gridProperties(rowCount,"
    "columnCount,frozenRowCount,frozenColumnCount)),conditionalFormats(ranges),"
    "protectedRanges(protectedRangeId,range,description,warningOnly),charts(chartId),"
    "developerMetadata(metadataId,metadataKey,metadataValue),"
    "data(startRow,startColumn,rowData(values(userEnteredValue,userEnteredFormat(numberFormat(type))))))"
)

# The check before a write that updates known rows in place: their values only.
_CHECK_FIELDS = (
    "sheets(properties(sheetId,title,index),"
    "data(startRow,startColumn,rowData(values(userEnteredValue,userEnteredFormat(numberFormat(type))))))"
)

_NUMBER_TYPES = {
    NumberFormat.INTEGER: "NUMBER", NumberFormat.DECIMAL: "NUMBER",
    NumberFormat.CURRENCY: "CURRENCY", NumberFormat.PERCENT: "PERCENT",
    NumberFormat.DATE: "DATE", NumberFormat.DATETIME: "DATE_TIME",
}
_CONDITIONS = {
    "<": "NUMBER_LESS", "<=": "NUMBER_LESS_THAN_EQ", ">": "NUMBER_GREATER",
    ">=": "NUMBER_GREATER_THAN_EQ", "between": "NUMBER_BETWEEN", "text_eq": "TEXT_EQ",
    "formula": "CUSTOM_FORMULA",
}
_EPOCH = dt.date(1899, 12, 30)  # day 0 of Sheets' date serials
_CELL_MASK = "userEnteredValue,userEnteredFormat,note"


class GoogleSheetsSinkError(SheetsbotError):
    """The workbook was not written: a model problem (not Google's), or a Sheet whose rows kept
    moving under the write. Nothing was written."""


# ============================================================================ what is there


@dataclass
class SheetState:
    """One sheet as the read found it."""

    sheet_id: int
    title: str
    index: int
    kind: str
    hidden: bool
    row_count: int
    col_count: int
    frozen_rows: int
    frozen_cols: int
    rule_count: int
    #: The tab colour as Google keeps it ({"red": 0.1, ...}), or None.
    tab_colour: JsonDict | None
    protections: list[JsonDict]
    chart_ids: set[int]
    metadata: list[JsonDict]
    #: Raw values, header row first (trailing empty cells and rows left out).
    rows: list[list[object]]

    @property
    def tab_key(self) -> str | None:
        return self._meta(TAB_KEY)

    @property
    def content(self) -> str | None:
        return self._meta(CONTENT_KEY)

    @property
    def rules_marker(self) -> str | None:
        return self._meta(RULES_KEY)

    @property
    def rules_written(self) -> int:
        """How many of the sheet's rules sheetsbot wrote (0 for a tab it adopted)."""
        head = (self.rules_marker or "0").split(":", 1)[0]
        return int(head) if head.isdigit() else 0

    def _meta(self, key: str) -> str | None:
        return next((str(m.get("metadataValue")) for m in self.metadata
                     if m.get("metadataKey") == key), None)

    @property
    def empty(self) -> bool:
        return not any(v is not None for row in self.rows for v in row)


@dataclass
class Snapshot:
    spreadsheet_id: str
    title: str
    sheets: list[SheetState]
    metadata: list[JsonDict]

    @classmethod
    def parse(cls, resource: Mapping[str, Any]) -> Snapshot:
        sheets = [_sheet_state(s) for s in resource.get("sheets") or []]
        sheets.sort(key=lambda s: s.index)
        return cls(str(resource.get("spreadsheetId", "")),
                   str((resource.get("properties") or {}).get("title", "")), sheets,
                   list(resource.get("developerMetadata") or []))

    def find(self, title: str) -> SheetState | None:
        exact = next((s for s in self.sheets if s.title == title), None)
        # Sheets titles are unique ignoring case (Google refuses "tasks" beside "Tasks").
        folded = title.casefold()
        return exact or next((s for s in self.sheets if s.title.casefold() == folded), None)

    def run_entries(self) -> list[JsonDict]:
        return [m for m in self.metadata if m.get("metadataKey") == RUN_KEY]

    def applied(self, run_id: str) -> bool:
        return any(m.get("metadataValue") == run_id for m in self.run_entries())

    def has(self, title: str) -> bool:
        return self.find(title) is not None

    def values(self, title: str) -> list[list[object]]:
        sheet = self.find(title)
        return [list(row) for row in sheet.rows] if sheet else []


def _sheet_state(raw: Mapping[str, Any]) -> SheetState:
    props = raw.get("properties") or {}
    grid = props.get("gridProperties") or {}
    rows: list[list[object]] = []
    for block in raw.get("data") or []:
        start_row, start_col = int(block.get("startRow", 0)), int(block.get("startColumn", 0))
        for r, row in enumerate(block.get("rowData") or []):
            values = [_raw_value(c) for c in row.get("values") or []]
            if not values:
                continue
            while len(rows) <= start_row + r:
                rows.append([])
            target = rows[start_row + r]
            while len(target) < start_col + len(values):
                target.append(None)
            target[start_col:start_col + len(values)] = values
    rows = [_trim(row) for row in rows]
    while rows and not rows[-1]:
        rows.pop()
    return SheetState(
        sheet_id=int(props.get("sheetId", 0)), title=str(props.get("title", "")),
        index=int(props.get("index", 0)), kind=str(props.get("sheetType", "GRID")),
        hidden=bool(props.get("hidden", False)), row_count=int(grid.get("rowCount", 0)),
        col_count=int(grid.get("columnCount", 0)), frozen_rows=int(grid.get("frozenRowCount", 0)),
        frozen_cols=int(grid.get("frozenColumnCount", 0)),
        rule_count=len(raw.get("conditionalFormats") or []),
        tab_colour=(props.get("tabColorStyle") or {}).get("rgbColor"),
        protections=list(raw.get("protectedRanges") or []),
        chart_ids={int(c["chartId"]) for c in raw.get("charts") or [] if "chartId" in c},
        metadata=list(raw.get("developerMetadata") or []), rows=rows,
    )


def _quote_title(title: str) -> str:
    """A sheet title as an A1 range prefix: quoted, inner quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def _trim(row: list[object]) -> list[object]:
    while row and row[-1] is None:
        row.pop()
    return row


def _raw_value(cell: Mapping[str, Any]) -> object:
    """A cell as ``read_tabs`` returns it: text, number, bool, formula text, date/datetime."""
    value = cell.get("userEnteredValue") or {}
    if "stringValue" in value:
        return value["stringValue"] if value["stringValue"] != "" else None
    if "formulaValue" in value:
        return value["formulaValue"]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "numberValue" in value:
        number = value["numberValue"]
        kind = ((cell.get("userEnteredFormat") or {}).get("numberFormat") or {}).get("type")
        if kind == "DATE":
            return _EPOCH + dt.timedelta(days=math.floor(number))
        if kind == "DATE_TIME":
            return dt.datetime.combine(_EPOCH, dt.time()) + dt.timedelta(days=number)
        return number
    return None


# ============================================================================= the summary


@dataclass(frozen=True)
class GoogleWriteSummary:
    """What one write did, for the CLI, the worker and the Run log."""

    spreadsheet_id: str
    url: str
    tabs: tuple[str, ...]
    #: Tabs made on a blank or new Sheet.
    created: tuple[str, ...]
    #: Generated tabs that were missing (deleted or renamed by someone) and were made again.
    recreated: tuple[str, ...]
    #: Cells whose value the write changed, per tab (appended rows included).
    cells_changed: Mapping[str, int]
    #: Rows appended to team tabs (new tasks, new settings).
    rows_appended: Mapping[str, int]
    #: Sub-requests in the batchUpdate, and its size in bytes as sent.
    requests: int
    payload_bytes: int
    #: Sheets API calls this write made (1 normally; more after a lost answer).
    sheets_calls: int
    attempts: int
    run_id: str
    #: False for a dry run (planned, not sent).
    sent: bool = True
    #: Sentences for the Run log: recreated tabs, a lost answer that was checked, ...
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def total_cells_changed(self) -> int:
        return sum(self.cells_changed.values())

    def __str__(self) -> str:
        verb = "wrote" if self.sent else "would write (dry run)"
        extra = f"; recreated {', '.join(self.recreated)}" if self.recreated else ""
        return (f"{verb} {len(self.tabs)} tabs of {self.url} in one batchUpdate of "
                f"{self.requests} requests ({self.payload_bytes / 1024:,.0f} KB), "
                f"{self.total_cells_changed:,} cells changed{extra}")


# ================================================================================ the sink


class GoogleSheetsSink:
    """Reads the team's tabs and writes the workbook into one Google Sheet."""

    def __init__(self, spreadsheet_id: str, client: GoogleClient, *, dry_run: bool = False) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.client = client
        self.dry_run = dry_run
        self._snapshot: Snapshot | None = None
        #: The last request body sent or planned (benchmarks and tests look at it).
        self.last_body: JsonDict | None = None

    @property
    def url(self) -> str:
        return urls.sheet_web(self.spreadsheet_id)

    def read_tabs(self, titles: Sequence[str]) -> dict[str, list[list[object]]]:
        """Raw values of ``titles`` (``[]`` for a missing tab): ONE ``spreadsheets.get``.

        Text as ``str``, numbers as numbers, ``True``/``False``, a formula as its text, a
        date-formatted number as ``date`` (``datetime`` for date-time formats), blanks as None;
        trailing blanks are left out. The read is kept for :meth:`write`.
        """
        self._snapshot = self._fetch()
        return {title: self._snapshot.values(title) for title in titles}

    def missing_tabs(self, titles: Sequence[str]) -> list[str]:
        """Which of ``titles`` the Sheet read by :meth:`read_tabs` does not have (deleted or
        renamed by the team, or a blank Sheet): the job says so in the Run log row it writes."""
        snapshot = self._snapshot
        if snapshot is None:
            return []
        return [t for t in titles if not snapshot.has(t)]

    def write(self, workbook: Workbook,
              replan: Callable[[Snapshot], Workbook] | None = None) -> GoogleWriteSummary:
        """Plan the difference and send it as ONE ``batchUpdate`` (see the module docstring).

        When the Sheet changed between the read and the write, the plan is made again on a
        fresh read, from ``replan(fresh_read)`` when given (the job rebuilds its Run log over
        the rows another run wrote meanwhile), else from the same ``workbook``.
        """
        _check_workbook(workbook)
        calls_before = self.client.sheets_calls
        run_id = uuid.uuid4().hex
        snapshot = self._snapshot or self._fetch()
        self._snapshot = None  # whatever happens next, the read is stale afterwards
        notes: list[str] = []
        stale_replans = 0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if attempt > 1 and replan is not None:
                workbook = replan(snapshot)
                _check_workbook(workbook)
            plan = _Planner(workbook, snapshot, run_id).plan()
            body = {"requests": plan.requests}
            payload = encode_body(body)
            self.last_body = body
            if self.dry_run:
                return self._summary(workbook, plan, payload, run_id, attempt, calls_before,
                                     notes, sent=False)
            # Known rows are updated by position: if the team inserted, deleted or sorted rows
            # since the read, those updates would land on the wrong rows. Look first.
            moved = self._moved(plan.anchors)
            if moved:
                if attempt == MAX_ATTEMPTS:
                    raise GoogleSheetsSinkError(
                        f"the rows of {', '.join(moved)} kept moving while the run was writing "
                        f"({attempt} times): nothing was written; the next run tries again")
                notes.append(f"rows of {', '.join(moved)} moved while the run was computing "
                             "(inserted, deleted or sorted); planned again on a fresh read")
                snapshot = self._fetch()
                continue
            try:
                self.client.batch_update(self.spreadsheet_id, payload)
                break
            except WriteOutcomeUnknown as exc:
                # Never send again blindly: look at the Sheet first.
                snapshot = self._fetch()
                if snapshot.applied(run_id):
                    notes.append(f"the answer to the write was lost ({exc.cause}); the Sheet shows "
                                 "it was applied, once")
                    break
                if attempt == MAX_ATTEMPTS:
                    raise GoogleUnavailable(
                        f"the answer to the write was lost {attempt} times ({exc.cause}) and the "
                        "Sheet shows it was not applied: nothing changed, the next run tries "
                        "again") from None
                notes.append(f"the answer to the write was lost ({exc.cause}); the Sheet shows it "
                             "was not applied, so it was planned again on what the Sheet holds now")
            except GoogleApiError as exc:
                if exc.status != 400:
                    raise
                # Either this run's write landed after its answer was lost (Google refuses its
                # marker a second time), or the Sheet changed between the read and the write
                # (a tab deleted meanwhile): the Sheet says which.
                snapshot = self._fetch()
                if snapshot.applied(run_id):
                    notes.append("the write had been applied already (its answer was lost)")
                    break
                if stale_replans or attempt == MAX_ATTEMPTS:
                    raise  # refused again on a fresh read: not a stale plan
                stale_replans += 1
                notes.append(f"the Sheet changed while the run was computing ({exc.detail[:160]}); "
                             "planned again on a fresh read")
        return self._summary(workbook, plan, payload, run_id, attempt, calls_before, notes)

    def plan(self, workbook: Workbook) -> JsonDict:
        """The ``batchUpdate`` body ``write`` would send now (reads the Sheet if needed)."""
        _check_workbook(workbook)
        snapshot = self._snapshot or self._fetch()
        self._snapshot = snapshot
        return {"requests": _Planner(workbook, snapshot, uuid.uuid4().hex).plan().requests}

    # ----------------------------------------------------------------------------------
    def _moved(self, anchors: Sequence[_RowAnchor]) -> list[str]:
        """Titles of the tabs whose anchored rows moved since the read (one narrow get)."""
        if not anchors:
            return []
        ranges = [f"{_quote_title(a.title)}!1:{max(a.rows) + 1}" for a in anchors]
        try:
            fresh = Snapshot.parse(self.client.get_spreadsheet(
                self.spreadsheet_id, fields=_CHECK_FIELDS, ranges=ranges))
        except GoogleApiError as exc:
            if exc.status != 400:
                raise
            return [a.title for a in anchors]  # a tab renamed or deleted: its range is gone
        return [a.title for a in anchors if a.moved(fresh.values(a.title))]

    def _fetch(self) -> Snapshot:
        return Snapshot.parse(self.client.get_spreadsheet(self.spreadsheet_id, fields=_GET_FIELDS))

    def _summary(self, workbook: Workbook, plan: _Plan, payload: bytes, run_id: str, attempts: int,
                 calls_before: int, notes: list[str], sent: bool = True) -> GoogleWriteSummary:
        warnings = []
        if len(payload) > RECOMMENDED_MAX_BYTES:
            warnings.append(f"the write was {len(payload) / 1e6:.1f} MB, above the 2 MB Google "
                            "recommends per request; lower the template's row limits")
        return GoogleWriteSummary(
            spreadsheet_id=self.spreadsheet_id, url=self.url,
            tabs=tuple(t.title for t in workbook.tabs), created=tuple(plan.created),
            recreated=tuple(plan.recreated), cells_changed=dict(plan.cells_changed),
            rows_appended=dict(plan.rows_appended), requests=len(plan.requests),
            payload_bytes=len(payload), sheets_calls=self.client.sheets_calls - calls_before,
            attempts=attempts, run_id=run_id, sent=sent, notes=tuple(plan.notes + notes),
            warnings=tuple(warnings))


def _check_workbook(workbook: Workbook) -> None:
    seen: dict[str, str] = {}
    for tab in workbook.tabs:
        title = tab.title.strip()
        if not title or len(title) > 100:
            raise GoogleSheetsSinkError(f"tab {tab.key!r}: a Sheets tab title needs 1 to 100 "
                                        f"characters, not {tab.title!r}")
        folded = title.casefold()
        if folded in seen:
            raise GoogleSheetsSinkError(f"tabs {seen[folded]!r} and {tab.key!r} have the same "
                                        f"title {tab.title!r} (Sheets titles ignore case)")
        seen[folded] = tab.key


# ============================================================================= the planner


@dataclass
class _RowAnchor:
    """Rows of a team tab that a plan updates in place (by position), as the read found them."""

    title: str
    header: tuple[object, ...]
    key_columns: list[int]
    #: 0-based row → the key it held.
    rows: dict[int, tuple[object, ...] | None]

    def moved(self, rows: Sequence[Sequence[object]]) -> bool:
        """Whether ``rows`` (a fresh read of the tab) no longer hold those keys there."""
        header = tuple(_comparable(v) for v in rows[0]) if rows else ()
        return header != self.header or any(
            r >= len(rows) or _identity(list(rows[r]), self.key_columns) != key
            for r, key in self.rows.items()
        )


@dataclass
class _Plan:
    requests: list[JsonDict] = field(default_factory=list)
    #: Known rows updated in place: checked again just before the write (see ``write``).
    anchors: list[_RowAnchor] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    recreated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cells_changed: dict[str, int] = field(default_factory=dict)
    rows_appended: dict[str, int] = field(default_factory=dict)


class _Planner:
    """Model + snapshot → the requests of one batchUpdate (pure: no I/O)."""

    def __init__(self, workbook: Workbook, snapshot: Snapshot, run_id: str) -> None:
        self.workbook = workbook
        self.snapshot = snapshot
        self.run_id = run_id
        self.plan_ = _Plan()
        self._rng = random.Random(run_id)  # new sheet ids: random, yet reproducible per run
        self._used_ids = {s.sheet_id for s in snapshot.sheets}
        self._descriptions = {p.description for t in workbook.tabs for p in t.protections}
        #: tab key → sheet id (existing or new) and the state when it existed.
        self.ids: dict[str, int] = {}
        self.states: dict[str, SheetState | None] = {}
        #: tab key → title of the sheet made for it that someone renamed.
        self._renamed: dict[str, str] = {}
        #: sheet id → (rows, columns) of the sheets this batch adds.
        self._new_sizes: dict[int, tuple[int, int]] = {}
        #: team tab key → model column → sheet column.
        self._positions: dict[str, dict[int, int]] = {}

    def plan(self) -> _Plan:
        out = self.plan_
        out.requests.extend(self._run_marker())
        matched = self._match_tabs()
        blank = self._blank_sheet(matched)
        ours_before = bool(self.snapshot.run_entries()) or any(
            s.tab_key for s in self.snapshot.sheets)
        order = [s.title for s in self.snapshot.sheets]  # titles in tab order, as the batch goes
        last = -1
        for tab in self.workbook.tabs:
            state = matched.get(tab.key)
            if state is None:
                sheet_id = self._new_id()
                index = last + 1
                order.insert(index, tab.title)
                out.requests.append(self._add_sheet(tab, sheet_id, index))
                out.requests.append(_create_metadata(TAB_KEY, tab.key, sheet_id))
                self._record_missing(tab, ours_before)
            else:
                sheet_id = state.sheet_id
                index = order.index(state.title)
            last = index
            self.ids[tab.key], self.states[tab.key] = sheet_id, state
            if tab.team_edited and state is not None and not state.empty:
                header = state.rows[0] if state.rows else []
                self._positions[tab.key] = _column_positions(tab, header)
        # Contents after every sheet exists (a chart may read another tab).
        for tab in self.workbook.tabs:
            state = self.states[tab.key]
            sheet_id = self.ids[tab.key]
            if state is not None:
                out.requests.extend(self._existing_sheet_properties(tab, state))
            if tab.team_edited and state is not None and not state.empty:
                out.requests.extend(self._merge_team_tab(tab, state))
                # Dropdowns, colours, protections and widths go where the columns are now.
                placed = _placed(tab, self._positions[tab.key])
                out.requests.extend(self._widths(tab, sheet_id, self._positions[tab.key]))
                out.requests.extend(self._team_rules(placed, state))
                out.requests.extend(self._validations(placed, sheet_id))
                out.requests.extend(self._protections(placed, sheet_id, state))
            else:
                out.requests.extend(self._rewrite_tab(tab, sheet_id, state))
                out.requests.extend(self._protections(tab, sheet_id, state))
            out.requests.extend(self._charts(tab, sheet_id, state))
        if blank is not None:
            out.requests.append({"deleteSheet": {"sheetId": blank.sheet_id}})
            out.notes.append(f"the blank Sheet was turned into the template (its empty tab "
                             f"{blank.title!r} was removed)")
        return out

    # ------------------------------------------------------------------ sheets and markers
    def _run_marker(self) -> list[JsonDict]:
        """First request: this run's marker, with an id Google refuses to create twice.

        The id is derived from the marker this run *read*, not from the run: two runs planned
        on the same read (a manual run overlapping the worker's, a worker restarted while its
        write was still being applied) would ask for the same id, so Google refuses the second
        write whole and that run re-reads and re-plans on what the first one wrote. Without
        this, both writes apply and the second appends the first one's new tasks again.
        """
        marker = _create_metadata(RUN_KEY, self.run_id, None)
        meta = marker["createDeveloperMetadata"]["developerMetadata"]
        previous = sorted(int(e["metadataId"]) for e in self.snapshot.run_entries() if e.get("metadataId") is not None)
        meta["metadataId"] = _stable_id("run-after", previous)
        requests = [marker]
        for entry in self.snapshot.run_entries():
            if entry.get("metadataId") is not None:
                requests.append({"deleteDeveloperMetadata": {"dataFilter": {
                    "developerMetadataLookup": {"metadataId": entry["metadataId"]}}}})
        return requests

    def _match_tabs(self) -> dict[str, SheetState]:
        matched: dict[str, SheetState] = {}
        for tab in self.workbook.tabs:
            state = self.snapshot.find(tab.title)
            if state is not None and state.kind == "GRID":
                matched[tab.key] = state
        taken = {id(s) for s in matched.values()}
        for state in self.snapshot.sheets:
            key = state.tab_key
            if id(state) in taken:
                tab = next(t for t in self.workbook.tabs if matched.get(t.key) is state)
                if key != tab.key:  # adopted by title, or made for another tab: mark it ours
                    self.plan_.requests.extend(_delete_metadata(state, TAB_KEY))
                    self.plan_.requests.append(_create_metadata(TAB_KEY, tab.key, state.sheet_id))
            elif key is not None:
                # Made by sheetsbot, now under another title: the team's tab from here on.
                for meta_key in (TAB_KEY, CONTENT_KEY, RULES_KEY):
                    self.plan_.requests.extend(_delete_metadata(state, meta_key))
                self._renamed[key] = state.title
        return matched

    def _blank_sheet(self, matched: Mapping[str, SheetState]) -> SheetState | None:
        """The lone empty tab of a new Sheet, removed once the template's tabs exist."""
        sheets = self.snapshot.sheets
        if matched or self.snapshot.run_entries() or len(sheets) != 1:
            return None
        only = sheets[0]
        if only.kind != "GRID" or not only.empty or only.tab_key:
            return None
        return only

    def _record_missing(self, tab: Tab, ours_before: bool) -> None:
        renamed = self._renamed.get(tab.key)
        if renamed is not None:
            self.plan_.recreated.append(tab.title)
            self.plan_.notes.append(f"tab {tab.title!r} had been renamed to {renamed!r}; sheetsbot "
                                    f"made a new {tab.title!r} and left {renamed!r} as it is")
        elif ours_before:
            self.plan_.recreated.append(tab.title)
            self.plan_.notes.append(f"tab {tab.title!r} was missing (deleted?); sheetsbot made "
                                    "it again")
        else:
            self.plan_.created.append(tab.title)

    def _new_id(self) -> int:
        while True:
            candidate = self._rng.randrange(1, 2**31 - 1)
            if candidate not in self._used_ids:
                self._used_ids.add(candidate)
                return candidate

    def _add_sheet(self, tab: Tab, sheet_id: int, index: int) -> JsonDict:
        rows, cols = _extent(tab, self.workbook)
        if tab.team_edited:
            rows = max(rows, len(tab.grid()) + 100)  # room for the rows the team adds
        props: JsonDict = {
            "sheetId": sheet_id, "title": tab.title, "index": index,
            "gridProperties": {"rowCount": rows, "columnCount": cols},
        }
        # Zero is "not set" for proto3 integers: Google never prints a frozen count of 0.
        if tab.frozen_rows:
            props["gridProperties"]["frozenRowCount"] = tab.frozen_rows
        if tab.frozen_cols:
            props["gridProperties"]["frozenColumnCount"] = tab.frozen_cols
        if tab.hidden:
            props["hidden"] = True
        if tab.tab_colour:
            props["tabColorStyle"] = {"rgbColor": _rgb(tab.tab_colour)}
        self._new_sizes[sheet_id] = (rows, cols)
        return {"addSheet": {"properties": props}}

    def _size(self, sheet_id: int, state: SheetState | None, tab: Tab) -> tuple[int, int]:
        """Rows and columns of the sheet once this batch has grown it."""
        if state is None:
            return self._new_sizes[sheet_id]
        rows, cols = _extent(tab, self.workbook)
        if tab.key in self._positions:
            cols = max(cols, max(self._positions[tab.key].values(), default=0) + 1)
        return max(state.row_count, rows), max(state.col_count, cols)

    def _existing_sheet_properties(self, tab: Tab, state: SheetState) -> list[JsonDict]:
        """Frozen panes, hidden flag, tab colour and grid size, when any differs.

        Always one request per sheet the plan relies on, even when nothing differs (it then
        sets the title the read found, a no-op): if someone deleted the sheet after the read,
        Google refuses the whole batch and the sink re-reads and plans again, instead of
        applying a plan that thinks the tab is still there.
        """
        rows, cols = self._size(state.sheet_id, state, tab)
        colour_ok = tab.tab_colour is None or _same_colour(state.tab_colour, _rgb(tab.tab_colour))
        if (state.frozen_rows, state.frozen_cols, state.hidden, state.row_count,
                state.col_count) == (tab.frozen_rows, tab.frozen_cols, tab.hidden, rows,
                                     cols) and colour_ok:
            return [{"updateSheetProperties": {
                "properties": {"sheetId": state.sheet_id, "title": state.title},
                "fields": "title"}}]
        grid: JsonDict = {"frozenRowCount": tab.frozen_rows, "frozenColumnCount": tab.frozen_cols}
        fields = ["gridProperties.frozenRowCount", "gridProperties.frozenColumnCount", "hidden"]
        if rows != state.row_count:
            grid["rowCount"] = rows
            fields.append("gridProperties.rowCount")
        if cols != state.col_count:
            grid["columnCount"] = cols
            fields.append("gridProperties.columnCount")
        props: JsonDict = {"sheetId": state.sheet_id, "gridProperties": grid, "hidden": tab.hidden}
        if tab.tab_colour:
            props["tabColorStyle"] = {"rgbColor": _rgb(tab.tab_colour)}
            fields.append("tabColorStyle")
        return [{"updateSheetProperties": {"properties": props, "fields": ",".join(fields)}}]

    # --------------------------------------------------------------------- cell contents
    def _rewrite_tab(self, tab: Tab, sheet_id: int, state: SheetState | None) -> list[JsonDict]:
        """The whole tab, exactly the model: values and notes, formats by column runs, widths,
        rules, validation — or nothing at all when the tab still holds what the last run wrote.

        A tab is unchanged when its fingerprint (a hash of everything below, kept in the
        sheet's developer metadata) is the one of this model, and the read shows every value
        as written. Then nothing is sent: a refresh with no new exports costs almost nothing.
        Formatting someone changed by hand in a generated tab is restored at the next change.
        """
        grid = _grid_with_note(tab)
        rows, cols = self._size(sheet_id, state, tab)
        row_data = []
        for row in grid:
            values = [_cell_json(cell, with_format=False) for cell in row]
            while values and not values[-1]:
                values.pop()
            row_data.append({"values": values} if values else {})
        while row_data and not row_data[-1]:
            row_data.pop()
        formats = _format_requests(sheet_id, grid, max((len(r) for r in grid), default=0))
        if tab.team_edited:
            formats += _column_formats(tab, sheet_id, {j: j for j in range(len(tab.columns))})
        widths = self._widths(tab, sheet_id)
        rules = _rule_requests(tab, sheet_id)
        validations = self._validations(tab, sheet_id)
        fingerprint = _fingerprint({"r": row_data, "f": formats, "w": widths, "c": rules,
                                    "v": validations})
        changed = _changed_cells(grid, state.rows if state else [])
        self.plan_.cells_changed[tab.title] = changed
        if (state is not None and state.content == fingerprint and changed == 0
                and state.rule_count == len(rules)):
            return []
        # The range is the whole sheet: cells past the model's rows are cleared (values,
        # formats, notes, old validation) by the mask, so nothing of an older run lingers.
        requests: list[JsonDict] = [{"updateCells": {
            "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": rows,
                      "startColumnIndex": 0, "endColumnIndex": cols},
            "rows": row_data, "fields": _CELL_MASK + ",dataValidation"}}]
        requests += formats + widths
        requests += [{"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": i}}
                     for i in reversed(range(state.rule_count if state else 0))]
        requests += rules + validations
        if state is not None:
            requests += _delete_metadata(state, CONTENT_KEY)
        requests.append(_create_metadata(CONTENT_KEY, fingerprint, sheet_id))
        if tab.team_edited:  # its rules are replaced by count from now on (_team_rules)
            if state is not None:
                requests += _delete_metadata(state, RULES_KEY)
            requests.append(_create_metadata(RULES_KEY, f"{len(rules)}:{_fingerprint(rules)}",
                                             sheet_id))
        return requests

    def _merge_team_tab(self, tab: Tab, state: SheetState) -> list[JsonDict]:
        """Update generated cells of known rows, append new rows; never write team cells."""
        sheet_id = state.sheet_id
        existing = state.rows
        header = existing[0] if existing else []
        pos = self._positions[tab.key]
        requests: list[JsonDict] = []
        changed = 0
        # Header cells: ours; written when missing or different.
        head_cells = tab.grid()[0] if tab.header else []
        for j, cell in enumerate(head_cells):
            current = header[pos[j]] if pos[j] < len(header) else None
            if _comparable(cell.value) != _comparable(current):
                requests.append(_update_cells(sheet_id, 0, pos[j], [[_cell_json(cell)]],
                                              _CELL_MASK))
                changed += 1
        if tab.note:
            requests.append(_update_cells(sheet_id, 0, 0, [[{"note": tab.note}]], "note"))
        # Rows: matched by key, in order (a key may repeat, e.g. several holidays).
        identity = ROW_KEYS.get(tab.key, (tab.columns[0].key,))
        key_cols = [j for j, c in enumerate(tab.columns) if c.key in identity]
        waiting: dict[tuple[object, ...], deque[int]] = defaultdict(deque)
        for r in range(1, len(existing)):
            ident = _identity(existing[r], [pos[j] for j in key_cols])
            if ident is not None:
                waiting[ident].append(r)
        generated = [j for j, c in enumerate(tab.columns) if not c.team_owned]
        edits: list[tuple[int, int, JsonDict]] = []  # (row, column, cell) of generated cells
        new_rows: list[list[Cell]] = []
        for model_row in tab.rows:
            ident = _identity([_comparable(c.value) for c in model_row], key_cols)
            if ident is None:
                continue  # a row the team added by hand: theirs
            if waiting.get(ident):
                r = waiting[ident].popleft()
                current_row = existing[r]
                for j in generated:
                    cell = model_row[j] if j < len(model_row) else Cell()
                    current = current_row[pos[j]] if pos[j] < len(current_row) else None
                    if _comparable(cell.value) != _comparable(current):
                        value = _cell_json(cell, with_format=False, with_note=False)
                        edits.append((r, pos[j], value))
            else:
                new_rows.append(model_row)
        requests.extend(_coalesce_edits(sheet_id, edits))
        changed += len(edits)
        if edits:
            keys = [pos[j] for j in key_cols]
            self.plan_.anchors.append(_RowAnchor(
                state.title, tuple(_comparable(v) for v in header), keys,
                {r: _identity(existing[r], keys) for r, _, _ in edits}))
        requests.extend(_column_formats(tab, sheet_id, pos))
        if new_rows:
            width = max(pos.values()) + 1
            rows_json = []
            for model_row in new_rows:
                values: list[JsonDict] = [{} for _ in range(width)]
                for j, cell in enumerate(model_row[:len(tab.columns)]):
                    values[pos[j]] = _cell_json(cell)
                    changed += cell.value is not None
                rows_json.append({"values": values})
            # appendCells lands after the last row holding data *when Google applies it*, so a
            # row the team types meanwhile is never overwritten.
            requests.append({"appendCells": {"sheetId": sheet_id, "rows": rows_json,
                                             "fields": _CELL_MASK}})
            self.plan_.rows_appended[tab.title] = len(new_rows)
        self.plan_.cells_changed[tab.title] = changed
        return requests

    # ---------------------------------------------------------------- sheet furniture
    def _widths(self, tab: Tab, sheet_id: int, pos: Mapping[int, int] | None = None) -> list[JsonDict]:
        """Column widths; on a team tab, at the sheet columns its model columns are found in."""
        widths = {i: c.width for i, c in enumerate(tab.columns)}
        widths.update(tab.widths)
        if pos is not None:
            widths = {pos.get(i, i): w for i, w in widths.items()}
        requests = []
        for start, end, pixels in _runs(widths):
            requests.append({"updateDimensionProperties": {
                "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": start,
                          "endIndex": end},
                "properties": {"pixelSize": pixels}, "fields": "pixelSize"}})
        return requests

    def _team_rules(self, tab: Tab, state: SheetState) -> list[JsonDict]:
        """Replace sheetsbot's rules on a team tab, keep the team's own.

        sheetsbot's rules are always the first ones (inserted at index 0..n-1) and the sheet's
        ``sheetsbot.rules`` metadata says how many it wrote; rules the team added come after
        them and are never touched. Unchanged rules are not sent again.
        """
        sheet_id = state.sheet_id
        rules = _rule_requests(tab, sheet_id)
        marker = f"{len(rules)}:{_fingerprint(rules)}"
        ours = min(state.rules_written, state.rule_count)
        if state.rules_marker == marker and ours == len(rules):
            return []
        requests: list[JsonDict] = [
            {"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": i}}
            for i in reversed(range(ours))]
        requests += rules
        requests += _delete_metadata(state, RULES_KEY)
        requests.append(_create_metadata(RULES_KEY, marker, sheet_id))
        return requests

    def _validations(self, tab: Tab, sheet_id: int) -> list[JsonDict]:
        return [{"setDataValidation": {
            "range": _grid_range(v.range, sheet_id),
            "rule": {"condition": {"type": "ONE_OF_LIST",
                                   "values": [{"userEnteredValue": o} for o in v.options]},
                     "strict": v.strict, "showCustomUi": True}}} for v in tab.validations]

    def _protections(self, tab: Tab, sheet_id: int, state: SheetState | None) -> list[JsonDict]:
        """Keep identical ones, delete stale ones of ours, add missing; the team's stay."""
        wanted: dict[tuple[object, ...], JsonDict] = {}
        for p in tab.protections:
            spec = {"range": _grid_range(p.range, sheet_id), "description": p.description,
                    "warningOnly": p.warning_only}
            wanted.setdefault(_protection_key(spec), spec)
        requests: list[JsonDict] = []
        for existing in state.protections if state else []:
            key = _protection_key(existing)
            if key in wanted:
                del wanted[key]  # already there, exactly
            elif existing.get("description") in self._descriptions:
                requests.append({"deleteProtectedRange": {
                    "protectedRangeId": existing["protectedRangeId"]}})
        for spec in wanted.values():
            requests.append({"addProtectedRange": {"protectedRange": spec}})
        return requests

    def _charts(self, tab: Tab, sheet_id: int, state: SheetState | None) -> list[JsonDict]:
        """Charts get an id derived from their spec: an unchanged chart is left alone."""
        wanted: dict[int, JsonDict] = {}
        for chart in tab.charts:
            spec, position = self._chart_json(tab, chart, sheet_id)
            chart_id = _stable_id("chart", sheet_id, spec, position)
            wanted[chart_id] = {"chartId": chart_id, "spec": spec, "position": position}
        existing = state.chart_ids if state else set()
        stale = sorted(existing - set(wanted))
        requests: list[JsonDict] = [{"deleteEmbeddedObject": {"objectId": cid}} for cid in stale]
        requests += [{"addChart": {"chart": c}} for cid, c in wanted.items() if cid not in existing]
        return requests

    def _chart_json(self, tab: Tab, chart: Chart, sheet_id: int) -> tuple[JsonDict, JsonDict]:
        source = self._source_tab(tab, chart.source_tab)
        source_id = self.ids.get(source.key, sheet_id)
        rows = source.grid()
        domain, series = chart.domain, [s.range for s in chart.series]
        # Series names come from a header row just above the data, when there is one.
        header = domain.start_row > 0 and all(_text_at(rows, domain.start_row - 1, r.start_col)
                                              for r in [domain, *series])
        up = 1 if header else 0

        def source_range(r: GridRange) -> JsonDict:
            moved = GridRange(r.start_row - up, r.end_row, r.start_col, r.end_col)
            return {"sourceRange": {"sources": [_grid_range(moved, source_id)]}}

        axes = [{"position": "BOTTOM_AXIS"}, {"position": "LEFT_AXIS"}]
        if any(s.axis == "right" for s in chart.series):
            axes.append({"position": "RIGHT_AXIS"})
        spec = {
            "title": chart.title,
            "basicChart": {
                "chartType": "LINE" if chart.kind == "line" else "COLUMN",
                "legendPosition": "BOTTOM_LEGEND",
                "axis": axes,
                "headerCount": up,
                "domains": [{"domain": source_range(domain)}],
                "series": [{"series": source_range(s.range),
                            "targetAxis": "RIGHT_AXIS" if s.axis == "right" else "LEFT_AXIS"}
                           for s in chart.series],
            },
        }
        position = {"overlayPosition": {
            "anchorCell": {"sheetId": sheet_id, "rowIndex": chart.anchor_row,
                           "columnIndex": chart.anchor_col},
            "widthPixels": chart.width, "heightPixels": chart.height}}
        return spec, position

    def _source_tab(self, tab: Tab, source: str | None) -> Tab:
        if not source:
            return tab
        for other in self.workbook.tabs:
            if source in (other.key, other.title):
                return other
        raise GoogleSheetsSinkError(f"a chart on tab {tab.title!r} reads tab {source!r}, which is "
                                    "not in the workbook")


# ====================================================================== model → Sheets JSON


def _grid_with_note(tab: Tab) -> list[list[Cell]]:
    grid = [list(row) for row in tab.grid()]
    if tab.note:
        if not grid:
            grid.append([])
        if not grid[0]:
            grid[0].append(Cell())
        first = grid[0][0]
        note = f"{tab.note}\n\n{first.note}" if first.note else tab.note
        grid[0][0] = Cell(first.value, first.format, first.currency, first.style, note)
    return grid


def _extent(tab: Tab, workbook: Workbook) -> tuple[int, int]:
    """Rows and columns the tab needs: its cells, and every range and anchor it refers to."""
    grid = tab.grid()
    rows = max(len(grid), tab.frozen_rows + 1, 1)
    cols = max(tab.width, tab.frozen_cols + 1, max(tab.widths, default=-1) + 1, 1)
    ranges = [r.range for r in tab.rules] + [v.range for v in tab.validations] + [
        p.range for p in tab.protections]
    for chart in tab.charts:
        rows = max(rows, chart.anchor_row + 1)
        cols = max(cols, chart.anchor_col + 1)
        if not chart.source_tab:
            ranges += [chart.domain, *[s.range for s in chart.series]]
    for other in workbook.tabs:  # charts elsewhere that read this tab
        for chart in other.charts:
            if chart.source_tab in (tab.key, tab.title):
                ranges += [chart.domain, *[s.range for s in chart.series]]
    for r in ranges:
        rows = max(rows, r.end_row or 0, r.start_row + 1)
        cols = max(cols, r.end_col)
    return rows, cols


def _cell_json(cell: Cell, *, with_format: bool = True, with_note: bool = True) -> JsonDict:
    out: JsonDict = {}
    value = _value_json(cell.value)
    if value is not None:
        out["userEnteredValue"] = value
    if with_format:
        fmt = _format_json(cell)
        if fmt:
            out["userEnteredFormat"] = fmt
    if with_note and cell.note:
        out["note"] = cell.note
    return out


def _value_json(value: object) -> JsonDict | None:
    """A model value as an ExtendedValue: numbers stay numbers, text is always literal text."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, dt.datetime):
        return {"numberValue": _serial(value)}
    if isinstance(value, dt.date):
        return {"numberValue": _serial(value)}
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # a numpy scalar
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"numberValue": value}
    if isinstance(value, float):
        return {"numberValue": value} if math.isfinite(value) else None
    text = str(value)
    if len(text) > MAX_CELL_CHARS:
        # Google refuses the whole request for one cell over its limit; a long warning list
        # in the Run log is cut instead (the state tab's chunks are well under it).
        text = text[:MAX_CELL_CHARS - 1] + "…"
    # stringValue is never parsed: "=HYPERLINK(...)" from an export title stays text.
    return {"stringValue": text} if text != "" else None


def _serial(value: dt.date) -> float | int:
    if isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None)
        delta = naive - dt.datetime.combine(_EPOCH, dt.time())
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return (value - _EPOCH).days


def _format_json(cell: Cell) -> JsonDict:
    fmt: JsonDict = {}
    number_format, pattern = cell.format, _pattern(cell)
    if pattern is None and isinstance(cell.value, dt.date):
        # A date written with no format would show as a serial number.
        timed = isinstance(cell.value, dt.datetime)
        number_format = NumberFormat.DATETIME if timed else NumberFormat.DATE
        pattern = pattern_for(number_format)
    if pattern:
        fmt["numberFormat"] = {"type": _NUMBER_TYPES[number_format], "pattern": pattern}
    style = cell.style
    if style is not None:
        text: JsonDict = {}
        if style.bold:
            text["bold"] = True
        if style.italic:
            text["italic"] = True
        if style.size:
            text["fontSize"] = style.size
        if style.foreground:
            text["foregroundColorStyle"] = {"rgbColor": _rgb(style.foreground)}
        if text:
            fmt["textFormat"] = text
        if style.background:
            fmt["backgroundColorStyle"] = {"rgbColor": _rgb(style.background)}
        if style.wrap:
            fmt["wrapStrategy"] = "WRAP"
        if style.align:
            fmt["horizontalAlignment"] = style.align.upper()
    return fmt


def _pattern(cell: Cell) -> str | None:
    # A currency that is not a code (NaN from a frame with a missing currency) means "none":
    # the number still gets its format, without a symbol.
    currency = cell.currency if isinstance(cell.currency, str) and cell.currency else None
    return pattern_for(cell.format, currency)


def _rgb(colour: str) -> JsonDict:
    text = colour.lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    try:
        red, green, blue = (int(text[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        raise GoogleSheetsSinkError(f"{colour!r} is not a colour such as #1A73E8") from None
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


def _same_colour(stored: Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    """Google keeps 8 bits per channel (and leaves zero channels out)."""
    if stored is None:
        return False
    return all(abs(float(stored.get(k, 0)) - float(wanted.get(k, 0))) <= 1 / 255
               for k in ("red", "green", "blue"))


def _grid_range(r: GridRange, sheet_id: int) -> JsonDict:
    out: JsonDict = {"sheetId": sheet_id, "startRowIndex": r.start_row,
                     "startColumnIndex": r.start_col, "endColumnIndex": r.end_col}
    if r.end_row is not None:
        out["endRowIndex"] = r.end_row
    return out


def _rule_requests(tab: Tab, sheet_id: int) -> list[JsonDict]:
    return [{"addConditionalFormatRule": {"index": i, "rule": _rule_json(rule, ranges, sheet_id)}}
            for i, (ranges, rule) in enumerate(_merge_rules(tab.rules))]


def _fingerprint(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).hexdigest()


def _merge_rules(rules: Sequence[ConditionalRule]) -> list[tuple[list[GridRange], ConditionalRule]]:
    """Identical rules on different ranges become one rule with several ranges.

    The Dashboard colours each tile's row with its own copy of the same three rules; one
    rule per colour keeps the request small and the team's rules sidebar readable. A rule
    joins an earlier identical one only when no rule in between touches its range, so which
    rule wins on every cell is unchanged. Custom formulas are never merged: their relative
    references belong to their own range.
    """
    out: list[tuple[list[GridRange], ConditionalRule]] = []
    for rule in rules:
        same = (rule.kind, rule.values, rule.background, rule.foreground)
        target = None
        if rule.kind != "formula":
            for i in range(len(out) - 1, -1, -1):
                ranges, first = out[i]
                if (first.kind, first.values, first.background, first.foreground) == same:
                    between = [r for later, _ in out[i + 1:] for r in later]
                    if not any(_overlap(rule.range, r) for r in between):
                        target = ranges
                    break
        if target is None:
            out.append(([rule.range], rule))
        else:
            target.append(rule.range)
    return out


def _overlap(a: GridRange, b: GridRange) -> bool:
    inf = float("inf")
    rows = a.start_row < (b.end_row if b.end_row is not None else inf) and b.start_row < (
        a.end_row if a.end_row is not None else inf)
    return rows and a.start_col < b.end_col and b.start_col < a.end_col


def _rule_json(rule: ConditionalRule, ranges: Sequence[GridRange], sheet_id: int) -> JsonDict:
    condition: JsonDict = {"type": _CONDITIONS[rule.kind]}
    if rule.values:
        condition["values"] = [{"userEnteredValue": v} for v in rule.values]
    fmt: JsonDict = {"backgroundColorStyle": {"rgbColor": _rgb(rule.background)}}
    if rule.foreground:
        fmt["textFormat"] = {"foregroundColorStyle": {"rgbColor": _rgb(rule.foreground)}}
    return {"ranges": [_grid_range(r, sheet_id) for r in ranges],
            "booleanRule": {"condition": condition, "format": fmt}}


def _update_cells(sheet_id: int, row: int, col: int, rows: list[list[JsonDict]],
                  fields: str) -> JsonDict:
    width = max((len(r) for r in rows), default=1)
    return {"updateCells": {
        "range": {"sheetId": sheet_id, "startRowIndex": row, "endRowIndex": row + len(rows),
                  "startColumnIndex": col, "endColumnIndex": col + width},
        "rows": [{"values": r} for r in rows], "fields": fields}}


def _coalesce_edits(sheet_id: int, edits: list[tuple[int, int, JsonDict]]) -> list[JsonDict]:
    """Changed cells → few updateCells: runs of columns in a row, then runs of such rows."""
    by_row: dict[int, dict[int, JsonDict]] = defaultdict(dict)
    for r, c, cell in edits:
        by_row[r][c] = cell
    spans: list[tuple[int, int, int, list[JsonDict]]] = []  # (c0, c1, row, cells)
    for r in sorted(by_row):
        cols = sorted(by_row[r])
        for c0, c1 in _consecutive(cols):
            spans.append((c0, c1, r, [by_row[r][k] for k in range(c0, c1)]))
    spans.sort(key=lambda s: (s[0], s[1], s[2]))
    requests: list[JsonDict] = []
    block: list[tuple[int, int, int, list[JsonDict]]] = []
    for span in [*spans, None]:
        if span is not None and block and span[:2] == block[-1][:2] and span[2] == block[-1][2] + 1:
            block.append(span)
            continue
        if block:
            c0, _, r0, _ = block[0]
            rows = [b[3] for b in block]
            requests.append(_update_cells(sheet_id, r0, c0, rows, "userEnteredValue"))
        block = [span] if span is not None else []
    return requests


# Sizes in bytes used to choose between a repeatCell per run and a per-cell updateCells.
_REPEAT_BYTES = 190
_CELL_BYTES = 26


def _format_requests(sheet_id: int, grid: list[list[Cell]], width: int) -> list[JsonDict]:
    """Formats as few requests as possible: equal runs down a column become one repeatCell
    (merged across neighbouring columns with the same runs); a column whose formats change
    every few rows (money in several currencies) is cheaper as one updateCells of formats."""
    cache: dict[Cell, str | None] = {}

    def key_of(cell: Cell) -> str | None:
        if cell not in cache:
            fmt = _format_json(cell)
            cache[cell] = json.dumps(fmt, sort_keys=True, separators=(",", ":")) if fmt else None
        return cache[cell]

    height = len(grid)
    keys = [[key_of(row[c]) if c < len(row) else None for c in range(width)] for row in grid]
    column_runs: dict[int, list[tuple[int, int, str]]] = {}
    per_cell: list[int] = []
    for c in range(width):
        runs: list[tuple[int, int, str | None]] = []
        for r in range(height):
            k = keys[r][c]
            if runs and runs[-1][2] == k:
                runs[-1] = (runs[-1][0], r + 1, k)
            else:
                runs.append((r, r + 1, k))
        kept = [(s, e, k) for s, e, k in runs if k is not None]
        if not kept:
            continue
        run_cost = sum(_REPEAT_BYTES + len(k) for _, _, k in kept)
        cell_cost = _REPEAT_BYTES + sum(_CELL_BYTES + len(keys[r][c] or "") for r in range(height))
        if cell_cost < run_cost:
            per_cell.append(c)
        else:
            column_runs[c] = kept
    requests: list[JsonDict] = []
    open_rects: dict[tuple[int, int, str], int] = {}  # run → first column of its rectangle

    def close(run: tuple[int, int, str], end_col: int) -> None:
        start_row, end_row, k = run
        requests.append({"repeatCell": {
            "range": {"sheetId": sheet_id, "startRowIndex": start_row, "endRowIndex": end_row,
                      "startColumnIndex": open_rects.pop(run), "endColumnIndex": end_col},
            "cell": {"userEnteredFormat": json.loads(k)}, "fields": "userEnteredFormat"}})

    for c in range(width + 1):
        here = set(column_runs.get(c, ()))
        for run in [run for run in open_rects if run not in here]:
            close(run, c)
        for run in here:
            open_rects.setdefault(run, c)
    for c0, c1 in _consecutive(per_cell):
        rows = [{"values": [_format_cell(keys[r][c]) for c in range(c0, c1)]}
                for r in range(height)]
        requests.append({"updateCells": {
            "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": height,
                      "startColumnIndex": c0, "endColumnIndex": c1},
            "rows": rows, "fields": "userEnteredFormat"}})
    return requests


def _column_formats(tab: Tab, sheet_id: int, pos: Mapping[int, int]) -> list[JsonDict]:
    """A team tab's number formats for whole columns below the header, so what the team
    types in a new row (a due date) shows like the rest of the column."""
    requests = []
    for j, column in enumerate(tab.columns):
        pattern = pattern_for(column.format)
        if pattern:
            requests.append({"repeatCell": {
                "range": {"sheetId": sheet_id, "startRowIndex": 1,
                          "startColumnIndex": pos[j], "endColumnIndex": pos[j] + 1},
                "cell": {"userEnteredFormat": {"numberFormat": {
                    "type": _NUMBER_TYPES[column.format], "pattern": pattern}}},
                "fields": "userEnteredFormat.numberFormat"}})
    return requests


def _format_cell(key: str | None) -> JsonDict:
    return {"userEnteredFormat": json.loads(key)} if key else {}


def _consecutive(values: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for v in sorted(values):
        if out and out[-1][1] == v:
            out[-1] = (out[-1][0], v + 1)
        else:
            out.append((v, v + 1))
    return out


def _runs(values: Mapping[int, int]) -> list[tuple[int, int, int]]:
    """{index: value} → (start, end, value) runs of consecutive indices with equal values."""
    out: list[tuple[int, int, int]] = []
    for i in sorted(values):
        if out and out[-1][1] == i and out[-1][2] == values[i]:
            out[-1] = (out[-1][0], i + 1, values[i])
        else:
            out.append((i, i + 1, values[i]))
    return out


def _create_metadata(key: str, value: str, sheet_id: int | None) -> JsonDict:
    location: JsonDict = {"sheetId": sheet_id} if sheet_id is not None else {"spreadsheet": True}
    return {"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": key, "metadataValue": value, "location": location,
        "visibility": "DOCUMENT"}}}


def _delete_metadata(state: SheetState, key: str) -> list[JsonDict]:
    return [{"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {
        "metadataId": m["metadataId"]}}}} for m in state.metadata
        if m.get("metadataKey") == key and m.get("metadataId") is not None]


def _stable_id(*parts: object) -> int:
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % (2**31 - 2) + 1


def _protection_key(spec: Mapping[str, Any]) -> tuple[object, ...]:
    r = spec.get("range") or {}
    return (int(r.get("sheetId", 0)), r.get("startRowIndex", 0), r.get("endRowIndex"),
            r.get("startColumnIndex", 0), r.get("endColumnIndex"), spec.get("description", ""),
            bool(spec.get("warningOnly", False)))


# ================================================================== comparing with the Sheet


def _comparable(value: object) -> object:
    """One spelling per value, so a model cell and what the Sheet holds compare equal."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value)
    return text if text != "" else None


def _identity(row: Sequence[object], columns: list[int]) -> tuple[object, ...] | None:
    values = []
    for c in columns:
        v = _comparable(row[c]) if c < len(row) else None
        values.append(v.strip().casefold() if isinstance(v, str) else v)
    return tuple(values) if any(v not in (None, "") for v in values) else None


def _placed(tab: Tab, pos: Mapping[int, int]) -> Tab:
    """A team tab whose dropdowns, rules, protections and widths sit on the sheet columns its
    model columns are found in (``pos``): after the team inserted or moved a column, the status
    dropdown stays on Status instead of landing on the column that took its place. Widths are
    placed by ``_Planner._widths``. (Team tabs carry no formula rules, whose cell references
    would need rewriting too.)"""
    if all(pos.get(j, j) == j for j in range(len(tab.columns))):
        return tab

    def ranges(r: GridRange) -> list[GridRange]:
        columns = {pos.get(j, j) for j in range(r.start_col, r.end_col)}
        return [GridRange(r.start_row, r.end_row, a, b) for a, b in _consecutive(columns)]

    return dataclasses.replace(
        tab,
        validations=[dataclasses.replace(v, range=g) for v in tab.validations for g in ranges(v.range)],
        rules=[dataclasses.replace(r, range=g) for r in tab.rules for g in ranges(r.range)],
        protections=[dataclasses.replace(p, range=g) for p in tab.protections for g in ranges(p.range)],
    )


def _column_positions(tab: Tab, header: Sequence[object]) -> dict[int, int]:
    """Model column → sheet column, found by header text (or the column's key), so columns
    the team moved stay found and columns the team inserted are never written. A model column
    with no header in the Sheet takes its own place if that is blank, else the first free
    column after the header row."""
    names: dict[str, int] = {}
    for i, h in enumerate(header):
        text = _header_text(h)
        if text and text not in names:
            names[text] = i
    pos: dict[int, int] = {}
    for j, column in enumerate(tab.columns):
        found = names.get(column.header.strip().casefold(), names.get(column.key.casefold()))
        if found is not None and found not in pos.values():
            pos[j] = found
    for j, _column in enumerate(tab.columns):
        if j in pos:
            continue
        blank_here = j >= len(header) or not _header_text(header[j])
        if blank_here and j not in pos.values():
            pos[j] = j
        else:
            pos[j] = next(i for i in range(len(header), len(header) + len(tab.columns) + 1)
                          if i not in pos.values())
    return pos


def _header_text(value: object) -> str:
    return str(value).strip().casefold() if value is not None else ""


def _changed_cells(grid: list[list[Cell]], rows: list[list[object]]) -> int:
    changed = 0
    for r in range(max(len(grid), len(rows))):
        model = grid[r] if r < len(grid) else []
        sheet = rows[r] if r < len(rows) else []
        for c in range(max(len(model), len(sheet))):
            a = _comparable(model[c].value) if c < len(model) else None
            b = _comparable(sheet[c]) if c < len(sheet) else None
            changed += a != b
    return changed


def _text_at(rows: list[list[Cell]], r: int, c: int) -> bool:
    if not (0 <= r < len(rows) and c < len(rows[r])):
        return False
    value = rows[r][c].value
    return isinstance(value, str) and bool(value)
