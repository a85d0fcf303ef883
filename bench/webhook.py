"""Webhook benchmark: 1,000 signed triggers for one Sheet at 100 requests/s during a run.

    python bench/webhook.py                      # three scenarios, a Markdown table on stdout
    python bench/webhook.py --triggers 50 --run-seconds 1.5 --scenarios sleeping   # a quick look

Each scenario starts a real worker (``python -m sheetsbot.worker --fake-runs S``) on 127.0.0.1,
starts one slow run, and then sends the triggers open-loop (each at its scheduled time, on a new
connection, as Apps Script's UrlFetchApp does) from a pool of threads. It reports the time to the
answer (p50/p99/max over the 202s), what the answers were, and how many runs the triggers caused
(the run in progress plus the follow-up they coalesce into; the target is ≤ 2, p99 < 50 ms).

Scenarios: ``sleeping`` (the run waits on I/O, like one waiting on Google), ``cpu`` (the run keeps
a core busy in Python, competing with the server for the GIL) and ``default-limits`` (the
shipped rate limit of 30 triggers a minute per Sheet: most are answered 429 with Retry-After).
Two requests in the same second with the same body are the same signed request, which the worker
refuses as a replay (409); the benchmark's bodies differ in trailing whitespace, as the bodies of
different clients would differ in their timestamps.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheetsbot.worker.signing import sign_headers

SHEET = "bench-sheet"
SECRET = "bench-" + os.urandom(16).hex()
SCENARIOS = ("sleeping", "cpu", "default-limits")


@dataclass
class Outcome:
    latencies_202: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    run_ids: set[str] = field(default_factory=set)
    late: list[float] = field(default_factory=list)
    runs_finished: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Worker:
    def __init__(self, tmp: Path, run_seconds: float, cpu: bool, limits: str) -> None:
        config = tmp / "bench.yaml"
        config.write_text(
            f"google: {{spreadsheet_id: {SHEET}}}\nworker:\n  weekly: null\n  monthly_at: null\n"
            f"  poll_minutes: 0\n  shutdown_grace_seconds: 0\n{limits}"
        )
        self.log = tmp / "worker.log"
        env = dict(os.environ, SHEETSBOT_WEBHOOK_SECRET=SECRET)
        args = [
            sys.executable,
            "-m",
            "sheetsbot.worker",
            "--config",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--log-format",
            "json",
            "--fake-runs",
            str(run_seconds),
        ] + (["--fake-cpu"] if cpu else [])
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=self.log.open("w"), env=env, text=True
        )
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the worker did not start:\n{self.log.read_text()}")
        url = json.loads(line)["url"]
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, Any]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            headers = sign_headers(SECRET, body)
            if body:
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def wait_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            health = self.request("GET", "/healthz")[1]
            if not health["running"] and not health["queued"]:
                return
            time.sleep(0.2)
        raise SystemExit("the runs did not finish in time")

    def runs_finished(self) -> int:
        lines = [json.loads(x) for x in self.log.read_text().splitlines() if x.strip()]
        return sum(1 for x in lines if x.get("event") == "run_finished")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
        self.proc.stdout.close()


def trigger_body(i: int) -> bytes:
    return json.dumps({"action": "refresh", "spreadsheet_id": SHEET}).encode() + b" " * (i % 500)


def scenario(name: str, triggers: int, rate: float, run_seconds: float) -> Outcome:
    limits = (
        "" if name == "default-limits" else "  rate_limit: {requests: 1000000, per_seconds: 1}\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        worker = Worker(Path(tmp), run_seconds, cpu=name == "cpu", limits=limits)
        out = Outcome()
        try:
            status, first = worker.request("POST", "/v1/trigger", trigger_body(499))
            assert status == 202, first
            while worker.request("GET", f"/v1/runs/{first['run_id']}")[1]["status"] != "running":
                time.sleep(0.01)

            def send(i: int, due: float) -> None:
                began = time.perf_counter()
                status, body = worker.request("POST", "/v1/trigger", trigger_body(i))
                took = (time.perf_counter() - began) * 1000
                with out.lock:
                    out.late.append((began - due) * 1000)
                    out.statuses[status] = out.statuses.get(status, 0) + 1
                    if status == 202:
                        out.latencies_202.append(took)
                        out.run_ids.add(body["run_id"])

            start = time.perf_counter() + 0.05
            with ThreadPoolExecutor(max_workers=32) as pool:
                for i in range(triggers):
                    due = start + i / rate
                    pause = due - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    pool.submit(send, i, due)
            burst = time.perf_counter() - start
            if burst > run_seconds:
                print(
                    f"note: the burst took {burst:.1f} s, longer than the run ({run_seconds} s)",
                    file=sys.stderr,
                )
            worker.wait_idle(timeout=3 * run_seconds + 30)
            out.runs_finished = worker.runs_finished()
        finally:
            worker.stop()
        return out


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument(
        "--run-seconds", type=float, help="length of each fake run (default: the burst + 2 s)"
    )
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="comma-separated: " + ", ".join(SCENARIOS)
    )
    args = parser.parse_args(argv)
    run_seconds = args.run_seconds or round(args.triggers / args.rate + 2, 1)
    rows = []
    for name in args.scenarios.split(","):
        out = scenario(name.strip(), args.triggers, args.rate, run_seconds)
        other = {k: v for k, v in out.statuses.items() if k not in (202, 429)}
        rows.append(
            f"| {name} | {args.triggers} | {out.statuses.get(202, 0)} "
            f"| {out.statuses.get(429, 0)} | "
            f"{', '.join(f'{k}×{v}' for k, v in sorted(other.items())) or '—'} | "
            f"{percentile(out.latencies_202, 50):.1f} | {percentile(out.latencies_202, 99):.1f} | "
            f"{max(out.latencies_202, default=float('nan')):.1f} | {len(out.run_ids)} "
            f"| {out.runs_finished} |"
        )
    print(
        f"{args.triggers} signed triggers for one Sheet at {args.rate:g} requests/s, "
        f"a new connection each, "
        f"while a {run_seconds:g} s run is in progress ({os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}):\n"
    )
    print(
        "| scenario | sent | 202 | 429 | other | p50 to 202 (ms) | p99 to 202 (ms) | max (ms) "
        "| run ids in the 202s | runs in all |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(row)
    print("\n`runs in all` counts the run in progress too: the target is ≤ 2.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
