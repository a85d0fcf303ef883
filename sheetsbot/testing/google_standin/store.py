"""State: Drive files (from the shared folder on disk and created through the API),
spreadsheets, permissions, and their persistence to a JSON file.

One :class:`Store` holds everything behind one lock; handlers run inside
:meth:`Store.transaction`, so a request sees and changes a consistent state and concurrent
requests are applied one after the other, as Google applies writes to one spreadsheet.

The shared folder on disk is rescanned on every Drive read, so a test can drop a new export
into it and see it listed at once. Its files get ids derived from their relative paths, stable
across restarts. Files under it are never written or deleted on disk: a Drive delete of one
hides it (recorded in the state), an upload adds an in-memory file.

A native Google Sheet is simulated by ``NAME.gsheet.xlsx``: it is listed as ``NAME`` with
the spreadsheet mime type, exports as xlsx/csv, and opens through the Sheets API (its
values are loaded with openpyxl on first use; later edits live in the stand-in's state).

Usage::

    store = Store(Path("exports"), state_path=None)
    with store.transaction():
        file = store.get_file(file_id)
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import mimetypes
import os
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .cells import JsonDict, cell_from_input
from .spreadsheet import Sheet, Spreadsheet, new_id

FOLDER_MIME = "application/vnd.google-apps.folder"
SHEET_MIME = "application/vnd.google-apps.spreadsheet"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NATIVE_SHEET_SUFFIX = ".gsheet.xlsx"
ROOT_ID = "0AStandInMyDriveRootFolder"
TEAM_EMAIL = "team@example.com"  # the human owner of the shared folder

ROLE_RANK = {"reader": 1, "commenter": 2, "writer": 3, "fileOrganizer": 3, "organizer": 4,
             "owner": 5}

_EXTRA_TYPES = {".csv": "text/csv", ".tsv": "text/tab-separated-values", ".txt": "text/plain",
                ".xlsx": XLSX_MIME, ".json": "application/json"}


def rfc3339(timestamp: float) -> str:
    """Drive's timestamp format: UTC, milliseconds, ``Z``."""
    moment = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class DriveFile:
    """A Drive file's metadata; ``content`` for in-memory files, ``disk_path`` for folder files."""

    id: str
    name: str
    mime_type: str
    parents: list[str]
    created: float
    modified: float
    owner: str
    permissions: list[JsonDict] = field(default_factory=list)
    trashed: bool = False
    content: bytes | None = None
    disk_path: str | None = None
    from_folder: bool = False

    def resource(self, store: Store) -> JsonDict:
        """The full ``File`` resource (the handler prunes it to the requested fields)."""
        out: JsonDict = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": list(self.parents),
            "trashed": self.trashed,
            "createdTime": rfc3339(self.created),
            "modifiedTime": rfc3339(self.modified),
            "owners": [{"kind": "drive#user", "emailAddress": self.owner,
                        "displayName": self.owner.split("@")[0], "me": False}],
            "webViewLink": self.web_view_link(),
            "spaces": ["drive"],
            "version": "1",
        }
        data = store.read_bytes(self)
        if data is not None and not self.mime_type.startswith("application/vnd.google-apps."):
            out["size"] = str(len(data))
            out["md5Checksum"] = hashlib.md5(data).hexdigest()
            out["fileExtension"] = self.name.rsplit(".", 1)[-1] if "." in self.name else ""
            out["originalFilename"] = self.name
        return out

    def web_view_link(self) -> str:
        if self.mime_type == SHEET_MIME:
            return f"https://docs.google.com/spreadsheets/d/{self.id}/edit?usp=drivesdk"
        if self.mime_type == FOLDER_MIME:
            return f"https://drive.google.com/drive/folders/{self.id}"
        return f"https://drive.google.com/file/d/{self.id}/view?usp=drivesdk"


def stable_id(relative: str) -> str:
    """A Drive-looking id derived from a path, so folder files keep ids across restarts."""
    digest = hashlib.sha256(relative.encode()).digest()
    return "1" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


