"""Every Google URL sheetsbot uses, in one place (as ``gspread.urls`` does for gspread).

The URLs are Google's own. When the environment variable ``SHEETSBOT_GOOGLE_API_URL`` is set
(a local stand-in, a proxy), every request to one of :data:`GOOGLE_HOSTS` is sent to that base
URL instead, by a transport adapter mounted on the HTTP session (:mod:`sheetsbot.google.client`);
the paths stay Google's. The key's ``token_uri`` is rewritten to ``<base>/token``.

    from sheetsbot.google import urls

    urls.batch_update("1AbC")          # 'https://sheets.googleapis.com/v4/spreadsheets/1AbC:batchUpdate'
    urls.api_base()                    # None, or 'http://127.0.0.1:8765' from the environment
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

#: The environment variable naming another base URL for every Google call.
ENV_API_URL = "SHEETSBOT_GOOGLE_API_URL"

#: Read the shared exports folder; never change it.
SCOPE_DRIVE_READONLY = "https://www.googleapis.com/auth/drive.readonly"
#: Read and write the spreadsheets shared with the service account.
SCOPE_SPREADSHEETS = "https://www.googleapis.com/auth/spreadsheets"
#: The only scopes sheetsbot asks for.
SCOPES = (SCOPE_DRIVE_READONLY, SCOPE_SPREADSHEETS)

TOKEN_URI = "https://oauth2.googleapis.com/token"

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE_API = "https://www.googleapis.com/drive/v3"
DRIVE_FILES = DRIVE_API + "/files"

#: Hosts whose requests go to :data:`ENV_API_URL` when it is set. google-auth (2.60+) also
#: looks up a service account's "regional access boundary" on iamcredentials after a refresh.
GOOGLE_HOSTS = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://drive.googleapis.com",
    "https://oauth2.googleapis.com",
    "https://iamcredentials.googleapis.com",
)

FOLDER_MIME = "application/vnd.google-apps.folder"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOGLE_APPS_PREFIX = "application/vnd.google-apps."


def spreadsheet(spreadsheet_id: str) -> str:
    return f"{SHEETS_API}/{_segment(spreadsheet_id)}"


def batch_update(spreadsheet_id: str) -> str:
    return f"{SHEETS_API}/{_segment(spreadsheet_id)}:batchUpdate"


def drive_file(file_id: str) -> str:
    return f"{DRIVE_FILES}/{_segment(file_id)}"


def drive_export(file_id: str) -> str:
    return f"{DRIVE_FILES}/{_segment(file_id)}/export"


def sheet_web(spreadsheet_id: str) -> str:
    """The Sheet as people open it."""
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"


def folder_web(folder_id: str) -> str:
    return f"https://drive.google.com/drive/folders/{folder_id}"


def enable_api(api: str, project_id: str | None) -> str:
    """The console page that enables ``api`` (``sheets.googleapis.com``) for a project."""
    suffix = f"?project={project_id}" if project_id else ""
    return f"https://console.cloud.google.com/apis/library/{api}{suffix}"


def api_base(environ: Mapping[str, str] | None = None) -> str | None:
    """The base URL from :data:`ENV_API_URL`, without a trailing slash; None when unset.

    Raises ValueError for a value that is not an http(s) URL, so a typo never silently
    sends the run to Google.
    """
    value = (os.environ if environ is None else environ).get(ENV_API_URL, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{ENV_API_URL}={value!r} is not an http(s) URL such as http://127.0.0.1:8765")
    return value.rstrip("/")


def token_uri(base: str) -> str:
    """Where the token request goes when everything is sent to ``base``."""
    return base.rstrip("/") + "/token"


def _segment(value: str) -> str:
    # Ids are URL-safe already; quoting keeps a malformed id from changing the path.
    return quote(value, safe="")
