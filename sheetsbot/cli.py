"""The ``sheetsbot`` command: thin wrappers that parse arguments, call the job and print.

    sheetsbot demo                       # the whole product on the bundled sample exports
    sheetsbot detect exports/            # what each file is
    sheetsbot kpis --input exports/ --week 2026-W47 --format json

Machine output (``--format json|csv``) goes to stdout and nothing else does; per-file problems
go to stderr, one line each. Exit status: 0 when the command ran (even if files were
skipped), 2 for a usage or configuration error, 1 for an internal error.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from typing import Any

from sheetsbot import __version__
from sheetsbot.errors import SheetsbotError, UsageError


def _preload_pandas() -> None:
    # Importing pandas takes ~0.4 s; do it while the main thread parses arguments and the
    # first file (pyarrow's CSV reader releases the GIL).
    import pandas  # noqa: F401


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sheetsbot",
        description="Amazon seller exports in, a living Google Sheet out.",
    )
    parser.add_argument("--version", action="version", version=f"sheetsbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", metavar="FILE", help="store configuration (YAML)")
        p.add_argument("--debug", action="store_true", help="show tracebacks")

    p = sub.add_parser("kpis", help="compute the week's (and month's) KPIs from a folder of exports")
    p.add_argument("--input", required=True, metavar="DIR", help="folder of exports (read recursively)")
    p.add_argument("--week", metavar="YYYY-Www", help="reporting week (default: the last complete week)")
    p.add_argument("--month", metavar="YYYY-MM", help="also compute this month (to the week's end)")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    common(p)
    p.set_defaults(func=_cmd_kpis)

    p = sub.add_parser("detect", help="say what each export is: kind, marketplace, currency, period")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=["table", "json"], default="table")
    common(p)
    p.set_defaults(func=_cmd_detect)

    p = sub.add_parser(
        "demo", help="the whole product on the bundled sample exports → an .xlsx (no Google account needed)"
    )
    p.add_argument(
        "--out", default="sheetsbot-demo.xlsx", metavar="FILE", help="workbook to write (default: %(default)s)"
    )
    p.add_argument("--locale", metavar="CODE", help="language of the workbook (en, zh-CN)")
    common(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("run", help="one full refresh: read new exports, write the workbook")
    p.add_argument("--week", metavar="YYYY-Www", help="reporting week (default: the last complete week)")
    p.add_argument("--input", metavar="DIR", help="a local folder of exports instead of the Drive folder")
    p.add_argument("--out", metavar="FILE.xlsx", help="write an .xlsx file instead of the Google Sheet")
    p.add_argument("--dry-run", action="store_true", help="say what would be read and written; write nothing")
    common(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "check", help="is everything in place for a run against Google? one line per check, with the fix"
    )
    common(p)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("serve", help="run the worker: the schedule and the webhook of the Sheet's menu, until stopped")
    p.add_argument("--host", metavar="HOST", help="address to listen on (default: worker.host, 127.0.0.1)")
    p.add_argument("--port", metavar="PORT", type=int, help="port (default: worker.port, 8080; 0 picks a free one)")
    common(p)
    p.set_defaults(func=_cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "demo":
        threading.Thread(target=_preload_pandas, daemon=True).start()
    try:
        return int(args.func(args))
    except SheetsbotError as exc:
        if args.debug:
            raise
        print(f"sheetsbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal error: one line, the traceback only with --debug
        if args.debug:
            raise
        print(
            f"sheetsbot: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


# -- commands ---------------------------------------------------------------------------------


def _load_config(path: str | None) -> Any:
    from sheetsbot.config import load_config

    return load_config(path)


def _week_and_month(args: argparse.Namespace, config: Any) -> tuple[Any, Any]:
    from datetime import datetime, timezone

    from sheetsbot.periods import Period, last_complete_week

    week_start = config.store.week_start_index
    if args.week:
        week = Period.parse(args.week, week_start)
        if week.kind != "week":
            raise UsageError(f"--week {args.week}: expected a week like 2026-W47")
    else:
        week = last_complete_week(datetime.now(timezone.utc), config.store.time_zone, week_start)
    month = None
    if getattr(args, "month", None):
        month = Period.parse(args.month)
        if month.kind != "month":
            raise UsageError(f"--month {args.month}: expected a month like 2026-10")
    return week, month


def _cmd_kpis(args: argparse.Namespace) -> int:
    from sheetsbot.periods import Period
    from sheetsbot.reports.prepare import Prefetch
    from sheetsbot.sources.local import LocalFolder

    # Arguments that can be wrong are checked before any file is touched.
    for flag, value, kind in (("--week", args.week, "week"), ("--month", args.month, "month")):
        if value and Period.parse(value).kind != kind:
            raise UsageError(f"{flag} {value}: expected a {kind} like {'2026-W47' if kind == 'week' else '2026-10'}")
    # Start parsing the exports now: the CSV reader runs outside the GIL while the main
    # thread loads the config and imports pandas.
    early = Prefetch(LocalFolder(args.input))
    threading.Thread(target=_preload_pandas, daemon=True).start()
    try:
        config = _load_config(args.config)
        week, month = _week_and_month(args, config)
    except BaseException:
        early.cancel()
        raise
    return _run_kpis(early, config, week, month, args.format)


def _cmd_demo(args: argparse.Namespace) -> int:
    from sheetsbot.demo.paths import CONFIG_PATH, DEMO_WEEK, EXPORTS_DIR
    from sheetsbot.periods import Period

    config = _load_config(args.config or str(CONFIG_PATH))
    if args.locale:
        config = config.model_copy(update={"store": config.store.model_copy(update={"locale": args.locale})})
    return _run_to_xlsx(str(EXPORTS_DIR), args.out, config, Period.parse(DEMO_WEEK), trigger="demo")


def _cmd_run(args: argparse.Namespace) -> int:
    config = _load_config(args.config)
    week, _ = _week_and_month(args, config)
    if args.input and args.out:
        if args.dry_run:
            raise UsageError("--dry-run is for the Google Sheet; with --out nothing is at risk")
        return _run_to_xlsx(args.input, args.out, config, week, trigger="manual")
    return _run_on_google(args, config, week)


def _run_on_google(args: argparse.Namespace, config: Any, week: Any) -> int:
    """Drive folder (or --input) → the Google Sheet (or --out): one atomic write."""
    from datetime import datetime, timezone

    from sheetsbot import job
    from sheetsbot.google import connect
    from sheetsbot.sinks.google_sheets import GoogleSheetsSink
    from sheetsbot.sinks.xlsx import XlsxSink
    from sheetsbot.sources.drive import DriveFolder
    from sheetsbot.sources.local import LocalFolder

    connection = connect(config)
    if args.input:
        source: Any = LocalFolder(args.input)
    elif connection.drive_folder_id:
        source = DriveFolder(connection.drive_folder_id, connection.client)
    else:
        raise UsageError(
            "no Drive folder: set google.drive_folder_id or SHEETSBOT_DRIVE_FOLDER_ID (or use --input DIR)"
        )
    if args.out:
        sink: Any = XlsxSink(args.out)
    elif connection.spreadsheet_id:
        sink = GoogleSheetsSink(connection.spreadsheet_id, connection.client, dry_run=args.dry_run)
    else:
        raise UsageError("no Sheet: set google.spreadsheet_id or SHEETSBOT_SPREADSHEET_ID (or use --out FILE.xlsx)")
    with _Progress() as progress:
        result = job.run(source, sink, config, week, now=datetime.now(timezone.utc), trigger="manual",
                         progress=progress.advance)
    for line in result.problems:
        print(f"sheetsbot: {line}", file=sys.stderr)
    summary = result.write_summary
    if args.dry_run:
        print(f"Dry run: {summary}")
    _print_run_summary(result, args.out or f"the Sheet {connection.spreadsheet_id}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from sheetsbot.google.doctor import all_ok, run_checks

    results = run_checks(args.config)
    for result in results:
        print(result.line())
    return 0 if all_ok(results) else 1


def _cmd_serve(args: argparse.Namespace) -> int:
    from sheetsbot.worker.service import serve_command

    return serve_command(args.config, args.host, args.port)


def _run_to_xlsx(input_path: str, out: str, config: Any, week: Any, trigger: str) -> int:
    from datetime import datetime, timezone
    from pathlib import Path

    from sheetsbot import job
    from sheetsbot.sinks.xlsx import XlsxSink
    from sheetsbot.sources.local import LocalFolder

    if not Path(input_path).exists():
        raise UsageError(f"--input {input_path}: no such file or folder")
    with _Progress() as progress:
        result = job.run(
            LocalFolder(input_path),
            XlsxSink(out),
            config,
            week,
            now=datetime.now(timezone.utc),
            trigger=trigger,
            progress=progress.advance,
        )
    for line in result.problems:
        print(f"sheetsbot: {line}", file=sys.stderr)
    _print_run_summary(result, out)
    return 0


def _print_run_summary(result: Any, where: str) -> None:
    read = len(result.files_read)
    print(
        f"Week {result.week.label}: {result.files_seen} export(s) found, {read} read, "
        f"{result.files_skipped} already in the workbook, {len(result.problems)} refused."
    )
    print(
        f"KPIs in red ({len(result.red)}): "
        + (", ".join(result.red[:12]) + (" …" if len(result.red) > 12 else "") if result.red else "none")
    )
    print(f"Tasks: {result.tasks_created} new, {result.tasks_open} open.")
    print(f"Wrote {where} in {result.duration:.1f} s.")


def _run_kpis(source: Any, config: Any, week: Any, month: Any, fmt: str) -> int:
    from sheetsbot import job

    with _Progress() as progress:
        run = job.compute_from_folder(source, config, week, month, progress.advance)
    _report_files(run.reports)
    for note in run.kpis.notes:
        print(f"note: {note}", file=sys.stderr)
    from sheetsbot import console

    if fmt == "json":
        console.write_json(run.kpis.records, sys.stdout)
    elif fmt == "csv":
        console.write_csv(run.kpis.records, sys.stdout)
    else:
        console.print_kpi_tables(run.kpis.records, week, month)
    return 0


def _report_files(reports: Any) -> None:
    for problem in reports.problems:
        print(f"sheetsbot: {problem.line()}", file=sys.stderr)
    for export in reports.exports:
        for warning in export.warnings:
            print(f"sheetsbot: {export.name}: {warning} — read anyway", file=sys.stderr)


def _cmd_detect(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sheetsbot import console, job
    from sheetsbot.reports import read_file
    from sheetsbot.sources.local import LocalFolder

    config = _load_config(args.config)
    hints = job.read_hints(config)
    results = []
    for raw in args.paths:
        if not Path(raw).exists():
            raise UsageError(f"{raw}: no such file or folder")
        for file in LocalFolder(raw).files():
            exports, problems = read_file(file, hints)
            results.append((file, exports, problems))
    if args.format == "json":
        console.write_detect_json(results, sys.stdout)
    else:
        console.print_detect_table(results)
    return 0


class _Progress:
    """A spinner on stderr once a read has taken two seconds, only on a terminal."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.task: Any = None
        self.count = 0
        self.current = ""
        self.lock = threading.Lock()
        self.timer = threading.Timer(2.0, self._start)
        self.timer.daemon = True

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty():
            self.timer.start()
        return self

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with self.lock:
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self._describe())

    def _describe(self) -> str:
        return f"reading file {self.count}: {self.current}" if self.count else "working"

    def advance(self, file: Any) -> None:
        with self.lock:
            self.count += 1
            self.current = file.path
            if self.bar is not None:
                self.bar.update(self.task, description=self._describe())

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        with self.lock:
            if self.bar is not None:
                self.bar.stop()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
