"""Sheets v4 through the real gspread client: values, batchUpdate, atomicity, validation."""

from __future__ import annotations

import gspread
import pytest
from standin_helpers import bearer_session, error_of

from sheetsbot.testing.google_standin import StandIn


def _api_error(excinfo: pytest.ExceptionInfo[gspread.exceptions.APIError]) -> dict:
    return excinfo.value.response.json()["error"]


def test_create_open_and_values_round_trip(standin: StandIn, gc: gspread.Client) -> None:
    book = gc.create("Weekly KPIs")
    assert gc.open_by_key(book.id).title == "Weekly KPIs"
    ws = book.sheet1
    ws.update([["Week", "Sales", "ACoS"], ["2026-W47", "1,234.50", "23.5%"]], "A1",
              value_input_option="USER_ENTERED")
    assert ws.get("A1:C2") == [["Week", "Sales", "ACoS"], ["2026-W47", "1,234.50", "23.50%"]]
    assert ws.get("B2:C2", value_render_option="UNFORMATTED_VALUE") == [[1234.5, 0.235]]
    ws.update([["=1+1", "=SUM(B2:B3)"]], "D1", value_input_option="USER_ENTERED")
    assert ws.get("D1:E1", value_render_option="FORMULA") == [["=1+1", "=SUM(B2:B3)"]]
    assert ws.get("D1:E1") == [["2"]]  # only constant arithmetic is evaluated
    ws.append_row(["2026-W48", 99])
    assert ws.get_all_values()[2][:2] == ["2026-W48", "99"]
    ranges = book.values_batch_get(["Sheet1!A1:A3", "Sheet1!B1"])
    assert [r["values"] for r in ranges["valueRanges"]] == [
        [["Week"], ["2026-W47"], ["2026-W48"]], [["Sales"]]]
    ws.batch_clear(["A3:B3"])
    ws.update([["RAW =text"]], "A5", value_input_option="RAW")
    assert ws.acell("A5", value_render_option="FORMULA").value == "RAW =text"
    book.values_clear("Sheet1!A1:A2")
    assert standin.cells(book.id, "Sheet1!A1:B2") == [["", "Sales"], ["", "1,234.50"]]


