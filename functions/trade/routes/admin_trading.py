"""The platform's kill switch (admins only): while halted, no new order leaves for anyone, manual
or automated; open orders and protective orders already on the exchange stay as they are."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from trade.schemas.bot import TradingSwitchBody, TradingSwitchUpdate, trading_switch_body
from tradecore.http_api import ContainerDep
from tradecore.http_auth import AdminUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["admin"])

_NOT_ADMIN = {403: "The caller is not an admin"}


@router.get(
    "/api/admin/trading",
    response_model=TradingSwitchBody,
    responses=error_responses(401, 403, 503, reasons={**_NOT_ADMIN, 503: "The switch cannot be read"}),
)
def get_trading_switch(_: AdminUser, container: ContainerDep) -> dict[str, Any]:
    """Whether trading is halted, who turned the switch last, why and when."""
    return trading_switch_body(container.trading_switch.state())


@router.put(
    "/api/admin/trading",
    response_model=TradingSwitchBody,
    responses=error_responses(
        400,
        401,
        403,
        422,
        503,
        reasons={
            **_NOT_ADMIN,
            422: "halted missing, or a halt without a reason",
            503: "The switch cannot be written; it is as it was",
        },
    ),
)
def set_trading_switch(body: TradingSwitchUpdate, admin: AdminUser, container: ContainerDep) -> dict[str, Any]:
    """Halt trading for everyone (``halted: true`` with a reason) or let it resume; the very next
    trade on any instance sees the change."""
    switch = container.trading_switch
    switch.set_halted(body.halted, by=admin.user_id, reason=body.reason)
    return trading_switch_body(switch.state())
