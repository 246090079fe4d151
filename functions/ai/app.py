"""AI analysis API (``/ai/*``, internal): indicators, LLM signals with a technical fallback."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from tradecore.bootstrap import Container, bootstrap
from tradecore.errors import DependencyUnavailableError
from tradecore.http_api import ContainerDep, create_app, lambda_entry
from tradecore.observability import logger
from tradecore.services.health import check_health


def _cold_start() -> Container:
    """Build the container and apply schema migrations (idempotent) on cold start."""
    container = bootstrap()
    try:
        container.migrate()
    except DependencyUnavailableError:
        logger.warning("migrations skipped: MongoDB unavailable at cold start")
    return container


app = create_app("ai", container_factory=_cold_start)


@app.get("/ai/health", tags=["health"])
def health(container: ContainerDep) -> JSONResponse:
    """Own status plus MongoDB and OpenAI configuration; 503 when MongoDB is down."""
    probes = [container.mongo_probe, container.config_probe("inter_service_token")]
    report = check_health("ai", probes, critical=frozenset({"mongodb"}))
    return JSONResponse(report.as_dict(), status_code=report.http_status)


handler = lambda_entry(app)
