"""AI signals for users: the stored history (``ReadUser``) and "analyze now" (``TradeUser``).

Asking for an analysis is a trader's action: it can cost an LLM call (money), so a viewer, who may
only look, reads the history (which every scheduled and requested analysis lands in) but cannot
order new ones. Each user may ask ``USER_ANALYZE_PER_MINUTE`` times a minute (429 after).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from trade.routes.trades import remaining_ms
from trade.schemas.signals import AnalyzeRequest, AnalyzeResponse, SignalPageBody, analyze_body, record_body
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser, TradeUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["signals"])


@router.get(
    "/api/ai/signals",
    response_model=SignalPageBody,
    responses=error_responses(401, 422, 503, reasons={422: "A bad filter or a cursor this API did not give (named)"}),
)
def signals(
    _user: ReadUser,
    container: ContainerDep,
    symbol: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{5,20}$")] = None,
    timeframe: Annotated[str | None, Query(max_length=3)] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601 with a zone, inclusive")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Stored analyses, newest first; pass ``next_cursor`` back as ``cursor`` for the next page."""
    page = container.signal_history.page(symbol, timeframe, since, cursor, limit)
    return {"signals": [record_body(r) for r in page.analyses], "next_cursor": page.next_cursor}


@router.post(
    "/api/ai/analyze",
    response_model=AnalyzeResponse,
    responses=error_responses(
        401, 403, 422, 429, 503,
        reasons={
            403: "A viewer may not ask for analyses (they cost an LLM call)",
            422: "A symbol the platform does not trade, an unknown timeframe, or too many timeframes (named)",
            429: "This user's analyses for this minute are used up; wait for Retry-After seconds",
            503: "The exchange (candles) or the request counter cannot be reached",
        },
    ),
)  # fmt: skip
def analyze(body: AnalyzeRequest, user: TradeUser, container: ContainerDep, request: Request) -> dict[str, Any]:
    """Analyse a symbol now: candles from the exchange, the AI service's signal (or the same question's
    answer from the last 2 minutes; or, with the AI service down, technical analysis, labelled)."""
    outcome = container.analyze_now.analyze(
        user, body.symbol, body.timeframe, body.timeframes, remaining_ms=remaining_ms(request)
    )
    return analyze_body(outcome)
