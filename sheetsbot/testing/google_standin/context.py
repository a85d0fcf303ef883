"""What a handler receives and returns; shared by the Sheets and Drive handlers.

Handlers are plain functions ``(Call) -> Reply`` registered by API method id. They run
inside the store's transaction, after authentication, scope checks and validation, so they
deal only with the API's own semantics.

Usage::

    def get_spreadsheet(call: Call) -> Reply:
        file, book = open_book(call, write=False)
        return Reply(200, book.resource())
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .auth import Grant
from .discovery import Method
from .store import Store

JsonDict = dict[str, Any]


@dataclass
class Call:
    method: Method
    path: dict[str, str]
    query: dict[str, Any]
    body: Any
    raw_body: bytes
    content_type: str
    grant: Grant
    store: Store
    base_url: str
    is_upload: bool = False

    @property
    def email(self) -> str:
        return self.grant.client_email


@dataclass
class Reply:
    status: int
    body: JsonDict | bytes | None = None
    content_type: str = "application/json; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    # True when the handler already applied the ``fields`` selector itself.
    selected: bool = False
    # True when the call changed state (the server then persists ``--state``).
    mutated: bool = False
