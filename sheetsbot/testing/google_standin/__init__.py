"""A faithful local stand-in for Google's token endpoint, Sheets API v4 and Drive API v3.

For tests of anything that talks to Google (sheetsbot itself, gspread, google-auth): one
local base URL answers Google's real paths with Google's shapes, validates requests against
the discovery documents shipped in google-api-python-client, keeps state like the real
services (atomic ``batchUpdate``), and injects faults on a schedule.

In a test::

    from sheetsbot.testing.google_standin import StandIn, route_session

    with StandIn(drive_folder=exports_dir) as google:
        google.write_credentials(key_path)             # a service-account key for it
        client = gspread.service_account(filename=key_path)
        route_session(client.http_client.session, google.url)
        sheet = client.create("KPIs")

From a shell::

    python -m sheetsbot.testing.google_standin --port 0 --drive-folder exports \\
        --write-credentials key.json
    # first stdout line: {"url": "http://127.0.0.1:PORT", "folder_id": "...", ...}

See ``docs/google-standin.md`` for what is simulated and what is not.
"""

from .faults import FaultPlan, FaultSpecError
from .routing import GOOGLE_API_HOSTS, StandInAdapter, route_session
from .server import CallRecord, StandIn

__all__ = [
    "GOOGLE_API_HOSTS",
    "CallRecord",
    "FaultPlan",
    "FaultSpecError",
    "StandIn",
    "StandInAdapter",
    "route_session",
]
