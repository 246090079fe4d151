"""``GET /api/openapi.json``: one OpenAPI document for the whole core HTTP API.

The core HTTP API is served by two apps (``auth`` and ``trade``) in separate functions, so neither
app's own document lists every route. This route (its own function, like every endpoint) builds
the document from both packages' routers. It is built on the first request for it and then kept
for the life of the instance; the auth routers are imported then too, so no other function's
cold start pays for them. Built from the deployed code rather than generated at build time, the
document cannot disagree with the routes beside it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

router = APIRouter()

TITLE = "tradecore core API"
DESCRIPTION = (
    "Every route of the core HTTP API (auth, admin, trading, health). Errors are "
    '`{"error": {"code", "message", "trace_id"}}`; every response carries `X-Request-ID`. '
    "Routes with a lock need `Authorization: Bearer <access_token>` from login or register."
)


@cache
def core_document() -> dict[str, Any]:
    """The document of the auth and trade routers together (built once per instance)."""
    from auth.routes import ROUTERS as AUTH_ROUTERS
    from trade.routes import ROUTERS as TRADE_ROUTERS
    from tradecore.http_openapi import openapi_document

    routes = [route for router in (*AUTH_ROUTERS, *TRADE_ROUTERS) for route in router.routes]
    return openapi_document(title=TITLE, version="1.0.0", description=DESCRIPTION, routes=routes)


@router.get("/api/openapi.json", include_in_schema=False)
def openapi() -> JSONResponse:
    return JSONResponse(core_document())
