"""Fixtures: a stand-in on 127.0.0.1 over a small shared folder, and real clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gspread
import openpyxl
import pytest

from sheetsbot.testing.google_standin import StandIn, route_session


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A shared folder: exports in dated sub-folders and a simulated native Google Sheet."""
    root = tmp_path / "exports"
    (root / "2026-W47").mkdir(parents=True)
    (root / "2026-W47" / "BusinessReport.csv").write_text("ASIN,Sessions\nB01,12\n")
    (root / "2026-W47" / "Campaigns.csv").write_text("Campaign,Spend\nAlpha,3.5\n")
    (root / "2026-W48").mkdir()
    (root / "2026-W48" / "BusinessReport.csv").write_text("ASIN,Sessions\nB01,15\n")
    (root / "notes.txt").write_text("team notes\n")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Targets"
    sheet.append(["Month", "Target"])
    sheet.append(["2026-11", 12000])
    book.save(root / "Targets.gsheet.xlsx")
    return root


@pytest.fixture
def standin(exports: Path) -> Iterator[StandIn]:
    with StandIn(drive_folder=exports) as google:
        yield google


@pytest.fixture
def key_file(standin: StandIn, tmp_path: Path) -> Path:
    path = tmp_path / "service-account.json"
    standin.write_credentials(path)
    return path


@pytest.fixture
def gc(standin: StandIn, key_file: Path) -> gspread.Client:
    """The real gspread client, its Google URLs routed to the stand-in."""
    client = gspread.service_account(filename=str(key_file))
    route_session(client.http_client.session, standin.url)
    return client


_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "proxy.example"}


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything under test tries to resolve a non-local host."""
    import socket

    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and str(host) not in _LOCAL_HOSTS and not str(host).startswith(
                "127."):
            raise OSError(f"test tried to reach {host}: only 127.0.0.1 is allowed")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
