"""Secrets never leak (issue 13, Security): the service-account key, the webhook secret and the
access tokens appear in no log line, no stderr/stdout, no HTTP answer, no run-log row, no
exception message and no cell of the Sheet.

A realistic sequence, all on 127.0.0.1: the Google stand-in with the demo exports in its Drive
folder; ``sheetsbot serve`` as a process with a webhook secret and JSON-lines logs, driven by
signed webhook calls (a good run, a run after every access token expired, a run after the Sheet
was un-shared, wrong signatures); a second worker with a key the stand-in never issued;
``sheetsbot check`` / ``sheetsbot run`` (with ``--debug``) with the good key, a foreign key, a
corrupted key and a PEM given as the key file; the key loader's exceptions in-process. Then
every byte collected is searched for every secret.

Also: files under the config directory that are group/world readable are read with a warning.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sheetsbot.demo.paths import CONFIG_PATH, DEMO_WEEK, EXPORTS_DIR
from sheetsbot.testing.google_standin import StandIn
from sheetsbot.testing.google_standin.auth import Authority
from sheetsbot.worker.signing import sign_headers

pytestmark = pytest.mark.slow

SECRET = "whsec-" + os.urandom(16).hex()
PEM_LINE = re.compile(r"^[A-Za-z0-9+/=]{40,}$")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}")
ACCESS_TOKEN = re.compile(r"ya29\.[A-Za-z0-9._-]{8,}")


class Scene:
    """The stand-in, the keys, and everything the sequence produced (``corpus``)."""

    def __init__(self, tmp: Path, google: StandIn) -> None:
        self.tmp = tmp
        self.google = google
        self.key_path = tmp / "config" / "key.json"
        self.key_path.parent.mkdir()
        self.key = google.write_credentials(self.key_path)
        self.sheet_id = google.add_spreadsheet("Lumen KPIs")
        self.config = tmp / "config" / "sheetsbot.yaml"
        self.config.write_text(
            CONFIG_PATH.read_text(encoding="utf-8")
            + "\nworker:\n  poll_minutes: 0\n  monthly_at: null\n  weekly: null\n"
            "  log_format: json\n",
            encoding="utf-8",
        )
        os.chmod(self.config, 0o600)
        os.chmod(self.key_path, 0o600)
        self.corpus: dict[str, str] = {}
        self.signatures: list[str] = []

    def env(self, key: Path | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHEETSBOT_")}
        env.update(
            SHEETSBOT_GOOGLE_API_URL=self.google.url,
            SHEETSBOT_GOOGLE_CREDENTIALS=str(key or self.key_path),
            SHEETSBOT_DRIVE_FOLDER_ID=self.google.folder_id,
            SHEETSBOT_SPREADSHEET_ID=self.sheet_id,
            SHEETSBOT_WEBHOOK_SECRET=SECRET,
            HOME=str(self.tmp / "home"),
            PYTHONWARNINGS="default",
        )
        return env

    def add(self, name: str, text: Any) -> None:
        self.corpus[name] = text if isinstance(text, str) else json.dumps(text, default=str)

    def cli(self, name: str, *args: str, key: Path | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "sheetsbot", *args, "--config", str(self.config)],
            env=self.env(key), capture_output=True, text=True, timeout=120, cwd=self.tmp,
        )
        self.add(f"cli {name} stdout", done.stdout)
        self.add(f"cli {name} stderr", done.stderr)
        return done

    def secrets(self) -> dict[str, str]:
        """Every value that must not leak, by name."""
        found = {
            "webhook secret": SECRET,
            "private_key_id": self.key["private_key_id"],
            "private key (PEM, whole)": self.key["private_key"],
            "private key JSON-escaped": json.dumps(self.key["private_key"])[1:60],
        }
        body = [ln for ln in self.key["private_key"].splitlines() if PEM_LINE.match(ln)]
        for i, line in enumerate(body):
            found[f"private key line {i}"] = line[:40]
        for key in getattr(self, "other_keys", []):
            found["other key id " + key["private_key_id"][:6]] = key["private_key_id"]
            for i, line in enumerate(
                ln for ln in key["private_key"].splitlines() if PEM_LINE.match(ln)
            ):
                found[f"other key {key['private_key_id'][:6]} line {i}"] = line[:40]
        # pylint: disable=protected-access
        for i, token in enumerate(self.google.authority._tokens):
            found[f"access token {i}"] = token
        for i, sig in enumerate(self.signatures):
            found[f"signature {i}"] = sig.removeprefix("sha256=")
        return found


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    drive = tmp_path / "drive"
    shutil.copytree(EXPORTS_DIR, drive)
    with StandIn(drive_folder=drive) as google:
        yield Scene(tmp_path, google)


class Worker:
    def __init__(self, scene: Scene, name: str, key: Path | None = None) -> None:
        self.scene, self.name = scene, name
        self.log = scene.tmp / f"{name}.log"
        self.stderr = self.log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sheetsbot", "serve", "--config", str(scene.config),
             "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE, stderr=self.stderr, env=scene.env(key), text=True,
            cwd=scene.tmp,
        )
        line = self.proc.stdout.readline()
        assert line, self.log.read_text()
        scene.add(f"{name} stdout", line)
        self.url = json.loads(line)["url"]

    def call(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
             ) -> tuple[int, Any]:
        request = urllib.request.Request(self.url + path, data=body or None, method=method,
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode()
        self.scene.add(f"{self.name} {method} {path} {len(self.scene.corpus)}", text)
        return status, json.loads(text)

    def signed(self, method: str, path: str, body: bytes = b"") -> tuple[int, Any]:
        headers = sign_headers(SECRET, body)
        self.scene.signatures.append(headers["X-Sheetsbot-Signature"])
        return self.call(method, path, body, {**headers, "Content-Type": "application/json"})

    def run(self, action: str = "refresh") -> dict[str, Any]:
        body = json.dumps({"action": action, "spreadsheet_id": self.scene.sheet_id,
                           "week": DEMO_WEEK}).encode()
        for _ in range(5):
            status, answer = self.signed("POST", "/v1/trigger", body)
            if status != 409:  # the same second: sign again
                break
            time.sleep(1.05)
        assert status == 202, answer
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status, run = self.signed("GET", f"/v1/runs/{answer['run_id']}")
            if run.get("status") in ("succeeded", "failed", "abandoned"):
                return run
            time.sleep(0.2)
        raise AssertionError(f"the run did not finish: {run}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()
        self.scene.add(f"{self.name} log", self.log.read_text())


def _foreign_key(scene: Scene) -> dict[str, Any]:
    """The same account's key file, but with a key pair the stand-in never issued."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return {**scene.key, "private_key": pem, "private_key_id": os.urandom(20).hex()}


