"""A sweep of everything the test suite wrote for secrets (issue 13: "a test greps everything
the suite produced").

Every file under pytest's base temporary directory is read at the end of the session: logs of
the worker and CLI subprocesses, the stand-in's saved Sheets, xlsx workbooks (their zip members
are read too), run outputs, JSON answers. Files that *are* secrets (a service-account key, a
bare PEM key a test gave as the key file) are the stores; every other file must hold none of
their secret parts (the ``private_key_id``, each line of the PEM body) and nothing shaped like a
secret (a PEM private key, a ``ya29.`` access token, a signed JWT assertion).

The Google stand-in's saved state is scanned without its ``authKeys`` (Google's side of each
service account: key id and public key, which Google holds by design); its Sheets are scanned.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

SHAPES = {
    "a PEM private key": re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "an access token (ya29.)": re.compile(rb"\bya29\.[A-Za-z0-9_\-]{20,}"),
    "a JWT assertion": re.compile(rb"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\."),
}
_PEM_LINE = re.compile(r"^[A-Za-z0-9+/=]{40,}$")
#: Runs of key-ish characters in scanned content, and the window secrets are indexed by.
_TOKEN = re.compile(rb"[A-Za-z0-9+/=_-]{16,}")
_WINDOW = 16
_MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Sweep:
    stores: list[Path] = field(default_factory=list)
    secrets: set[bytes] = field(default_factory=set)
    scanned: int = 0
    findings: list[str] = field(default_factory=list)


def _store_secrets(path: Path, data: bytes) -> set[bytes] | None:
    """The secret parts of ``data`` if the file is a key (a store), else None."""
    text = data.decode("utf-8", errors="replace")
    pem: str | None = None
    found: set[bytes] = set()
    if text.lstrip().startswith("{"):
        try:
            info = json.loads(text)
        except ValueError:
            info = None
        if isinstance(info, dict) and "private_key" in info:
            pem = str(info.get("private_key") or "")
            key_id = str(info.get("private_key_id") or "")
            if len(key_id) >= 16:
                found.add(key_id.encode())
            if not pem:
                return found
    if pem is None and path.suffix == ".pem" and b"PRIVATE KEY-----" in data:
        pem = text
    if pem is None:
        return None
    for line in pem.splitlines():
        if _PEM_LINE.match(line.strip()):
            found.add(line.strip().encode())
    return found


def _contents(path: Path, data: bytes) -> list[tuple[str, bytes]]:
    """The file, and each member of it when it is a zip (an xlsx)."""
    if data[:1] == b"{" and b'"authKeys"' in data:
        try:
            state = json.loads(data)
        except ValueError:
            state = None
        if isinstance(state, dict) and "spreadsheets" in state:
            state.pop("authKeys", None)
            data = json.dumps(state).encode()
    out = [(str(path), data)]
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.file_size <= _MAX_BYTES:
                        out.append((f"{path}!{info.filename}", archive.read(info)))
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            pass  # a bad-input test's damaged or encrypted zip: its raw bytes are scanned
    return out


def sweep(root: Path) -> Sweep:
    """Scan every file under ``root``; findings name the file and what it holds."""
    result = Sweep()
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    others: list[tuple[Path, bytes]] = []
    for path in files:
        try:
            if path.stat().st_size > _MAX_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        secrets = _store_secrets(path, data)
        if secrets is None:
            others.append((path, data))
        else:
            result.stores.append(path)
            result.secrets |= secrets
    # Secrets by their first characters: each run of key-ish characters in a file is looked up
    # window by window (a PEM line inside JSON sits after a "\n", so it is inside a longer run).
    by_start: dict[bytes, list[bytes]] = {}
    for secret in result.secrets:
        by_start.setdefault(secret[:_WINDOW], []).append(secret)
    for path, data in others:
        for name, content in _contents(path, data):
            result.scanned += 1
            for what, pattern in SHAPES.items():
                if pattern.search(content):
                    result.findings.append(f"{name}: {what}")
            leaked = _leaked(content, by_start)
            if leaked:
                result.findings.append(f"{name}: a part of a key ({leaked[:6].decode()}…)")
    return result


def _leaked(content: bytes, by_start: dict[bytes, list[bytes]]) -> bytes | None:
    for token in set(_TOKEN.findall(content)):
        for i in range(len(token) - _WINDOW + 1):
            for secret in by_start.get(token[i:i + _WINDOW], ()):
                if token.startswith(secret, i):
                    return secret
    return None
