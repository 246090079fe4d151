"""A user's trade: the intent, the order that carried it, its fills, and what protects it.

Pure values with Decimal money. A trade is recorded ``pending`` before its order leaves and only
ever moves forward: every change makes a copy with a higher ``version``, so the store (or the
outbox drain) keeps the newest copy whatever order copies arrive in.

The exchange client order id is derived from the user and their Idempotency-Key, so a retry of
one request, even one that slipped past the idempotency table, can only ever name the same order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import Fill, OrderResult, OrderStatus, OrderType, Side

_ZERO = Decimal(0)
CLIENT_ORDER_ID_PREFIX = "tc-"


class TradeStatus(StrEnum):
    PENDING = "pending"  # recorded; the order has not been confirmed by the exchange yet
    OPEN = "open"  # on the book, nothing filled
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"  # ended without filling completely (cancelled or expired); see executed_quantity
    REJECTED = "rejected"  # the exchange refused it: ``reason`` says why
    UNKNOWN = "unknown"  # sent, but the exchange's answer was lost: reconciliation settles it

    @property
    def is_final(self) -> bool:
        return self in (TradeStatus.FILLED, TradeStatus.CANCELED, TradeStatus.REJECTED)


_STATUS_OF_ORDER = {
    OrderStatus.NEW: TradeStatus.OPEN,
    OrderStatus.PENDING_NEW: TradeStatus.OPEN,
    OrderStatus.PARTIALLY_FILLED: TradeStatus.PARTIALLY_FILLED,
    OrderStatus.PENDING_CANCEL: TradeStatus.PARTIALLY_FILLED,
    OrderStatus.FILLED: TradeStatus.FILLED,
    OrderStatus.CANCELED: TradeStatus.CANCELED,
    OrderStatus.EXPIRED: TradeStatus.CANCELED,
    OrderStatus.EXPIRED_IN_MATCH: TradeStatus.CANCELED,
    OrderStatus.REJECTED: TradeStatus.REJECTED,
}


def trade_status_of(status: OrderStatus, executed: Decimal) -> TradeStatus:
    """Our status for the exchange's; a PENDING_CANCEL order with nothing executed is still open."""
    mapped = _STATUS_OF_ORDER[status]
    if mapped is TradeStatus.PARTIALLY_FILLED and executed <= _ZERO:
        return TradeStatus.OPEN
    return mapped


def client_order_id_for(user_id: str, idempotency_key: str) -> str:
    """The exchange client order id of a user's request: ``tc-`` and 32 hex digits (128 bits) of
    SHA-256 over the user id and their key (35 characters, within Binance's 36 and its
    ``[a-zA-Z0-9_-]`` alphabet). Two users' identical keys never collide."""
    digest = hashlib.sha256(f"{user_id}\x00{idempotency_key}".encode()).hexdigest()[:32]
    return CLIENT_ORDER_ID_PREFIX + digest


# A trade's fill is the exchange's own fill value (price, quantity, commission and its asset).
TradeFill = Fill


@dataclass(frozen=True)
class Fee:
    asset: str
    amount: Decimal


@dataclass(frozen=True)
class SignalSummary:
    """The AI signal a trade was placed with (``use_ai``): what it said and where it came from."""

    signal: str  # Long | Short | Neutral
    confidence: float
    source: str  # llm | technical | cache (as the analyzer said)
    origin: str  # ai_service | stored_signal | local_technical (which fallback answered)
    analysis_id: str | None = None


class ProtectionStatus(StrEnum):
    AWAITING_FILL = "awaiting_fill"  # asked for; placed once the order fills
    ACTIVE = "active"  # on the exchange
    CANCELED = "canceled"  # cancelled (the position was closed or sold)
    FAILED = "failed"  # the exchange refused it: ``reason`` says why
    DONE = "done"  # one leg executed


@dataclass(frozen=True)
class Protection:
    """Stop-loss and take-profit on the exchange, linked to the trade: an OCO when both are set
    (``order_list_id``), one order when only one is (``order_id``)."""

    status: ProtectionStatus
    stop_loss: Decimal | None
    take_profit: Decimal | None
    quantity: Decimal | None = None
    order_list_id: int | None = None
    list_client_order_id: str | None = None
    order_id: int | None = None
    client_order_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class TradeRecord:
    """One trade of one user. ``requested_*`` are what the user asked for, ``sent_*`` what left after
    rounding onto the symbol's filters (``adjustments`` says what changed and why)."""

    id: str
    user_id: str
    client_order_id: str
    symbol: str
    base_asset: str
    quote_asset: str
    side: Side
    type: OrderType
    mode: TradingMode
    status: TradeStatus
    created_at: datetime
    updated_at: datetime
    requested_quantity: Decimal | None = None
    requested_quote_amount: Decimal | None = None
    requested_price: Decimal | None = None
    sent_quantity: Decimal | None = None
    sent_quote_amount: Decimal | None = None
    sent_price: Decimal | None = None
    executed_quantity: Decimal = _ZERO
    quote_amount: Decimal = _ZERO  # cumulative quote value of the fills
    fills: tuple[TradeFill, ...] = ()
    exchange_order_id: int | None = None
    adjustments: tuple[str, ...] = ()
    signal: SignalSummary | None = None
    protection: Protection | None = None
    reason: str | None = None
    source: str = "api"  # api | close | bot | external (placed outside the platform): who placed it
    version: int = 1
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def average_price(self) -> Decimal | None:
        """Volume-weighted fill price, or None when nothing filled."""
        if self.executed_quantity <= _ZERO:
            return None
        return self.quote_amount / self.executed_quantity

    @property
    def fees(self) -> tuple[Fee, ...]:
        """Fees summed per asset, in the order the assets first appear."""
        totals: dict[str, Decimal] = {}
        for fill in self.fills:
            totals[fill.commission_asset] = totals.get(fill.commission_asset, _ZERO) + fill.commission
        return tuple(Fee(asset, amount) for asset, amount in totals.items())

    def advanced(self, now: datetime, **changes: object) -> TradeRecord:
        """A copy with ``changes``, the next version and ``updated_at = now``."""
        return replace(self, updated_at=now, version=self.version + 1, **changes)  # type: ignore[arg-type]

    def with_order(self, result: OrderResult, now: datetime) -> TradeRecord:
        """The trade as the exchange's answer about its order says it is now. Fills the exchange
        did not itemise (a query answer) keep those already known."""
        return self.advanced(
            now,
            status=trade_status_of(result.status, result.executed_qty),
            exchange_order_id=result.order_id,
            executed_quantity=result.executed_qty,
            quote_amount=result.cumulative_quote_qty,
            fills=result.fills or self.fills,
            reason=None if result.status is not OrderStatus.REJECTED else (self.reason or "rejected by the exchange"),
        )


@dataclass(frozen=True)
class TradeQuery:
    """A page of a user's trades, newest first. ``cursor`` is the opaque value a previous page gave."""

    symbol: str | None = None
    status: TradeStatus | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class TradePage:
    trades: tuple[TradeRecord, ...]
    next_cursor: str | None  # None on the last page
