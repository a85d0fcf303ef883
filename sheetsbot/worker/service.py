"""``sheetsbot serve``: one process with the scheduler, the run queue and the HTTP server.

    worker = Worker(settings, refresh=refresh, spreadsheet_id="1AbC…", time_zone="Europe/Berlin",
                    facts=read_sheet_facts, secret=secret)
    serve(worker, bind("127.0.0.1", 8080), grace=20)   # until SIGTERM or Ctrl-C
    # or, for the command line:
    serve_command("config/sheetsbot.yaml", host=None, port=None)   # -> exit status

One process, so there is exactly one scheduler: the runner and the scheduler are threads,
uvicorn (a production ASGI server) serves the API on the main thread's event loop. On SIGTERM
the server stops accepting, the scheduler stops, and the current run gets
``shutdown_grace_seconds`` to finish before it is abandoned at its next checkpoint; a write in
flight is never cut (a Sheets batchUpdate is all or nothing). The process then exits with 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Generator, Iterable
from datetime import date
from types import FrameType
from typing import Any

import uvicorn

from sheetsbot import __version__
from sheetsbot.errors import SheetsbotError, UsageError
from sheetsbot.worker import logs
from sheetsbot.worker.app import WorkerApp
from sheetsbot.worker.clock import SYSTEM_CLOCK, Clock
from sheetsbot.worker.runs import Refresh, Runner
from sheetsbot.worker.scheduler import Scheduler, SheetFacts
from sheetsbot.worker.settings import WorkerConfig
from sheetsbot.worker.webhook import Webhook

log = logging.getLogger("sheetsbot.worker")
SWITCH_INTERVAL = 0.001


class Worker:
    """The scheduler, one Sheet's run queue and the HTTP app, wired together."""

    def __init__(
        self,
        settings: WorkerConfig,
        *,
        refresh: Refresh,
        spreadsheet_id: str | None,
        time_zone: str = "UTC",
        week_start: int = 0,
        facts: Callable[[], SheetFacts] | None = None,
        new_exports: Callable[[], bool] | None = None,
        holidays: Iterable[date] = (),
        secret: str | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.settings = settings
        self.clock = clock
        # A finished run wakes the scheduler, so a failed scheduled run gets its retry at once.
        self.runner = Runner(
            refresh,
            sheet=spreadsheet_id or "",
            clock=clock,
            on_finish=lambda _run: self.scheduler.wake(),
        )
        self.scheduler = Scheduler(
            settings,
            time_zone,
            self.runner,
            facts=facts,
            new_exports=new_exports,
            holidays=holidays,
            clock=clock,
        )
        self.webhook = Webhook(
            secret=secret,
            sheets={spreadsheet_id: self.runner} if spreadsheet_id else {},
            clock=clock,
            rate_limit=settings.rate_limit,
            week_start=week_start,
            health=self.health,
        )
        self.app = WorkerApp(self.webhook)
        self.secret_configured = secret is not None

    def start(self) -> None:
        self.runner.start()
        self.scheduler.start()

    def stop(self, grace: float | None = None) -> None:
        self.scheduler.stop()
        self.runner.stop(self.settings.shutdown_grace_seconds if grace is None else grace)

    def health(self) -> dict[str, Any]:
        """For ``/healthz``: never raises, never waits on Google, names no Sheet and no secret."""
        last = self.runner.last_finished
        return {
            "status": "ok",
            "version": __version__,
            "time": self.clock.now().isoformat(timespec="seconds"),
            "scheduler": self.scheduler.status(),
            "webhook": {"enabled": self.secret_configured},
            "running": self.runner.current is not None,
            "queued": self.runner.queued,
            "last_run": None
            if last is None
            else {
                "run_id": last.id,
                "status": last.status,
                "trigger": last.trigger,
                "started": last.started.isoformat(timespec="seconds") if last.started else None,
                "finished": last.finished.isoformat(timespec="seconds") if last.finished else None,
            },
        }


# -- the server ------------------------------------------------------------------------------------


class _Server(uvicorn.Server):
    """uvicorn's server, except on a signal: it asks the server to stop and lets ``serve`` return.

    uvicorn re-raises a caught SIGTERM once its own shutdown is done, which would end the process
    before the worker had finished or abandoned its run; here the process exits normally instead.
    """

    stopped_by: str | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        # Only flags here: a signal handler may interrupt any line, logging included.
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True
        self.stopped_by = signal.Signals(sig).name


def make_server(app: WorkerApp, *, proxy_headers: bool = True) -> _Server:
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,  # our handlers, our format, our redaction
        access_log=False,  # the app logs each request itself, without headers
        server_header=False,
        proxy_headers=proxy_headers,  # client address from the reverse proxy on 127.0.0.1
        timeout_keep_alive=5,
        timeout_graceful_shutdown=5,
        limit_concurrency=256,  # beyond this uvicorn answers 503 rather than queue without bound
        h11_max_incomplete_event_size=16 * 1024,  # request line and headers
    )
    return _Server(config)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (read it back with ``getsockname()``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(512)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    worker: Worker,
    sock: socket.socket,
    *,
    grace: float | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> str | None:
    """Serve until SIGTERM or SIGINT, then stop the worker cleanly. Returns the signal's name."""
    server = make_server(worker.app)
    # The event loop shares the GIL with the run's thread. Python hands the GIL over every 5 ms
    # by default, which puts tens of ms on a webhook answer while a run computes; at 1 ms the
    # p99 under a CPU-bound run drops from ~70 ms to ~20 ms (bench/webhook.py). An idle loop
    # holds no GIL, so a run alone pays nothing for it.
    sys.setswitchinterval(SWITCH_INTERVAL)
    worker.start()
    try:
        asyncio.run(_run(server, sock, on_ready))
    finally:
        if server.stopped_by:
            log.info(
                "%s received: stopping",
                server.stopped_by,
                extra={"event": "stopping", "signal": server.stopped_by},
            )
        worker.stop(grace)
        log.info("stopped", extra={"event": "stopped"})
    return server.stopped_by


async def _run(
    server: _Server, sock: socket.socket, on_ready: Callable[[str], None] | None
) -> None:
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.005)
    if server.started:
        url = url_of(sock)
        log.info("listening on %s", url, extra={"event": "listening", "url": url})
        if on_ready:
            on_ready(url)
    await task


