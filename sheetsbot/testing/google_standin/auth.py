"""Service-account keys, the OAuth token endpoint and access-token checks.

The stand-in is its own tiny identity provider. :meth:`Authority.issue_key` makes a fresh
RSA key and returns a JSON key file shaped exactly like one downloaded from the Cloud
console, except that ``token_uri`` points at the stand-in. google-auth signs a JWT with that
key and posts it to ``token_uri``; :meth:`Authority.exchange` verifies it the way Google
does and hands out an opaque access token that expires.

Usage::

    authority = Authority(token_lifetime=3600)
    key = authority.issue_key("http://127.0.0.1:8080/token")      # dict, json.dump it
    token = authority.exchange(form, token_urls={"http://127.0.0.1:8080/token"})
    grant = authority.check_bearer("Bearer " + token["access_token"], service="sheets...")
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .errors import ApiError, OAuthError

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_ASSERTION_LIFETIME = 3600  # Google refuses assertions valid for more than one hour
CLOCK_SKEW = 300  # seconds of skew tolerated for "iat in the future", as Google does

SCOPE_PREFIX = "https://www.googleapis.com/auth/"


@dataclass
class Grant:
    """What an access token stands for."""

    client_email: str
    scopes: frozenset[str]
    expires_at: float


@dataclass
class IssuedKey:
    key_id: str
    client_email: str
    client_id: str
    public_key: rsa.RSAPublicKey


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class Authority:
    """Issues keys and access tokens, and checks both. Thread-safe."""

    def __init__(
        self,
        project_id: str = "sheetsbot-standin",
        token_lifetime: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.project_id = project_id
        self.token_lifetime = token_lifetime
        self.clock = clock
        self._keys: dict[str, IssuedKey] = {}
        self._tokens: dict[str, Grant] = {}
        self._lock = threading.Lock()

    # --------------------------------------------------------------------- keys
    def issue_key(self, token_uri: str, account: str = "sheetsbot") -> dict[str, Any]:
        """A new service-account JSON key (as a dict) whose ``token_uri`` is ``token_uri``."""
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        key_id = secrets.token_hex(20)
        client_id = str(secrets.randbelow(10**20) + 10**20)
        email = f"{account}@{self.project_id}.iam.gserviceaccount.com"
        with self._lock:
            self._keys[key_id] = IssuedKey(key_id, email, client_id, private.public_key())
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": email,
            "client_id": client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
            + email.replace("@", "%40"),
            "universe_domain": "googleapis.com",
        }

    def known_emails(self) -> set[str]:
        with self._lock:
            return {k.client_email for k in self._keys.values()}

    def export_keys(self) -> list[dict[str, str]]:
        """Public halves of the issued keys, for ``--state`` persistence."""
        with self._lock:
            return [
                {
                    "key_id": k.key_id,
                    "client_email": k.client_email,
                    "client_id": k.client_id,
                    "public_key": k.public_key.public_bytes(
                        serialization.Encoding.PEM,
                        serialization.PublicFormat.SubjectPublicKeyInfo,
                    ).decode(),
                }
                for k in self._keys.values()
            ]

    def import_keys(self, entries: Iterable[dict[str, str]]) -> None:
        with self._lock:
            for e in entries:
                public = serialization.load_pem_public_key(e["public_key"].encode())
                assert isinstance(public, rsa.RSAPublicKey)
                self._keys[e["key_id"]] = IssuedKey(
                    e["key_id"], e["client_email"], e["client_id"], public
                )

    # ------------------------------------------------------------ token endpoint
    def exchange(self, form: dict[str, str], token_urls: set[str]) -> dict[str, Any]:
        """Answer a token request (the form fields of the POST) or raise :class:`OAuthError`.

        ``token_urls`` are the audiences this request may carry besides Google's own URL:
        the ``/token`` URL as the client addressed it (built from the Host header).
        """
        grant_type = form.get("grant_type")
        if grant_type != JWT_BEARER:
            raise OAuthError("unsupported_grant_type", "Invalid grant_type: " + str(grant_type))
        assertion = form.get("assertion", "")
        header, claims = self._verify_assertion(assertion)
        del header
        now = self.clock()
        audiences = {GOOGLE_TOKEN_URL, *token_urls}
        if claims.get("aud") not in audiences:
            raise OAuthError("invalid_grant", "Invalid JWT: Failed audience check.")
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, (int, float)) or not isinstance(exp, (int, float)):
            raise OAuthError("invalid_grant", "Invalid JWT: iat and exp are required.")
        if exp - iat > MAX_ASSERTION_LIFETIME or exp <= iat:
            raise OAuthError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the JWT claim.",
            )
        if exp < now or iat > now + CLOCK_SKEW:
            raise OAuthError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the JWT claim.",
            )
        scope = claims.get("scope")
        if not isinstance(scope, str) or not scope.strip():
            raise OAuthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        token = "ya29.standin-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = Grant(
                client_email=str(claims["iss"]),
                scopes=frozenset(scope.split()),
                expires_at=now + self.token_lifetime,
            )
        # Google answers expires_in a second short of the lifetime; clients only care that
        # it is there.
        return {"access_token": token, "expires_in": max(self.token_lifetime - 1, 0),
                "token_type": "Bearer"}

    def _verify_assertion(self, assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
        parts = assertion.split(".")
        if len(parts) != 3:
            raise OAuthError("invalid_grant", "Invalid JWT: malformed assertion.")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except ValueError:
            raise OAuthError("invalid_grant", "Invalid JWT: malformed assertion.") from None
        if header.get("alg") != "RS256":
            raise OAuthError("invalid_grant", "Invalid JWT Signature.")
        with self._lock:
            issued = self._keys.get(str(header.get("kid")))
            # google-auth always sends the kid; without one, try every key of the issuer.
            candidates = (
                [issued]
                if issued
                else [k for k in self._keys.values() if "kid" not in header
                      and k.client_email == claims.get("iss")]
            )
        for key in candidates:
            try:
                key.public_key.verify(
                    signature,
                    f"{parts[0]}.{parts[1]}".encode(),
                    padding.PKCS1v15(),
                    hashes.SHA256(),
                )
            except InvalidSignature:
                continue
            if claims.get("iss") != key.client_email:
                raise OAuthError("invalid_grant", "Invalid JWT Signature.")
            return header, claims
        if not candidates:
            raise OAuthError("invalid_grant", "Invalid grant: account not found")
        raise OAuthError("invalid_grant", "Invalid JWT Signature.")

    # ------------------------------------------------------------- API requests
    def check_bearer(self, authorization: str | None, service: str) -> Grant:
        """The grant behind an ``Authorization`` header, or Google's 401."""
        if not authorization or not authorization.startswith("Bearer "):
            raise ApiError.unauthenticated("CREDENTIALS_MISSING", service)
        token = authorization[len("Bearer "):].strip()
        with self._lock:
            grant = self._tokens.get(token)
        if grant is None:
            raise ApiError.unauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED", service)
        if grant.expires_at <= self.clock():
            raise ApiError.unauthenticated("ACCESS_TOKEN_EXPIRED", service)
        return grant

    def expire_all_tokens(self) -> None:
        """Make every issued access token expired now (tests of the refresh path)."""
        with self._lock:
            for grant in self._tokens.values():
                grant.expires_at = 0.0

    def mint_token(self, client_email: str, scopes: Iterable[str], lifetime: int | None = None
                   ) -> str:
        """Issue an access token directly (for tests that skip the JWT exchange)."""
        token = "ya29.standin-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = Grant(
                client_email, frozenset(scopes),
                self.clock() + (self.token_lifetime if lifetime is None else lifetime),
            )
        return token


def require_scope(grant: Grant, accepted: Iterable[str], service: str) -> None:
    """403 unless the token holds one of the scopes the discovery document lists."""
    if not grant.scopes.intersection(accepted):
        raise ApiError.insufficient_scopes(service)
