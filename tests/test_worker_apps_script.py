"""The Sheet's menu (apps_script/Code.gs), tested for real by Node against a real worker process.

The Node test (tests/apps_script/code_gs.test.js) loads the actual Code.gs with stand-ins that
behave as Apps Script does and starts `python -m sheetsbot.worker --fake-runs`; this wrapper runs
it under pytest so CI runs it, and skips cleanly where there is no `node`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NODE_TEST = REPO / "tests" / "apps_script" / "code_gs.test.js"


def _node() -> str | None:
    node = shutil.which("node")
    if node is None:
        return None
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    major = int(version.lstrip("v").split(".")[0] or 0) if version else 0
    return node if major >= 18 else None  # node:test and Atomics.wait in the main thread


def test_menu_code_gs_against_a_real_worker() -> None:
    node = _node()
    if node is None:
        pytest.skip("node ≥ 18 is not installed")
    env = dict(os.environ, SHEETSBOT_PYTHON=sys.executable)
    env.pop("SHEETSBOT_WEBHOOK_SECRET", None)
    done = subprocess.run(
        [node, "--test", str(NODE_TEST)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-6000:]
    assert "# fail 0" in report