class Store:
    """All the stand-in's state. Every access goes through :meth:`transaction`."""

    def __init__(self, drive_folder: Path | None, state_path: Path | None = None,
                 folder_role: str = "reader") -> None:
        self.drive_folder = Path(drive_folder).resolve() if drive_folder else None
        self.state_path = Path(state_path) if state_path else None
        self.folder_role = folder_role
        self.folder_id = stable_id("folder:" + str(self.drive_folder or "none"))
        self.files: dict[str, DriveFile] = {}
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.hidden_folder_files: set[str] = set()
        self.lock = threading.RLock()
        self.auth_keys: list[JsonDict] = []
        if self.state_path and self.state_path.exists():
            self._load()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        with self.lock:
            yield self

    # ------------------------------------------------------------------- folder
    def scan_folder(self) -> None:
        """Bring folder files in line with the disk (added, changed and removed files)."""
        if self.drive_folder is None:
            return
        seen: set[str] = set()
        root = self.drive_folder
        self._upsert_folder_entry(self.folder_id, root.name or "shared", [ROOT_ID], root)
        seen.add(self.folder_id)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            here = Path(dirpath)
            parent_id = self.folder_id if here == root else stable_id(
                "dir:" + here.relative_to(root).as_posix())
            for name in dirnames:
                sub = here / name
                sub_id = stable_id("dir:" + sub.relative_to(root).as_posix())
                self._upsert_folder_entry(sub_id, name, [parent_id], sub)
                seen.add(sub_id)
            for name in sorted(filenames):
                path = here / name
                file_id = stable_id("file:" + path.relative_to(root).as_posix())
                seen.add(file_id)
                if file_id in self.hidden_folder_files:
                    continue
                stat = path.stat()
                existing = self.files.get(file_id)
                if name.endswith(NATIVE_SHEET_SUFFIX):
                    display, mime = name[: -len(NATIVE_SHEET_SUFFIX)], SHEET_MIME
                else:
                    display, mime = name, _guess_mime(name)
                if existing is None:
                    self.files[file_id] = DriveFile(
                        file_id, display, mime, [parent_id], stat.st_mtime, stat.st_mtime,
                        TEAM_EMAIL, disk_path=str(path), from_folder=True)
                elif existing.disk_path == str(path) and existing.content is None:
                    existing.modified = max(existing.modified, stat.st_mtime)
        for file_id in [f.id for f in self.files.values() if f.from_folder and f.id not in seen]:
            del self.files[file_id]  # removed from disk since the last scan

    def _upsert_folder_entry(self, file_id: str, name: str, parents: list[str], path: Path
                             ) -> None:
        if file_id not in self.files:
            mtime = path.stat().st_mtime
            self.files[file_id] = DriveFile(file_id, name, FOLDER_MIME, parents, mtime, mtime,
                                            TEAM_EMAIL, from_folder=True)

    def in_shared_tree(self, file: DriveFile) -> bool:
        seen = set()
        current: DriveFile | None = file
        while current is not None and current.id not in seen:
            if current.id == self.folder_id:
                return True
            seen.add(current.id)
            current = next((self.files.get(p) for p in current.parents if p in self.files), None)
        return False

    # -------------------------------------------------------------- permissions
    def role_of(self, file: DriveFile, email: str) -> int:
        """The caller's access to ``file`` as a rank (0 = none)."""
        if file.owner == email:
            return ROLE_RANK["owner"]
        best = 0
        for perm in file.permissions:
            address = perm.get("emailAddress", "").lower()
            if perm.get("type") == "anyone" or address == email.lower():
                best = max(best, ROLE_RANK.get(perm.get("role", ""), 0))
        if file.from_folder or self.in_shared_tree(file):
            best = max(best, ROLE_RANK.get(self.folder_role, 0))
        return best

    # ------------------------------------------------------------------- files
    def read_bytes(self, file: DriveFile) -> bytes | None:
        if file.content is not None:
            return file.content
        if file.disk_path:
            try:
                return Path(file.disk_path).read_bytes()
            except OSError:
                return None
        return None

    def add_file(self, name: str, mime_type: str, parents: list[str], owner: str,
                 content: bytes | None = None, now: float | None = None) -> DriveFile:
        moment = now if now is not None else _now()
        file = DriveFile(new_id(), name, mime_type, parents or [ROOT_ID], moment, moment, owner,
                         content=content)
        self.files[file.id] = file
        return file

    def spreadsheet_for(self, file: DriveFile) -> Spreadsheet:
        """The Sheets-side model of a spreadsheet file (loading a ``.gsheet.xlsx`` lazily)."""
        book = self.spreadsheets.get(file.id)
        if book is None:
            book = Spreadsheet.new(file.id, file.name)
            if file.disk_path:
                book = load_xlsx(file.id, file.name, Path(file.disk_path).read_bytes())
            self.spreadsheets[file.id] = book
        return book

    def touch(self, file_id: str) -> None:
        if file_id in self.files:
            self.files[file_id].modified = max(_now(), self.files[file_id].modified + 0.001)

    # -------------------------------------------------------------- persistence
    def save(self) -> None:
        if not self.state_path:
            return
        data = {
            "version": 1,
            "files": [
                {**{k: v for k, v in asdict(f).items() if k != "content"},
                 "content": base64.b64encode(f.content).decode() if f.content is not None
                 else None}
                for f in self.files.values() if not f.from_folder
            ],
            "hiddenFolderFiles": sorted(self.hidden_folder_files),
            "spreadsheets": [book.to_json() for book in self.spreadsheets.values()],
            "authKeys": self.auth_keys,
        }
        tmp = self.state_path.with_suffix(self.state_path.suffix + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.state_path)  # atomic: a crash never leaves half a state file

    def _load(self) -> None:
        assert self.state_path is not None
        data = json.loads(self.state_path.read_text(encoding="utf-8"))
        for entry in data.get("files", []):
            content = entry.pop("content")
            file = DriveFile(**entry, content=base64.b64decode(content) if content else None)
            self.files[file.id] = file
        self.hidden_folder_files = set(data.get("hiddenFolderFiles", []))
        for book in data.get("spreadsheets", []):
            loaded = Spreadsheet.from_json(book)
            self.spreadsheets[loaded.id] = loaded
        self.auth_keys = data.get("authKeys", [])


