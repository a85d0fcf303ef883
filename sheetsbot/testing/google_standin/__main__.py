"""Command line: run the stand-in until interrupted.

Usage::

    python -m sheetsbot.testing.google_standin --port 0 --drive-folder exports \\
        [--state state.json] [--latency-ms 50] [--faults "batchUpdate:2=429"] \\
        [--write-credentials key.json] [--token-lifetime 3600] [--folder-role reader]

When it is ready to serve, and only after the credentials file (if asked for) is completely
written, it prints one JSON line to stdout and flushes it::

    {"url": "http://127.0.0.1:40123", "folder_id": "1...", "token_uri": "...", ...}

That line is the first and only thing on stdout; every log line goes to stderr, so a
supervising process can read the line and then leave stdout alone.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from .faults import FaultPlan, FaultSpecError
from .server import StandIn


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sheetsbot-google-standin",
        description="A local stand-in for Google's token endpoint, Sheets v4 and Drive v3.",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--drive-folder", type=Path, required=True,
                        help="folder served as the shared Drive folder")
    parser.add_argument("--state", type=Path, help="JSON file keeping state across restarts")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every call")
    parser.add_argument("--faults", default="", help='fault schedule, e.g. "batchUpdate:3=429"')
    parser.add_argument("--write-credentials", type=Path, metavar="FILE",
                        help="write a service-account key for the stand-in to FILE")
    parser.add_argument("--token-lifetime", type=int, default=3600,
                        help="seconds an access token stays valid")
    parser.add_argument("--create-spreadsheet", metavar="TITLE",
                        help="make a blank Sheet as the team would, shared with the written key "
                             "(Editor); its id is in the ready line as spreadsheet_id")
    parser.add_argument("--folder-role", default="reader", choices=("reader", "writer"),
                        help="the service account's role on the shared folder")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.drive_folder.is_dir():
        print(f"--drive-folder {args.drive_folder} is not a directory", file=sys.stderr)
        return 2
    try:
        FaultPlan.parse(args.faults)
    except FaultSpecError as error:
        print(f"--faults: {error}", file=sys.stderr)
        return 2
    standin = StandIn(args.drive_folder, state=args.state, host=args.host, port=args.port,
                      latency_ms=args.latency_ms, faults=args.faults,
                      token_lifetime=args.token_lifetime, folder_role=args.folder_role)
    standin.start()
    ready = {"url": standin.url, "folder_id": standin.folder_id, "token_uri": standin.token_url}
    if args.write_credentials:
        info = standin.write_credentials(args.write_credentials)
        ready["credentials"] = str(args.write_credentials)
        ready["client_email"] = info["client_email"]
    if args.create_spreadsheet:
        # After the key exists, so the Sheet is shared with its service account.
        ready["spreadsheet_id"] = standin.add_spreadsheet(args.create_spreadsheet)
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.5):  # short waits keep signal delivery prompt
        pass
    standin.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
