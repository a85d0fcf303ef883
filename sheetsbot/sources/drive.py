"""A Drive folder of exports (recursive), read through the Drive API; nothing is ever changed.

Sub-folder names become :attr:`ExportFile.folders`, so ``US/2026-W47/BusinessReport.csv`` in
Drive reads exactly like the same path in a local folder. Listing is one paged ``files.list``
per level of the tree (the folders of a level are queried together), and a file's bytes are
downloaded only when the job asks for them. Drive's ``md5Checksum`` is the file's version,
so an export already processed is never downloaded again; a native Google Sheet has no
checksum: its ``modifiedTime`` is its version, and it is exported as xlsx.

    source = DriveFolder(folder_id, client)
    for file in source.files():          # listing only
        data = file.read_bytes()         # downloads now; DriveFileGone if it was deleted since
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sheetsbot.google import urls
from sheetsbot.google.client import GoogleClient
from sheetsbot.google.errors import DriveFileGone, GoogleApiError
from sheetsbot.sources import ExportFile

#: Files an operating system or an editor leaves beside the exports (as for a local folder).
_IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_FILE_FIELDS = "files(id,name,mimeType,parents,size,md5Checksum,modifiedTime)"
#: Folders queried together in one ``files.list`` (Drive limits the length of ``q``).
_FOLDERS_PER_QUERY = 40


class DriveFolder:
    def __init__(self, folder_id: str, client: GoogleClient, *, page_size: int = 1000) -> None:
        self.folder_id = folder_id
        self.client = client
        self.page_size = page_size
        self._name: str | None = None

    def describe(self) -> str:
        name = f"{self._name!r} " if self._name else ""
        return f"Drive folder {name}({urls.folder_web(self.folder_id)})"

    def files(self) -> Iterator[ExportFile]:
        """Every export under the folder, sorted by path. Raises NotShared if it is not shared."""
        root = self.client.get_file(self.folder_id, fields="id,name,mimeType", what="folder")
        self._name = root.get("name")
        found: list[ExportFile] = []
        level: dict[str, tuple[str, ...]] = {self.folder_id: ()}
        seen = {self.folder_id}
        while level:
            below: dict[str, tuple[str, ...]] = {}
            ids = sorted(level)
            for start in range(0, len(ids), _FOLDERS_PER_QUERY):
                chunk = ids[start:start + _FOLDERS_PER_QUERY]
                parents = " or ".join(f"'{_quoted(i)}' in parents" for i in chunk)
                for item in self.client.list_files(f"({parents}) and trashed = false",
                                                   fields=_FILE_FIELDS, page_size=self.page_size):
                    parent = next((p for p in item.get("parents", []) if p in level), None)
                    if parent is None or _ignored(str(item.get("name", ""))):
                        continue
                    folders = level[parent]
                    mime = item.get("mimeType", "")
                    if mime == urls.FOLDER_MIME:
                        if item["id"] not in seen:  # a folder in two places is walked once
                            seen.add(item["id"])
                            below[item["id"]] = (*folders, item["name"])
                    elif mime == urls.SPREADSHEET_MIME or not mime.startswith(
                            urls.GOOGLE_APPS_PREFIX):
                        found.append(self._export_file(item, folders))
                    # Other Google-native files (Docs, shortcuts, forms) are not exports.
            level = below
        yield from sorted(found, key=lambda f: (f.path, f.id))

    def _export_file(self, item: dict[str, Any], folders: tuple[str, ...]) -> ExportFile:
        file_id, name, mime = item["id"], item["name"], item.get("mimeType")
        modified = _timestamp(item.get("modifiedTime"))
        if mime == urls.SPREADSHEET_MIME:
            # A native Sheet has no md5: its modification time is its version, and its bytes
            # are an xlsx export (the report reader knows xlsx by its name and contents).
            shown = name if name.lower().endswith(".xlsx") else f"{name}.xlsx"
            path = "/".join((*folders, shown))
            return ExportFile(
                id=file_id, name=shown, folders=folders, size=0, modified=modified,
                mime_type=urls.XLSX_MIME, known_md5=f"modified:{item.get('modifiedTime', '')}",
                _reader=lambda: self._fetch(file_id, path, export=True),
            )
        path = "/".join((*folders, name))
        return ExportFile(
            id=file_id, name=name, folders=folders, size=int(item.get("size") or 0),
            modified=modified, mime_type=mime, known_md5=item.get("md5Checksum") or None,
            _reader=lambda: self._fetch(file_id, path, export=False),
        )

    def _fetch(self, file_id: str, path: str, *, export: bool) -> bytes:
        try:
            if export:
                return self.client.export(file_id, urls.XLSX_MIME)
            return self.client.download(file_id)
        except GoogleApiError as exc:
            if exc.status == 404:
                raise DriveFileGone(path, file_id) from None
            raise


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _ignored(name: str) -> bool:
    return name in _IGNORED_NAMES or name.startswith(("~$", "."))


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
