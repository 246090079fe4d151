"""``GET /api/account``: the caller's own balances and equity (cached 5 minutes, shared)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from trade.schemas.account import AccountBody, account_body
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["account"])


@router.get(
    "/api/account",
    response_model=AccountBody,
    responses=error_responses(
        401,
        409,
        422,
        429,
        503,
        reasons={
            409: "No exchange account connected yet: PUT /api/exchange/connection",
            422: "refresh is not a boolean",
            429: "refresh=true again within the refresh window (one exchange read per user); wait Retry-After",
            503: "The exchange (or the token check) cannot be reached now",
        },
    ),
)
def account(user: ReadUser, container: ContainerDep, refresh: bool = False) -> dict[str, Any]:
    """The caller's balances (free, locked), equity in USDT at current prices, ``as_of`` and ``source``:
    from the shared cache, or from the exchange on a miss or with ``refresh=true``."""
    return account_body(container.account_service.view(user, refresh=refresh))
