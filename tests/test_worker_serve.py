"""The worker as a process (`python -m sheetsbot.worker`, what `sheetsbot serve` runs): real HTTP on
127.0.0.1, the body limit on the wire, SIGTERM finishing or abandoning a run, logs, start-up."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from sheetsbot.worker.signing import sign_headers

SECRET = "serve-test-secret-" + os.urandom(8).hex()
SHEET = "1ServeSheet"
BODY = json.dumps({"action": "refresh", "spreadsheet_id": SHEET}).encode()


class Proc:
    def __init__(
        self,
        tmp: Path,
        *args: str,
        secret: str | None = SECRET,
        worker: str = "",
        env: dict[str, str] | None = None,
        wait: bool = True,
    ) -> None:
        config = tmp / "sheetsbot.yaml"
        config.write_text(
            "store: {time_zone: Europe/Berlin}\n"
            f"google: {{spreadsheet_id: {SHEET}}}\n"
            "worker:\n  poll_minutes: 0\n  monthly_at: null\n" + worker
        )
        self.log = tmp / "worker.log"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("SHEETSBOT_")}
        environ.update(env or {})
        if secret:
            environ["SHEETSBOT_WEBHOOK_SECRET"] = secret
        self.proc = subprocess.Popen(
            [
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
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            env=environ,
            text=True,
        )
        self.url = ""
        if wait:
            line = self.proc.stdout.readline()
            assert line, f"the worker did not start:\n{self.log.read_text()}"
            self.url = json.loads(line)["url"]

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return self._call(urllib.request.Request(self.url + path, headers=headers or {}))

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        return self._call(
            urllib.request.Request(self.url + path, data=body, headers=headers, method="POST")
        )

    @staticmethod
    def _call(request: urllib.request.Request) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def trigger(self, body: bytes = BODY) -> tuple[int, Any]:
        return self.post(
            "/v1/trigger", body, {**sign_headers(SECRET, body), "Content-Type": "application/json"}
        )

    def run(self, run_id: str) -> dict[str, Any]:
        return self.get(f"/v1/runs/{run_id}", sign_headers(SECRET))[1]

    def wait_for(self, run_id: str, *statuses: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.run(run_id)
            if run["status"] in statuses:
                return run
            time.sleep(0.05)
        raise AssertionError(f"run {run_id} never reached {statuses}: {run}")

    def terminate(self, timeout: float = 15) -> tuple[int, float]:
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - began

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


@pytest.fixture
def start(tmp_path: Path):
    started: list[Proc] = []

    def go(*args: str, **kw: Any) -> Proc:
        proc = Proc(tmp_path, *args, **kw)
        started.append(proc)
        return proc

    yield go
    for proc in started:
        proc.close()


def test_serve_end_to_end_over_http(start: Any) -> None:
    worker = start("--fake-runs", "0.2", worker="  weekly: null\n")
    status, health = worker.get("/healthz")
    assert status == 200 and health["scheduler"]["alive"] and health["webhook"]["enabled"]
    headers = {**sign_headers(SECRET, BODY), "Content-Type": "application/json"}
    status, accepted = worker.post("/v1/trigger", BODY, headers)
    assert status == 202
    assert worker.post("/v1/trigger", BODY, headers)[0] == 409
    run = worker.wait_for(accepted["run_id"], "succeeded")
    assert run["message"].startswith("Week ") and run["trigger"] == "webhook:refresh"
    status, health = worker.get("/healthz")
    assert (
        health["last_run"]["run_id"] == accepted["run_id"]
        and health["last_run"]["status"] == "succeeded"
    )
    status, spec = worker.get("/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.1")

    code, took = worker.terminate()
    assert code == 0 and took < 5
    lines = worker.log_lines()
    events = [line.get("event") for line in lines]
    assert events[-2:] == ["stopping", "stopped"]
    text = worker.log.read_text()
    assert (
        SECRET not in text
        and headers["X-Sheetsbot-Signature"][7:] not in text
        and "sha256=" not in text
    )


def test_a_body_over_the_limit_is_refused_before_it_is_sent(start: Any) -> None:
    worker = start("--fake-runs", "0", worker="  weekly: null\n")
    host, port = worker.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(
            b"POST /v1/trigger HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10000000\r\n\r\n" + b"{" * 1000
        )  # 1 KB of the promised 10 MB
        answer = b""
        while b'"}' not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
        answer = answer.decode()
    assert answer.startswith("HTTP/1.1 413 ")
    assert '"error":"body_too_large"' in answer
    assert worker.get("/healthz")[0] == 200


def test_sigterm_lets_a_short_run_finish(start: Any) -> None:
    worker = start("--fake-runs", "1.0", worker="  weekly: null\n  shutdown_grace_seconds: 10\n")
    run_id = worker.trigger()[1]["run_id"]
    worker.wait_for(run_id, "running")
    code, took = worker.terminate()
    assert code == 0 and took < 5
    finished = [line for line in worker.log_lines() if line.get("event") == "run_finished"]
    assert [(line["run_id"], line["status"]) for line in finished] == [(run_id, "succeeded")]


def test_sigterm_abandons_a_long_run_cleanly(start: Any) -> None:
    worker = start("--fake-runs", "60", worker="  weekly: null\n  shutdown_grace_seconds: 0.5\n")
    run_id = worker.trigger()[1]["run_id"]
    worker.wait_for(run_id, "running")
    code, took = worker.terminate()
    assert code == 0 and took < 5
    lines = worker.log_lines()
    finished = [line for line in lines if line.get("event") == "run_finished"]
    assert [(line["run_id"], line["status"]) for line in finished] == [(run_id, "abandoned")]
    assert "stopped before writing" in finished[0]["message"]
    assert any(line.get("event") == "run_abandoning" for line in lines)


def test_without_a_secret_the_webhook_refuses_everything_and_serve_says_so(start: Any) -> None:
    worker = start("--fake-runs", "0", secret=None, worker="  weekly: null\n")
    assert worker.get("/healthz") == (200, worker.get("/healthz")[1])
    status, body = worker.trigger()
    assert status == 503 and body["error"] == "webhook_disabled"
    warnings = [
        line["message"] for line in worker.log_lines() if line.get("event") == "webhook_disabled"
    ]
    assert warnings and "refuses every request" in warnings[0]


def test_it_starts_and_answers_healthz_with_google_unreachable(start: Any, tmp_path: Path) -> None:
    # The real wiring (job.run through the Google client); every Google call is sent to a closed
    # port on this machine. The catch-up run at start fails with a clear error and is retried.
    worker = start(
        worker="  retry_minutes: 15\n",
        env={
            "SHEETSBOT_GOOGLE_API_URL": "http://127.0.0.1:9",
            "HOME": str(tmp_path),
            "SHEETSBOT_GOOGLE_CREDENTIALS": str(tmp_path / "missing-key.json"),
        },
    )
    deadline = time.monotonic() + 20
    health: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status, health = worker.get("/healthz")
        assert status == 200
        if health["last_run"]:
            break
        time.sleep(0.1)
    assert (
        health["last_run"]["status"] == "failed"
        and health["last_run"]["trigger"] == "schedule:weekly"
    )
    run = worker.get("/v1/runs/latest", sign_headers(SECRET))[1]
    assert run["errors"] and run["message"].startswith("The refresh failed: ")
    print(run["message"])
    for _ in range(50):
        jobs = {job["job"] for job in worker.get("/healthz")[1]["scheduler"]["jobs"]}
        if "retry:weekly" in jobs:
            break
        time.sleep(0.05)
    assert "retry:weekly" in jobs
    assert worker.terminate()[0] == 0


def test_configuration_errors_stop_it_before_it_starts(tmp_path: Path) -> None:
    bad = Proc(tmp_path, worker="  pol_minutes: 5\n", wait=False)
    assert bad.proc.wait(20) == 2
    assert "unknown key 'worker.pol_minutes' (did you mean 'poll_minutes'?)" in bad.log.read_text()
    bad.close()
    weak = Proc(tmp_path, secret="short", wait=False)
    assert weak.proc.wait(20) == 2
    assert "SHEETSBOT_WEBHOOK_SECRET is too short" in weak.log.read_text()
    weak.close()


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "c.yaml"
        config.write_text("worker: {}\n")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "sheetsbot.worker",
                "--config",
                str(config),
                "--port",
                str(port),
                "--fake-runs",
                "0",
            ],
            capture_output=True,
            text=True,
            timeout=20,
            env={k: v for k, v in os.environ.items() if not k.startswith("SHEETSBOT_")},
        )
    assert done.returncode == 2
    assert f"sheetsbot: cannot listen on 127.0.0.1:{port}:" in done.stderr