def _sheet_text(scene: Scene) -> str:
    """Every stored cell of every tab (values, formulas, notes, formats) and the sheets' metadata."""
    book = scene.google.store.spreadsheets[scene.sheet_id]
    out: dict[str, Any] = {"resource": scene.google.spreadsheet(scene.sheet_id)}
    for sheet in book.sheets:
        out[sheet.title] = {f"{r},{c}": cell for (r, c), cell in sheet.cells.items()}
    return json.dumps(out, default=str, ensure_ascii=False)


def _leaks(scene: Scene) -> list[str]:
    found = []
    secrets = scene.secrets()
    for where, text in scene.corpus.items():
        unescaped = text.replace("\\n", "\n").replace("\\/", "/")
        for name, value in secrets.items():
            if value and (value in text or value in unescaped):
                found.append(f"{name} in {where}")
        for pattern, what in ((JWT, "a JWT assertion"), (ACCESS_TOKEN, "an access token"),
                              (re.compile("-----BEGIN[A-Z ]*PRIVATE"), "a PEM private key")):
            m = pattern.search(unescaped)
            if m:
                found.append(f"{what} ({m.group(0)[:16]}…) in {where}")
    return found


def test_no_secret_leaks_anywhere_in_a_realistic_sequence(scene: Scene) -> None:
    google = scene.google
    foreign = _foreign_key(scene)
    scene.other_keys = [foreign]  # type: ignore[attr-defined]
    foreign_path = scene.tmp / "config" / "foreign.json"
    foreign_path.write_text(json.dumps(foreign))
    corrupt = {**scene.key, "private_key": scene.key["private_key"].replace(
        scene.key["private_key"].splitlines()[3], "!" * 64)}
    corrupt_path = scene.tmp / "config" / "corrupt.json"
    corrupt_path.write_text(json.dumps(corrupt))
    pem_path = scene.tmp / "config" / "key.pem"
    pem_path.write_text(scene.key["private_key"])
    for p in (foreign_path, corrupt_path, pem_path):
        os.chmod(p, 0o600)

    # 1. The worker with the good key: a run, a run after every token expired, wrong signatures,
    #    a run after the team un-shared the Sheet.
    worker = Worker(scene, "worker")
    try:
        first = worker.run()
        assert first["status"] == "succeeded", first
        google.expire_tokens()
        second = worker.run("tasks")
        assert second["status"] == "succeeded", second
        body = json.dumps({"action": "refresh", "spreadsheet_id": scene.sheet_id}).encode()
        bad = sign_headers(SECRET[::-1], body)
        assert worker.call("POST", "/v1/trigger", body, bad)[0] == 401
        good = sign_headers(SECRET, body)
        scene.signatures.append(good["X-Sheetsbot-Signature"])
        assert worker.call("POST", "/v1/trigger", body + b" ", good)[0] == 401  # changed body
        assert worker.call("GET", "/v1/runs/latest", b"", {
            "Authorization": "Bearer ya29.not-a-real-token-0123456789"})[0] == 401
        time.sleep(1.05)
        assert worker.run()["status"] == "succeeded"
        google.unshare(scene.sheet_id)
        refused = worker.run()
        assert refused["status"] == "failed", refused
        scene.add("health", worker.call("GET", "/healthz")[1])
    finally:
        worker.close()
    google.share(scene.sheet_id, scene.key["client_email"])

    # 2. A worker whose key the stand-in never issued.
    stranger = Worker(scene, "stranger", key=foreign_path)
    try:
        failed = stranger.run()
        assert failed["status"] == "failed", failed
    finally:
        stranger.close()

    # 3. The CLI, as a person or cron uses it: good, foreign, corrupted, a PEM as the key file.
    assert scene.cli("check good", "check").returncode == 0
    assert scene.cli("run good", "run", "--week", DEMO_WEEK).returncode == 0
    for name, key in (("foreign", foreign_path), ("corrupt", corrupt_path), ("pem", pem_path)):
        for debug in ((), ("--debug",)):
            assert scene.cli(f"check {name}{debug}", "check", *debug, key=key).returncode != 0
            assert scene.cli(f"run {name}{debug}", "run", "--week", DEMO_WEEK, *debug,
                             key=key).returncode != 0

    # 4. The loaders' exceptions, in-process (message, repr, and the chain).
    from sheetsbot.google.credentials import read_key

    for path in (corrupt_path, pem_path):
        try:
            read_key(path).credentials(base_url=google.url)
        except Exception as exc:  # noqa: BLE001
            chain = []
            while exc is not None:
                chain += [str(exc), repr(exc)]
                exc = exc.__cause__ or exc.__context__
            scene.add(f"exception {path.name}", "\n".join(chain))
        else:
            raise AssertionError(f"{path} loaded")

    # 5. The Sheet, every cell of every tab, as the team sees it.
    scene.add("sheet", _sheet_text(scene))
    run_log = google.cells(scene.sheet_id, "Run log")
    assert len(run_log) >= 4, run_log  # the runs that wrote, one row each
    scene.add("run log", run_log)

    # Sanity: the corpus is what it claims (logs have lines, errors say something)…
    lines = [json.loads(x) for x in scene.corpus["worker log"].splitlines() if x.startswith("{")]
    assert {"run_started", "run_finished"} <= {x.get("event") for x in lines}
    assert any(x.get("event") == "http" and x.get("status") == 401 for x in lines)
    assert "Invalid JWT Signature" in json.dumps(failed) or "credentials" in json.dumps(failed)
    # …and the secrets are what they claim (the search can find them).
    assert len(scene.secrets()) > 30
    print(f"searched {len(scene.corpus)} texts, {sum(map(len, scene.corpus.values()))} chars, "
          f"for {len(scene.secrets())} secrets")
    assert _leaks(scene) == []


