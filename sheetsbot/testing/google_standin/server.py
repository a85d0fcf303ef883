"""The stand-in server: one base URL serving Google's token, Sheets v4 and Drive v3 paths.

In-process use (tests)::

    from sheetsbot.testing.google_standin import StandIn

    with StandIn(drive_folder=tmp_path / "exports") as google:
        google.write_credentials(tmp_path / "key.json")   # token_uri → google.url + "/token"
        ...                                               # point the client at google.url
        google.calls                                      # what was served
        google.set_faults("batchUpdate:1=429")
        google.edit_cell(sheet_id, "Tasks!B2", "Done")    # as the team would, in the UI

Every request goes through the same steps, in Google's order: route by the discovery
documents → latency → scheduled fault → bearer token (401) → scope (403) → query and body
validation (400) → the handler, inside the store's lock, on a copy that is swapped in only if
the whole call succeeded → ``fields`` selection → answer (or, for ``reset-after``, a dropped
connection after the change was kept).

Test-only endpoints (no token needed): ``GET /_standin/calls``, ``DELETE /_standin/calls``,
``GET|POST|DELETE /_standin/faults`` (POST body: ``{"spec": "...", "replace": true}``),
``GET /_standin/health``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
import socket
import struct
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import cells as cellmod
from .auth import Authority, require_scope
from .batch_update import batch_update
from .context import Call, JsonDict, Reply
from .discovery import Discovery, Method
from .drive import HANDLERS as DRIVE_HANDLERS
from .errors import ApiError, DriveError, InjectedFault, StandInError
from .faults import Action, FaultPlan
from .fields import apply_selector
from .sheets import HANDLERS as SHEETS_HANDLERS
from .store import SHEET_MIME, TEAM_EMAIL, Store
from .validation import Validator

log = logging.getLogger("sheetsbot.google_standin")

HANDLERS = {**SHEETS_HANDLERS, **DRIVE_HANDLERS,
            "sheets.spreadsheets.batchUpdate": batch_update}
TOKEN_METHOD = "oauth2.token"
_BOUNDARY_RE = re.compile(r"^/v1/projects/[^/]+/serviceAccounts/[^/]+/allowedLocations$")


@dataclass
class CallRecord:
    """One served request, as ``GET /_standin/calls`` reports it."""

    method: str
    path: str
    api_method: str
    status: int
    duration_ms: float
    request_bytes: int
    response_bytes: int
    fault: str | None
    time: str


class _Dropped(Exception):
    """Raised to end a request by resetting the connection instead of answering."""


class StandIn:
    """A running (or startable) stand-in. Usable as a context manager."""

    def __init__(
        self,
        drive_folder: str | Path | None = None,
        *,
        state: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: int = 0,
        faults: str | None = None,
        token_lifetime: int = 3600,
        folder_role: str = "reader",
    ) -> None:
        if drive_folder is not None and not Path(drive_folder).is_dir():
            raise FileNotFoundError(f"drive folder {drive_folder} is not a directory")
        self.store = Store(Path(drive_folder) if drive_folder else None,
                           Path(state) if state else None, folder_role=folder_role)
        self.authority = Authority(token_lifetime=token_lifetime)
        self.authority.import_keys(self.store.auth_keys)
        self.discovery = Discovery.load()
        self.validator = Validator(self.discovery)
        self.faults = FaultPlan.parse(faults)
        self.latency_ms = latency_ms
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[CallRecord] = []
        self._calls_lock = threading.Lock()

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> StandIn:
        standin = self

        class Handler(_Handler):
            app = standin

        self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        # A short poll interval makes stop() prompt (shutdown waits for the next poll).
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="google-standin", daemon=True)
        self._thread.start()
        log.info("google stand-in listening on %s", self.url)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self.store.transaction():
            self._persist()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def folder_id(self) -> str:
        return self.store.folder_id

    # --------------------------------------------------------------- credentials
    def credentials_info(self, account: str = "sheetsbot") -> JsonDict:
        """A fresh service-account key (dict) whose token_uri is this stand-in."""
        info = self.authority.issue_key(self.token_url, account)
        with self.store.transaction():
            self.store.auth_keys = self.authority.export_keys()
            self._persist()
        return info

    def write_credentials(self, path: str | Path, account: str = "sheetsbot") -> JsonDict:
        """Write a key file atomically (a reader never sees half a file); returns it."""
        info = self.credentials_info(account)
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        tmp.replace(target)
        return info

    @property
    def service_account_emails(self) -> set[str]:
        return self.authority.known_emails()

    def expire_tokens(self) -> None:
        """Expire every access token issued so far (the next API call gets a 401)."""
        self.authority.expire_all_tokens()

    # -------------------------------------------------------------------- faults
    def set_faults(self, spec: str | None) -> None:
        self.faults.replace(FaultPlan.parse(spec))

    def add_faults(self, spec: str) -> None:
        self.faults.add(FaultPlan.parse(spec))

    # --------------------------------------------------------------------- calls
    @property
    def calls(self) -> list[CallRecord]:
        with self._calls_lock:
            return list(self._calls)

    def clear_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    def _record(self, record: CallRecord) -> None:
        with self._calls_lock:
            self._calls.append(record)

    # -------------------------------------------------- state, as people would change it
    def add_spreadsheet(self, title: str, *, owner: str = TEAM_EMAIL,
                        share_with: str | None = "service-accounts", role: str = "writer",
                        spreadsheet_id: str | None = None) -> str:
        """A spreadsheet made by the team; shared with the service accounts unless
        ``share_with`` is None (then it is private: the API answers 403)."""
        from .sheets import build_spreadsheet

        with self.store.transaction():
            file = self.store.add_file(title, SHEET_MIME, [], owner)
            if spreadsheet_id:
                self.store.files.pop(file.id)
                file.id = spreadsheet_id
                self.store.files[file.id] = file
            self.store.spreadsheets[file.id] = build_spreadsheet(file.id, {
                "properties": {"title": title}})
            if share_with == "service-accounts":
                for email in self.authority.known_emails():
                    file.permissions.append({"kind": "drive#permission", "id": email,
                                             "type": "user", "role": role,
                                             "emailAddress": email})
            elif share_with:
                file.permissions.append({"kind": "drive#permission", "id": share_with,
                                         "type": "user", "role": role,
                                         "emailAddress": share_with})
            self._persist()
            return file.id

    def share(self, file_id: str, email: str, role: str = "writer") -> None:
        with self.store.transaction():
            file = self.store.files[file_id]
            file.permissions = [p for p in file.permissions if p.get("emailAddress") != email]
            file.permissions.append({"kind": "drive#permission", "id": email, "type": "user",
                                     "role": role, "emailAddress": email})
            self._persist()

    def unshare(self, file_id: str, email: str | None = None) -> None:
        """Remove a service account's access (all of them by default); if the file is
        owned by one, ownership passes to the team, as when a person takes it over."""
        with self.store.transaction():
            file = self.store.files[file_id]
            victims = {email} if email else self.authority.known_emails()
            file.permissions = [p for p in file.permissions
                                if p.get("emailAddress") not in victims]
            if file.owner in victims:
                file.owner = TEAM_EMAIL
            self._persist()

    def spreadsheet(self, spreadsheet_id: str) -> JsonDict:
        """The spreadsheet as ``spreadsheets.get`` would return it (no grid data)."""
        with self.store.transaction():
            return self._book(spreadsheet_id).resource()

    def sheet_titles(self, spreadsheet_id: str) -> list[str]:
        with self.store.transaction():
            return [s.title for s in self._book(spreadsheet_id).ordered_sheets()]

    def cells(self, spreadsheet_id: str, a1_range: str = "Sheet1",
              render: str = "FORMATTED_VALUE") -> list[list[Any]]:
        """Values of a range as ``values.get`` renders them (trailing blanks trimmed)."""
        from .sheets import value_range

        with self.store.transaction():
            book = self._book(spreadsheet_id)
            return value_range(book, a1_range, {"valueRenderOption": render}).get("values", [])

    def cell_data(self, spreadsheet_id: str, a1_cell: str) -> JsonDict | None:
        """The stored CellData of one cell (value, format, note, validation)."""
        with self.store.transaction():
            book = self._book(spreadsheet_id)
            sheet, area = book.resolve(a1_cell)
            cell = sheet.cell(area.start_row, area.start_col)
            return json.loads(json.dumps(cell)) if cell else None

    def edit_cell(self, spreadsheet_id: str, a1_cell: str, value: Any,
                  user_entered: bool = True) -> None:
        """Type a value into a cell, as a person in the Sheets UI would."""
        with self.store.transaction():
            book = self._book(spreadsheet_id).clone()
            sheet, area = book.resolve(a1_cell)
            if area.start_row >= sheet.row_count or area.start_col >= sheet.col_count:
                raise ValueError(f"{a1_cell} is outside the grid")
            cell = cellmod.cell_from_input(value, user_entered,
                                           sheet.cell(area.start_row, area.start_col))
            sheet.set_cell(area.start_row, area.start_col, cell)
            self._swap(book)

    def delete_sheet(self, spreadsheet_id: str, title: str) -> None:
        with self.store.transaction():
            book = self._book(spreadsheet_id).clone()
            sheet = book.sheet_by_title(title)
            if sheet is None:
                raise KeyError(title)
            book.sheets.remove(sheet)
            book.reindex()
            self._swap(book)

    def insert_rows(self, spreadsheet_id: str, title: str, before_row: int, count: int = 1) -> None:
        """Insert ``count`` empty rows above row ``before_row`` (1-based), as the Sheets UI's
        "Insert row above" does: the rows below, their notes and metadata move down."""
        from .batch_update import insert_dimension

        with self.store.transaction():
            book = self._book(spreadsheet_id).clone()
            sheet = book.sheet_by_title(title)
            if sheet is None:
                raise KeyError(title)
            insert_dimension(book, sheet, "ROWS", before_row - 1, before_row - 1 + count, False)
            self._swap(book)

    def rename_sheet(self, spreadsheet_id: str, title: str, new_title: str) -> None:
        with self.store.transaction():
            book = self._book(spreadsheet_id).clone()
            sheet = book.sheet_by_title(title)
            if sheet is None:
                raise KeyError(title)
            sheet.properties["title"] = new_title
            self._swap(book)

    def rename_spreadsheet(self, spreadsheet_id: str, new_title: str) -> None:
        with self.store.transaction():
            book = self._book(spreadsheet_id).clone()
            book.properties["title"] = new_title
            self._swap(book)

    def _book(self, spreadsheet_id: str) -> Any:
        file = self.store.files.get(spreadsheet_id)
        if file is None:
            self.store.scan_folder()
            file = self.store.files[spreadsheet_id]
        return self.store.spreadsheet_for(file)

    def _swap(self, book: Any) -> None:
        self.store.spreadsheets[book.id] = book
        self.store.files[book.id].name = book.title
        self.store.touch(book.id)
        self._persist()

    def _persist(self) -> None:
        self.store.auth_keys = self.authority.export_keys()
        self.store.save()

    # ---------------------------------------------------------------- dispatch
    def handle(self, request: _Request) -> tuple[int, dict[str, str], bytes]:
        """Serve one request; raises :class:`_Dropped` to reset the connection."""
        started = time.perf_counter()
        method_id, status, fault_name, size = "unrouted", 500, None, 0
        headers: dict[str, str] = {}
        try:
            method_id, status, headers, payload, fault_name = self._serve(request)
            size = len(payload)
            return status, headers, payload
        except _Dropped as dropped:
            method_id, status, fault_name = dropped.args[0], 0, dropped.args[1]
            raise
        finally:
            if not request.path.startswith("/_standin/"):
                self._record(CallRecord(
                    request.method, request.path, method_id, status,
                    round((time.perf_counter() - started) * 1000, 3), len(request.body), size,
                    fault_name, dt.datetime.now(dt.timezone.utc).isoformat()))

    def _serve(self, request: _Request) -> tuple[str, int, dict[str, str], bytes, str | None]:
        if request.path.startswith("/_standin/"):
            status, body = self._internal(request)
            return "standin", status, {"Content-Type": "application/json"}, _dump(body), None
        if _BOUNDARY_RE.match(request.path) and request.method == "GET":
            # google-auth's regional access boundary lookup: "no restriction".
            body = {"locations": [], "encodedLocations": "0x0"}
            return "iamcredentials.allowedLocations", 200, _json_headers(), _dump(body), None
        method: Method | None
        path_params: dict[str, str]
        if request.path == "/token" and request.method == "POST":
            method_id, method, path_params, is_upload = TOKEN_METHOD, None, {}, False
        else:
            routed = self.discovery.match(request.method, request.path)
            if routed is None:
                error = ApiError(404, f"The requested URL {request.path} was not found on this "
                                 "server.", status="NOT_FOUND")
                return "unrouted", 404, _json_headers(), error.to_bytes(), None
            method, path_params, is_upload = routed
            method_id = method.id
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        action = self.faults.next_action(method_id)
        fault_name = _fault_name(action)
        try:
            if action is not None:
                self._before(action, method_id)
            reply = self._token(request) if method is None else self._api(request, method, path_params, is_upload)
        except StandInError as error:
            headers = {**_json_headers(), **error.headers}
            return method_id, error.code, headers, error.to_bytes(), fault_name
        if action is not None and action.kind == "reset-after":
            raise _Dropped(method_id, fault_name)
        body = reply.body
        if isinstance(body, (bytes, bytearray)):
            payload = bytes(body)
        elif body is None:
            payload = b""
        else:
            pretty = request.query.get("prettyPrint", ["true"])[-1].lower() != "false"
            payload = _dump(body, pretty)
        headers = {"Content-Type": reply.content_type, **reply.headers}
        return method_id, reply.status, headers, payload, fault_name

    def _before(self, action: Action, method_id: str) -> None:
        if action.kind == "delay":
            time.sleep(action.delay_ms / 1000)
        elif action.kind == "reset":
            raise _Dropped(method_id, "reset")
        elif action.kind == "status":
            raise InjectedFault(action.status, action.retry_after)

    def _token(self, request: _Request) -> Reply:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        host = request.headers.get("X-Forwarded-Host") or request.headers.get("Host", "")
        token_urls = {f"http://{host}/token", f"https://{host}/token"}
        return Reply(200, self.authority.exchange(form, token_urls))

    def _api(self, request: _Request, method: Method, path_params: dict[str, str],
             is_upload: bool) -> Reply:
        grant = self.authority.check_bearer(request.headers.get("Authorization"),
                                            method.service)
        require_scope(grant, method.scopes, method.service)
        query = self._query(method, request.query)
        body: Any = None
        content_type = request.headers.get("Content-Type", "")
        if request.body and not is_upload and method.request_ref:
            try:
                body = json.loads(request.body)
            except ValueError:
                raise ApiError.invalid_argument(
                    "Invalid JSON payload received. Unexpected token.") from None
            self.validator.body(method, body)
        handler = HANDLERS.get(method.id)
        if handler is None:
            raise ApiError(501, f"{method.id} is not simulated by the stand-in.",
                           status="UNIMPLEMENTED")
        selector = None
        if query.get("fields") and method.id != "sheets.spreadsheets.get":
            response_ref = _response_ref(self.discovery, method)
            selector = self.validator.response_selector(method, response_ref, query["fields"])
        call = Call(method, path_params, query, body, request.body, content_type, grant,
                    self.store, self.url, is_upload)
        with self.store.transaction():
            reply = handler(call)
            if reply.mutated:
                self._persist()
        if selector is not None and isinstance(reply.body, dict) and not reply.selected:
            reply.body = apply_selector(reply.body, selector)
        return reply

    def _query(self, method: Method, raw: dict[str, list[str]]) -> dict[str, Any]:
        if method.api == "drive":
            # Drive v3 ignores query parameters it does not know (the recordings show
            # files.get answering 200 to includeItemsFromAllDrives); it checks the rest.
            declared = {**self.discovery.global_parameters("drive"), **method.parameters}
            raw = {k: v for k, v in raw.items() if k in declared}
            try:
                return self.validator.query(method, raw)
            except ApiError as error:
                raise DriveError.bad_request(error.message, "invalidParameter") from None
        return self.validator.query(method, raw)

    def _internal(self, request: _Request) -> tuple[int, Any]:
        path = request.path
        if path == "/_standin/health":
            return 200, {"ok": True, "url": self.url, "folder_id": self.folder_id}
        if path == "/_standin/calls":
            if request.method == "DELETE":
                self.clear_calls()
                return 200, {"calls": []}
            return 200, {"calls": [asdict(c) for c in self.calls]}
        if path == "/_standin/faults":
            if request.method == "GET":
                return 200, {"faults": self.faults.describe()}
            if request.method == "DELETE":
                self.set_faults(None)
                return 200, {"faults": []}
            try:
                payload = json.loads(request.body or b"{}")
                plan = FaultPlan.parse(payload.get("spec", ""))
            except ValueError as error:
                return 400, {"error": str(error)}
            if payload.get("replace", True):
                self.faults.replace(plan)
            else:
                self.faults.add(plan)
            return 200, {"faults": self.faults.describe()}
        return 404, {"error": f"unknown stand-in endpoint {path}"}


def _response_ref(discovery: Discovery, method: Method) -> str | None:
    doc = discovery.documents[method.api]
    parts = method.id.split(".")[1:]
    node: Any = doc
    for part in parts[:-1]:
        node = node.get("resources", {}).get(part, {})
    return node.get("methods", {}).get(parts[-1], {}).get("response", {}).get("$ref")


def _fault_name(action: Action | None) -> str | None:
    if action is None:
        return None
    if action.kind == "status":
        return str(action.status)
    if action.kind == "delay":
        return f"delay/{action.delay_ms}"
    return action.kind


def _json_headers() -> dict[str, str]:
    return {"Content-Type": "application/json; charset=UTF-8"}


def _dump(body: Any, pretty: bool = True) -> bytes:
    if pretty:
        return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode()
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    """Adapts http.server to :meth:`StandIn.handle`; all logging goes to stderr."""

    app: StandIn
    protocol_version = "HTTP/1.1"
    server_version = "ESF"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without NODELAY, Nagle's algorithm
        # and the client's delayed ACK add ~40 ms to every exchange.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = _Request(self.command, split.path,
                           parse_qs(split.query, keep_blank_values=True),
                           {k: v for k, v in self.headers.items()}, body)
        # Header lookups are case-insensitive in HTTP; normalise the ones we read.
        for name in ("Authorization", "Content-Type", "Host", "X-Forwarded-Host"):
            value = self.headers.get(name)
            if value is not None:
                request.headers[name] = value
        try:
            status, headers, payload = self.app.handle(request)
        except _Dropped:
            self._reset()
            return
        except Exception:  # a bug in the stand-in: answer 500 rather than hang the client
            log.exception("stand-in failure on %s %s", self.command, self.path)
            error = ApiError(500, "Internal error encountered.")
            status, headers, payload = 500, _json_headers(), error.to_bytes()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(payload)

    def _reset(self) -> None:
        """Drop the connection with a TCP reset: the client gets no answer at all."""
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server API)
        log.info("%s - %s", self.address_string(), format % args)
