"""The Google Sheets sink against the stand-in: what the Sheet looks like after each write.

Everything is read back through the stand-in (as Sheets stores it), never from the request.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from test_google_support import (
    STATUSES,
    calls_of,
    everything,
    sheet_of,
    sheets_calls,
    small_workbook,
)

from sheetsbot.google import GoogleClient, NotShared, RetryPolicy
from sheetsbot.sinks.google_sheets import (
    RUN_KEY,
    GoogleSheetsSink,
    GoogleSheetsSinkError,
    GoogleWriteSummary,
)
from sheetsbot.testing.google_standin import StandIn
from sheetsbot.workbook.model import Cell, ConditionalRule, GridRange, Tab, Workbook

#: The stand-in, a key, a client, a blank Sheet and a sink (see test_google_support).
pytest_plugins = ["test_google_support"]

TITLES = ["Dashboard", "ASINs", "Tasks", "Settings", "_state"]


# ----------------------------------------------------------------------- the first write


def test_first_write_turns_a_blank_sheet_into_the_template(google: StandIn, sheet_id: str,
                                                          sink: GoogleSheetsSink) -> None:
    summary = sink.write(small_workbook())

    assert google.sheet_titles(sheet_id) == TITLES  # the blank "Sheet1" is gone
    assert summary.created == tuple(TITLES) and summary.recreated == ()
    assert any("blank Sheet" in n for n in summary.notes)
    assert google.cells(sheet_id, "ASINs") == [
        ["ASIN", "Title", "Sales", "Units", "ACoS"],
        ["B0LUMEN001", '=HYPERLINK("http://evil")', "$1,234.50", "17", "21.0%"],
        ["B0LUMEN002", "Lamp, warm white", "€980.25", "9"],
    ]
    # Export text starting with "=" arrives as a string, never as a formula.
    title = google.cell_data(sheet_id, "ASINs!B2")
    assert title is not None and title["userEnteredValue"] == {
        "stringValue": '=HYPERLINK("http://evil")'}
    # KPI values are numbers at full precision; rounding is only the format.
    sales = google.cell_data(sheet_id, "Dashboard!B3")
    assert sales is not None and sales["userEnteredValue"] == {"numberValue": 12345.678}
    assert sales["userEnteredFormat"]["numberFormat"] == {"type": "CURRENCY",
                                                          "pattern": "$#,##0.00"}
    acos = google.cell_data(sheet_id, "ASINs!E2")
    assert acos is not None and acos["userEnteredFormat"]["numberFormat"]["type"] == "PERCENT"
    note = google.cell_data(sheet_id, "ASINs!E3")
    assert note is not None and note["note"] == "no ad sales" and "userEnteredValue" not in note
    header = google.cell_data(sheet_id, "Dashboard!A1")
    assert header is not None and header["userEnteredFormat"]["textFormat"]["bold"] is True


def test_first_write_sets_layout_rules_validation_charts_and_protection(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook())

    asins = sheet_of(google, sheet_id, "ASINs")
    grid = asins["properties"]["gridProperties"]
    assert (grid["frozenRowCount"], grid["frozenColumnCount"]) == (1, 1)
    assert [r["booleanRule"]["condition"]["type"] for r in asins["conditionalFormats"]] == [
        "NUMBER_GREATER"]
    assert asins["protectedRanges"][0]["warningOnly"] is True
    widths = google.store.spreadsheets[sheet_id].sheet_by_title("ASINs").col_meta
    assert widths[0]["pixelSize"] == 120 and widths[1]["pixelSize"] == 320

    dashboard = sheet_of(google, sheet_id, "Dashboard")
    assert dashboard["properties"]["tabColorStyle"]["rgbColor"]["blue"] > 0.9
    rules = dashboard["conditionalFormats"]
    # Identical one-row rules share one rule with two ranges; precedence is kept.
    assert [(r["booleanRule"]["condition"]["type"], len(r["ranges"])) for r in rules] == [
        ("TEXT_EQ", 2), ("TEXT_EQ", 2), ("NUMBER_GREATER", 1), ("CUSTOM_FORMULA", 1)]
    chart = dashboard["charts"][0]
    assert chart["spec"]["title"] == "US · Sales"
    assert chart["spec"]["basicChart"]["headerCount"] == 1  # series named by the row above
    assert chart["position"]["overlayPosition"]["anchorCell"]["columnIndex"] == 4

    state = sheet_of(google, sheet_id, "_state")
    assert state["properties"]["hidden"] is True
    tasks = google.cell_data(sheet_id, "Tasks!F2")
    assert tasks is not None
    assert [v["userEnteredValue"] for v in tasks["dataValidation"]["condition"]["values"]] == list(
        STATUSES)
    due = google.cell_data(sheet_id, "Tasks!E2")
    assert due is not None and due["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    settings_note = google.cell_data(sheet_id, "Settings!A1")
    assert settings_note is not None and settings_note["note"] == "Your knobs."


def test_summary_reports_size_and_calls(google: StandIn, sink: GoogleSheetsSink) -> None:
    google.clear_calls()
    summary = sink.write(small_workbook())
    assert isinstance(summary, GoogleWriteSummary)
    sent = calls_of(google, "sheets.spreadsheets.batchUpdate")
    assert len(sent) == 1 and summary.payload_bytes == sent[0].request_bytes
    assert summary.requests == len(sink.last_body["requests"])  # type: ignore[index]
    assert summary.sheets_calls == 2  # the read (no read_tabs before) and the write
    assert summary.warnings == ()
    assert "batchUpdate" in str(summary)


# ---------------------------------------------------------------------- calls per run


def test_one_get_per_read_and_one_batch_update_per_write(google: StandIn,
                                                         sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook())
    google.clear_calls()
    rows = sink.read_tabs(["Tasks", "Settings", "Run log", "_state"])
    assert sheets_calls(google) == ["sheets.spreadsheets.get"]
    assert rows["Run log"] == [] and rows["Tasks"][0][0] == "Key"
    summary = sink.write(small_workbook())
    assert sheets_calls(google) == ["sheets.spreadsheets.get", "sheets.spreadsheets.batchUpdate"]
    assert summary.sheets_calls == 1


def test_read_tabs_returns_raw_values(google: StandIn, sheet_id: str,
                                      sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook())
    google.edit_cell(sheet_id, "Settings!C3", "=1+1")      # a formula the team typed
    google.edit_cell(sheet_id, "Settings!C2", "150,000")
    google.edit_cell(sheet_id, "Tasks!E2", "2026-12-24")
    google.edit_cell(sheet_id, "Tasks!C2", "TRUE")
    rows = sink.read_tabs(["Settings", "Tasks", "Nope"])
    assert rows["Nope"] == []
    assert rows["Settings"][2][2] == "=1+1"                   # formulas as their text
    assert rows["Settings"][1][2] == 150000
    assert rows["Settings"][0] == ["Setting", "Scope", "Value", "Why"]
    assert rows["Tasks"][1][4] == dt.date(2026, 12, 24)       # dates as dates
    assert rows["Tasks"][1][2] is True
    assert rows["Tasks"][1][6:] == []                         # trailing blanks left out


# ----------------------------------------------------------------------- idempotence


def test_second_identical_write_changes_no_cell(google: StandIn, sheet_id: str,
                                                sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook())
    before = everything(google, sheet_id)
    summary = sink.write(small_workbook())
    assert summary.total_cells_changed == 0 and summary.rows_appended == {}
    after = everything(google, sheet_id)
    for title in TITLES:
        assert after[title]["cells"] == before[title]["cells"], title
        assert after[title]["cols"] == before[title]["cols"], title
        assert after[title]["sheet"]["properties"] == before[title]["sheet"]["properties"]
        # Unchanged charts and protections are left alone (same ids).
        for part in ("charts", "protectedRanges"):
            assert after[title]["sheet"].get(part) == before[title]["sheet"].get(part), title


def test_an_unchanged_tab_is_not_sent_again_but_a_hand_edit_is_repaired(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink) -> None:
    first = sink.write(small_workbook())
    second = sink.write(small_workbook())
    assert second.payload_bytes < first.payload_bytes / 4
    body = json.dumps(sink.last_body)
    assert "B0LUMEN001" not in body and "ConditionalFormatRule" not in body
    google.edit_cell(sheet_id, "ASINs!C2", "1")  # someone types over a generated number
    third = sink.write(small_workbook())
    assert third.cells_changed["ASINs"] == 1
    assert google.cell_data(sheet_id, "ASINs!C2")["userEnteredValue"] == {  # type: ignore[index]
        "numberValue": 1234.5}


def test_conditional_rules_never_pile_up(google: StandIn, sheet_id: str,
                                         sink: GoogleSheetsSink) -> None:
    for _ in range(3):
        sink.write(small_workbook())
    assert len(sheet_of(google, sheet_id, "Dashboard")["conditionalFormats"]) == 4
    assert len(sheet_of(google, sheet_id, "ASINs")["conditionalFormats"]) == 1
    assert len(sheet_of(google, sheet_id, "Tasks")["conditionalFormats"]) == 1
    assert len(sheet_of(google, sheet_id, "ASINs")["protectedRanges"]) == 1
    assert len(sheet_of(google, sheet_id, "Dashboard")["charts"]) == 1
    metadata = google.spreadsheet(sheet_id).get("developerMetadata", [])
    assert [m["metadataKey"] for m in metadata] == [RUN_KEY]  # one marker, the last run's


def test_the_teams_own_rules_on_team_tabs_are_kept(google: StandIn, sheet_id: str,
                                                   sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook())
    tasks_id = sheet_of(google, sheet_id, "Tasks")["properties"]["sheetId"]
    overdue = {"ranges": [{"sheetId": tasks_id, "startRowIndex": 1, "startColumnIndex": 4,
                           "endColumnIndex": 5}],
               "booleanRule": {"condition": {"type": "DATE_BEFORE",
                                             "values": [{"relativeDate": "TODAY"}]},
                               "format": {"backgroundColor": {"red": 1}}}}
    sink.client.batch_update(sheet_id, {"requests": [
        {"addConditionalFormatRule": {"index": 1, "rule": overdue}}]})
    book = small_workbook()
    book.tab("tasks").rules.append(ConditionalRule(GridRange(1, None, 5, 6), "text_eq",
                                                   ("Blocked",), "#F4C7C3"))
    for _ in range(2):
        sink.write(book)
    rules = sheet_of(google, sheet_id, "Tasks")["conditionalFormats"]
    kinds = [r["booleanRule"]["condition"]["type"] for r in rules]
    assert kinds == ["TEXT_EQ", "TEXT_EQ", "DATE_BEFORE"]  # ours (replaced), then theirs


def test_a_shrinking_tab_leaves_nothing_behind(google: StandIn, sheet_id: str,
                                               sink: GoogleSheetsSink) -> None:
    book = small_workbook()
    sink.write(book)
    asins = book.tab("asins")
    asins.rows = asins.rows[:1]
    asins.rules = [ConditionalRule(GridRange(1, None, 3, 4), "<", ("5",), "#F4C7C3")]
    sink.write(book)
    assert google.cells(sheet_id, "ASINs", "FORMULA") == [
        ["ASIN", "Title", "Sales", "Units", "ACoS"],
        ["B0LUMEN001", '=HYPERLINK("http://evil")', 1234.5, 17, 0.21]]
    assert google.cell_data(sheet_id, "ASINs!C3") is None  # value, format and note cleared
    rules = sheet_of(google, sheet_id, "ASINs")["conditionalFormats"]
    assert [r["booleanRule"]["condition"]["type"] for r in rules] == ["NUMBER_LESS"]


# ---------------------------------------------------------------- the team's edits


def test_team_edits_survive_a_write_that_adds_tasks(google: StandIn, sheet_id: str,
                                                    sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook(tasks=2))
    # The team works in the Sheet: status, owner, due date, notes; a row of their own;
    # their own value in Settings.
    google.edit_cell(sheet_id, "Tasks!F2", "Done")
    google.edit_cell(sheet_id, "Tasks!D3", "Chen Jing")
    google.edit_cell(sheet_id, "Tasks!E3", "2026-11-30")
    google.edit_cell(sheet_id, "Tasks!G2", "cut 25 % instead")
    google.edit_cell(sheet_id, "Tasks!B4", "Call the 3PL about the late shipment")
    google.edit_cell(sheet_id, "Tasks!D4", "Wang Fang")
    google.edit_cell(sheet_id, "Settings!C2", "150000")
    google.edit_cell(sheet_id, "Settings!C3", "> 0.4")

    rows = sink.read_tabs(["Tasks", "Settings"])
    assert rows["Tasks"][3][:2] == [None, "Call the 3PL about the late shipment"]
    book = small_workbook(tasks=4, evidence="ACoS 52 % > 35 %")  # new evidence, two new tasks
    book.tab("settings").rows.append([Cell.text("lead_time_days"), Cell.text(None),
                                      Cell.number(30), Cell.text("Days from order to FBA")])
    summary = sink.write(book)

    tasks = google.cells(sheet_id, "Tasks")
    assert tasks[1] == ["ads.cut|US|C0|2026-W47", "Cut budget of campaign C0", "ACoS 52 % > 35 %",
                        "Li Wei", "2026-11-25", "Done", "cut 25 % instead"]
    assert tasks[2] == ["ads.cut|US|C1|2026-W47", "Cut budget of campaign C1", "ACoS 52 % > 35 %",
                        "Chen Jing", "2026-11-30", "To do"]
    assert tasks[3] == ["", "Call the 3PL about the late shipment", "", "Wang Fang"]
    assert [row[0] for row in tasks[4:]] == ["ads.cut|US|C2|2026-W47", "ads.cut|US|C3|2026-W47"]
    assert tasks[4][5] == "To do" and tasks[4][4] == "2026-11-25"   # new rows come whole
    assert summary.rows_appended == {"Tasks": 2, "Settings": 1}
    # The new rows carry the dropdown, and the date column its format.
    assert google.cell_data(sheet_id, "Tasks!F6")["dataValidation"]  # type: ignore[index]
    settings = google.cells(sheet_id, "Settings")
    target = google.cell_data(sheet_id, "Settings!C2")
    assert target is not None and target["userEnteredValue"] == {"numberValue": 150000}
    assert settings[2][2] == "> 0.4"  # the team's values are never rewritten
    assert settings[3] == ["lead_time_days", "", "30.00", "Days from order to FBA"]
    # Writing the same again changes nothing, the team's cells included.
    again = sink.write(book)
    assert again.total_cells_changed == 0 and google.cells(sheet_id, "Tasks") == tasks


def test_team_columns_and_moved_columns_are_respected(google: StandIn, sheet_id: str,
                                                      sink: GoogleSheetsSink) -> None:
    """A column the team inserted is never written; generated columns are found by header."""
    sink.write(small_workbook(tasks=1))
    book = google.store.spreadsheets[sheet_id]
    tasks_sheet = book.sheet_by_title("Tasks")
    # The team inserts a "Budget" column between Action and Evidence (as the UI would).
    from sheetsbot.testing.google_standin.batch_update import insert_dimension

    with google.store.transaction():
        insert_dimension(book, tasks_sheet, "COLUMNS", 2, 3)
    google.edit_cell(sheet_id, "Tasks!C1", "Budget")
    google.edit_cell(sheet_id, "Tasks!C2", "$50/day")
    sink.read_tabs(["Tasks"])
    sink.write(small_workbook(tasks=1, evidence="ACoS 60 % > 35 %"))
    row = google.cells(sheet_id, "Tasks")[1]
    assert row[:4] == ["ads.cut|US|C0|2026-W47", "Cut budget of campaign C0", "$50/day",
                       "ACoS 60 % > 35 %"]
    # The tab's furniture follows its columns: the status dropdown and its colours stay on
    # Status (now G), never land on Due (F); the team's Budget column (C) is not protected.
    assert google.cell_data(sheet_id, "Tasks!G2")["dataValidation"]  # type: ignore[index]
    assert "dataValidation" not in (google.cell_data(sheet_id, "Tasks!F2") or {})
    sheet = sheet_of(google, sheet_id, "Tasks")
    protected = {c for p in sheet.get("protectedRanges", [])
                 for c in range(p["range"].get("startColumnIndex", 0), p["range"]["endColumnIndex"])}
    assert protected == {0, 1, 3}
    rule_columns = {r.get("startColumnIndex") for rule in sheet.get("conditionalFormats", [])
                    for r in rule["ranges"]}
    assert rule_columns == {6}


@pytest.mark.parametrize("move", ["insert a row", "sort the rows"])
def test_rows_moved_by_the_team_while_the_run_computes_are_found_again(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink, client: GoogleClient, move: str) -> None:
    """Known rows are updated in place by position: a row inserted (or the tab sorted) after the
    read would put this run's evidence on the wrong rows. The sink checks the rows it updates
    just before the write, and plans again on a fresh read when they moved."""
    sink.write(small_workbook(tasks=3))
    sink.read_tabs(["Tasks"])
    if move == "insert a row":  # as the team does in the UI, while the run computes
        google.insert_rows(sheet_id, "Tasks", 3)
        google.edit_cell(sheet_id, "Tasks!B3", "Call the 3PL (typed by hand)")
        expected_keys = ["ads.cut|US|C0|2026-W47", "", "ads.cut|US|C1|2026-W47", "ads.cut|US|C2|2026-W47"]
    else:
        # The team sorts the tasks Z→A (sent through the API: the UI sends the same request).
        body = {"requests": [{"sortRange": {
            "range": {"sheetId": sheet_of(google, sheet_id, "Tasks")["properties"]["sheetId"],
                      "startRowIndex": 1, "endRowIndex": 4},
            "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}]}}]}
        client.batch_update(sheet_id, body)
        expected_keys = ["ads.cut|US|C2|2026-W47", "ads.cut|US|C1|2026-W47", "ads.cut|US|C0|2026-W47"]
    google.clear_calls()
    summary = sink.write(small_workbook(tasks=3, evidence="ACoS 52 % > 35 %"))
    tasks = google.cells(sheet_id, "Tasks")
    assert [row[0] for row in tasks[1:]] == expected_keys
    for row in tasks[1:]:
        if row[0]:
            assert row[2] == "ACoS 52 % > 35 %", row
        else:
            assert row == ["", "Call the 3PL (typed by hand)"]
    assert any("moved" in n and "planned again" in n for n in summary.notes), summary.notes
    assert sheets_calls(google) == ["sheets.spreadsheets.get", "sheets.spreadsheets.get",
                                    "sheets.spreadsheets.get", "sheets.spreadsheets.batchUpdate"]


@pytest.mark.parametrize("change", ["deleted", "renamed"])
def test_a_team_tab_deleted_or_renamed_while_its_rows_are_checked_is_made_again(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink, change: str) -> None:
    """The check of the rows a plan updates asks for the tab by title: a tab gone meanwhile
    is a change like any other (re-read, re-plan, the tab made again), never a failed run."""
    sink.write(small_workbook(tasks=3))
    sink.read_tabs(["Tasks"])
    if change == "deleted":
        google.delete_sheet(sheet_id, "Tasks")
    else:
        google.rename_sheet(sheet_id, "Tasks", "Tasks (old)")
    summary = sink.write(small_workbook(tasks=3, evidence="ACoS 52 % > 35 %"))
    assert summary.recreated == ("Tasks",)
    tasks = google.cells(sheet_id, "Tasks")
    assert [row[2] for row in tasks[1:]] == ["ACoS 52 % > 35 %"] * 3


# ----------------------------------------------------------------- tabs come and go


def test_deleted_tab_is_recreated_and_reported(google: StandIn, sheet_id: str,
                                               sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook())
    google.delete_sheet(sheet_id, "ASINs")
    summary = sink.write(small_workbook())
    assert summary.recreated == ("ASINs",)
    assert any("'ASINs' was missing" in n for n in summary.notes)
    assert google.sheet_titles(sheet_id) == TITLES  # back in its place
    assert google.cells(sheet_id, "ASINs")[1][0] == "B0LUMEN001"


def test_renamed_tab_is_recreated_and_the_renamed_one_left_alone(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook())
    google.rename_sheet(sheet_id, "ASINs", "ASINs (W46)")
    google.edit_cell(sheet_id, "'ASINs (W46)'!B3", "my comparison")
    summary = sink.write(small_workbook())
    assert summary.recreated == ("ASINs",)
    assert any("renamed to 'ASINs (W46)'" in n for n in summary.notes)
    assert "ASINs (W46)" in google.sheet_titles(sheet_id)
    assert google.cells(sheet_id, "'ASINs (W46)'")[2][1] == "my comparison"
    # From now on it is the team's tab: a third run touches it no more.
    again = sink.write(small_workbook())
    assert again.recreated == ()
    assert google.cells(sheet_id, "'ASINs (W46)'")[2][1] == "my comparison"


def test_a_tab_the_team_added_is_untouched(google: StandIn, sheet_id: str,
                                           sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook())
    sink.client.batch_update(sheet_id, {"requests": [
        {"addSheet": {"properties": {"title": "Our notes", "sheetId": 77}}},
        {"addConditionalFormatRule": {"index": 0, "rule": {
            "ranges": [{"sheetId": 77, "startRowIndex": 0, "endRowIndex": 5}],
            "booleanRule": {"condition": {"type": "NOT_BLANK"},
                            "format": {"backgroundColor": {"red": 1}}}}}},
        {"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": 77, "startRowIndex": 0, "endRowIndex": 1},
            "description": "the team's", "warningOnly": True}}},
    ]})
    google.edit_cell(sheet_id, "'Our notes'!A1", "Promo plan for BFCM")
    before = everything(google, sheet_id)["Our notes"]
    summary = sink.write(small_workbook())
    assert everything(google, sheet_id)["Our notes"] == before
    assert "Our notes" not in summary.tabs
    assert google.sheet_titles(sheet_id)[-1] == "Our notes"


def test_the_sheet_changing_between_read_and_write_is_planned_again(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook())
    sink.read_tabs(["Tasks"])
    google.delete_sheet(sheet_id, "ASINs")  # someone deletes a tab while the run computes
    google.clear_calls()
    summary = sink.write(small_workbook())
    assert sheets_calls(google) == ["sheets.spreadsheets.batchUpdate", "sheets.spreadsheets.get",
                                    "sheets.spreadsheets.batchUpdate"]
    assert summary.recreated == ("ASINs",) and any("planned again" in n for n in summary.notes)
    assert google.sheet_titles(sheet_id) == TITLES


def test_dry_run_plans_without_writing(google: StandIn, sheet_id: str,
                                       client: GoogleClient) -> None:
    dry = GoogleSheetsSink(sheet_id, client, dry_run=True)
    summary = dry.write(small_workbook())
    assert summary.sent is False and summary.requests > 10
    assert calls_of(google, "sheets.spreadsheets.batchUpdate") == []
    assert google.sheet_titles(sheet_id) == ["Sheet1"]


def test_duplicate_titles_are_refused(sink: GoogleSheetsSink) -> None:
    book = Workbook("x", "en", [Tab(key="a", title="Tasks"), Tab(key="b", title="tasks")])
    with pytest.raises(GoogleSheetsSinkError, match="same title"):
        sink.write(book)


# -------------------------------------------------------------- faults and lost answers


def _statuses(google: StandIn) -> list[int]:
    return [c.status for c in calls_of(google, "sheets.spreadsheets.batchUpdate")]


def test_a_429_storm_with_retry_after_ends_in_exactly_one_applied_write(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook(tasks=2))
    sink.read_tabs(["Tasks"])
    google.clear_calls()
    google.set_faults("batchUpdate:1-2=429/1")
    started = time.monotonic()
    summary = sink.write(small_workbook(tasks=3))
    assert time.monotonic() - started >= 2.0        # Retry-After: 1, twice, honoured
    assert _statuses(google) == [429, 429, 200]
    assert summary.rows_appended == {"Tasks": 1}
    keys = [row[0] for row in google.cells(sheet_id, "Tasks")[1:]]
    assert keys == [f"ads.cut|US|C{i}|2026-W47" for i in range(3)]   # appended once


def test_a_lost_answer_after_the_write_was_applied_is_not_applied_twice(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook(tasks=2))
    sink.read_tabs(["Tasks"])
    google.clear_calls()
    google.set_faults("batchUpdate:1=reset-after")
    summary = sink.write(small_workbook(tasks=4))
    # One write (its answer lost), then one read to look: no second write.
    assert sheets_calls(google) == ["sheets.spreadsheets.batchUpdate", "sheets.spreadsheets.get"]
    assert any("applied, once" in n for n in summary.notes)
    keys = [row[0] for row in google.cells(sheet_id, "Tasks")[1:]]
    assert keys == [f"ads.cut|US|C{i}|2026-W47" for i in range(4)]
    assert len(sheet_of(google, sheet_id, "Dashboard")["conditionalFormats"]) == 4


def test_a_write_dropped_before_it_was_applied_is_planned_again_and_sent(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook(tasks=2))
    sink.read_tabs(["Tasks"])
    google.clear_calls()
    google.set_faults("batchUpdate:1=reset")
    summary = sink.write(small_workbook(tasks=3))
    assert sheets_calls(google) == ["sheets.spreadsheets.batchUpdate", "sheets.spreadsheets.get",
                                    "sheets.spreadsheets.batchUpdate"]
    assert _statuses(google) == [0, 200]
    assert any("was not applied" in n for n in summary.notes) and summary.attempts == 2
    assert len(google.cells(sheet_id, "Tasks")) == 4


def test_a_5xx_on_the_write_is_checked_before_anything_is_sent_again(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink) -> None:
    sink.write(small_workbook(tasks=1))
    google.clear_calls()
    google.set_faults("batchUpdate:1=503")
    sink.write(small_workbook(tasks=2))
    assert sheets_calls(google) == ["sheets.spreadsheets.get", "sheets.spreadsheets.batchUpdate",
                                    "sheets.spreadsheets.get", "sheets.spreadsheets.batchUpdate"]
    assert len(google.cells(sheet_id, "Tasks")) == 3


def test_answers_lost_every_time_end_in_a_clear_error(google: StandIn, sheet_id: str,
                                                      sink: GoogleSheetsSink) -> None:
    from sheetsbot.google import GoogleUnavailable

    sink.write(small_workbook(tasks=1))
    before = everything(google, sheet_id)
    google.set_faults("batchUpdate:*=reset")
    with pytest.raises(GoogleUnavailable, match="was not applied: nothing changed"):
        sink.write(small_workbook(tasks=2))
    assert everything(google, sheet_id) == before


def test_the_same_write_cannot_be_applied_twice(google: StandIn, sheet_id: str,
                                                sink: GoogleSheetsSink) -> None:
    """The guard behind the lost-answer handling: re-sending a body is refused by Google."""
    sink.write(small_workbook())
    body = json.dumps(sink.last_body).encode()
    from sheetsbot.google import GoogleApiError

    with pytest.raises(GoogleApiError) as refused:
        sink.client.batch_update(sheet_id, body)
    assert refused.value.status == 400 and "already exists" in refused.value.detail


def test_read_retries_5xx_and_connection_drops(google: StandIn, sink: GoogleSheetsSink) -> None:
    google.set_faults("get:1=500;get:2=reset;get:3=503")
    assert sink.read_tabs(["Tasks"]) == {"Tasks": []}
    assert [c.status for c in calls_of(google, "sheets.spreadsheets.get")] == [500, 0, 503, 200]


def test_an_expired_token_is_refreshed(google: StandIn, sink: GoogleSheetsSink) -> None:
    sink.read_tabs(["Tasks"])
    google.expire_tokens()
    sink.write(small_workbook())
    assert [c.status for c in calls_of(google, "sheets.spreadsheets.batchUpdate")] == [401, 200]


def test_an_unshared_or_read_only_sheet_says_what_to_share(google: StandIn,
                                                           client: GoogleClient) -> None:
    private = google.add_spreadsheet("Someone else's", share_with=None)
    with pytest.raises(NotShared) as exc:
        GoogleSheetsSink(private, client).read_tabs(["Tasks"])
    assert client.client_email in str(exc.value) and "as Editor" in str(exc.value)
    viewer = google.add_spreadsheet("Read only", role="reader")
    sink = GoogleSheetsSink(viewer, client)
    sink.read_tabs(["Tasks"])
    with pytest.raises(NotShared, match="without edit rights") as exc:
        sink.write(small_workbook())
    assert exc.value.role == "Editor"


def test_a_large_workbook_is_one_request_under_the_recommended_size(
        google: StandIn, sheet_id: str, sink: GoogleSheetsSink) -> None:
    book = small_workbook(tasks=300)
    asins = book.tab("asins")
    row = asins.rows[0]
    asins.rows = [[Cell.text(f"B0{i:08d}"), row[1], row[2], row[3], row[4]] for i in range(2000)]
    summary = sink.write(book)
    assert len(calls_of(google, "sheets.spreadsheets.batchUpdate")) == 1
    assert summary.payload_bytes < 2_000_000 and summary.warnings == ()
    assert len(google.cells(sheet_id, "ASINs")) == 2001


def test_fetch_is_sent_to_the_env_base_url(google: StandIn, key_file, sheet_id: str,  # noqa: F811
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEETSBOT_GOOGLE_API_URL", google.url + "/")
    env_client = GoogleClient.from_key_file(key_file, policy=RetryPolicy(deadline=5))
    assert GoogleSheetsSink(sheet_id, env_client).read_tabs(["Tasks"]) == {"Tasks": []}
