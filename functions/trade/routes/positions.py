"""The caller's positions (average-cost PnL from their own fills), and closing one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from trade.routes.trades import IdempotencyKey, remaining_ms
from trade.schemas.trades import CloseBody, PositionsBody, close_body, position_body
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser, TradeUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["positions"])


@router.get("/api/positions", response_model=PositionsBody, responses=error_responses(401, 503))
def positions(user: ReadUser, container: ContainerDep) -> dict[str, Any]:
    """Open positions (and closed ones with realized PnL): quantity, average entry, realized and
    unrealized PnL at the last price (null when the exchange cannot say)."""
    return {"positions": [position_body(view) for view in container.position_service.positions(user)]}


@router.post(
    "/api/positions/{symbol}/close",
    response_model=CloseBody,
    responses=error_responses(
        400,
        401,
        403,
        404,
        409,
        422,
        503,
        reasons={
            400: "No or malformed Idempotency-Key header",
            403: "A viewer may not trade",
            404: "No open position in this symbol",
            409: "Only dust is left (below the exchange's minimum), the coins are held by other orders, "
            "no exchange account is connected, or this key's request is still running",
            422: "An unknown symbol, or this key was used for another request",
            503: "The exchange or the trade stores cannot be reached; nothing was sent",
        },
    ),
)
def close_position(
    symbol: Annotated[str, Path(pattern=r"^[A-Z0-9]{5,20}$")], user: TradeUser, container: ContainerDep,
    request: Request, idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:  # fmt: skip
    """Cancel the position's stop-loss / take-profit, sell what can be sold at market, report the dust."""
    outcome = container.position_closer.close(user, symbol, idempotency_key, remaining_ms=remaining_ms(request))
    return close_body(outcome)
