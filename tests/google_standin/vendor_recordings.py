"""Copy the in-scope gspread cassettes from ../shared into tests/data, slimmed.

Kept: each request's method, URI, body and Content-Type; each response's status, body and
Content-Type. Dropped: every other header (dates, server names, cookies...), which the
conformance test never compares. Run from the repository root::

    python tests/google_standin/vendor_recordings.py ../shared/google-recordings
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from standin_cassettes import CASSETTES, OUT_OF_SCOPE


def _content_type(headers: dict[str, list[str]] | None) -> dict[str, list[str]]:
    return {k: v for k, v in (headers or {}).items() if k.lower() == "content-type"}


def slim(data: dict) -> dict:
    interactions = []
    for item in data["interactions"]:
        request, response = item["request"], item["response"]
        interactions.append({
            "request": {"method": request["method"], "uri": request["uri"],
                        "body": request["body"], "headers": _content_type(request.get("headers"))},
            "response": {"status": response["status"], "body": response["body"],
                         "headers": _content_type(response.get("headers"))},
        })
    return {"version": data.get("version", 1), "interactions": interactions}


def main(source: str) -> int:
    src = Path(source)
    CASSETTES.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.glob("*.json")):
        if path.stem in OUT_OF_SCOPE:
            continue
        data = slim(json.loads(path.read_text(encoding="utf-8")))
        (CASSETTES / path.name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    shutil.copy(src / "LICENSE.gspread.txt", CASSETTES / "LICENSE.gspread.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/google-recordings"))
