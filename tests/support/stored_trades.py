"""Trade records for the trade store's tests: a bare pending trade of ``user-1`` with any field changed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.trades import TradeRecord, TradeStatus

AT = datetime(2026, 11, 2, 12, 0, 0, 123_000, tzinfo=UTC)


def make_trade(trade_id: str = "t-1", user_id: str = "user-1", **changes: Any) -> TradeRecord:
    values: dict[str, Any] = {
        "id": trade_id,
        "user_id": user_id,
        "client_order_id": f"tc-{trade_id}",
        "symbol": "BTCUSDT",
        "base_asset": "BTC",
        "quote_asset": "USDT",
        "side": Side.BUY,
        "type": OrderType.MARKET,
        "mode": TradingMode.PAPER,
        "status": TradeStatus.PENDING,
        "created_at": AT,
        "updated_at": AT,
        "requested_quantity": Decimal("0.001"),
    }
    values.update(changes)
    return TradeRecord(**values)
