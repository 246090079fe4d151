"""``GET /api/health``: the core's own status plus its dependencies (public, no token)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tradecore.http_api import ContainerDep
from tradecore.http_responses import health_responses

router = APIRouter(tags=["health"])


@router.get("/api/health", responses=health_responses())
def health(container: ContainerDep) -> JSONResponse:
    """Own status plus MongoDB, the AI service, the exchange and configuration; 503 only when MongoDB is down."""
    report = container.core_health.report()
    return JSONResponse(report.as_dict(), status_code=report.http_status)
