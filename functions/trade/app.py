"""Core trading API (``/api/*`` except auth): one FastAPI app, one Lambda per endpoint."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from tradecore.http_api import ContainerDep, create_app, lambda_entry
from tradecore.services.health import check_health

app = create_app("trade")


@app.get("/api/health", tags=["health"])
def health(container: ContainerDep) -> JSONResponse:
    """Own status plus MongoDB, the AI service, the exchange and configuration; 503 only when MongoDB is down."""
    probes = [
        container.mongo_probe,
        container.ai_health_probe,
        container.exchange_probe,
        container.config_probe("jwt_secret", "inter_service_token"),
    ]
    report = check_health("core", probes, critical=frozenset({"mongodb"}))
    return JSONResponse(report.as_dict(), status_code=report.http_status)


handler = lambda_entry(app)
