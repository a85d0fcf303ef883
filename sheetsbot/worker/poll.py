"""The folder poll: is there an export in the folder that the Sheet has not processed yet?

    watch = FolderWatch(lambda: drive_folder.files(), read_processed)
    if watch():                  # one folder listing; one Sheet read only when the listing moved
        runner.submit("refresh", None, "schedule:poll")

An export is new when the Sheet's state does not list its id, and changed when its checksum
differs (Drive gives the md5 without a download) or, for a file without one, when it was
modified after it was processed. Nothing is downloaded. A listing seen before, whose files were
all processed then, is not compared again, so a quiet folder costs one Drive call per poll.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from sheetsbot.sources import ExportFile


def _fingerprint(files: Iterable[ExportFile]) -> frozenset[tuple[str, str]]:
    return frozenset(
        (f.id, f.known_md5 or f"{f.size}:{f.modified.isoformat() if f.modified else ''}")
        for f in files
    )


def _after(modified: datetime | None, processed_at: str | None) -> bool:
    if modified is None or not processed_at:
        return False
    try:
        done = datetime.fromisoformat(processed_at)
    except ValueError:
        return True
    if done.tzinfo is None:
        done = done.replace(tzinfo=timezone.utc)
    when = modified if modified.tzinfo else modified.replace(tzinfo=timezone.utc)
    return when > done


class FolderWatch:
    def __init__(
        self,
        list_files: Callable[[], Iterable[ExportFile]],
        processed: Callable[[], Mapping[str, Any]],
    ) -> None:
        """``processed()`` maps file id → a record with ``md5`` and ``processed_at`` (the state's
        :class:`~sheetsbot.workbook.state.ProcessedFile`)."""
        self._list = list_files
        self._processed = processed
        self._quiet: frozenset[tuple[str, str]] | None = None

    def __call__(self) -> bool:
        files = list(self._list())
        fingerprint = _fingerprint(files)
        if fingerprint == self._quiet:
            return False
        known = self._processed()
        pending = [f for f in files if self._is_new(f, known.get(f.id))]
        if not pending:
            self._quiet = fingerprint
        return bool(pending)

    @staticmethod
    def _is_new(file: ExportFile, record: Any) -> bool:
        if record is None:
            return True
        if file.known_md5:
            return file.known_md5 != getattr(record, "md5", None)
        return _after(file.modified, getattr(record, "processed_at", None))
