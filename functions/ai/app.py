"""AI analysis API (``/ai/*``, internal): indicators, LLM signals with a technical fallback."""

from __future__ import annotations

import time

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from ai.schemas import AnalyzeRequest, AnalyzeResponse
from tradecore.bootstrap import Container, bootstrap
from tradecore.errors import DependencyUnavailableError
from tradecore.http_api import ContainerDep, create_app, lambda_entry
from tradecore.observability import logger
from tradecore.services.health import check_health
from tradecore.services.inter_service_auth import verify_service_token


def _cold_start() -> Container:
    """Build the container and apply schema migrations (idempotent) on cold start."""
    container = bootstrap()
    try:
        container.migrate()
    except DependencyUnavailableError:
        logger.warning("migrations skipped: MongoDB unavailable at cold start")
    return container


app = create_app("ai", container_factory=_cold_start)


def require_service_token(request: Request, container: ContainerDep) -> None:
    verify_service_token(container.settings.inter_service_token, request.headers.get("Authorization"))


def _deadline(request: Request, budget_seconds: float) -> float:
    """When the caller gives up: the Lambda's remaining time if known, else the configured budget."""
    context = request.scope.get("aws.context")
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    seconds = remaining() / 1000 if callable(remaining) else budget_seconds
    return time.monotonic() + min(seconds, budget_seconds)


@app.post("/ai/analyze", tags=["ai"], response_model=AnalyzeResponse, dependencies=[Depends(require_service_token)])
def analyze(body: AnalyzeRequest, request: Request, container: ContainerDep) -> JSONResponse:
    """Signal (Long/Short/Neutral) with confidence and reasoning; 422 names the bad field."""
    from tradecore.services.analysis import AnalysisRequest

    started = time.perf_counter()
    deadline = _deadline(request, container.settings.ai_request_budget_seconds)
    record = container.analysis_service.analyze(
        AnalysisRequest(
            symbol=body.symbol,
            timeframe=body.timeframe,
            candles=[candle.row() for candle in body.candles],
            other_timeframes={tf: [c.row() for c in candles] for tf, candles in body.timeframes.items()},
            client_indicators=body.technical_indicators or {},
        ),
        deadline,
    )
    return JSONResponse(record.to_response((time.perf_counter() - started) * 1000))


@app.get("/ai/health", tags=["health"])
def health(container: ContainerDep) -> JSONResponse:
    """Own status plus MongoDB, OpenAI (configured, last call, breaker) and the analysis queue."""
    probes = [
        container.mongo_probe,
        container.llm_analyzer,
        container.analysis_service.pending,
        container.config_probe("inter_service_token"),
    ]
    report = check_health("ai", probes, critical=frozenset({"mongodb"}))
    return JSONResponse(report.as_dict(), status_code=report.http_status)


handler = lambda_entry(app)
