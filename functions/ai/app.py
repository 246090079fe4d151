"""AI analysis API (``/ai/*``, internal): indicators, LLM signals with a technical fallback.

Routes live in ``ai.routes`` (one router per area), bodies in ``ai.schemas``. The app serves its
own OpenAPI document at ``/ai/openapi.json`` (the AI HTTP API has no other app behind it).
"""

from __future__ import annotations

from ai.routes import ROUTERS
from tradecore.bootstrap import Container, bootstrap
from tradecore.errors import DependencyUnavailableError
from tradecore.http_api import create_app, lambda_entry
from tradecore.observability import logger


def _cold_start() -> Container:
    """Build the container and apply schema migrations (idempotent) on cold start."""
    container = bootstrap()
    try:
        container.migrate()
    except DependencyUnavailableError:
        logger.warning("migrations skipped: MongoDB unavailable at cold start")
    return container


app = create_app("ai", container_factory=_cold_start, openapi_url="/ai/openapi.json")
for router in ROUTERS:
    app.include_router(router)

handler = lambda_entry(app)
