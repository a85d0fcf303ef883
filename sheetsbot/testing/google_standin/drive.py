"""Drive API v3 handlers: files (list/get/download/export/create/copy/update/delete),
permissions (create/list/get/delete) and an always-empty comments.list.

Access follows Drive: a file the caller cannot see is "File not found" (404), one it can see
but not change is 403 ``insufficientFilePermissions``. Files in the shared folder are
readable (or writable, with ``folder_role="writer"``); files the service account creates are
its own. Without a ``fields`` parameter, responses carry Drive v3's default fields only.

Usage (the server dispatches by method id)::

    reply = HANDLERS["drive.files.list"](call)
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import json
from collections.abc import Callable
from typing import Any

from .context import Call, JsonDict, Reply
from .drive_query import QueryError, compile_query
from .errors import DriveError
from .sheets import build_spreadsheet
from .store import (
    FOLDER_MIME,
    ROLE_RANK,
    ROOT_ID,
    SHEET_MIME,
    XLSX_MIME,
    DriveFile,
    csv_bytes,
    load_xlsx,
    xlsx_bytes,
)

DEFAULT_FILE_FIELDS = ("kind", "id", "name", "mimeType")
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
EXPORTS = {"text/csv", XLSX_MIME}


# ---------------------------------------------------------------------------- access
def visible_file(call: Call, file_id: str) -> DriveFile:
    store = call.store
    store.scan_folder()
    file = store.files.get(file_id)
    if file is None or store.role_of(file, call.email) == 0:
        raise DriveError.not_found(file_id)
    return file


def writable_file(call: Call, file_id: str, owner_only: bool = False) -> DriveFile:
    file = visible_file(call, file_id)
    needed = ROLE_RANK["owner"] if owner_only else ROLE_RANK["writer"]
    if call.store.role_of(file, call.email) < needed:
        raise DriveError.forbidden("The user does not have sufficient permissions for this file.")
    return file


def file_resource(call: Call, file: DriveFile) -> JsonDict:
    out = file.resource(call.store)
    out["capabilities"] = {
        "canEdit": call.store.role_of(file, call.email) >= ROLE_RANK["writer"],
        "canDownload": True,
    }
    out["permissions"] = _permissions_of(file)
    return out


def _default_fields(resource: JsonDict, call: Call) -> JsonDict:
    if call.query.get("fields"):
        return resource  # the server applies the selector
    return {k: resource[k] for k in DEFAULT_FILE_FIELDS if k in resource}


# ------------------------------------------------------------------------------ files
def files_list(call: Call) -> Reply:
    store = call.store
    store.scan_folder()
    query = call.query.get("q") or ""
    try:
        predicate = compile_query(query)
    except QueryError:
        raise DriveError.bad_request("Invalid Value", "invalid", "q") from None
    page_size = int(call.query.get("pageSize") or DEFAULT_PAGE_SIZE)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise DriveError.bad_request(
            f"Invalid value '{page_size}'. Values must be within the range: [1, 1000]",
            "invalid", "pageSize")
    matches = []
    for file in store.files.values():
        if file.id == ROOT_ID or store.role_of(file, call.email) == 0:
            continue
        resource = file_resource(call, file)
        searchable = {**resource, "_permissions": resource["permissions"]}
        if predicate(searchable):
            matches.append(resource)
    matches.sort(key=lambda f: (f.get("modifiedTime", ""), f["id"]), reverse=True)
    matches = _order(matches, call.query.get("orderBy"))
    offset = _decode_token(call.query.get("pageToken"), query)
    page = matches[offset: offset + page_size]
    out: JsonDict = {"kind": "drive#fileList", "incompleteSearch": False}
    if offset + page_size < len(matches):
        out["nextPageToken"] = _encode_token(offset + page_size, query)
    out["files"] = page if call.query.get("fields") else [
        {k: f[k] for k in DEFAULT_FILE_FIELDS} for f in page]
    return Reply(200, out)


def _order(files: list[JsonDict], order_by: str | None) -> list[JsonDict]:
    if not order_by:
        return files
    for key in reversed([k.strip() for k in order_by.split(",") if k.strip()]):
        name, _, direction = key.partition(" ")
        field = {"modifiedTime": "modifiedTime", "createdTime": "createdTime",
                 "name": "name", "folder": "mimeType"}.get(name, name)

        def sort_key(f: JsonDict, fld: str = field) -> str:
            return str(f.get(fld, "")).lower()

        files.sort(key=sort_key, reverse=direction.lower() == "desc")
    return files


def _encode_token(offset: int, query: str) -> str:
    digest = hashlib.sha1(query.encode()).hexdigest()[:8]
    return base64.urlsafe_b64encode(f"{offset}:{digest}".encode()).decode().rstrip("=")


def _decode_token(token: str | None, query: str) -> int:
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        offset, digest = raw.split(":")
        if digest != hashlib.sha1(query.encode()).hexdigest()[:8]:
            raise ValueError
        return int(offset)
    except ValueError:
        raise DriveError.bad_request("Invalid Value", "invalid", "pageToken") from None


def files_get(call: Call) -> Reply:
    file = visible_file(call, call.path["fileId"])
    if call.query.get("alt") == "media":
        if file.mime_type.startswith("application/vnd.google-apps."):
            raise DriveError.forbidden(
                "Only files with binary content can be downloaded. Use Export with Docs "
                "Editors files.", "fileNotDownloadable")
        data = call.store.read_bytes(file) or b""
        return Reply(200, data, content_type=file.mime_type)
    return Reply(200, _default_fields(file_resource(call, file), call))


def files_export(call: Call) -> Reply:
    file = visible_file(call, call.path["fileId"])
    mime = call.query.get("mimeType") or ""
    if file.mime_type != SHEET_MIME:
        raise DriveError.forbidden("Export only supports Docs Editors files.",
                                   "fileNotExportable")
    if mime not in EXPORTS:
        raise DriveError.bad_request("The requested conversion is not supported.",
                                     "badRequest", "convertTo")
    if mime == XLSX_MIME and file.disk_path and file.id not in call.store.spreadsheets:
        data = call.store.read_bytes(file) or b""  # the simulated native sheet, as is
    else:
        book = call.store.spreadsheet_for(file)
        data = xlsx_bytes(book) if mime == XLSX_MIME else csv_bytes(book)
    return Reply(200, data, content_type=mime)


def _split_upload(call: Call) -> tuple[JsonDict, bytes | None]:
    """Metadata and media of a create/update: JSON, multipart/related, or media only."""
    upload_type = call.query.get("uploadType")
    if not call.is_upload:
        return (call.body or {}), None
    if upload_type == "multipart":
        parser = email.parser.BytesParser(policy=email.policy.HTTP)
        message = parser.parsebytes(
            f"Content-Type: {call.content_type}\r\n\r\n".encode() + call.raw_body)
        parts = list(message.iter_parts())
        if len(parts) != 2:
            raise DriveError.bad_request("Multipart upload needs metadata and media parts.")
        metadata = json.loads(parts[0].get_content() or "{}")
        payload = parts[1].get_payload(decode=True)  # bytes, or None for a nested multipart
        media = payload if isinstance(payload, bytes) else b""
        return metadata, media
    if upload_type in (None, "media"):
        return {}, call.raw_body
    raise DriveError.bad_request(f"Unsupported upload type: {upload_type}", "badRequest",
                                 "uploadType")


def _parent_ids(call: Call, metadata: JsonDict) -> list[str]:
    parents = metadata.get("parents") or []
    for parent_id in parents:
        if parent_id in ("root", ROOT_ID):
            continue
        parent = call.store.files.get(parent_id)
        if parent is None or call.store.role_of(parent, call.email) == 0:
            raise DriveError.not_found(parent_id)
        if parent.mime_type != FOLDER_MIME:
            raise DriveError.bad_request("The specified parent is not a folder.",
                                         "invalidParent")
        if call.store.role_of(parent, call.email) < ROLE_RANK["writer"]:
            raise DriveError.forbidden("Insufficient permissions for the specified parent.",
                                       "insufficientParentPermissions")
    return [ROOT_ID if p == "root" else p for p in parents]


def files_create(call: Call) -> Reply:
    store = call.store
    store.scan_folder()
    metadata, media = _split_upload(call)
    parents = _parent_ids(call, metadata)
    mime = metadata.get("mimeType") or (call.content_type.split(";")[0] if media is not None
                                        and not metadata else "") or "application/octet-stream"
    name = metadata.get("name") or "Untitled"
    if mime == SHEET_MIME:
        file = store.add_file(name, SHEET_MIME, parents, call.email)
        if media:
            store.spreadsheets[file.id] = _converted(file.id, name, media)
        else:
            store.spreadsheets[file.id] = build_spreadsheet(file.id, {"properties": {
                "title": name}})
    elif mime == FOLDER_MIME:
        file = store.add_file(name, FOLDER_MIME, parents, call.email)
    else:
        file = store.add_file(name, mime, parents, call.email, content=media or b"")
    return Reply(200, _default_fields(file_resource(call, file), call), mutated=True)


def _converted(file_id: str, name: str, media: bytes) -> Any:
    """An uploaded xlsx or CSV converted into a native spreadsheet."""
    if media[:2] == b"PK":
        return load_xlsx(file_id, name, media)
    import csv
    import io

    from .cells import cell_from_input
    from .spreadsheet import Spreadsheet

    book = Spreadsheet.new(file_id, name)
    sheet = book.sheets[0]
    for r, row in enumerate(csv.reader(io.StringIO(media.decode("utf-8-sig")))):
        for c, value in enumerate(row):
            sheet.set_cell(r, c, cell_from_input(value, user_entered=True))
    return book


def files_copy(call: Call) -> Reply:
    store = call.store
    source = visible_file(call, call.path["fileId"])
    metadata: JsonDict = call.body or {}
    parents = _parent_ids(call, metadata) or [
        p for p in source.parents
        if p in store.files and store.role_of(store.files[p], call.email) >= ROLE_RANK["writer"]]
    name = metadata.get("name") or f"Copy of {source.name}"
    content = store.read_bytes(source) if source.mime_type != SHEET_MIME else None
    file = store.add_file(name, source.mime_type, parents, call.email, content=content)
    if source.mime_type == SHEET_MIME:
        book = store.spreadsheet_for(source).clone()
        book.id = file.id
        book.properties["title"] = name
        store.spreadsheets[file.id] = book
    return Reply(200, _default_fields(file_resource(call, file), call), mutated=True)


def files_update(call: Call) -> Reply:
    store = call.store
    file = writable_file(call, call.path["fileId"])
    metadata, media = _split_upload(call)
    if metadata.get("name"):
        file.name = metadata["name"]
        if file.id in store.spreadsheets:
            store.spreadsheets[file.id].properties["title"] = file.name
    if metadata.get("trashed") is not None:
        file.trashed = bool(metadata["trashed"])
    add = [p for p in (call.query.get("addParents") or "").split(",") if p]
    remove = {p for p in (call.query.get("removeParents") or "").split(",") if p}
    if add or remove:
        _parent_ids(call, {"parents": add})
        file.parents = [p for p in file.parents if p not in remove] + add
    if media is not None:
        if file.mime_type == SHEET_MIME:
            store.spreadsheets[file.id] = _converted(file.id, file.name, media)
        else:
            file.content = media
            file.disk_path = None
    store.touch(file.id)
    return Reply(200, _default_fields(file_resource(call, file), call), mutated=True)


def files_delete(call: Call) -> Reply:
    store = call.store
    file = visible_file(call, call.path["fileId"])
    role = store.role_of(file, call.email)
    if role < ROLE_RANK["owner"] and not (file.from_folder and role >= ROLE_RANK["writer"]):
        raise DriveError.forbidden("The user does not have sufficient permissions for this file.")
    doomed = [file.id] + _descendants(call, file.id)
    for file_id in doomed:
        removed = store.files.pop(file_id, None)
        store.spreadsheets.pop(file_id, None)
        if removed is not None and removed.from_folder:
            store.hidden_folder_files.add(file_id)  # never touch the disk
    return Reply(204, None, mutated=True)


def _descendants(call: Call, folder_id: str) -> list[str]:
    children = [f.id for f in call.store.files.values() if folder_id in f.parents]
    return children + [d for c in children for d in _descendants(call, c)]


# ------------------------------------------------------------------------ permissions
def _permission_id(kind: str, address: str) -> str:
    if kind == "anyone":
        return "anyoneWithLink"
    return str(int(hashlib.sha256(address.lower().encode()).hexdigest()[:15], 16))


def _permissions_of(file: DriveFile) -> list[JsonDict]:
    owner = {"kind": "drive#permission", "id": _permission_id("user", file.owner),
             "type": "user", "emailAddress": file.owner, "role": "owner"}
    return [owner] + [dict(p) for p in file.permissions]


def permissions_create(call: Call) -> Reply:
    file = writable_file(call, call.path["fileId"])
    body: JsonDict = call.body or {}
    kind, role = body.get("type"), body.get("role")
    if kind not in ("user", "group", "domain", "anyone"):
        raise DriveError.bad_request("The permission type field is required.", "required",
                                     "permission.type")
    if role not in ROLE_RANK:
        raise DriveError.bad_request("The permission role field is required.", "required",
                                     "permission.role")
    address = body.get("emailAddress") or body.get("domain") or ""
    if kind in ("user", "group") and not address:
        raise DriveError.bad_request("The permission emailAddress field is required.",
                                     "required", "permission.emailAddress")
    permission: JsonDict = {"kind": "drive#permission", "id": _permission_id(kind, address),
                            "type": kind, "role": role}
    if kind in ("user", "group"):
        permission["emailAddress"] = address
    if kind == "domain":
        permission["domain"] = address
    file.permissions = [p for p in file.permissions if p["id"] != permission["id"]]
    file.permissions.append(permission)
    return Reply(200, {k: permission[k] for k in ("kind", "id", "type", "role")}, mutated=True)


def permissions_list(call: Call) -> Reply:
    file = visible_file(call, call.path["fileId"])
    return Reply(200, {"kind": "drive#permissionList", "permissions": _permissions_of(file)})


def permissions_get(call: Call) -> Reply:
    file = visible_file(call, call.path["fileId"])
    for permission in _permissions_of(file):
        if permission["id"] == call.path["permissionId"]:
            return Reply(200, permission)
    raise DriveError(404, f"Permission not found: {call.path['permissionId']}.", "notFound",
                     "permissionId", "parameter")


def permissions_delete(call: Call) -> Reply:
    file = writable_file(call, call.path["fileId"])
    before = len(file.permissions)
    file.permissions = [p for p in file.permissions if p["id"] != call.path["permissionId"]]
    if len(file.permissions) == before:
        raise DriveError(404, f"Permission not found: {call.path['permissionId']}.",
                         "notFound", "permissionId", "parameter")
    return Reply(204, None, mutated=True)


def comments_list(call: Call) -> Reply:
    visible_file(call, call.path["fileId"])
    return Reply(200, {"comments": []})  # the stand-in has no comments


HANDLERS: dict[str, Callable[[Call], Reply]] = {
    "drive.files.list": files_list,
    "drive.files.get": files_get,
    "drive.files.export": files_export,
    "drive.files.create": files_create,
    "drive.files.copy": files_copy,
    "drive.files.update": files_update,
    "drive.files.delete": files_delete,
    "drive.permissions.create": permissions_create,
    "drive.permissions.list": permissions_list,
    "drive.permissions.get": permissions_get,
    "drive.permissions.delete": permissions_delete,
    "drive.comments.list": comments_list,
}
