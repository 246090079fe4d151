"""Core trading API (``/api/*`` except auth): one FastAPI app, one Lambda per endpoint.

Routes live in ``trade.routes`` (one router per area). ``/api/openapi.json`` documents the whole
core API, auth routes included (see ``trade.routes.openapi``).
"""

from __future__ import annotations

from trade.routes import ROUTERS, openapi
from tradecore.http_api import create_app, lambda_entry

app = create_app("trade")
for router in (*ROUTERS, openapi.router):
    app.include_router(router)

handler = lambda_entry(app)