def test_the_log_filter_is_a_safety_net_for_what_slips_through(tmp_path: Path) -> None:
    """If a message quoted a secret (a Google error echoing a token, a traceback with the key),
    the formatter still removes it, in text and in JSON."""
    from io import StringIO

    from sheetsbot.worker import logs

    info = Authority().issue_key("http://127.0.0.1:9/token")
    stream = StringIO()
    logs.configure("json", stream=stream)
    logs.add_secret(SECRET)
    log = logging.getLogger("sheetsbot.worker.test")
    token = "ya29.a0AfH6SMC" + "x" * 40
    log.error("google said: %s", json.dumps({"access_token": token, "private_key_id": info[
        "private_key_id"], "private_key": info["private_key"]}))
    log.error("secret %s in a message, Authorization: Bearer %s", SECRET, token)
    try:
        raise RuntimeError(f"key {info['private_key']} and sha256={'ab' * 32}")
    except RuntimeError:
        log.exception("failed", extra={"event": "x", "detail": SECRET})
    logs.configure("text", stream=stream)
    log.error("text too: %s %s", SECRET, info["private_key"])
    logging.getLogger().handlers.clear()
    text = stream.getvalue()
    body = [ln for ln in info["private_key"].splitlines() if PEM_LINE.match(ln)]
    for value in [SECRET, token, info["private_key_id"], "ab" * 32, *body]:
        assert value not in text and value not in text.replace("\\n", "\n")
    assert "-----BEGIN" not in text and text.count("[redacted]") >= 8


