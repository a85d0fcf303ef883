"""The contract of `sheetsbot run` against Google, exercised as a deployment would.

The stand-in runs as its own process (`sheetsbot-google-standin`), the three variables and
SHEETSBOT_GOOGLE_API_URL point sheetsbot at it, and `sheetsbot run` runs from an unrelated
working directory with a fresh HOME each time: the second run must know from the Sheet alone
what was processed, and nothing may be left on local disk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sheetsbot.demo.paths import EXPORTS_DIR

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config" / "example.yaml"


@pytest.fixture
def standin(tmp_path: Path):
    drive = tmp_path / "drive"
    shutil.copytree(EXPORTS_DIR, drive)
    key = tmp_path / "key.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sheetsbot.testing.google_standin", "--port", "0", "--drive-folder", str(drive),
         "--write-credentials", str(key), "--create-spreadsheet", "Lumen Home KPIs"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        ready = json.loads(proc.stdout.readline())
        yield ready, drive
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def sheetsbot(args: list[str], ready: dict, home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ, "HOME": str(home),
        "SHEETSBOT_GOOGLE_API_URL": ready["url"], "SHEETSBOT_GOOGLE_CREDENTIALS": ready["credentials"],
        "SHEETSBOT_DRIVE_FOLDER_ID": ready["folder_id"], "SHEETSBOT_SPREADSHEET_ID": ready["spreadsheet_id"],
    }
    return subprocess.run([sys.executable, "-m", "sheetsbot", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def calls(ready: dict) -> list[dict]:
    import urllib.request

    with urllib.request.urlopen(ready["url"] + "/_standin/calls") as answer:
        body = json.loads(answer.read())
    return body["calls"] if isinstance(body, dict) else body


@pytest.mark.slow
def test_run_from_anywhere_keeps_no_local_state(standin, tmp_path: Path) -> None:
    ready, drive = standin
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    check = sheetsbot(["check", "--config", str(CONFIG)], ready, tmp_path / "home0", elsewhere)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("\nok") + check.stdout.startswith("ok") == 5

    first = sheetsbot(["run", "--config", str(CONFIG), "--week", "2026-W47"], ready, tmp_path / "home1", elsewhere)
    assert first.returncode == 0, first.stderr
    assert "41 export(s) found, 41 read" in first.stdout
    downloads_after_first = sum(1 for c in calls(ready) if "alt=media" in json.dumps(c) or "export" in json.dumps(c))

    second = sheetsbot(["run", "--config", str(CONFIG), "--week", "2026-W47"], ready, tmp_path / "home2", elsewhere)
    assert second.returncode == 0, second.stderr
    assert "0 read, 41 already in the workbook" in second.stdout and "Tasks: 0 new" in second.stdout
    downloads_after_second = sum(1 for c in calls(ready) if "alt=media" in json.dumps(c) or "export" in json.dumps(c))
    assert downloads_after_second == downloads_after_first, "a run with nothing new downloaded files"

    for home in ("home1", "home2"):
        assert list((tmp_path / home).iterdir()) == [], f"{home} holds local state"
    assert list(elsewhere.iterdir()) == []

    (drive / "US" / "inventory" / "2026-W48").mkdir(parents=True)
    inventory = drive / "US" / "inventory"
    shutil.copy(next((inventory / "2026-W47").iterdir()), inventory / "2026-W48" / "1.txt")
    third = sheetsbot(["run", "--config", str(CONFIG), "--week", "2026-W47"], ready, tmp_path / "home3", elsewhere)
    assert "42 export(s) found, 1 read, 41 already" in third.stdout, third.stdout
