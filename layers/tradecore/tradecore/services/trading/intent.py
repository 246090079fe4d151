"""What a trader asks for, and the order it becomes once rounded onto the symbol's filters.

Rounding is never silent: every value that changed is reported in ``adjustments`` in words a
trader reads, and the trade record keeps both what was asked and what was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradecore.domain.order_math import prepare_order, quantity_for_quote
from tradecore.domain.orders import OrderRequest, OrderType, Side, SymbolRules
from tradecore.errors import InvalidInputError

_ZERO = Decimal(0)


@dataclass(frozen=True)
class TradeIntent:
    """``POST /api/trades/execute``'s body. Exactly one of ``quantity`` (base) and ``quote_amount``
    (quote to spend or receive); ``price`` for LIMIT only; stop-loss and take-profit protect a BUY."""

    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal | None = None
    quote_amount: Decimal | None = None
    price: Decimal | None = None
    use_ai: bool = False
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None

    def fingerprint(self) -> dict[str, Any]:
        """The request as the idempotency check compares it: same key, another fingerprint → 422."""
        return {name: (None if value is None else str(value)) for name, value in self.__dict__.items()}


@dataclass(frozen=True)
class PlannedOrder:
    """The order that will leave (rounded and checked), what it is worth, and what rounding changed."""

    request: OrderRequest
    reference_price: Decimal  # the limit price, or the last price for a MARKET order
    value: Decimal  # in the quote asset
    base_quantity: Decimal  # what it buys or sells (estimated at the last price for a quote amount)
    adjustments: tuple[str, ...]


def plan_order(intent: TradeIntent, rules: SymbolRules, last_price: Decimal, client_order_id: str) -> PlannedOrder:
    """Round ``intent`` onto the filters and check it (``InvalidInputError`` naming the filter)."""
    _check_shape(intent, last_price)
    quantity = intent.quantity
    if intent.type is OrderType.LIMIT and intent.quote_amount is not None:
        assert intent.price is not None  # noqa: S101 - checked by _check_shape
        quantity = quantity_for_quote(intent.quote_amount, intent.price, rules)
    quote = intent.quote_amount if intent.type is OrderType.MARKET else None
    request = OrderRequest(
        symbol=intent.symbol,
        side=intent.side,
        type=intent.type,
        quantity=quantity,
        quote_quantity=quote,
        price=intent.price,
        client_order_id=client_order_id,
    )
    sent = prepare_order(request, rules, last_price)
    reference = sent.price if sent.price is not None else last_price
    if sent.quote_quantity is not None:
        value, base = sent.quote_quantity, sent.quote_quantity / last_price
    else:
        assert sent.quantity is not None  # noqa: S101 - prepare_order sets one of them
        value, base = sent.quantity * reference, sent.quantity
    return PlannedOrder(sent, reference, value, base, tuple(_adjustments(intent, quantity, sent, rules)))


def _check_shape(intent: TradeIntent, last_price: Decimal) -> None:
    if intent.type not in (OrderType.MARKET, OrderType.LIMIT):
        raise InvalidInputError("type must be MARKET or LIMIT", details={"field": "type"})
    if (intent.quantity is None) == (intent.quote_amount is None):
        raise InvalidInputError("Give exactly one of quantity and quote_amount", details={"field": "quantity"})
    for name in ("quantity", "quote_amount", "price", "stop_loss", "take_profit"):
        value = getattr(intent, name)
        if value is not None and (not value.is_finite() or value <= _ZERO):
            raise InvalidInputError(f"{name} must be a positive number", details={"field": name})
    if intent.type is OrderType.LIMIT and intent.price is None:
        raise InvalidInputError("A LIMIT order needs a price", details={"field": "price"})
    if intent.type is OrderType.MARKET and intent.price is not None:
        raise InvalidInputError("A MARKET order takes no price; use a LIMIT order", details={"field": "price"})
    _check_protection(intent, last_price)


def _check_protection(intent: TradeIntent, last_price: Decimal) -> None:
    if intent.stop_loss is None and intent.take_profit is None:
        return
    if intent.side is not Side.BUY:
        raise InvalidInputError(
            "Stop-loss and take-profit protect a position you buy; they apply to BUY orders only",
            details={"field": "stop_loss" if intent.stop_loss is not None else "take_profit"},
        )
    entry = intent.price if intent.price is not None else last_price
    if intent.stop_loss is not None and intent.stop_loss >= entry:
        raise InvalidInputError(
            f"The stop-loss ({intent.stop_loss}) must be below the entry price ({entry})",
            details={"field": "stop_loss"},
        )
    if intent.take_profit is not None and intent.take_profit <= entry:
        raise InvalidInputError(
            f"The take-profit ({intent.take_profit}) must be above the entry price ({entry})",
            details={"field": "take_profit"},
        )


def _adjustments(intent: TradeIntent, quantity: Decimal | None, sent: OrderRequest, rules: SymbolRules) -> list[str]:
    notes = []
    if intent.type is OrderType.LIMIT and intent.quote_amount is not None:
        notes.append(f"quote_amount {intent.quote_amount} at {intent.price} buys quantity {quantity}")
    if quantity is not None and sent.quantity is not None and sent.quantity != quantity:
        notes.append(f"quantity {quantity} rounded down to {sent.quantity} (LOT_SIZE step {rules.step_size})")
    if intent.price is not None and sent.price is not None and sent.price != intent.price:
        direction = "down" if sent.price < intent.price else "up"
        notes.append(f"price {intent.price} rounded {direction} to {sent.price} (PRICE_FILTER tick {rules.tick_size})")
    quote = sent.quote_quantity
    if intent.quote_amount is not None and quote is not None and quote != intent.quote_amount:
        notes.append(f"quote_amount {intent.quote_amount} rounded down to {quote}")
    return notes
