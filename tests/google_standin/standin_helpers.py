"""Small helpers shared by the stand-in tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

import requests

from sheetsbot.testing.google_standin import StandIn

SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
DRIVE_SCOPE = "https://www.googleapis.com/auth/drive"


def bearer_session(standin: StandIn, scopes: tuple[str, ...] = (SHEETS_SCOPE, DRIVE_SCOPE),
                   email: str | None = None) -> requests.Session:
    """A plain requests session with an access token minted for ``scopes``."""
    if email is None:
        email = standin.credentials_info()["client_email"]
    token = standin.authority.mint_token(email, scopes)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def error_of(response: requests.Response) -> dict[str, Any]:
    return response.json()["error"]