def test_batch_update_with_many_kinds_is_applied(standin: StandIn, gc: gspread.Client) -> None:
    book = gc.create("Many kinds")
    reply = book.batch_update({"requests": [
        {"addSheet": {"properties": {"title": "Tasks", "gridProperties": {"rowCount": 50,
                                                                          "columnCount": 8}}}},
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                         "rows": [{"values": [{"userEnteredValue": {"stringValue": "KPI"}},
                                              {"userEnteredValue": {"numberValue": 0.25}}]}],
                         "fields": "userEnteredValue"}},
        {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                        "fields": "userEnteredFormat.textFormat.bold"}},
        {"updateSheetProperties": {"properties": {"sheetId": 0, "title": "Dashboard",
                                                  "gridProperties": {"frozenRowCount": 1}},
                                   "fields": "title,gridProperties.frozenRowCount"}},
        {"updateSpreadsheetProperties": {"properties": {"timeZone": "Europe/Berlin"},
                                         "fields": "timeZone"}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                       "endIndex": 3}}},
        {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                       "endIndex": 2}}},
        {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 2}},
        {"updateDimensionProperties": {"range": {"sheetId": 0, "dimension": "COLUMNS",
                                                 "startIndex": 0, "endIndex": 1},
                                       "properties": {"pixelSize": 180}, "fields": "pixelSize"}},
        {"mergeCells": {"range": {"sheetId": 0, "startRowIndex": 5, "endRowIndex": 6,
                                  "startColumnIndex": 0, "endColumnIndex": 3},
                        "mergeType": "MERGE_ALL"}},
        {"updateBorders": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1,
                                     "startColumnIndex": 0, "endColumnIndex": 2},
                           "bottom": {"style": "SOLID", "color": {"red": 1}}}},
        {"addConditionalFormatRule": {"rule": {
            "ranges": [{"sheetId": 0, "startColumnIndex": 1, "endColumnIndex": 2}],
            "booleanRule": {"condition": {"type": "NUMBER_GREATER",
                                          "values": [{"userEnteredValue": "0.35"}]},
                            "format": {"backgroundColor": {"red": 1}}}}, "index": 0}},
        {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 5,
                                         "startColumnIndex": 2, "endColumnIndex": 3},
                               "rule": {"condition": {"type": "ONE_OF_LIST", "values": [
                                   {"userEnteredValue": "To do"},
                                   {"userEnteredValue": "Done"}]}, "strict": True}}},
        {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 0, "startRowIndex": 0,
                                                            "endRowIndex": 1},
                                                  "warningOnly": True}}},
        {"addNamedRange": {"namedRange": {"name": "Header", "range": {
            "sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}}}},
        {"setBasicFilter": {"filter": {"range": {"sheetId": 0, "startRowIndex": 0,
                                                 "endRowIndex": 5}}}},
        {"addChart": {"chart": {"spec": {"title": "Sales", "basicChart": {
            "chartType": "LINE", "domains": [], "series": []}},
            "position": {"overlayPosition": {"anchorCell": {"sheetId": 0, "rowIndex": 8,
                                                            "columnIndex": 0}}}}}},
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": "sheetsbot.state", "metadataValue": "v1",
            "location": {"spreadsheet": True}, "visibility": "DOCUMENT"}}},
        {"autoResizeDimensions": {"dimensions": {"sheetId": 0, "dimension": "COLUMNS",
                                                 "startIndex": 0, "endIndex": 1}}},
    ]})
    replies = reply["replies"]
    assert len(replies) == 19
    new_sheet_id = replies[0]["addSheet"]["properties"]["sheetId"]
    assert replies[0]["addSheet"]["properties"]["title"] == "Tasks"
    assert replies[13]["addProtectedRange"]["protectedRange"]["protectedRangeId"] > 0
    assert replies[14]["addNamedRange"]["namedRange"]["namedRangeId"]
    assert replies[16]["addChart"]["chart"]["chartId"] > 0
    assert replies[17]["createDeveloperMetadata"]["developerMetadata"]["metadataKey"]
    assert replies[1] == {}

    meta = standin.spreadsheet(book.id)
    dashboard = meta["sheets"][0]
    assert dashboard["properties"]["title"] == "Dashboard"
    assert dashboard["properties"]["gridProperties"]["frozenRowCount"] == 1
    assert dashboard["properties"]["gridProperties"]["rowCount"] == 1001
    assert dashboard["properties"]["gridProperties"]["columnCount"] == 28
    assert dashboard["merges"] == [{"startRowIndex": 5, "endRowIndex": 6,
                                    "startColumnIndex": 0, "endColumnIndex": 3}]
    assert len(dashboard["conditionalFormats"]) == 1
    assert dashboard["basicFilter"]["range"]["endRowIndex"] == 5
    assert meta["sheets"][1]["properties"]["sheetId"] == new_sheet_id
    assert meta["properties"]["timeZone"] == "Europe/Berlin"
    assert meta["namedRanges"][0]["name"] == "Header"
    assert standin.cells(book.id, "Dashboard!A1:B1") == [["KPI", "0.25"]]
    cell = standin.cell_data(book.id, "Dashboard!A1")
    assert cell is not None
    assert cell["userEnteredFormat"]["textFormat"]["bold"] is True
    assert cell["userEnteredFormat"]["borders"]["bottom"]["style"] == "SOLID"
    validated = standin.cell_data(book.id, "Dashboard!C3")
    assert validated and validated["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"


def test_one_invalid_sub_request_applies_nothing(standin: StandIn, gc: gspread.Client) -> None:
    book = gc.create("Atomic")
    book.sheet1.update([["before"]], "A1")
    before = standin.spreadsheet(book.id)
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        book.batch_update({"requests": [
            {"addSheet": {"properties": {"title": "New tab"}}},
            {"updateCells": {"start": {"sheetId": 0}, "fields": "userEnteredValue", "rows": [
                {"values": [{"userEnteredValue": {"stringValue": "after"}}]}]}},
            {"deleteSheet": {"sheetId": 424242}},
        ]})
    error = _api_error(excinfo)
    assert error["code"] == 400
    assert error["message"] == "Invalid requests[2].deleteSheet: No sheet with id: 424242"
    assert standin.spreadsheet(book.id) == before
    assert standin.cells(book.id, "Sheet1!A1") == [["before"]]
    assert standin.sheet_titles(book.id) == ["Sheet1"]


@pytest.mark.parametrize("request_, message", [
    ({"addSheet": {"properties": {"title": "x"}, "foo": 1}},
     "Invalid JSON payload received. Unknown name \"foo\" at 'requests[0].add_sheet': "
     "Cannot find field."),
    ({"addSheet": {"properties": {"title": "x"}}, "deleteSheet": {"sheetId": 0}},
     "Invalid value at 'requests[0]' (oneof), oneof field 'kind' is already set. Cannot set "
     "'deleteSheet'"),
    ({"updateSheetProperties": {"properties": {"sheetId": 0, "title": "x"}}},
     "Invalid requests[0].updateSheetProperties: At least one field must be specified."),
    ({"updateSheetProperties": {"properties": {"sheetId": 0, "title": "x"}, "fields": "nope"}},
     "Invalid requests[0].updateSheetProperties: Invalid field mask path 'nope': no such "
     "field in SheetProperties."),
    ({"insertDimension": {"range": {"sheetId": 0, "dimension": "DIAGONAL"}}},
     "Invalid value at 'requests[0].insert_dimension.range.dimension' "
     "(type.googleapis.com/google.apps.sheets.v4.Dimension), \"DIAGONAL\""),
    ({"addSheet": {"properties": {"gridProperties": {"rowCount": "many"}}}},
     "Invalid value at 'requests[0].add_sheet.properties.grid_properties.row_count' "
     "(TYPE_INT32), \"many\""),
    ({"updateCells": {"start": {"sheetId": 0}, "fields": "userEnteredValue", "rows": [
        {"values": [{"userEnteredValue": {"stringValue": "a", "numberValue": 1}}]}]}},
     "Invalid value at 'requests[0].update_cells.rows[0].values[0].user_entered_value' "
     "(oneof), oneof field 'value' is already set. Cannot set 'numberValue'"),
    ({"addSheet": {"properties": {"title": "Huge", "gridProperties": {
        "rowCount": 400000, "columnCount": 26}}}},
     "This action would increase the number of cells in the workbook above the limit of "
     "10000000 cells."),
    ({"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 18253}},
     "This action would increase the number of columns in sheet 'Sheet1' above the limit of "
     "18278 columns."),
])
def test_batch_update_validation(gc: gspread.Client, request_: dict, message: str) -> None:
    book = gc.create("Validation")
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        book.batch_update({"requests": [request_]})
    error = _api_error(excinfo)
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["message"] == message


def test_value_errors(standin: StandIn, gc: gspread.Client) -> None:
    book = gc.create("Values")
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        book.values_get("Nope!A1")
    assert _api_error(excinfo)["message"] == "Unable to parse range: Nope!A1"
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        book.sheet1.update([["x" * 50_001]], "A1")
    assert _api_error(excinfo)["message"] == (
        "Your input contains more than the maximum of 50000 characters in a single cell.")
    assert book.sheet1.get("A1") == [[]]
    book.sheet1.update([["x" * 50_000]], "A1")  # exactly at the limit is fine
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        book.sheet1.update([["a", "b", "c"]], "A1:B1")
    assert "tried writing to column [C]" in _api_error(excinfo)["message"]
    with pytest.raises(gspread.exceptions.APIError) as excinfo:
        book.sheet1.update([["a"]], "A1001")
    assert "exceeds grid limits" in _api_error(excinfo)["message"]


def test_query_validation(standin: StandIn, gc: gspread.Client) -> None:
    book = gc.create("Query")
    session = bearer_session(standin)
    base = f"{standin.url}/v4/spreadsheets/{book.id}"
    unknown = session.get(base + "/values/A1", params={"foo": "1"})
    assert unknown.status_code == 400
    assert error_of(unknown)["message"] == (
        'Invalid JSON payload received. Unknown name "foo": Cannot bind query parameter. '
        "Field 'foo' could not be found in request message.")
    missing = session.put(base + "/values/A1", json={"values": [["x"]]})
    assert error_of(missing)["message"] == "'valueInputOption' is required but not specified"
    bad_enum = session.put(base + "/values/A1", params={"valueInputOption": "MAYBE"},
                           json={"values": [["x"]]})
    assert error_of(bad_enum)["message"] == (
        "Invalid value at 'value_input_option' "
        "(type.googleapis.com/google.apps.sheets.v4.ValueInputOption), \"MAYBE\"")
    bad_type = session.put(base + "/values/A1", params={"valueInputOption": "RAW"},
                           json={"values": "X"})
    assert error_of(bad_type)["message"] == (
        "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), \"X\"")
    assert error_of(bad_type)["details"][0]["fieldViolations"][0]["field"] == "data.values"


def test_fields_ranges_and_grid_data(standin: StandIn, gc: gspread.Client) -> None:
    book = gc.create("Fields")
    book.sheet1.update([["a", 1]], "A1")
    slim = book.fetch_sheet_metadata({"fields": "sheets.properties(title,sheetId)"})
    assert slim == {"sheets": [{"properties": {"sheetId": 0, "title": "Sheet1"}}]}
    session = bearer_session(standin)
    grid = session.get(f"{standin.url}/v4/spreadsheets/{book.id}",
                       params={"ranges": "Sheet1!A1:B1", "includeGridData": "true"}).json()
    row = grid["sheets"][0]["data"][0]["rowData"][0]["values"]
    assert row[0]["formattedValue"] == "a"
    assert row[1]["effectiveValue"] == {"numberValue": 1}


def test_unshared_spreadsheet_is_403_and_unknown_is_404(standin: StandIn,
                                                        gc: gspread.Client) -> None:
    book = gc.create("Private soon")
    standin.unshare(book.id)
    with pytest.raises(PermissionError) as excinfo:  # gspread's name for a 403 on open
        gc.open_by_key(book.id)
    cause = excinfo.value.__cause__
    assert isinstance(cause, gspread.exceptions.APIError)
    assert cause.response.json()["error"] == {
        "code": 403, "message": "The caller does not have permission",
        "status": "PERMISSION_DENIED"}
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key("1" + "x" * 43)


def test_team_edits_are_seen_by_the_client(standin: StandIn, gc: gspread.Client) -> None:
    book = gc.create("Shared")
    book.add_worksheet("Tasks", 10, 5)
    standin.edit_cell(book.id, "Tasks!B2", "Done")
    assert book.worksheet("Tasks").acell("B2").value == "Done"
    standin.rename_sheet(book.id, "Tasks", "Todo")
    standin.delete_sheet(book.id, "Sheet1")
    assert [w.title for w in gc.open_by_key(book.id).worksheets()] == ["Todo"]
    standin.rename_spreadsheet(book.id, "Renamed")
    assert gc.open_by_key(book.id).title == "Renamed"


def test_team_spreadsheet_shared_with_the_service_account(standin: StandIn,
                                                          gc: gspread.Client) -> None:
    sheet_id = standin.add_spreadsheet("Team plan")
    assert gc.open_by_key(sheet_id).sheet1.title == "Sheet1"
    private = standin.add_spreadsheet("Team secrets", share_with=None)
    with pytest.raises(PermissionError):
        gc.open_by_key(private)
