"""The worker behind ``sheetsbot serve``: scheduled runs, a signed webhook for the Sheet's menu.

    from sheetsbot.worker import Worker, WorkerConfig, serve, bind
    worker = Worker(WorkerConfig(), refresh=my_refresh, spreadsheet_id="1AbC…", secret=secret)
    serve(worker, bind("127.0.0.1", 8080))       # scheduler + runs + HTTP, until SIGTERM
    # refresh(trigger, week, action) does one run; `serve` wires job.run (see wiring.py)

Modules: ``settings`` (the ``worker:`` config), ``scheduler`` (weekly, poll, monthly, catch-up),
``runs`` (one run per Sheet, coalescing, shutdown), ``signing`` (HMAC, replay cache),
``webhook`` (the HTTP API as functions), ``app`` (ASGI), ``service`` (the process),
``wiring`` (job.run with Drive/Sheets or a folder/xlsx), ``fake`` (a stand-in run), ``logs``.
Names are loaded on first use, so ``from sheetsbot.worker.settings import WorkerConfig`` stays
cheap (the config module may import it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sheetsbot.worker.clock import FakeClock, SystemClock
    from sheetsbot.worker.runs import Run, Runner, checkpoint
    from sheetsbot.worker.scheduler import Scheduler, SheetFacts
    from sheetsbot.worker.service import Worker, bind, serve, serve_command
    from sheetsbot.worker.settings import WorkerConfig
    from sheetsbot.worker.signing import sign_headers

_EXPORTS = {
    "FakeClock": "clock",
    "SystemClock": "clock",
    "Run": "runs",
    "Runner": "runs",
    "checkpoint": "runs",
    "Scheduler": "scheduler",
    "SheetFacts": "scheduler",
    "Worker": "service",
    "bind": "service",
    "serve": "service",
    "serve_command": "service",
    "WorkerConfig": "settings",
    "sign_headers": "signing",
}

__all__ = [
    "FakeClock",
    "Run",
    "Runner",
    "Scheduler",
    "SheetFacts",
    "SystemClock",
    "Worker",
    "WorkerConfig",
    "bind",
    "checkpoint",
    "serve",
    "serve_command",
    "sign_headers",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sheetsbot.worker' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"sheetsbot.worker.{module}"), name)
