"""The OpenAPI 3.1 document of the worker's HTTP API, served at ``GET /openapi.json``.

    from sheetsbot.worker.openapi import document
    spec = document()
    sorted(spec["paths"])  # ['/healthz', '/openapi.json', '/v1/runs/latest', …]

Kept by hand next to :mod:`sheetsbot.worker.webhook`; a test checks that every route and every
status code the handlers return is in here, so the two cannot drift apart.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sheetsbot import __version__
from sheetsbot.worker.webhook import MAX_BODY_BYTES

_SIGNING = (
    "Every /v1 request carries `X-Sheetsbot-Timestamp` (unix seconds, within 300 s of the "
    "worker's clock) "
    "and `X-Sheetsbot-Signature: sha256=<hex>`, the HMAC-SHA256 with the shared secret of "
    '`"<timestamp>.<raw body>"` (the body is empty for a GET). '
    "A POST's signature is accepted once: "
    "a replay gets 409."
)


def _error(description: str, retry_after: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if retry_after:
        out["headers"] = {
            "Retry-After": {
                "description": "seconds to wait",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return out


_UNAUTHORIZED = _error(
    "missing, malformed or wrong signature; missing, non-numeric or stale timestamp"
)
_DISABLED = _error(
    "no webhook secret is configured, so every request is refused; or the worker is shutting down",
    retry_after=True,
)


def _run_get(summary: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "summary": summary,
        "security": [{"timestamp": [], "signature": []}],
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "the run",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}},
            },
            "401": _UNAUTHORIZED,
            "404": _error("unknown run id (runs are kept in memory until the worker restarts)"),
            "405": _error("method not allowed"),
            "413": _error(f"body over {MAX_BODY_BYTES} bytes"),
            "503": _DISABLED,
        },
    }


@cache
def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sheetsbot worker",
            "version": __version__,
            "description": "Triggers and run status for the sheetsbot worker, which keeps a "
            "team's Google Sheet "
            "up to date. " + _SIGNING,
        },
        "paths": {
            "/v1/trigger": {
                "post": {
                    "summary": "Start a run (refresh, regenerate tasks, monthly summary) "
                    "in the background",
                    "description": "Checked in this order: body size (413), secret "
                    "configured (503), signature and "
                    "timestamp (401), replay (409), body (400), spreadsheet (404), rate (429). A "
                    "trigger during a run is coalesced into one follow-up run.",
                    "security": [{"timestamp": [], "signature": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Trigger"}}
                        },
                    },
                    "responses": {
                        "202": {
                            "description": "accepted; the run happens in the background",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Accepted"}
                                }
                            },
                        },
                        "400": _error("the body is not the JSON described"),
                        "401": _UNAUTHORIZED,
                        "404": _error("this worker does not serve that spreadsheet"),
                        "405": _error("method not allowed"),
                        "409": _error("this signed request was already received"),
                        "413": _error(
                            f"body over {MAX_BODY_BYTES} bytes (refused before it is read)"
                        ),
                        "429": _error("too many triggers for this Sheet", retry_after=True),
                        "503": _DISABLED,
                    },
                }
            },
            "/v1/runs/latest": {
                "get": _run_get(
                    "The last finished run (or the current one if none has finished)",
                    [
                        {
                            "name": "spreadsheet_id",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "which Sheet, when the worker serves more than one",
                        },
                    ],
                ),
            },
            "/v1/runs/{run_id}": {
                "get": _run_get(
                    "Status of one run",
                    [
                        {
                            "name": "run_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                        },
                    ],
                ),
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness: 200 while the process is alive, "
                    "whatever the state of Google",
                    "responses": {
                        "200": {
                            "description": "alive",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Health"}
                                }
                            },
                        },
                        "405": _error("method not allowed"),
                        "413": _error(f"body over {MAX_BODY_BYTES} bytes"),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {
                        "200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}},
                        "405": _error("method not allowed"),
                        "413": _error(f"body over {MAX_BODY_BYTES} bytes"),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "timestamp": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Sheetsbot-Timestamp",
                    "description": "unix seconds; at most 300 s from the worker's clock",
                },
                "signature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Sheetsbot-Signature",
                    "description": _SIGNING,
                },
            },
            "schemas": {
                "Trigger": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["action", "spreadsheet_id"],
                    "properties": {
                        "action": {"type": "string", "enum": ["refresh", "tasks", "monthly"]},
                        "spreadsheet_id": {"type": "string", "minLength": 1, "maxLength": 200},
                        "week": {
                            "type": ["string", "null"],
                            "pattern": "^[0-9]{4}-?[Ww][0-9]{1,2}$",
                            "description": "default: the last complete week "
                            "in the store's time zone",
                        },
                    },
                },
                "Accepted": {
                    "type": "object",
                    "required": ["run_id", "status", "coalesced"],
                    "properties": {
                        "run_id": {"type": "string"},
                        "status": {"type": "string", "enum": ["queued", "running"]},
                        "coalesced": {
                            "type": "boolean",
                            "description": "true when the trigger joined a run already waiting",
                        },
                    },
                },
                "Run": {
                    "type": "object",
                    "required": [
                        "run_id",
                        "status",
                        "action",
                        "trigger",
                        "requested",
                        "started",
                        "finished",
                        "summary",
                        "errors",
                        "message",
                    ],
                    "properties": {
                        "run_id": {"type": "string"},
                        "status": {
                            "type": "string",
                            "enum": ["queued", "running", "succeeded", "failed", "abandoned"],
                        },
                        "action": {"type": "string", "enum": ["refresh", "tasks", "monthly"]},
                        "week": {"type": ["string", "null"]},
                        "trigger": {
                            "type": "string",
                            "description": "e.g. webhook:refresh, schedule:weekly",
                        },
                        "triggers": {
                            "type": "integer",
                            "description": "how many triggers this run answers",
                        },
                        "requested": {"type": "string", "format": "date-time"},
                        "started": {"type": ["string", "null"], "format": "date-time"},
                        "finished": {"type": ["string", "null"], "format": "date-time"},
                        "summary": {"type": ["object", "null"]},
                        "errors": {"type": "array", "items": {"type": "string"}},
                        "message": {"type": "string", "description": "the outcome in plain words"},
                    },
                },
                "Health": {
                    "type": "object",
                    "required": ["status", "scheduler", "last_run"],
                    "properties": {
                        "status": {"type": "string", "enum": ["ok"]},
                        "version": {"type": "string"},
                        "scheduler": {"type": "object"},
                        "webhook": {"type": "object"},
                        "last_run": {"type": ["object", "null"]},
                        "running": {"type": "boolean"},
                        "queued": {"type": "integer"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }
