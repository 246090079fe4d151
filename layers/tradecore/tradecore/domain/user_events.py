"""What a user's exchange account reports on its own: an order changed, balances changed.

Pure values, tagged with the platform user whose account it is (the stream task subscribes many
accounts on one connection, so every event must say whose it is). Money is Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradecore.domain.orders import Fill, OrderStatus, OrderType, Side

# The execution an order event reports (Binance's last-fill fields): the exchange's fill value.
OrderFillEvent = Fill


@dataclass(frozen=True)
class OrderEvent:
    """One change of one order (Binance's ``executionReport``): its state after the change."""

    user_id: str
    symbol: str
    client_order_id: str  # the order's own id (for a cancel, the original one, not the cancel request's)
    order_id: int
    side: Side
    type: OrderType
    status: OrderStatus
    execution_type: str  # NEW, TRADE, CANCELED, EXPIRED, REJECTED, ...
    quantity: Decimal
    price: Decimal
    executed_quantity: Decimal
    cumulative_quote: Decimal
    event_time_ms: int
    order_time_ms: int  # when the order was created (its first record's created_at)
    order_list_id: int = -1
    reject_reason: str | None = None
    fill: OrderFillEvent | None = None


@dataclass(frozen=True)
class AccountEvent:
    """Balances of ``assets`` changed (Binance's ``outboundAccountPosition``)."""

    user_id: str
    assets: tuple[str, ...]
    event_time_ms: int


UserEvent = OrderEvent | AccountEvent
