"""What a route declares about its answers beyond success: every error status it can give.

FastAPI documents a route's success and its own shape of 422; our errors have one shape
(``{"error": {"code", "message", "trace_id"}}``, mapped in :mod:`tradecore.http_api`) and a route
may also answer 400, 401, 403, 404, 409, 429 or 503. Each route lists its statuses here, with the
reason where the generic one says too little, e.g.::

    @router.post("/api/auth/login", responses=error_responses(401, 422, 429, 503))

The entries are plain dicts pointing at components that :mod:`tradecore.http_openapi` adds when a
document is built, so declaring them costs no model at cold start. The route tests prove each
list against what the handler really answers (a fuzz run once found six statuses a document left out).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ERROR_SCHEMA = "ErrorBody"
HEALTH_SCHEMA = "HealthBody"
_COMPONENTS = "#/components/schemas/"

# What each status means on any route; a route passes ``reasons`` to say what it means there.
GENERIC_REASONS = {
    400: "The body cannot be read: it is not UTF-8 JSON",
    401: "Missing, malformed, expired or revoked credentials",
    403: "Authenticated, but the caller's role does not allow this",
    404: "No such resource",
    409: "Conflicts with the current state; reload and try again",
    422: "The request breaks the schema or a rule; the message names the field",
    429: "Too many attempts; wait for Retry-After seconds",
    503: "A dependency is unavailable; try again later",
}

_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer", "minimum": 1}}
}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _COMPONENTS + schema}}}


def error_responses(*statuses: int, reasons: Mapping[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can answer each of ``statuses`` with the error envelope.

    ``reasons`` replaces the generic description of a status for this route. A status without a
    generic meaning (a typo, or a new kind) raises ``KeyError`` at import, not a wrong document.
    """
    reasons = reasons or {}
    unknown = set(reasons) - set(statuses)
    if unknown:
        raise ValueError(f"reasons for statuses the route does not list: {sorted(unknown)}")
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": reasons.get(status, GENERIC_REASONS[status]),
            "content": _json(ERROR_SCHEMA),
        }
        if status == 429:
            response["headers"] = dict(_RETRY_AFTER)
        responses[status] = response
    return responses


def health_responses() -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a health route: the same report at 200 (ok, degraded) and 503 (down)."""
    return {
        200: {"description": "ok or degraded (a non-critical dependency is down)", "content": _json(HEALTH_SCHEMA)},
        503: {"description": "down: a critical dependency is down", "content": _json(HEALTH_SCHEMA)},
    }
