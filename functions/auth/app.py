"""Auth API (``/api/auth/*``, ``/api/admin/users*``): one FastAPI app, one Lambda per endpoint.

Public: register and login. Everything else goes through ``tradecore.http_auth``'s dependency.
Routes live in ``auth.routes`` (one router per area), bodies in ``auth.schemas``. Its OpenAPI
document is part of the core API's, served at ``/api/openapi.json`` (see ``trade.routes.openapi``).
"""

from __future__ import annotations

from auth.routes import ROUTERS
from tradecore.http_api import create_app, lambda_entry

app = create_app("auth")
for router in ROUTERS:
    app.include_router(router)

handler = lambda_entry(app)
