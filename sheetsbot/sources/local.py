"""A local folder of exports (recursive). Files are only read, never moved or deleted."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from sheetsbot.errors import UsageError
from sheetsbot.sources import ExportFile

#: Files an operating system or an editor leaves beside the exports.
_IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


class LocalFolder:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.exists():
            raise UsageError(f"--input {self.root}: no such file or folder")
        if not (self.root.is_dir() or self.root.is_file()):
            raise UsageError(f"--input {self.root}: not a file or folder")

    def describe(self) -> str:
        return str(self.root)

    def files(self) -> Iterator[ExportFile]:
        if self.root.is_file():
            yield self._file(self.root, ())
            return
        try:
            paths = sorted(p for p in self.root.rglob("*") if p.is_file())
        except PermissionError as exc:
            raise UsageError(f"--input {self.root}: cannot list folder ({exc})") from None
        for path in paths:
            rel = path.relative_to(self.root)
            if any(part.startswith(".") for part in rel.parts) or _ignored(path.name):
                continue
            yield self._file(path, rel.parts[:-1])

    def _file(self, path: Path, folders: tuple[str, ...]) -> ExportFile:
        stat = path.stat()
        return ExportFile(
            id="/".join((*folders, path.name)),
            name=path.name,
            folders=tuple(folders),
            size=stat.st_size,
            modified=datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc),
            mime_type=mimetypes.guess_type(path.name)[0],
            _reader=path.read_bytes,
        )


def _ignored(name: str) -> bool:
    return name in _IGNORED_NAMES or name.startswith("~$")
