"""``python -m sheetsbot.worker``: the server of ``sheetsbot serve``, with options to try it out.

    python -m sheetsbot.worker --config config/sheetsbot.yaml              # = sheetsbot serve
    python -m sheetsbot.worker --config c.yaml --port 0 --fake-runs 2   # no Google: 2-second runs
    python -m sheetsbot.worker --config c.yaml --input exports/ --out team.xlsx   # folder + xlsx
    # stdout: {"url": "http://127.0.0.1:41233", "pid": 1234} once it listens; logs on stderr

``--fake-runs`` is what the Apps Script test and ``bench/webhook.py`` start: everything but the
run itself is real (server, signatures, replay cache, rate limits, coalescing, shutdown).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sheetsbot.worker", description=__doc__.splitlines()[0]
    )
    p.add_argument(
        "--config", metavar="FILE", help="store configuration with a worker: section (YAML)"
    )
    p.add_argument("--host", help="address to listen on (default: worker.host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: worker.port, 8080; 0 picks a free one)")
    p.add_argument("--log-format", choices=["text", "json"], help="default: worker.log_format")
    local = p.add_argument_group("without Google")
    local.add_argument(
        "--input", metavar="DIR", help="a local folder of exports instead of the Drive folder"
    )
    local.add_argument(
        "--out", metavar="FILE.xlsx", help="write an .xlsx file instead of the Google Sheet"
    )
    fake = p.add_argument_group("fake runs (tests, demos, benchmarks)")
    fake.add_argument(
        "--fake-runs", type=float, metavar="SECONDS", help="every run is a fake that takes SECONDS"
    )
    fake.add_argument(
        "--fake-fail", type=int, default=0, metavar="N", help="the first N fake runs fail"
    )
    fake.add_argument(
        "--fake-cpu", action="store_true", help="fake runs keep a CPU busy instead of sleeping"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from sheetsbot.worker.service import main_guard, serve_command

    args = build_parser().parse_args(argv)
    if (args.input is None) != (args.out is None):
        print("sheetsbot: --input and --out go together", file=sys.stderr)
        return 2
    wiring = None
    if args.fake_runs is not None:
        from sheetsbot.worker.fake import FakeSheet
        from sheetsbot.worker.wiring import fake_wiring

        wiring = fake_wiring(FakeSheet(args.fake_runs, fail=args.fake_fail, cpu=args.fake_cpu))
    elif args.input:
        from sheetsbot.worker.wiring import local_wiring

        wiring = local_wiring(args.input, args.out)
    return main_guard(
        lambda: serve_command(
            args.config, args.host, args.port, log_format=args.log_format, wiring=wiring
        )
    )


if __name__ == "__main__":
    raise SystemExit(main())
