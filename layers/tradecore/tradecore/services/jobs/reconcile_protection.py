"""Whether a trade's active stop-loss / take-profit is still on the exchange, and how it ended if not.

The protection names its OCO list (by id, or by the list client id derived from the trade's), or
its single order; one placed but never confirmed is looked up under the ids it would have had.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tradecore.domain.orders import OrderResult, oco_client_ids
from tradecore.domain.reconciliation import Repair, protection_repair
from tradecore.domain.trades import Protection, ProtectionStatus, TradeRecord
from tradecore.errors import NotFoundError
from tradecore.ports import Exchange
from tradecore.services.trading.protection import protective_order_id

STILL_OPEN = "open"


def protection_check(exchange: Exchange, trade: TradeRecord, now: datetime) -> tuple[TradeRecord, Repair] | None:
    """``trade`` with its protection as the exchange says it ended; None while it is still there
    (or the trade has no active protection). Raises the exchange's errors but ``NotFoundError``."""
    current = trade.protection
    if current is None or current.status is not ProtectionStatus.ACTIVE:
        return None
    legs = protection_legs(exchange, trade, current)
    if isinstance(legs, str):  # still open on the exchange
        return None
    return protection_repair(trade, legs, now)


def protection_legs(
    exchange: Exchange, trade: TradeRecord, protection: Protection
) -> Sequence[OrderResult] | str | None:
    """The protective orders (None when the exchange no longer knows them), or ``"open"``."""
    try:
        if protection.order_list_id is not None or protection.list_client_order_id is not None or (
            protection.order_id is None and protection.client_order_id is None and protection.stop_loss is not None
            and protection.take_profit is not None
        ):  # fmt: skip
            return _list_legs(exchange, trade, protection)
        if protection.order_id is not None:
            order = exchange.get_order(trade.symbol, order_id=protection.order_id)
        else:
            role = "sl" if protection.stop_loss is not None else "tp"
            client_id = protection.client_order_id or protective_order_id(trade.client_order_id, role)
            order = exchange.get_order(trade.symbol, client_order_id=client_id)
    except NotFoundError:
        return None
    return STILL_OPEN if order.status.is_open else [order]


def _list_legs(exchange: Exchange, trade: TradeRecord, protection: Protection) -> Sequence[OrderResult] | str:
    if protection.order_list_id is not None:
        oco = exchange.get_order_list(order_list_id=protection.order_list_id)
    else:
        list_id = protection.list_client_order_id or oco_client_ids(trade.client_order_id).list_id
        oco = exchange.get_order_list(list_client_order_id=list_id)
    if oco.is_open:
        return STILL_OPEN
    if oco.orders:
        return list(oco.orders)
    return [exchange.get_order(leg.symbol or trade.symbol, order_id=leg.order_id) for leg in oco.legs]
