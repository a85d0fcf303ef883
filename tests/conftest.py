"""Shared test setup: the test folder is importable (builders), ../shared is optional, and at
the end of the session everything the suite wrote is swept for secrets (``secret_sweep``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(TESTS))


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout")
    return SHARED


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_anything_the_suite_wrote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """After the last test: no key part, access token or key-shaped text outside the key files,
    in any file any test (or a process it started) wrote under the session's temporary root."""
    yield
    from secret_sweep import sweep

    found = sweep(tmp_path_factory.getbasetemp())
    assert not found.findings, (
        f"secrets in what the suite wrote ({found.scanned} files scanned, {len(found.stores)} key "
        "files):\n" + "\n".join(found.findings[:20])
    )
