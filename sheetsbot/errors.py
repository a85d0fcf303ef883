"""The one exception hierarchy of sheetsbot.

Every error a user can cause or meet derives from :class:`SheetsbotError` and carries a
message that says what went wrong, where, and what would fix it. Entry points print the
message in one line; tracebacks are for ``--debug``.
"""

from __future__ import annotations


class SheetsbotError(Exception):
    """Base class of every error sheetsbot raises on purpose."""


class ConfigError(SheetsbotError):
    """The configuration file is missing, unreadable or invalid (the message names key and line)."""


class UsageError(SheetsbotError):
    """A command was called with arguments that cannot work (bad week, unreadable --input)."""


class ExportError(SheetsbotError):
    """One export file cannot be used. The run goes on with the other files.

    ``path`` names the file; ``action`` says what was done about it (skipped, refused whole).
    """

    def __init__(self, path: str, problem: str, action: str = "skipped") -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
        self.action = action


class UnknownReport(ExportError):
    """The file's columns match no known report kind."""


class MissingColumns(ExportError):
    """The file looks like a known report kind but lacks required columns."""


class UnreadableExport(ExportError):
    """The bytes cannot be decoded or parsed as a table (encoding, truncation, corruption)."""


class SuspectExport(ExportError):
    """The file is refused whole: it parses, but something proves it cannot be trusted."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem, action="refused whole")