# -- the command -------------------------------------------------------------------------------


def serve_command(
    config_path: str | None,
    host: str | None = None,
    port: int | None = None,
    *,
    log_format: str | None = None,
    wiring: Any = None,
) -> int:
    """What ``sheetsbot serve`` runs. Prints ``{"url": …}`` on stdout once it listens; logs: stderr.

    ``wiring`` (for tests, demos and benchmarks) replaces the Google run; see
    :mod:`sheetsbot.worker.wiring`. Configuration errors raise :class:`SheetsbotError` before
    anything starts; everything after that (Google unreachable, the Sheet not shared) is a run
    error, logged and retried, and ``/healthz`` answers throughout.
    """
    from sheetsbot.worker.settings import load_settings, webhook_secret
    from sheetsbot.worker.wiring import google_wiring

    config, settings = load_settings(config_path)
    logs.configure(log_format or settings.log_format)  # type: ignore[arg-type]
    secret = webhook_secret(settings)
    logs.add_secret(secret)
    wire = wiring(config) if wiring is not None else google_wiring(config)
    worker = Worker(
        settings,
        refresh=wire.refresh,
        spreadsheet_id=wire.spreadsheet_id,
        time_zone=config.store.time_zone,
        week_start=config.store.week_start_index,
        facts=wire.facts,
        new_exports=wire.new_exports,
        holidays=config.holidays,
        secret=secret,
    )
    sock = bind(host or settings.host, settings.port if port is None else port)
    log.info(
        "sheetsbot %s worker: %s; time zone %s",
        __version__,
        wire.describe,
        config.store.time_zone,
        extra={"event": "starting"},
    )
    if secret is None:
        log.warning(
            "no webhook secret configured (worker.webhook_secret or SHEETSBOT_WEBHOOK_SECRET): "
            "the webhook "
            "refuses every request; scheduled runs go on",
            extra={"event": "webhook_disabled"},
        )
    if not wire.spreadsheet_id:
        log.warning(
            "no spreadsheet configured (google.spreadsheet_id or SHEETSBOT_SPREADSHEET_ID): "
            "the webhook "
            "answers 404 and runs fail until it is set",
            extra={"event": "no_spreadsheet"},
        )
    for job in worker.scheduler.status()["jobs"]:
        log.info(
            "scheduled: %s, next at %s", job["job"], job["next_run"], extra={"event": "scheduled"}
        )

    def ready(url: str) -> None:
        print(json.dumps({"url": url, "pid": os.getpid()}), flush=True)

    serve(worker, sock, on_ready=ready)
    return 0


def main_guard(run: Callable[[], int]) -> int:
    """Exit status as in the rest of the CLI: 2 for a configuration or usage error, one line."""
    try:
        return run()
    except SheetsbotError as exc:
        print(f"sheetsbot: {exc}", file=sys.stderr)
        return 2
