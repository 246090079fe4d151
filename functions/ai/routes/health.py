"""``GET /ai/health``: the AI service's own status plus its dependencies (public, no token)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tradecore.http_api import ContainerDep
from tradecore.http_responses import health_responses

router = APIRouter(tags=["health"])


@router.get("/ai/health", responses=health_responses())
def health(container: ContainerDep) -> JSONResponse:
    """Own status plus MongoDB, OpenAI (configured, last call, breaker) and the analysis queue."""
    report = container.ai_health.report()
    return JSONResponse(report.as_dict(), status_code=report.http_status)
