"""Send a ``requests`` session's Google API calls to the stand-in.

Clients such as gspread build URLs on ``https://sheets.googleapis.com`` and
``https://www.googleapis.com``, fixed in their code. Mounting :class:`StandInAdapter` on
those prefixes rewrites scheme and host to the stand-in's base URL just before sending, so
the client's own code (paths, query strings, retries, auth refresh) runs unchanged.

Usage::

    import gspread
    from sheetsbot.testing.google_standin import route_session

    client = gspread.service_account(filename="key.json")   # key written by the stand-in
    route_session(client.http_client.session, "http://127.0.0.1:8765")

google-auth's token request needs no routing: it goes to the key's ``token_uri``, which the
stand-in's credentials already point at itself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

GOOGLE_API_HOSTS = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://drive.googleapis.com",
    "https://oauth2.googleapis.com",
    # google-auth (2.60+) looks up a service account's "regional access boundary" here
    # after a token refresh; the stand-in answers it so the lookup stays local too.
    "https://iamcredentials.googleapis.com",
)


class StandInAdapter(HTTPAdapter):
    """An HTTPAdapter that sends every request to ``base_url`` instead of its own host."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        target = urlsplit(base_url)
        self._scheme, self._netloc = target.scheme, target.netloc

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        # Same parameters and defaults as ``HTTPAdapter.send``, passed through unchanged.
        parts = urlsplit(request.url or "")
        request.url = urlunsplit((self._scheme, self._netloc, parts.path, parts.query,
                                  parts.fragment))
        # The Host header must name the stand-in, as a proxy in front of it would expect.
        request.headers.pop("Host", None)
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert,
                            proxies=proxies)


def route_session(session: requests.Session, base_url: str,
                  hosts: tuple[str, ...] = GOOGLE_API_HOSTS) -> requests.Session:
    """Mount the adapter on ``session`` for every Google host prefix; returns the session.

    A google-auth ``AuthorizedSession`` makes its token and boundary-lookup calls through a
    second, private session; that one is routed too, so nothing leaves the machine.
    """
    adapter = StandInAdapter(base_url)
    sessions = [session]
    auth_request = getattr(session, "_auth_request", None)
    inner = getattr(auth_request, "session", None)
    if isinstance(inner, requests.Session):
        sessions.append(inner)
    for target in sessions:
        for prefix in hosts:
            target.mount(prefix, adapter)
    return session
