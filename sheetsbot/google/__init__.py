"""The Google client: credentials, base URL, retries, Drive and Sheets calls.

Used by :mod:`sheetsbot.sources.drive` and :mod:`sheetsbot.sinks.google_sheets` only; nothing
here knows about reports, KPIs or the workbook.

    from sheetsbot.google import connect
    from sheetsbot.sinks.google_sheets import GoogleSheetsSink
    from sheetsbot.sources.drive import DriveFolder

    client, folder_id, spreadsheet_id = connect(config)   # config + SHEETSBOT_* environment
    job.run(DriveFolder(folder_id, client), GoogleSheetsSink(spreadsheet_id, client), config, week,
            now=now)

Modules: :mod:`~sheetsbot.google.urls` (every URL, the base-URL override),
:mod:`~sheetsbot.google.credentials` (the key), :mod:`~sheetsbot.google.settings` (config and
environment), :mod:`~sheetsbot.google.retry`, :mod:`~sheetsbot.google.client`,
:mod:`~sheetsbot.google.errors`, :mod:`~sheetsbot.google.doctor` (``sheetsbot check``).
"""

from __future__ import annotations

from typing import NamedTuple

from sheetsbot.config import Config
from sheetsbot.google.client import GoogleClient
from sheetsbot.google.errors import (
    CredentialsError,
    CredentialsRejected,
    DriveFileGone,
    GoogleApiError,
    GoogleError,
    GoogleUnavailable,
    NotShared,
    WriteOutcomeUnknown,
)
from sheetsbot.google.retry import RetryPolicy
from sheetsbot.google.settings import GoogleSettings, google_settings


class Connection(NamedTuple):
    client: GoogleClient
    drive_folder_id: str | None
    spreadsheet_id: str | None


def connect(config: Config, *, policy: RetryPolicy | None = None) -> Connection:
    """A client for the configured key (environment overrides applied) and the two ids."""
    credentials, folder_id, spreadsheet_id = google_settings(config)
    if credentials is None:
        raise CredentialsError("no service-account key configured: set google.credentials in the "
                               "config or SHEETSBOT_GOOGLE_CREDENTIALS to the JSON key's path")
    return Connection(GoogleClient.from_key_file(credentials, policy=policy), folder_id,
                      spreadsheet_id)


__all__ = [
    "Connection",
    "CredentialsError",
    "CredentialsRejected",
    "DriveFileGone",
    "GoogleApiError",
    "GoogleClient",
    "GoogleError",
    "GoogleSettings",
    "GoogleUnavailable",
    "NotShared",
    "RetryPolicy",
    "WriteOutcomeUnknown",
    "connect",
    "google_settings",
]
