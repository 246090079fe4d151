"""Trades of the caller: execute (``Idempotency-Key``), history, one trade, cancel an open order.

Executing and cancelling are ``TradeUser``; reading is ``ReadUser``. Every route acts on the
caller's own trades only: another user's trade id is answered like an unknown one (404).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response

from trade.schemas.trades import ExecuteRequest, ExecuteResponse, TradeBody, TradePageBody, execute_body
from tradecore.domain.trades import TradeQuery, TradeStatus
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser, TradeUser
from tradecore.http_responses import error_responses
from tradecore.services.trading.rendering import trade_body

router = APIRouter(tags=["trades"])

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="1-128 printable characters; the same key runs the request once"),
]
_UNSETTLED = ("pending", "unknown")


def remaining_ms(request: Request) -> Callable[[], int] | None:
    """The Lambda's remaining time (Mangum puts the context in the scope), for the deadline."""
    context = request.scope.get("aws.context")
    getter = getattr(context, "get_remaining_time_in_millis", None)
    return getter if callable(getter) else None


@router.post(
    "/api/trades/execute",
    response_model=ExecuteResponse,
    responses={
        202: {
            "description": "Sent, but the exchange has not confirmed it yet (status unknown or pending): "
            "it is reconciled shortly; do not place it again",
            "model": ExecuteResponse,
        },
        **error_responses(
            400,
            401,
            403,
            404,
            409,
            422,
            503,
            reasons={
                400: "No or malformed Idempotency-Key header (idempotency_key_required)",
                403: "A viewer may not trade (forbidden), or the platform's kill switch is on (trading_halted)",
                404: "The exchange does not know the symbol",
                409: "No exchange account connected yet, or this key's first request is still running "
                "(request_in_progress)",
                422: "A malformed body, a filter (named), a risk limit (risk_limit_exceeded), the balance "
                "(insufficient_funds), the AI signal (ai_signal_refused), a reused key with another body "
                "(idempotency_key_reused), or the exchange's refusal (recorded as a rejected trade)",
                503: "The exchange, the idempotency table or both trade stores cannot be reached; nothing was sent",
            },
        ),
    },
)
def execute(
    body: ExecuteRequest, user: TradeUser, container: ContainerDep, request: Request, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:  # fmt: skip
    """Check, record, place and protect one order on the caller's own account (see DESIGN.md §6)."""
    outcome = container.trade_executor.execute(user, idempotency_key, body.intent(), remaining_ms=remaining_ms(request))
    if outcome.trade.status.value in _UNSETTLED:
        response.status_code = 202
    return execute_body(outcome)


@router.get(
    "/api/trades",
    response_model=TradePageBody,
    responses=error_responses(401, 422, 503, reasons={422: "A bad filter or a cursor this API did not give"}),
)
def list_trades(
    user: ReadUser,
    container: ContainerDep,
    symbol: Annotated[str | None, Query(pattern=r"^[A-Z0-9]{5,20}$")] = None,
    status: Annotated[
        Literal["pending", "open", "partially_filled", "filled", "canceled", "rejected", "unknown"] | None, Query()
    ] = None,
    created_from: Annotated[datetime | None, Query(alias="from", description="ISO 8601, inclusive")] = None,
    created_to: Annotated[datetime | None, Query(alias="to", description="ISO 8601, exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """The caller's trades, newest first; pass ``next_cursor`` back as ``cursor`` for the next page."""
    query = TradeQuery(
        symbol=symbol, status=TradeStatus(status) if status else None, created_from=created_from,
        created_to=created_to, limit=limit, cursor=cursor,
    )  # fmt: skip
    page = container.trade_history.page(user, query)
    return {"trades": [trade_body(t) for t in page.trades], "next_cursor": page.next_cursor}


@router.get(
    "/api/trades/{trade_id}",
    response_model=TradeBody,
    responses=error_responses(401, 404, 503, reasons={404: "No such trade of yours"}),
)
def get_trade(trade_id: str, user: ReadUser, container: ContainerDep) -> dict[str, Any]:
    """One of the caller's trades."""
    return trade_body(container.trade_history.get(user, trade_id))


@router.delete(
    "/api/orders/{trade_id}",
    response_model=TradeBody,
    responses=error_responses(
        401,
        403,
        404,
        409,
        503,
        reasons={
            403: "A viewer may not cancel orders",
            404: "No such trade of yours",
            409: "The order is no longer open (filled, cancelled, rejected), or no exchange account is connected",
            503: "The exchange cannot be reached; the order was not cancelled",
        },
    ),
)
def cancel_order(trade_id: str, user: TradeUser, container: ContainerDep) -> dict[str, Any]:
    """Cancel the caller's order that is still open on the book; what filled before stays filled."""
    return trade_body(container.trade_history.cancel(user, trade_id))
