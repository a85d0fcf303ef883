"""Where the Google connection's three settings come from: the config, or the environment.

``SHEETSBOT_GOOGLE_CREDENTIALS``, ``SHEETSBOT_DRIVE_FOLDER_ID`` and ``SHEETSBOT_SPREADSHEET_ID``
override ``google.credentials``, ``google.drive_folder_id`` and ``google.spreadsheet_id``
(a container or a CI job sets them; the config file stays the same). A relative credentials
path in the config is relative to the config file; one from the environment, to the working
directory. Empty values count as unset.

    credentials, folder_id, spreadsheet_id = google_settings(config)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from sheetsbot.config import Config

ENV_CREDENTIALS = "SHEETSBOT_GOOGLE_CREDENTIALS"
ENV_FOLDER_ID = "SHEETSBOT_DRIVE_FOLDER_ID"
ENV_SPREADSHEET_ID = "SHEETSBOT_SPREADSHEET_ID"


class GoogleSettings(NamedTuple):
    credentials: Path | None
    drive_folder_id: str | None
    spreadsheet_id: str | None


def google_settings(config: Config, environ: Mapping[str, str] | None = None) -> GoogleSettings:
    """The credentials path, Drive folder id and spreadsheet id for ``config``."""
    env = os.environ if environ is None else environ
    google = config.google

    def pick(name: str, configured: str | None) -> tuple[str | None, bool]:
        value = (env.get(name) or "").strip()
        if value:
            return value, True
        configured = (configured or "").strip()
        return (configured or None), False

    path_text, from_env = pick(ENV_CREDENTIALS, google.credentials)
    if path_text is None:
        credentials = None
    elif from_env:
        credentials = Path(path_text).expanduser()
    else:
        credentials = config.resolve_path(path_text)
    folder_id, _ = pick(ENV_FOLDER_ID, google.drive_folder_id)
    spreadsheet_id, _ = pick(ENV_SPREADSHEET_ID, google.spreadsheet_id)
    return GoogleSettings(credentials, _bare_id(folder_id), _bare_id(spreadsheet_id))


def _bare_id(value: str | None) -> str | None:
    """Accept a pasted URL as well as an id: ``…/spreadsheets/d/<id>/edit`` → ``<id>``."""
    if not value:
        return None
    for marker in ("/spreadsheets/d/", "/folders/"):
        if marker in value:
            return value.split(marker, 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return value
