"""A trade as the API and the WebSocket show it: money as decimal strings (exact), times ISO-8601 UTC.

One shape for ``POST /api/trades/execute``, ``GET /api/trades[/{id}]`` and the ``trade_executed`` /
``order_update`` messages, so the dashboard reads one type."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from tradecore.domain.trades import Protection, TradeRecord


def money(value: Decimal | None) -> str | None:
    """A Decimal as a plain decimal string (no exponent), or None."""
    return None if value is None else f"{value.normalize():f}" if value else "0"


def _time(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def protection_body(protection: Protection | None) -> dict[str, Any] | None:
    if protection is None:
        return None
    return {
        "status": protection.status.value,
        "stop_loss": money(protection.stop_loss),
        "take_profit": money(protection.take_profit),
        "quantity": money(protection.quantity),
        "order_list_id": protection.order_list_id,
        "order_id": protection.order_id,
        "reason": protection.reason,
    }


def trade_body(trade: TradeRecord) -> dict[str, Any]:
    return {
        "id": trade.id,
        "client_order_id": trade.client_order_id,
        "symbol": trade.symbol,
        "side": trade.side.value,
        "type": trade.type.value,
        "status": trade.status.value,
        "mode": trade.mode.value,
        "requested": {
            "quantity": money(trade.requested_quantity),
            "quote_amount": money(trade.requested_quote_amount),
            "price": money(trade.requested_price),
        },
        "sent": {
            "quantity": money(trade.sent_quantity),
            "quote_amount": money(trade.sent_quote_amount),
            "price": money(trade.sent_price),
        },
        "adjustments": list(trade.adjustments),
        "executed_quantity": money(trade.executed_quantity),
        "average_price": money(trade.average_price),
        "quote_amount": money(trade.quote_amount),
        "fees": [{"asset": fee.asset, "amount": money(fee.amount)} for fee in trade.fees],
        "protection": protection_body(trade.protection),
        "reason": trade.reason,
        "source": trade.source,
        "created_at": _time(trade.created_at),
        "updated_at": _time(trade.updated_at),
    }
