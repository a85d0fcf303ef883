"""How the worker reaches the real run: ``job.run`` with a source and a sink; the Sheet's facts.

    wire = google_wiring(config)                       # the Drive folder and the Google Sheet
    wire = local_wiring(config, "exports/", "team.xlsx")   # a folder and an .xlsx, no Google
    wire = fake_wiring(FakeSheet(seconds=2))(config)   # no I/O at all: tests and benchmarks
    worker = Worker(settings, refresh=wire.refresh, facts=wire.facts, new_exports=wire.new_exports,
                    spreadsheet_id=wire.spreadsheet_id)

Nothing here talks to Google at start: sources and sinks are made per run, so ``serve`` starts
and answers ``/healthz`` with Google unreachable or the Sheet not shared yet, and the run says
what is wrong. The refresh passes :func:`~sheetsbot.worker.runs.checkpoint` as job.run's
progress callback and calls it once more just before the sink's one write, which is where a
shutdown may abandon a run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sheetsbot.config import Config
from sheetsbot.errors import SheetsbotError
from sheetsbot.periods import Period, last_complete_week
from sheetsbot.sources import Source
from sheetsbot.worker.clock import SYSTEM_CLOCK, Clock
from sheetsbot.worker.poll import FolderWatch
from sheetsbot.worker.runs import Refresh, checkpoint
from sheetsbot.worker.scheduler import SheetFacts


@dataclass
class Wiring:
    refresh: Refresh
    facts: Callable[[], SheetFacts] | None
    new_exports: Callable[[], bool] | None
    spreadsheet_id: str | None
    #: For the start-up log line: where exports come from and where the workbook goes.
    describe: str


class _CheckpointSink:
    """A sink whose write first gives a stopping worker its last chance to abandon the run."""

    def __init__(self, sink: Any) -> None:
        self._sink = sink

    def read_tabs(self, titles: list[str]) -> dict[str, list[list[object]]]:
        return self._sink.read_tabs(titles)

    def missing_tabs(self, titles: list[str]) -> list[str]:
        return self._sink.missing_tabs(titles)

    def write(self, workbook: Any, replan: Any = None) -> object:
        checkpoint()
        return self._sink.write(workbook, replan)


def job_wiring(
    config: Config,
    make_source: Callable[[], Source],
    make_sink: Callable[[], Any],
    *,
    spreadsheet_id: str | None,
    describe: str,
    clock: Clock = SYSTEM_CLOCK,
) -> Wiring:
    """The production refresh around ``job.run``; the factories are called once per run or read."""
    store = config.store

    def refresh(trigger: str, week: Period | None, action: str) -> Any:
        from sheetsbot import job  # pandas and the pipeline load on the first run, not at start

        checkpoint()
        now = clock.now()
        chosen = week or last_complete_week(now, store.time_zone, store.week_start_index)
        # Every action is a full, idempotent run: job.run regenerates the tasks and closes the
        # previous month on every run; the trigger in the Run log says what was asked for.
        return job.run(
            make_source(),
            _CheckpointSink(make_sink()),
            config,
            chosen,
            now=now,
            trigger=trigger,
            progress=lambda _file: checkpoint(),
        )

    def read_sheet() -> tuple[Any, Config]:
        from sheetsbot.locales import load_locale
        from sheetsbot.workbook.settings import apply_settings
        from sheetsbot.workbook.state import State

        locale = load_locale(store.locale)
        state_tab, settings_tab = locale.tab("state"), locale.tab("settings")
        tabs = make_sink().read_tabs([state_tab, settings_tab])  # one read for both tabs
        with_settings, _, _ = apply_settings(config, tabs.get(settings_tab, []), settings_tab)
        return State.decode(tabs.get(state_tab, []), state_tab), with_settings

    def facts() -> SheetFacts:
        state, with_settings = read_sheet()
        return SheetFacts(
            last_weekly_run=_parse_time(state.last_weekly_run),
            holidays=frozenset(with_settings.holidays),
        )

    def processed() -> Mapping[str, Any]:
        return read_sheet()[0].processed

    watch = FolderWatch(lambda: make_source().files(), processed)
    return Wiring(refresh, facts, watch, spreadsheet_id, describe)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None  # a damaged value: treated as never, so the catch-up runs
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def spreadsheet_id_of(config: Config) -> str | None:
    """The Sheet the webhook answers for; the environment overrides the file, as for google.*."""
    try:
        from sheetsbot.google.settings import google_settings
    except ImportError:  # a pasted URL is then not reduced to its id
        return (
            os.environ.get("SHEETSBOT_SPREADSHEET_ID") or ""
        ).strip() or config.google.spreadsheet_id
    return google_settings(config).spreadsheet_id


def google_endpoints(config: Config) -> tuple[Callable[[], Source], Callable[[], Any]]:
    """Factories for the Drive folder source and the Google Sheet sink (``sheetsbot.google``).

    The one place that names the Google client. Each thread (the runner, the scheduler) keeps
    its own connection, so the two never share a session and a token is reused between runs.
    Nothing connects before the first run or poll: ``serve`` starts with Google unreachable.
    """
    local = threading.local()

    def connection() -> Any:
        conn = getattr(local, "connection", None)
        if conn is None:
            try:
                from sheetsbot.google import connect
            except ImportError as exc:
                raise SheetsbotError(
                    "the Google connection is not available in this install "
                    f"({exc.name} is missing)"
                ) from None
            conn = local.connection = connect(config)
        return conn

    def source() -> Source:
        from sheetsbot.sources.drive import DriveFolder

        conn = connection()
        if not conn.drive_folder_id:
            raise SheetsbotError(
                "no Drive folder configured: "
                "set google.drive_folder_id or SHEETSBOT_DRIVE_FOLDER_ID"
            )
        return DriveFolder(conn.drive_folder_id, conn.client)

    def sink() -> Any:
        from sheetsbot.sinks.google_sheets import GoogleSheetsSink

        conn = connection()
        if not conn.spreadsheet_id:
            raise SheetsbotError(
                "no spreadsheet configured: set google.spreadsheet_id or SHEETSBOT_SPREADSHEET_ID"
            )
        return GoogleSheetsSink(conn.spreadsheet_id, conn.client)

    return source, sink


def google_wiring(config: Config, clock: Clock = SYSTEM_CLOCK) -> Wiring:
    source, sink = google_endpoints(config)
    sheet = spreadsheet_id_of(config)
    folder = os.environ.get("SHEETSBOT_DRIVE_FOLDER_ID") or config.google.drive_folder_id
    where = (
        f"Drive folder {'set' if folder else 'NOT SET'} → "
        f"Google Sheet {'set' if sheet else 'NOT SET'}"
    )
    return job_wiring(config, source, sink, spreadsheet_id=sheet, clock=clock, describe=where)


def local_wiring(
    input_dir: str, out: str, spreadsheet_id: str = "local", clock: Clock = SYSTEM_CLOCK
) -> Callable[[Config], Wiring]:
    """A local folder of exports and an .xlsx file; webhook triggers name ``spreadsheet_id``."""

    def wire(config: Config) -> Wiring:
        from sheetsbot.sinks.xlsx import XlsxSink
        from sheetsbot.sources.local import LocalFolder

        return job_wiring(
            config,
            lambda: LocalFolder(input_dir),
            lambda: XlsxSink(out),
            spreadsheet_id=spreadsheet_id,
            clock=clock,
            describe=f"folder {input_dir} → {out}",
        )

    return wire


def fake_wiring(sheet: Any, spreadsheet_id: str | None = None) -> Callable[[Config], Wiring]:
    """A :class:`~sheetsbot.worker.fake.FakeSheet` instead of the run: no Google, no files."""

    def wire(config: Config) -> Wiring:
        sid = spreadsheet_id or spreadsheet_id_of(config) or "fake-sheet"
        return Wiring(
            sheet.refresh,
            sheet.facts,
            None,
            sid,
            f"FAKE runs of {sheet.seconds:g} s (no Google, nothing written)",
        )

    return wire
