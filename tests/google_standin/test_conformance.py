"""Conformance: every in-scope recorded exchange with Google gets the same answer here.

The cassettes in ``tests/data/google-recordings`` are real gspread ↔ Google traffic
(see SOURCE.md there). Each is replayed in order against a fresh stand-in; status and body
must agree, modulo server-chosen ids, timestamps and the service account's address.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from standin_cassettes import CASSETTES, OUT_OF_SCOPE, in_scope, replay

from sheetsbot.testing.google_standin import StandIn

CASES = in_scope()


def test_the_vendored_cassettes_are_there() -> None:
    assert (CASSETTES / "LICENSE.gspread.txt").exists()
    assert len(CASES) >= 100
    assert not any(p.stem in OUT_OF_SCOPE for p in CASES)


@pytest.mark.parametrize("cassette", CASES, ids=[p.stem for p in CASES])
def test_cassette_agrees(cassette: Path) -> None:
    with StandIn() as standin:
        result = replay(cassette, standin)
    assert result.exchanges, "empty cassette"
    assert result.ok, f"{len(result.exchanges) - result.agreed} exchanges differ:\n" + (
        result.failures())
