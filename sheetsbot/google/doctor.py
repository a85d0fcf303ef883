"""``sheetsbot check``: is everything in place for a run against Google? One line per check.

In order: the config is valid; the service-account key is readable; Google gives it a token;
the Drive folder is readable; the Sheet is reachable and editable. When something is not
shared, the line says what to share, with which e-mail address (the key's ``client_email``)
and which role (Viewer for the folder, Editor for the Sheet). Checks that cannot run because
an earlier one failed are reported as skipped.

    results = run_checks("config/store.yaml")
    for result in results:
        print(result.line())          # "ok    token: obtained for bot@p.iam.gserviceaccount.com"
    exit_code = 0 if all_ok(results) else 1
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sheetsbot.config import Config, load_config
from sheetsbot.errors import ConfigError
from sheetsbot.google import urls
from sheetsbot.google.client import GoogleClient
from sheetsbot.google.credentials import read_key
from sheetsbot.google.errors import GoogleError
from sheetsbot.google.retry import RetryPolicy
from sheetsbot.google.settings import (
    ENV_CREDENTIALS,
    ENV_FOLDER_ID,
    ENV_SPREADSHEET_ID,
    google_settings,
)

Status = Literal["ok", "fail", "skipped"]
#: A doctor should answer in seconds, not wait out a long outage.
DOCTOR_POLICY = RetryPolicy(deadline=20.0)


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    message: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def line(self) -> str:
        return f"{self.status:<7} {self.name}: {self.message}"


def all_ok(results: list[CheckResult]) -> bool:
    return all(r.status == "ok" for r in results)


def run_checks(
    config: Config | str | os.PathLike[str] | None,
    *,
    environ: Mapping[str, str] | None = None,
    policy: RetryPolicy = DOCTOR_POLICY,
) -> list[CheckResult]:
    """Every check, in order; never raises for a problem it can describe."""
    env = os.environ if environ is None else environ
    results: list[CheckResult] = []

    def add(name: str, status: Status, message: str) -> CheckResult:
        result = CheckResult(name, status, message)
        results.append(result)
        return result

    # 1. config
    try:
        if not isinstance(config, Config):
            where = str(config) if config is not None else "the defaults (no config file)"
            config = load_config(config)
        else:
            where = config.source or "the configuration"
        base_url = urls.api_base(env)
    except (ConfigError, ValueError) as exc:
        add("config", "fail", str(exc))
        for name in ("credentials", "token", "drive folder", "sheet"):
            add(name, "skipped", "the config must be fixed first")
        return results
    routed = f"; Google calls go to {base_url}" if base_url else ""
    add("config", "ok", f"{where} is valid{routed}")

    credentials_path, folder_id, spreadsheet_id = google_settings(config, env)

    # 2. credentials
    key = None
    if credentials_path is None:
        add("credentials", "fail", f"no service-account key configured: set google.credentials in "
            f"the config or {ENV_CREDENTIALS} to the JSON key's path")
    else:
        try:
            key = read_key(credentials_path)
            add("credentials", "ok", f"{credentials_path}: key of {key.client_email}")
        except GoogleError as exc:
            add("credentials", "fail", str(exc))

    # 3. token
    client: GoogleClient | None = None
    if key is None:
        add("token", "skipped", "needs a readable key")
    else:
        try:
            client = GoogleClient(key.credentials(base_url), base_url=base_url,
                                  client_email=key.client_email, project_id=key.project_id,
                                  policy=policy)
            client.fetch_token()
            add("token", "ok", f"obtained for {key.client_email}")
        except GoogleError as exc:
            add("token", "fail", str(exc))
            client = None

    # 4. Drive folder (Viewer)
    if folder_id is None:
        add("drive folder", "fail", "no Drive folder configured: set google.drive_folder_id (or "
            f"{ENV_FOLDER_ID}) to the id at the end of the folder's URL "
            "(drive.google.com/drive/folders/<id>)")
    elif client is None:
        add("drive folder", "skipped", "needs a token")
    else:
        add("drive folder", *_check_folder(client, folder_id))

    # 5. the Sheet (Editor)
    if spreadsheet_id is None:
        add("sheet", "fail", "no Sheet configured: set google.spreadsheet_id (or "
            f"{ENV_SPREADSHEET_ID}) to the id in the Sheet's URL "
            "(docs.google.com/spreadsheets/d/<id>/edit), and share the Sheet with "
            f"{key.client_email if key else 'the service account'} as Editor")
    elif client is None:
        add("sheet", "skipped", "needs a token")
    else:
        add("sheet", *_check_sheet(client, spreadsheet_id))
    return results


def _check_folder(client: GoogleClient, folder_id: str) -> tuple[Status, str]:
    email = client.client_email
    try:
        info = client.get_file(folder_id, fields="id,name,mimeType,trashed", what="folder")
    except GoogleError as exc:
        return "fail", str(exc)
    name = info.get("name", folder_id)
    if info.get("mimeType") != urls.FOLDER_MIME:
        return "fail", (f"{folder_id} ({name!r}) is a file, not a folder: set "
                        "google.drive_folder_id to the id of the folder the exports go into")
    if info.get("trashed"):
        return "fail", f"the Drive folder {name!r} is in the trash: restore it in Drive"
    try:
        query = f"'{_quoted(folder_id)}' in parents and trashed = false"
        children = next(iter(client.list_files(query, fields="files(id)", page_size=1)), None)
    except GoogleError as exc:
        return "fail", f"the Drive folder {name!r} is visible but cannot be listed: {exc}"
    state = "readable" if children is not None else "readable, but empty so far"
    return "ok", f"{name!r} is {state} by {email} ({urls.folder_web(folder_id)})"


def _check_sheet(client: GoogleClient, spreadsheet_id: str) -> tuple[Status, str]:
    email = client.client_email
    try:
        book = client.get_spreadsheet(spreadsheet_id, fields="spreadsheetId,properties.title")
    except GoogleError as exc:
        return "fail", str(exc)
    title = (book.get("properties") or {}).get("title", spreadsheet_id)
    try:
        # The whole capabilities object: a sub-selection would do on Google, but the local
        # stand-in's field validator does not descend into inline objects.
        info: dict[str, Any] = client.get_file(spreadsheet_id, fields="capabilities",
                                               what="spreadsheet")
    except GoogleError:
        # Drive may hide what Sheets shows (e.g. a Sheet in a shared drive without Drive
        # access): the write itself will tell; say so rather than fail.
        return "ok", f"{title!r} is reachable by {email} (edit rights could not be checked)"
    if not (info.get("capabilities") or {}).get("canEdit", False):
        return "fail", (f"{title!r} is shared with {email} without edit rights: open it, click "
                        f"Share and make {email} an Editor")
    return "ok", f"{title!r} is editable by {email} ({urls.sheet_web(spreadsheet_id)})"


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")
