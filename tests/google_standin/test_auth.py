"""The token endpoint and access tokens, through google-auth as a real client would."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import crypt, jwt
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account
from standin_helpers import DRIVE_SCOPE, SHEETS_SCOPE, bearer_session, error_of

from sheetsbot.testing.google_standin import StandIn, route_session


def _request(standin: StandIn) -> Request:
    """google-auth's transport, routed: its boundary lookup must stay local too."""
    return Request(route_session(requests.Session(), standin.url))


def _authorized(creds: Any, standin: StandIn) -> AuthorizedSession:
    return route_session(AuthorizedSession(creds), standin.url)  # type: ignore[return-value]

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _key(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _assertion(key: dict[str, Any], private_pem: str | None = None, **claims: Any) -> bytes:
    now = int(time.time())
    payload = {"iss": key["client_email"], "scope": SHEETS_SCOPE, "aud": key["token_uri"],
               "iat": now, "exp": now + 3600, **claims}
    signer = crypt.RSASigner.from_string(private_pem or key["private_key"],
                                         key["private_key_id"])
    return jwt.encode(signer, payload)


def _exchange(standin: StandIn, assertion: bytes) -> requests.Response:
    return requests.post(standin.token_url,
                         data={"grant_type": JWT_BEARER, "assertion": assertion})


def test_written_key_has_the_shape_of_a_google_key(standin: StandIn, key_file: Path) -> None:
    key = _key(key_file)
    for field in ("type", "project_id", "private_key_id", "private_key", "client_email",
                  "client_id", "auth_uri", "token_uri", "auth_provider_x509_cert_url",
                  "client_x509_cert_url"):
        assert key[field], field
    assert key["type"] == "service_account"
    assert key["token_uri"] == standin.url + "/token"
    assert key["private_key"].startswith("-----BEGIN PRIVATE KEY-----")


def test_google_auth_gets_a_token_and_calls_the_api(standin: StandIn, key_file: Path) -> None:
    creds = service_account.Credentials.from_service_account_file(
        str(key_file), scopes=[SHEETS_SCOPE, DRIVE_SCOPE])
    creds.refresh(_request(standin))
    assert creds.token and creds.expiry
    session = _authorized(creds, standin)
    answer = session.get(standin.url + "/drive/v3/files", params={"pageSize": 5})
    assert answer.status_code == 200
    assert answer.json()["kind"] == "drive#fileList"


def test_bad_signature_is_invalid_grant(standin: StandIn, key_file: Path) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    answer = _exchange(standin, _assertion(_key(key_file), private_pem=pem))
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant",
                             "error_description": "Invalid JWT Signature."}


@pytest.mark.parametrize("claims, description", [
    ({"aud": "https://example.com/token"}, "audience"),
    ({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, "short-lived"),
    ({"exp": int(time.time()) + 7200}, "short-lived"),
])
def test_bad_claims_are_invalid_grant(standin: StandIn, key_file: Path, claims: dict[str, Any],
                                      description: str) -> None:
    answer = _exchange(standin, _assertion(_key(key_file), **claims))
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "invalid_grant"
    assert description in body["error_description"]


def test_googles_own_token_url_is_an_accepted_audience(standin: StandIn, key_file: Path) -> None:
    answer = _exchange(standin, _assertion(_key(key_file),
                                           aud="https://oauth2.googleapis.com/token"))
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"


def test_audience_follows_the_host_header(standin: StandIn, key_file: Path) -> None:
    # Behind a proxy the client addresses https://proxy.example/token.
    assertion = _assertion(_key(key_file), aud="https://proxy.example/token")
    answer = requests.post(standin.token_url, headers={"Host": "proxy.example"},
                           data={"grant_type": JWT_BEARER, "assertion": assertion})
    assert answer.status_code == 200


def test_a_key_the_standin_did_not_issue_is_refused(standin: StandIn, key_file: Path) -> None:
    key = _key(key_file) | {"private_key_id": "0" * 40}
    answer = _exchange(standin, _assertion(key))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_google_auth_surfaces_invalid_grant(standin: StandIn, key_file: Path) -> None:
    key = _key(key_file) | {"private_key_id": "f" * 40}
    creds = service_account.Credentials.from_service_account_info(key, scopes=[SHEETS_SCOPE])
    with pytest.raises(RefreshError, match="invalid_grant"):
        creds.refresh(_request(standin))


def test_missing_and_expired_access_tokens_get_401(standin: StandIn) -> None:
    url = standin.url + "/drive/v3/files"
    missing = requests.get(url)
    assert missing.status_code == 401
    assert error_of(missing)["status"] == "UNAUTHENTICATED"
    session = bearer_session(standin)
    assert session.get(url).status_code == 200
    standin.expire_tokens()
    expired = session.get(url)
    assert expired.status_code == 401
    error = error_of(expired)
    assert error["status"] == "UNAUTHENTICATED"
    assert error["details"][0]["reason"] == "ACCESS_TOKEN_EXPIRED"


def test_short_token_lifetime_expires_and_google_auth_refreshes(exports: Path,
                                                                tmp_path: Path) -> None:
    with StandIn(drive_folder=exports, token_lifetime=1) as standin:
        key = tmp_path / "key.json"
        standin.write_credentials(key)
        creds = service_account.Credentials.from_service_account_file(str(key),
                                                                      scopes=[DRIVE_SCOPE])
        creds.refresh(_request(standin))
        old = creds.token
        time.sleep(1.1)
        raw = requests.get(standin.url + "/drive/v3/files",
                           headers={"Authorization": f"Bearer {old}"})
        assert raw.status_code == 401
        # AuthorizedSession refreshes on a 401 and retries, as against Google.
        answer = _authorized(creds, standin).get(standin.url + "/drive/v3/files")
        assert answer.status_code == 200
        assert creds.token != old


def test_scopes_matter(standin: StandIn, gc: Any) -> None:
    book = gc.create("Scopes")
    readonly = bearer_session(standin, ("https://www.googleapis.com/auth/drive.readonly",))
    write = readonly.put(f"{standin.url}/v4/spreadsheets/{book.id}/values/A1",
                         params={"valueInputOption": "RAW"}, json={"values": [["x"]]})
    assert write.status_code == 403
    assert error_of(write)["status"] == "PERMISSION_DENIED"
    assert error_of(write)["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    assert readonly.get(f"{standin.url}/v4/spreadsheets/{book.id}").status_code == 200
    sheets_only = bearer_session(standin, (SHEETS_SCOPE,))
    assert sheets_only.get(standin.url + "/drive/v3/files").status_code == 403
    assert sheets_only.put(f"{standin.url}/v4/spreadsheets/{book.id}/values/A1",
                           params={"valueInputOption": "RAW"},
                           json={"values": [["x"]]}).status_code == 200
