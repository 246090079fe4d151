"""The caller's automated-trading decisions (``ReadUser``): what the AutoTrader did with each candle
signal for them, traded or skipped with the reason. Only the caller's own: no user id in the path."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from trade.schemas.bot_decisions import DecisionPageBody, decision_page_body
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["bot"])


@router.get(
    "/api/bot/decisions",
    response_model=DecisionPageBody,
    responses=error_responses(
        401, 422, 503,
        reasons={422: "A limit outside 1-200 or a cursor this API did not give", 503: "MongoDB cannot be reached"},
    ),
)  # fmt: skip
def list_decisions(
    user: ReadUser,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """The caller's decisions, newest first; pass ``next_cursor`` back as ``cursor`` for the next page."""
    return decision_page_body(container.decision_store.page(user.user_id, limit=limit, cursor=cursor))
