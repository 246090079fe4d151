"""``GET /api/performance``: the caller's own PnL, win rate, profit factor, drawdown and daily series
over a period (all time by default)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from trade.schemas.performance import PerformanceBody, performance_body
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["performance"])


@router.get(
    "/api/performance",
    response_model=PerformanceBody,
    responses=error_responses(
        401,
        422,
        503,
        reasons={
            422: "'from' or 'to' is not an ISO 8601 time, 'to' is in the future, or 'from' is not before 'to'",
            503: "The trade store cannot be reached (a price outage only nulls the unrealized PnL)",
        },
    ),
)
def performance(
    user: ReadUser,
    container: ContainerDep,
    start: Annotated[datetime | None, Query(alias="from", description="ISO 8601, inclusive; default: all time")] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="ISO 8601, exclusive, not after now; default: now")
    ] = None,
) -> dict[str, Any]:
    """Realized and unrealized PnL, fees, trades, win rate, profit factor, expectancy, max drawdown, per
    symbol and per UTC day, from the caller's own fills (average cost)."""
    return performance_body(container.performance_service.report(user, start, end))
