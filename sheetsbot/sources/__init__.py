"""Where export bytes come from. A source yields :class:`ExportFile` and knows nothing of reports."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ExportFile:
    """One file as a source sees it: where it is, what it is called, and how to get its bytes."""

    #: Stable identity within the source (relative path, or a Drive file id).
    id: str
    #: File name, e.g. ``BusinessReport-11-23-26.csv``.
    name: str
    #: Folder names from the source's root down to the file, e.g. ``("US", "2026-W47")``.
    folders: tuple[str, ...]
    size: int
    modified: datetime | None
    mime_type: str | None = None
    #: The source's own checksum (Drive's md5), when it has one without downloading.
    known_md5: str | None = None
    _reader: Callable[[], bytes] = field(repr=False, compare=False, default=lambda: b"")

    @property
    def path(self) -> str:
        """The path people see in messages: ``US/2026-W47/BusinessReport-11-23-26.csv``."""
        return "/".join((*self.folders, self.name))

    def read_bytes(self) -> bytes:
        return self._reader()

    def md5(self, data: bytes | None = None) -> str:
        if self.known_md5:
            return self.known_md5
        return hashlib.md5(data if data is not None else self.read_bytes()).hexdigest()


class Source(Protocol):
    def files(self) -> Iterator[ExportFile]: ...

    def describe(self) -> str: ...
