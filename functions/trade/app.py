"""Core trading API (``/api/*`` except auth): one FastAPI app, one Lambda per endpoint."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from tradecore.http_api import ContainerDep, create_app, lambda_entry

app = create_app("trade")


@app.get("/api/health", tags=["health"])
def health(container: ContainerDep) -> JSONResponse:
    """Own status plus MongoDB, the AI service, the exchange and configuration; 503 only when MongoDB is down."""
    report = container.core_health.report()
    return JSONResponse(report.as_dict(), status_code=report.http_status)


handler = lambda_entry(app)
