"""``/api/exchange/connection``: the caller's own exchange account (connect, show, disconnect).

Connecting and disconnecting are ``TradeUser``: they decide which account the caller trades, so a
viewer may not change them. Reading is ``ReadUser``: a viewer may see which account their view
comes from (never the secret). Every route acts on the caller's own connection only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from trade.schemas.exchange_connection import (
    ConnectionBody,
    ConnectionRequest,
    DisconnectedBody,
    connection_body,
    disconnected_body,
)
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser, TradeUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["exchange"])

PATH = "/api/exchange/connection"
_NOT_TRADER = "Viewers may not change the exchange connection, or mainnet is not enabled on this deployment"


@router.put(
    PATH,
    response_model=ConnectionBody,
    responses=error_responses(
        400,
        401,
        403,
        422,
        503,
        reasons={
            403: _NOT_TRADER,
            422: "A malformed body, a key the exchange refuses (exchange_key_refused, with its reason), "
            "or a mainnet key that may withdraw (withdrawal_enabled_key); nothing is stored",
            503: "The exchange or KMS cannot be reached now; nothing is stored",
        },
    ),
)
def connect(body: ConnectionRequest, user: TradeUser, container: ContainerDep) -> dict[str, Any]:
    """Validate the key with a signed account read, then store it (the secret encrypted with KMS)."""
    view = container.connection_service.connect(user, body.api_key, body.api_secret.get_secret_value())
    return connection_body(view)


@router.get(
    PATH,
    response_model=ConnectionBody,
    responses=error_responses(
        401,
        404,
        503,
        reasons={404: "No exchange account connected (outside the simulator): the message says how to connect"},
    ),
)
def show(user: ReadUser, container: ContainerDep) -> dict[str, Any]:
    """Network, key hint, permissions, status, last verification, the trading-expiry warning and the
    egress IP; on the simulator a paper account is opened on first use."""
    return connection_body(container.connection_service.get(user))


@router.delete(
    PATH,
    response_model=DisconnectedBody,
    responses=error_responses(401, 403, 404, 503, reasons={403: _NOT_TRADER, 404: "No exchange account connected"}),
)
def disconnect(user: TradeUser, container: ContainerDep) -> dict[str, Any]:
    """Forget the key; orders already on the exchange stay there (the answer says so)."""
    return disconnected_body(container.connection_service.delete(user))
