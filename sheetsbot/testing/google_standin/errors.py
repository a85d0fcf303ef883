"""Google's error shapes, as exceptions the handlers raise and the server renders.

Every handler signals failure by raising :class:`ApiError` (Sheets and the common ESF
shape), :class:`DriveError` (Drive v3 adds the legacy ``errors`` array) or
:class:`OAuthError` (the token endpoint speaks RFC 6749, not the API shape)::

    raise ApiError.invalid_argument("Unable to parse range: Foo!A1")
    raise ApiError.not_found()                       # "Requested entity was not found."
    raise DriveError.not_found(file_id)              # "File not found: <id>."
    raise OAuthError("invalid_grant", "Invalid JWT Signature.")

The wording of each message is the one the recorded Google traffic shows where a recording
shows it (see ``tests/data/google-recordings``); ``docs/google-standin.md`` lists the few
messages that are our best approximation instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# Canonical gRPC status names for the HTTP codes Google uses.
STATUS_BY_CODE: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"


@dataclass
class FieldViolation:
    """One entry of a ``google.rpc.BadRequest`` detail."""

    field: str
    description: str


class StandInError(Exception):
    """Base class: an error that becomes an HTTP response (``code``, ``headers``, body)."""

    code: int
    headers: dict[str, str]

    def body(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        # Google pretty-prints error bodies with two-space indentation.
        return (json.dumps(self.body(), indent=2, ensure_ascii=False) + "\n").encode()


@dataclass
class ApiError(StandInError):
    """The ``{"error": {"code", "message", "status", "details"}}`` shape (Sheets, ESF)."""

    code: int
    message: str
    status: str = ""
    violations: list[FieldViolation] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)
        if not self.status:
            self.status = STATUS_BY_CODE.get(self.code, "UNKNOWN")

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        details = list(self.details)
        if self.violations:
            details.insert(
                0,
                {
                    "@type": BAD_REQUEST_TYPE,
                    "fieldViolations": [
                        {"field": v.field, "description": v.description} for v in self.violations
                    ],
                },
            )
        if details:
            error["details"] = details
        return {"error": error}

    # Constructors named for what Google means, so call sites read like the API docs.
    @classmethod
    def invalid_argument(
        cls, message: str, violations: list[FieldViolation] | None = None
    ) -> ApiError:
        return cls(400, message, violations=list(violations or []))

    @classmethod
    def invalid_payload(cls, violations: list[FieldViolation]) -> ApiError:
        """Several schema violations: Google joins their descriptions with newlines."""
        return cls(400, "\n".join(v.description for v in violations), violations=violations)

    @classmethod
    def not_found(cls, message: str = "Requested entity was not found.") -> ApiError:
        return cls(404, message)

    @classmethod
    def permission_denied(cls, message: str = "The caller does not have permission") -> ApiError:
        return cls(403, message)

    @classmethod
    def unauthenticated(cls, reason: str, service: str) -> ApiError:
        return cls(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, "
            "login cookie or other valid authentication credential. See "
            "https://developers.google.com/identity/sign-in/web/devconsole-project.",
            details=[_error_info(reason, service)],
            headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
        )

    @classmethod
    def insufficient_scopes(cls, service: str) -> ApiError:
        return cls(
            403,
            "Request had insufficient authentication scopes.",
            details=[_error_info("ACCESS_TOKEN_SCOPE_INSUFFICIENT", service)],
            headers={
                "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                'error="insufficient_scope"'
            },
        )


def _error_info(reason: str, service: str) -> dict[str, Any]:
    return {
        "@type": ERROR_INFO_TYPE,
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": service},
    }


@dataclass
class DriveError(StandInError):
    """Drive v3's shape: the ESF fields plus the legacy ``errors`` array."""

    code: int
    message: str
    reason: str
    location: str | None = None
    location_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"message": self.message, "domain": "global", "reason": self.reason}
        if self.location:
            item["location"] = self.location
            item["locationType"] = self.location_type or "parameter"
        return {"error": {"code": self.code, "message": self.message, "errors": [item]}}

    @classmethod
    def not_found(cls, file_id: str) -> DriveError:
        return cls(404, f"File not found: {file_id}.", "notFound", "fileId", "parameter")

    @classmethod
    def forbidden(cls, message: str, reason: str = "insufficientFilePermissions") -> DriveError:
        return cls(403, message, reason)

    @classmethod
    def bad_request(cls, message: str, reason: str = "badRequest", location: str | None = None):
        return cls(400, message, reason, location, "parameter" if location else None)


@dataclass
class OAuthError(StandInError):
    """Token endpoint errors: ``{"error": "invalid_grant", "error_description": ...}``."""

    error: str
    description: str
    code: int = 400
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.error}: {self.description}")

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}


@dataclass
class InjectedFault(StandInError):
    """A fault from the schedule (429/500/503), rendered in the API's own error shape."""

    code: int
    retry_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    _MESSAGES = {
        429: "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per "
        "minute per user' of service 'sheets.googleapis.com'.",
        500: "Internal error encountered.",
        503: "The service is currently unavailable.",
    }

    def __post_init__(self) -> None:
        super().__init__(f"injected {self.code}")
        if self.retry_after is not None:
            self.headers["Retry-After"] = str(self.retry_after)

    def body(self) -> dict[str, Any]:
        message = self._MESSAGES.get(self.code, "Injected fault.")
        return ApiError(self.code, message).body()