def test_the_log_filter_also_redacts_python_reprs() -> None:
    from io import StringIO

    from sheetsbot.worker import logs

    stream = StringIO()
    logs.configure("json", stream=stream)
    key_id, refresh = os.urandom(20).hex(), "1//0g" + os.urandom(20).hex()
    logging.getLogger("sheetsbot.worker.test").error(
        "google said: %s", {"private_key_id": key_id, "refresh_token": refresh}
    )
    logging.getLogger().handlers.clear()
    text = stream.getvalue()
    assert key_id not in text and refresh not in text, text


# -- files under the config directory --------------------------------------------------------------


def _warnings_for(path: Path, load: Any, caplog: pytest.LogCaptureFixture,
                  capsys: pytest.CaptureFixture[str]) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.DEBUG), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load(path)
    out, err = capsys.readouterr()
    said = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    said += [x for x in (out + err).splitlines() if x.strip()]
    return [s for s in said if path.name in s or "readable" in s or "permission" in s.lower()]


def _load_config(path: Path) -> Any:
    from sheetsbot.config import load_config

    return load_config(path)


def _load_key(path: Path) -> Any:
    from sheetsbot.google.credentials import read_key

    return read_key(path)


@pytest.fixture
def config_dir(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "etc-sheetsbot"
    folder.mkdir()
    config = folder / "sheetsbot.yaml"
    config.write_text(CONFIG_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    key = folder / "credentials.json"
    key.write_text(json.dumps(Authority().issue_key("http://127.0.0.1:9/token")))
    return config, key


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660], ids=oct)
@pytest.mark.parametrize("which", ["config", "key"])
def test_a_group_or_world_readable_file_is_read_with_a_warning(
    config_dir: tuple[Path, Path], which: str, mode: int,
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:
    config, key = config_dir
    path, load = (config, _load_config) if which == "config" else (key, _load_key)
    os.chmod(path, mode)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    said = _warnings_for(path, load, caplog, capsys)
    assert said, f"no warning for {path.name} with mode {mode:o}"
    assert any(path.name in s for s in said), said


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("which", ["config", "key"])
def test_a_private_file_is_read_without_a_warning(
    config_dir: tuple[Path, Path], which: str,
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
) -> None:
    config, key = config_dir
    path, load = (config, _load_config) if which == "config" else (key, _load_key)
    os.chmod(path, 0o600)
    assert _warnings_for(path, load, caplog, capsys) == []


def test_the_suite_wide_sweep_finds_a_planted_key_part_and_token() -> None:
    """The sweep conftest runs after the last test: key files are the stores (JSON with or
    without a BOM, a bare PEM whatever its name), everything else (xlsx members included) must
    hold no 40-character piece of them. (Planted outside the session's temporary root, which
    that sweep reads.)"""
    import codecs
    import tempfile
    import zipfile

    from secret_sweep import sweep

    pem_line = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" + "x" * 12
    other_line = "MIIEpAIBAAKCAQEAz1nq" + "y" * 44
    key = {"type": "service_account", "private_key_id": "0123456789abcdef0123456789abcdef01234567",
           "private_key": f"-----BEGIN PRIVATE KEY-----\n{pem_line}\n-----END PRIVATE KEY-----\n"}
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        (root / "key.json").write_bytes(codecs.BOM_UTF8 + json.dumps(key).encode())
        (root / "bare-key").write_text(f"-----BEGIN RSA PRIVATE KEY-----\n{other_line}\n"
                                       "-----END RSA PRIVATE KEY-----\n")
        (root / "clean.log").write_text("run finished: 2 Sheets calls\n")
        (root / "id.log").write_text("loaded key 0123456789abcdef0123456789abcdef01234567\n")
        (root / "escaped.json").write_text(json.dumps({"echo": key["private_key"][28:]}))
        (root / "cut.log").write_text(f"error near …{other_line[3:47]}…\n")
        (root / "token.txt").write_text("Authorization: Bearer ya29.a0AfH6SMBx7-standin-token-0001\n")
        with zipfile.ZipFile(root / "book.xlsx", "w", zipfile.ZIP_DEFLATED) as book:
            book.writestr("xl/sharedStrings.xml", f"<t>{pem_line}</t>")
        found = sweep(root)
        assert sorted(found.stores) == [root / "bare-key", root / "key.json"]
        names = sorted(f.split(": ")[0].removeprefix(f"{root}/") for f in found.findings)
    assert names == ["book.xlsx!xl/sharedStrings.xml", "cut.log", "escaped.json", "id.log",
                     "token.txt"], found.findings
