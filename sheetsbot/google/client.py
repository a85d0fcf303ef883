"""The one connection to Google: an authorised session shared by gspread and the Drive calls.

What it adds to gspread's ``HTTPClient``: routing to ``SHEETSBOT_GOOGLE_API_URL`` (a transport
adapter mounted on the session, gspread's fixed URLs untouched), retries with backoff that
honour ``Retry-After`` within a deadline, errors turned into one-line messages that say what
to share with whom, and a count of the calls made (for the Run log and the benchmarks).

    client = GoogleClient.from_key_file("credentials.json")     # base URL from the environment
    book = client.get_spreadsheet("1AbC", fields="sheets.properties.title")
    client.batch_update("1AbC", {"requests": [...]})             # never retried blindly
    client.calls["sheets.spreadsheets.batchUpdate"]              # 1

``batch_update`` is not idempotent: a ``429`` (refused, so not applied) is retried, but when
the answer is lost (connection dropped, 5xx) it raises :class:`WriteOutcomeUnknown` and the
caller re-reads the Sheet to find out what happened (see :mod:`sheetsbot.sinks.google_sheets`).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import google.auth.exceptions
import gspread
import requests
import urllib3.exceptions
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession, Request
from requests.adapters import HTTPAdapter

from sheetsbot.google import urls
from sheetsbot.google.credentials import read_key
from sheetsbot.google.errors import (
    CredentialsRejected,
    GoogleApiError,
    NotShared,
    WriteOutcomeUnknown,
)
from sheetsbot.google.retry import RETRYABLE_STATUSES, Backoff, RetryPolicy, parse_retry_after

log = logging.getLogger("sheetsbot.google")

#: Drive signals rate limits with 403 and one of these reasons (Sheets uses 429).
_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded",
                                 "RATE_LIMIT_EXCEEDED"})
_DISABLED_REASONS = frozenset({"SERVICE_DISABLED", "accessNotConfigured"})
_FROM_ENV: Any = object()


class GoogleClient:
    """Sheets and Drive calls for one service account."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        client_email: str | None = None,
        project_id: str | None = None,
        policy: RetryPolicy | None = None,
        timeout: tuple[float, float] = (10.0, 180.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url
        self.client_email = client_email or getattr(credentials, "service_account_email", None)
        self.project_id = project_id
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        # google-auth refreshes tokens (and looks up the account's access boundary) through a
        # session of its own; it is routed like the API session so nothing escapes the base URL.
        self._auth_session = requests.Session()
        self._auth_session.mount("https://", HTTPAdapter(max_retries=3))
        self.session = AuthorizedSession(credentials, auth_request=Request(self._auth_session))
        if base_url:
            for session in (self.session, self._auth_session):
                route_session(session, base_url)
        #: gspread on the same routed, authorised session (sheetsbot's Sheets calls go through
        #: its HTTPClient; scripts can use its high-level API).
        self.gspread = gspread.Client(auth=credentials, session=self.session)
        self.gspread.set_timeout(timeout)
        #: HTTP attempts by API method id (``sheets.spreadsheets.get``, ``drive.files.list``...).
        self.calls: Counter[str] = Counter()
        #: Request bytes sent by API method id.
        self.bytes_sent: Counter[str] = Counter()

    @classmethod
    def from_key_file(cls, path: Any, *, base_url: str | None = _FROM_ENV,
                      policy: RetryPolicy | None = None) -> GoogleClient:
        """A client for the key file at ``path``; ``base_url`` defaults to the environment's."""
        key = read_key(path)
        base = urls.api_base() if base_url is _FROM_ENV else base_url
        return cls(key.credentials(base), base_url=base, client_email=key.client_email,
                   project_id=key.project_id, policy=policy)

    @property
    def sheets_calls(self) -> int:
        return sum(n for method, n in self.calls.items() if method.startswith("sheets."))

    # ------------------------------------------------------------------ authentication
    def fetch_token(self) -> None:
        """Obtain an access token now (``sheetsbot check``); raises on refusal."""
        backoff = Backoff(self.policy, sleep=self._sleep)
        while True:
            self.calls["oauth2.token"] += 1
            try:
                self.credentials.refresh(Request(self._auth_session))
                return
            except (google.auth.exceptions.RefreshError, google.auth.exceptions.TransportError) as exc:
                self._token_failed(exc, backoff)

    # ---------------------------------------------------------------------------- Sheets
    def get_spreadsheet(self, spreadsheet_id: str, *, fields: str,
                        ranges: list[str] | None = None) -> dict[str, Any]:
        """``spreadsheets.get`` with a field mask (retried: reads are idempotent)."""
        params: dict[str, Any] = {"fields": fields, "prettyPrint": "false"}
        if ranges:
            params["ranges"] = ranges
        response = self._send("sheets.spreadsheets.get", "get", urls.spreadsheet(spreadsheet_id),
                              params=params,
                              not_found=lambda: self._sheet_error(spreadsheet_id, 404),
                              forbidden=lambda: self._sheet_error(spreadsheet_id, 403))
        return dict(response.json())

    def batch_update(self, spreadsheet_id: str, body: Mapping[str, Any] | bytes) -> dict[str, Any]:
        """``spreadsheets.batchUpdate``: applied all or nothing by Google.

        Retried only when Google certainly did not apply it (429, a connection that was
        never made). A lost answer raises :class:`WriteOutcomeUnknown`.
        """
        payload = body if isinstance(body, bytes) else encode_body(body)
        response = self._send(
            "sheets.spreadsheets.batchUpdate", "post", urls.batch_update(spreadsheet_id),
            data=payload, headers={"Content-Type": "application/json; charset=utf-8"},
            idempotent=False,
            not_found=lambda: self._sheet_error(spreadsheet_id, 404),
            forbidden=lambda: self._sheet_error(spreadsheet_id, 403, write=True))
        return dict(response.json())

    # ----------------------------------------------------------------------------- Drive
    def get_file(self, file_id: str, *, fields: str, what: str = "file") -> dict[str, Any]:
        """``files.get`` (metadata). ``what`` is "folder" or "spreadsheet" for the messages."""
        params = {"fields": fields, "supportsAllDrives": "true"}
        response = self._send("drive.files.get", "get", urls.drive_file(file_id), params=params,
                              not_found=lambda: self._drive_not_found(file_id, what))
        return dict(response.json())

    def list_files(self, query: str, *, fields: str, page_size: int = 1000
                   ) -> Iterator[dict[str, Any]]:
        """Every file ``files.list`` finds for ``query``, following ``nextPageToken``."""
        token: str | None = None
        if "nextPageToken" not in fields:
            fields = "nextPageToken," + fields
        while True:
            params = {"q": query, "fields": fields, "pageSize": str(page_size),
                      "supportsAllDrives": "true", "includeItemsFromAllDrives": "true"}
            if token:
                params["pageToken"] = token
            page = self._send("drive.files.list", "get", urls.DRIVE_FILES, params=params).json()
            yield from page.get("files", [])
            token = page.get("nextPageToken")
            if not token:
                return

    def download(self, file_id: str) -> bytes:
        """A file's bytes (``files.get?alt=media``); :class:`GoogleApiError` 404 if it is gone."""
        params = {"alt": "media", "supportsAllDrives": "true"}
        return self._send("drive.files.get", "get", urls.drive_file(file_id), params=params).content

    def export(self, file_id: str, mime_type: str) -> bytes:
        """A native Google file converted (``files.export``), e.g. a Sheet as xlsx."""
        return self._send("drive.files.export", "get", urls.drive_export(file_id),
                          params={"mimeType": mime_type}).content

    # -------------------------------------------------------------------------- plumbing
    def _send(
        self,
        method_id: str,
        verb: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = True,
        not_found: Callable[[], Exception] | None = None,
        forbidden: Callable[[], Exception] | None = None,
    ) -> requests.Response:
        backoff = Backoff(self.policy, sleep=self._sleep)
        while True:
            self.calls[method_id] += 1
            self.bytes_sent[method_id] += len(data or b"")
            try:
                return self.gspread.http_client.request(verb, url, params=dict(params or {}),
                                                        data=data, headers=headers)
            except gspread.exceptions.APIError as exc:
                response = exc.response
                status = response.status_code
                error = _error_of(response)
                reason = error["reason"]
                why = f"{method_id} answered {status} ({error['message'][:160]})"
                rate_limited = status == 429 or (status == 403 and reason in _RATE_LIMIT_REASONS)
                if rate_limited or (idempotent and status in RETRYABLE_STATUSES):
                    # A 429 is refused before anything is applied: safe even for batchUpdate.
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    delay = backoff.wait(retry_after, why)
                    log.info("%s; retrying in %.1f s", why, delay)
                    continue
                if status >= 500 and status != 501 and not idempotent:
                    raise WriteOutcomeUnknown(
                        f"{why}: the write may or may not have been applied", cause=str(status)
                    ) from None
                raise self._api_error(method_id, status, error, not_found, forbidden) from None
            except (google.auth.exceptions.RefreshError, google.auth.exceptions.TransportError) as exc:
                self._token_failed(exc, backoff)
            except (requests.ConnectionError, requests.Timeout) as exc:
                why = f"{method_id}: {_connection_problem(exc)}"
                if not idempotent and not _never_sent(exc):
                    raise WriteOutcomeUnknown(
                        f"{why}: the answer was lost, the write may or may not have been applied",
                        cause=type(exc).__name__) from None
                delay = backoff.wait(None, why)
                log.info("%s; retrying in %.1f s", why, delay)

    def _token_failed(self, exc: google.auth.exceptions.GoogleAuthError, backoff: Backoff) -> None:
        """A token fetch that failed: a refusal for good (a deleted key) raises, anything else
        waits its turn in ``backoff`` (which raises once the deadline is spent)."""
        if isinstance(exc, google.auth.exceptions.RefreshError):
            if not exc.retryable:
                raise self._rejected(exc) from None
            backoff.wait(None, f"the token endpoint failed ({_first_line(exc)})")
        else:
            backoff.wait(None, f"cannot reach the token endpoint ({_first_line(exc)})")

    def _api_error(self, method_id: str, status: int, error: dict[str, str],
                   not_found: Callable[[], Exception] | None,
                   forbidden: Callable[[], Exception] | None) -> Exception:
        reason, message = error["reason"], error["message"]
        api = "sheets.googleapis.com" if method_id.startswith("sheets.") else "drive.googleapis.com"
        name = "Google Sheets API" if api.startswith("sheets") else "Google Drive API"
        if status == 403 and (reason in _DISABLED_REASONS or "has not been used" in message
                              or "is disabled" in message):
            return GoogleApiError(
                f"the {name} is not enabled for project {self.project_id or '(unknown)'}: "
                f"enable it at {urls.enable_api(api, self.project_id)} and run again",
                status=status, reason=reason, operation=method_id, detail=message)
        if status == 404 and not_found is not None:
            return not_found()
        if status == 403 and forbidden is not None and reason != "ACCESS_TOKEN_SCOPE_INSUFFICIENT":
            return forbidden()
        if status == 401:
            return CredentialsRejected(
                f"Google refused the access token of {self.client_email} ({message}); check the "
                "service-account key and this machine's clock")
        return GoogleApiError(f"{method_id} failed: {status} {message}", status=status,
                              reason=reason, operation=method_id, detail=message)

    def _sheet_error(self, spreadsheet_id: str, status: int, write: bool = False) -> Exception:
        email = self.client_email or "the service account"
        if status == 404:
            message = (f"no Google Sheet with id {spreadsheet_id} is visible to {email}: check "
                       "spreadsheet_id (the part of the Sheet's URL between /d/ and /edit) and "
                       f"share the Sheet with {email} as Editor")
        elif write:
            message = (f"the Google Sheet {spreadsheet_id} is shared with {email} without edit "
                       f"rights: open it, click Share and make {email} an Editor")
        else:
            message = (f"the Google Sheet {spreadsheet_id} is not shared with {email}: open it, "
                       f"click Share and add {email} as Editor")
        return NotShared(message, what="spreadsheet", resource_id=spreadsheet_id, email=email,
                         role="Editor")

    def _drive_not_found(self, file_id: str, what: str) -> Exception:
        email = self.client_email or "the service account"
        if what == "folder":
            return NotShared(
                f"the Drive folder {file_id} is not shared with {email} (or the id is wrong): in "
                f"Drive, right-click the folder → Share, add {email} as Viewer",
                what="folder", resource_id=file_id, email=email, role="Viewer")
        return GoogleApiError(f"Drive has no {what} {file_id} visible to {email}", status=404,
                              reason="notFound", operation="drive.files.get")

    def _rejected(self, exc: google.auth.exceptions.RefreshError) -> CredentialsRejected:
        token_uri = getattr(self.credentials, "_token_uri", "the token endpoint")
        return CredentialsRejected(
            f"Google refused the service-account key of {self.client_email} "
            f"({_first_line(exc)}) at {token_uri}: the key was deleted or disabled, belongs to "
            "another account, or this machine's clock is wrong; create a new JSON key for the "
            "service account and point google.credentials at it")


def encode_body(body: Mapping[str, Any]) -> bytes:
    """Compact JSON, UTF-8: what is sent is what the request size reports (NaN refused)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def route_session(session: requests.Session, base_url: str) -> requests.Session:
    """Send ``session``'s requests for every Google host to ``base_url`` instead."""
    adapter = _RerouteAdapter(base_url)
    for prefix in urls.GOOGLE_HOSTS:
        session.mount(prefix, adapter)
    return session


class _RerouteAdapter(HTTPAdapter):
    """Rewrites scheme, host (and a path prefix) just before sending; the path stays Google's."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        target = urlsplit(base_url)
        self._scheme, self._netloc = target.scheme, target.netloc
        self._prefix = target.path.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
             ) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = urlunsplit((self._scheme, self._netloc, self._prefix + parts.path,
                                  parts.query, parts.fragment))
        request.headers.pop("Host", None)  # requests sets it again for the new host
        return super().send(request, *args, **kwargs)


def _error_of(response: requests.Response) -> dict[str, str]:
    """Message and reason of a Google error body (Sheets' ErrorInfo or Drive's errors[])."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return {"message": response.text[:200] or response.reason or "", "reason": ""}
    if not isinstance(error, dict):  # the token endpoint's {"error": "invalid_grant"}
        return {"message": str(error), "reason": str(error)}
    reason = ""
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("reason"):
            reason = str(detail["reason"])
            break
    if not reason:
        for item in error.get("errors") or []:
            if isinstance(item, dict) and item.get("reason"):
                reason = str(item["reason"])
                break
    return {"message": str(error.get("message") or ""),
            "reason": reason or str(error.get("status") or "")}


def _never_sent(exc: Exception) -> bool:
    """True when the request certainly never reached Google (no connection was made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (urllib3.exceptions.NewConnectionError,
                               urllib3.exceptions.ConnectTimeoutError))


def _connection_problem(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    text = _first_line(exc)
    if "reset" in text.lower() or "aborted" in text.lower():
        return "the connection was dropped"
    return f"cannot connect ({text[:160]})"


def _first_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
