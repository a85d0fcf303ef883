"""A sweep of everything the test suite wrote for secrets (issue 13: "a test greps everything
the suite produced").

Every file under pytest's base temporary directory is read at the end of the session: logs of
the worker and CLI subprocesses, the stand-in's saved Sheets, xlsx workbooks (their zip members
are read too), run outputs, JSON answers. Files that *are* secrets (a service-account key, a
bare PEM key a test gave as the key file) are the stores; every other file must hold no
40-character piece of their secret parts (the ``private_key_id``, each line of the PEM body)
and nothing shaped like a secret (a PEM private key, a ``ya29.`` access token, a signed JWT
assertion). A file that cannot be read, or is too big to read, is a finding too: the sweep
never passes by not looking.

The Google stand-in's saved state is scanned without its ``authKeys`` (Google's side of each
service account: key id and public key, which Google holds by design); its Sheets are scanned.
"""

from __future__ import annotations

import codecs
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SHAPES = {
    "a PEM private key": re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "an access token (ya29.)": re.compile(rb"\bya29\.[A-Za-z0-9_\-]{20,}"),
    "a JWT assertion": re.compile(rb"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\."),
}
#: A leak is any piece this long of a secret part (a log line cut short still shows one).
PIECE = 40
_PEM_LINE = re.compile(r"^[A-Za-z0-9+/=]{40,}$")
#: Runs of key-ish characters in scanned content: a piece of a secret lies inside one.
_TOKEN = re.compile(rb"[A-Za-z0-9+/=_-]{%d,}" % PIECE)
_MAX_BYTES = 256 * 1024 * 1024


@dataclass
class Sweep:
    stores: list[Path] = field(default_factory=list)
    pieces: set[bytes] = field(default_factory=set)
    scanned: int = 0
    findings: list[str] = field(default_factory=list)


def _store_secrets(data: bytes) -> set[str] | None:
    """The secret parts of a key file (a store), or None for any other file."""
    if len(data) > 1024 * 1024:
        return None
    text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="replace").strip()
    pem: str | None = None
    found: set[str] = set()
    if text.startswith("{"):
        try:
            info = json.loads(text)
        except ValueError:
            info = None
        if not (isinstance(info, dict) and "private_key" in info):
            return None
        pem = str(info.get("private_key") or "")
        key_id = str(info.get("private_key_id") or "")
        if len(key_id) >= PIECE:
            found.add(key_id)
    elif text.startswith("-----BEGIN") and "PRIVATE KEY-----" in text.splitlines()[0]:
        pem = text  # a bare PEM key file, whatever its name
    else:
        return None
    found |= {line.strip() for line in pem.splitlines() if _PEM_LINE.match(line.strip())}
    return found


def _contents(path: Path, data: bytes) -> Iterator[tuple[str, bytes]]:
    """The file, and each member of it when it is a zip (an xlsx)."""
    if data[:1] == b"{" and b'"authKeys"' in data:
        try:
            state = json.loads(data)
        except ValueError:
            state = None
        if isinstance(state, dict) and "spreadsheets" in state:
            state.pop("authKeys", None)
            data = json.dumps(state).encode()
    yield str(path), data
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.file_size > _MAX_BYTES:
                        yield f"{path}!{info.filename}", b"\0TOO BIG"
                        continue
                    yield f"{path}!{info.filename}", archive.read(info)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
            pass  # a bad-input test's damaged or encrypted zip: its raw bytes were scanned


def _read(path: Path) -> bytes | None:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def sweep(root: Path) -> Sweep:
    """Scan every file under ``root``; findings name the file and what it holds."""
    result = Sweep()
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    others: list[Path] = []
    for path in files:  # first the stores, so every file is checked against every key
        data = _read(path)
        secrets = _store_secrets(data) if data is not None else None
        if secrets is None:
            others.append(path)
            continue
        result.stores.append(path)
        for secret in secrets:
            raw = secret.encode()
            result.pieces |= {raw[i:i + PIECE] for i in range(len(raw) - PIECE + 1)}
    for path in others:  # one file at a time
        data = _read(path)
        if data is None:
            result.findings.append(f"{path}: could not be read, or is over {_MAX_BYTES >> 20} MiB")
            continue
        for name, content in _contents(path, data):
            result.scanned += 1
            if content == b"\0TOO BIG":
                result.findings.append(f"{name}: over {_MAX_BYTES >> 20} MiB, not read")
                continue
            for what, pattern in SHAPES.items():
                if pattern.search(content):
                    result.findings.append(f"{name}: {what}")
            piece = _leaked(content, result.pieces)
            if piece:
                result.findings.append(f"{name}: a piece of a key ({piece[:6].decode()}…)")
    return result


def _leaked(content: bytes, pieces: set[bytes]) -> bytes | None:
    for token in set(_TOKEN.findall(content)):
        for i in range(len(token) - PIECE + 1):
            if token[i:i + PIECE] in pieces:
                return token[i:i + PIECE]
    return None