def _guess_mime(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _now() -> float:
    import time

    return time.time()


def load_xlsx(file_id: str, title: str, data: bytes) -> Spreadsheet:
    """A spreadsheet model from xlsx bytes (values only; formulas stay formulas)."""
    import io

    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    book = Spreadsheet(file_id, Spreadsheet.new(file_id, title).properties, [])
    for index, ws in enumerate(workbook.worksheets):
        sheet = Sheet.new(index if index else 0, ws.title, index,
                          rows=max(ws.max_row, 1000), cols=max(ws.max_column, 26))
        if index:
            sheet.properties["sheetId"] = int(hashlib.sha256(
                f"{file_id}:{ws.title}".encode()).hexdigest()[:7], 16)
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                if isinstance(value, (dt.datetime, dt.date)):
                    value = value.isoformat(sep=" ") if isinstance(value, dt.datetime) \
                        else value.isoformat()
                    stored = cell_from_input(value, user_entered=True)
                elif isinstance(value, str) and value.startswith("="):
                    stored = cell_from_input(value, user_entered=True)
                else:
                    stored = cell_from_input(value, user_entered=False)
                sheet.set_cell(cell.row - 1, cell.column - 1, stored)
        book.sheets.append(sheet)
    return book


def xlsx_bytes(book: Spreadsheet) -> bytes:
    """Export a spreadsheet as xlsx (values and formulas; no formats)."""
    import io

    import openpyxl

    from .cells import render

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheet in book.ordered_sheets():
        ws = workbook.create_sheet(sheet.title[:31])
        for (r, c), cell in sorted(sheet.cells.items()):
            value: Any = render(cell, "FORMULA")
            if value != "":
                ws.cell(row=r + 1, column=c + 1, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(book: Spreadsheet) -> bytes:
    """Export the first sheet as CSV, formatted values, as Drive's export does."""
    import csv
    import io

    from .cells import render

    sheet = book.ordered_sheets()[0]
    bounds = sheet.bounds_of_data(sheet.full_area())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if bounds:
        for r in range(bounds[0]):
            writer.writerow([render(sheet.cell(r, c)) for c in range(bounds[1])])
    return out.getvalue().rstrip("\r\n").encode()
