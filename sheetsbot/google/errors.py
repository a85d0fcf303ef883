"""What can go wrong talking to Google, as one branch of sheetsbot's exception hierarchy.

Every message is one line that says what happened and what fixes it; the entry points print
it as it is. ``GoogleError`` derives from :class:`sheetsbot.errors.SheetsbotError`.

    try:
        sink.write(workbook)
    except NotShared as exc:
        print(exc)      # the Google Sheet 1AbC is not shared with bot@p.iam.gserviceaccount.com
"""

from __future__ import annotations

from sheetsbot.errors import SheetsbotError


class GoogleError(SheetsbotError):
    """Base class of every Google-side failure."""


class CredentialsError(GoogleError):
    """The service-account key is missing, unreadable, or not a service-account key."""


class CredentialsRejected(GoogleError):
    """Google's token endpoint refused the key (deleted or revoked key, wrong clock...)."""


class NotShared(GoogleError):
    """The folder or Sheet is not visible to the service account, or not with enough rights.

    ``email`` is the address to share with, ``role`` the role it needs ("Viewer", "Editor").
    """

    def __init__(self, message: str, *, what: str, resource_id: str, email: str | None,
                 role: str) -> None:
        super().__init__(message)
        self.what = what
        self.resource_id = resource_id
        self.email = email
        self.role = role


class GoogleApiError(GoogleError):
    """Google answered an error that retrying cannot fix (a 4xx other than 429)."""

    def __init__(self, message: str, *, status: int, reason: str | None = None,
                 operation: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.operation = operation
        #: Google's own message, unchanged.
        self.detail = detail


class GoogleUnavailable(GoogleError):
    """Google kept answering 429/5xx, or could not be reached, until the deadline passed."""


class WriteOutcomeUnknown(GoogleError):
    """A ``batchUpdate`` was sent but its answer was lost: it may or may not have been applied.

    The Sheets sink handles this by re-reading the Sheet; nothing re-sends it blindly.
    """

    def __init__(self, message: str, *, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


class DriveFileGone(GoogleError, FileNotFoundError):
    """A file listed in the Drive folder was deleted or moved before it was downloaded.

    It is also an ``OSError``, so the report reader records it as a per-file problem and
    the run goes on with the other files.
    """

    def __init__(self, path: str, file_id: str) -> None:
        message = (f"{path} was deleted or moved in Drive after it was listed (file id {file_id}); "
                   "it is skipped this run and read on the next one if it is back")
        GoogleError.__init__(self, message)
        self.path = path
        self.file_id = file_id

    def __str__(self) -> str:
        return str(self.args[0])
