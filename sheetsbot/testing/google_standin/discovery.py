"""Google's discovery documents, as shipped inside ``google-api-python-client``.

The stand-in never copies these documents: it reads them from the installed package, so its
idea of the API moves with the client library the project pins. They drive three things:
which URL is which API method (:meth:`Discovery.match`), which query parameters and body
fields a method accepts (``validation.py``), and which OAuth scopes a method needs.

Usage::

    disc = Discovery.load()
    method, path_params = disc.match("GET", "/v4/spreadsheets/abc/values/Sheet1!A1")
    method.id            # 'sheets.spreadsheets.values.get'
    path_params          # {'spreadsheetId': 'abc', 'range': 'Sheet1!A1'}
    disc.schema("sheets", "ValueRange")["properties"]["values"]
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import unquote

JsonDict = dict[str, Any]

# Which documents the stand-in serves, and the path prefix each is mounted on. Drive's media
# uploads use a second prefix (``/upload/drive/v3``) that the document declares per method.
DOCUMENTS: dict[str, str] = {"sheets": "sheets.v4.json", "drive": "drive.v3.json"}


@dataclass(frozen=True)
class Method:
    """One API method: ``id`` such as ``sheets.spreadsheets.batchUpdate``."""

    api: str
    id: str
    http_method: str
    flat_path: str
    parameters: JsonDict
    request_ref: str | None
    scopes: tuple[str, ...]
    upload_path: str | None = None
    supports_media_download: bool = False
    pattern: re.Pattern[str] = field(compare=False, default=re.compile(""))
    upload_pattern: re.Pattern[str] | None = field(compare=False, default=None)

    @property
    def service(self) -> str:
        return f"{self.api}.googleapis.com"


def _documents_dir() -> Any:
    # ``googleapiclient`` ships the documents as package data; importlib.resources finds them
    # whether the package is a directory or a zip.
    return resources.files("googleapiclient").joinpath("discovery_cache").joinpath("documents")


def _path_regex(prefix: str, flat_path: str) -> re.Pattern[str]:
    """``v4/spreadsheets/{spreadsheetId}/values/{range}:append`` → an anchored regex.

    ``{range}`` may hold ``/`` and ``:`` (A1 notation, sheet titles), so it matches lazily
    up to the literal suffix; every other parameter is one path segment.
    """
    out = []
    for part in re.split(r"(\{[^}]+\})", flat_path):
        if part.startswith("{"):
            name = part[1:-1].lstrip("+")
            out.append(f"(?P<{name}>.+?)" if name == "range" else f"(?P<{name}>[^/]+?)")
        else:
            out.append(re.escape(part))
    return re.compile("^" + re.escape(prefix) + "".join(out) + "$")


class Discovery:
    """The loaded documents with a routing table built from them."""

    def __init__(self, documents: dict[str, JsonDict]) -> None:
        self.documents = documents
        self.methods: dict[str, Method] = {}
        for api, doc in documents.items():
            prefix = "/" + doc["servicePath"]
            for method in _walk_methods(doc.get("resources", {})):
                upload = method.get("mediaUpload", {}).get("protocols", {}).get("simple", {})
                upload_path = upload.get("path")
                path: str = method["path"]
                flat_path: str = method.get("flatPath", path)
                self.methods[method["id"]] = Method(
                    api=api,
                    id=method["id"],
                    http_method=method["httpMethod"],
                    flat_path=flat_path,
                    parameters=method.get("parameters", {}),
                    request_ref=method.get("request", {}).get("$ref"),
                    scopes=tuple(method.get("scopes", ())),
                    upload_path=upload_path,
                    supports_media_download=bool(method.get("supportsMediaDownload")),
                    pattern=_path_regex(prefix, flat_path),
                    upload_pattern=_path_regex("", upload_path) if upload_path else None,
                )
        # Longer literal paths first, so ``values/{range}:append`` wins over ``values/{range}``.
        self._ordered = sorted(
            self.methods.values(),
            key=lambda m: len(re.sub(r"\{[^}]+\}", "", m.flat_path)),
            reverse=True,
        )

    @classmethod
    @functools.cache
    def load(cls) -> Discovery:
        base = _documents_dir()
        docs = {api: json.loads(base.joinpath(name).read_text("utf-8"))
                for api, name in DOCUMENTS.items()}
        return cls(docs)

    def match(self, http_method: str, raw_path: str) -> tuple[Method, dict[str, str], bool] | None:
        """Find the method for a request; returns (method, decoded path params, is_upload)."""
        for method in self._ordered:
            if method.http_method != http_method:
                continue
            found = method.pattern.match(raw_path)
            is_upload = False
            if not found and method.upload_pattern is not None:
                found = method.upload_pattern.match(raw_path)
                is_upload = bool(found)
            if found:
                return method, {k: unquote(v) for k, v in found.groupdict().items()}, is_upload
        return None

    def schema(self, api: str, name: str) -> JsonDict:
        return self.documents[api]["schemas"][name]

    def global_parameters(self, api: str) -> JsonDict:
        return self.documents[api].get("parameters", {})


def _walk_methods(resources_: JsonDict) -> list[JsonDict]:
    found: list[JsonDict] = []
    for resource in resources_.values():
        found.extend(resource.get("methods", {}).values())
        found.extend(_walk_methods(resource.get("resources", {})))
    return found
