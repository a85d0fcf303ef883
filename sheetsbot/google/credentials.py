"""The service account's key: read, checked, and turned into google-auth credentials.

Only the two scopes sheetsbot needs are requested (``drive.readonly``, ``spreadsheets``).
google-auth signs its token request for the key's ``token_uri`` and sends it there, so when
all Google traffic goes elsewhere (``SHEETSBOT_GOOGLE_API_URL``) the ``token_uri`` is
rewritten to ``<base>/token``: any key file then works against a local stand-in.

    key = read_key("credentials.json")            # ServiceAccountKey, or CredentialsError
    creds = key.credentials(base_url=None)        # google.oauth2.service_account.Credentials
    key.client_email                              # share the folder and the Sheet with this
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.oauth2 import service_account

from sheetsbot.config import warn_if_shared
from sheetsbot.google import urls
from sheetsbot.google.errors import CredentialsError

_REQUIRED = ("client_email", "private_key", "token_uri")


@dataclass(frozen=True)
class ServiceAccountKey:
    """A parsed key file (``info`` is the JSON as Google issued it)."""

    path: Path
    info: dict[str, Any]

    @property
    def client_email(self) -> str:
        return str(self.info["client_email"])

    @property
    def project_id(self) -> str | None:
        value = self.info.get("project_id")
        return str(value) if value else None

    def credentials(self, base_url: str | None = None) -> service_account.Credentials:
        info = dict(self.info)
        if base_url:
            info["token_uri"] = urls.token_uri(base_url)
        try:
            return service_account.Credentials.from_service_account_info(info, scopes=urls.SCOPES)
        except (ValueError, KeyError) as exc:
            raise CredentialsError(
                f"{self.path}: the private key cannot be loaded ({exc}); download a new JSON key "
                f"for {self.client_email} (IAM → Service accounts → Keys → Add key)") from None


def read_key(path: str | Path) -> ServiceAccountKey:
    """Read and check a service-account key file; every problem is one line with the fix."""
    file = Path(path).expanduser()
    fix = ("create a key under IAM & Admin → Service accounts → Keys → Add key → JSON, and point "
           "google.credentials (or SHEETSBOT_GOOGLE_CREDENTIALS) at it")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CredentialsError(f"{file}: credentials file not found; {fix}") from None
    except IsADirectoryError:
        raise CredentialsError(f"{file}: is a folder, not a key file; {fix}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"{file}: cannot read the credentials file ({exc})") from None
    warn_if_shared(file)
    try:
        info = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CredentialsError(f"{file}: not a JSON key file (line {exc.lineno}: {exc.msg}); {fix}"
                               ) from None
    if not isinstance(info, dict):
        raise CredentialsError(f"{file}: not a service-account key (expected a JSON object); {fix}")
    kind = info.get("type")
    if kind != "service_account":
        oauth = "installed" in info or "web" in info
        what = "an OAuth client secret" if oauth else f"type {kind!r}"
        raise CredentialsError(
            f"{file}: {what}, not a service-account key (\"type\": \"service_account\"); {fix}")
    missing = [k for k in _REQUIRED if not info.get(k)]
    if missing:
        raise CredentialsError(f"{file}: the key lacks {', '.join(missing)}; {fix}")
    if "PRIVATE KEY" not in str(info["private_key"]):
        raise CredentialsError(f"{file}: private_key is not a PEM private key; {fix}")
    return ServiceAccountKey(file, info)
