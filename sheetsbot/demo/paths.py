"""Where the bundled demo store lives (package data, so an installed ``sheetsbot demo`` finds it)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPORTS_DIR = HERE / "exports"
CONFIG_PATH = HERE / "config.yaml"
TRUTH_PATH = HERE / "truth.json"
#: The demo's reporting week: the last complete week of its generated data.
DEMO_WEEK = "2026-W47"
DEMO_MONTH = "2026-11"
