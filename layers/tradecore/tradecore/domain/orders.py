"""Orders, fills, balances and market data as the exchange port speaks them.

Plain frozen dataclasses with Decimal money; no I/O, no vendor formats (the Binance adapter maps
its JSON to and from these). The enums hold every value Binance documents, because an account can
hold orders placed elsewhere (the Binance app, another bot) and reading them must never fail.
Requests refuse non-finite amounts (NaN, Infinity) when built: Decimal accepts them, but any
comparison or rounding on them raises ``decimal.InvalidOperation``, which would surface as a 500.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from tradecore.errors import InvalidInputError


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    """Binance's order types. STOP_LOSS and TAKE_PROFIT become MARKET orders when triggered; we
    never place them, but orders placed elsewhere may be of those types."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    LIMIT_MAKER = "LIMIT_MAKER"
    STOP_LOSS = "STOP_LOSS"
    STOP_LOSS_LIMIT = "STOP_LOSS_LIMIT"
    TAKE_PROFIT = "TAKE_PROFIT"
    TAKE_PROFIT_LIMIT = "TAKE_PROFIT_LIMIT"

    @property
    def has_limit_price(self) -> bool:
        return self not in (OrderType.MARKET, OrderType.STOP_LOSS, OrderType.TAKE_PROFIT)

    @property
    def has_stop_price(self) -> bool:
        return self.value.startswith(("STOP_LOSS", "TAKE_PROFIT"))


class TimeInForce(StrEnum):
    GTC = "GTC"  # good till cancelled: the rest of the order waits on the book
    IOC = "IOC"  # immediate or cancel: fill what can be filled now, cancel the rest
    FOK = "FOK"  # fill or kill: fill everything now or nothing


class OrderStatus(StrEnum):
    """Binance's order statuses. PENDING_NEW is an order-list leg waiting for its working order to
    fill; PENDING_CANCEL is documented as unused. Both are still live, so both count as open."""

    NEW = "NEW"
    PENDING_NEW = "PENDING_NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    PENDING_CANCEL = "PENDING_CANCEL"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    EXPIRED_IN_MATCH = "EXPIRED_IN_MATCH"

    @property
    def is_open(self) -> bool:
        """Not final: it may still fill or be cancelled."""
        return self in (
            OrderStatus.NEW,
            OrderStatus.PENDING_NEW,
            OrderStatus.PARTIALLY_FILLED,
            OrderStatus.PENDING_CANCEL,
        )


def require_finite_decimals(instance: object) -> None:
    """Raise :class:`InvalidInputError` naming the first Decimal field that is NaN or infinite."""
    for item in fields(instance):  # type: ignore[arg-type]
        value = getattr(instance, item.name)
        if isinstance(value, Decimal) and not value.is_finite():
            raise InvalidInputError(f"{item.name} must be a finite number", details={"field": item.name})


@dataclass(frozen=True)
class SymbolRules:
    """The exchange's filters for one symbol (PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, NOTIONAL).

    A zero in a bound or step disables that rule, as on Binance (its MARKET_LOT_SIZE usually has
    step 0 and its own, smaller ``maxQty``). ``market_*`` are None when the symbol has no
    MARKET_LOT_SIZE filter. Each NOTIONAL bound applies to MARKET orders only under its own flag.
    """

    symbol: str
    base_asset: str
    quote_asset: str
    tick_size: Decimal
    min_price: Decimal
    max_price: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    max_notional: Decimal | None = None
    apply_min_notional_to_market: bool = True
    apply_max_notional_to_market: bool = False
    market_step_size: Decimal | None = None
    market_min_qty: Decimal | None = None
    market_max_qty: Decimal | None = None
    status: str = "TRADING"


@dataclass(frozen=True)
class OrderRequest:
    """What to place. ``quote_quantity`` (spend this much quote) is for MARKET orders only."""

    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal | None = None
    quote_quantity: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    client_order_id: str | None = None

    def __post_init__(self) -> None:
        require_finite_decimals(self)


@dataclass(frozen=True)
class Fill:
    price: Decimal
    quantity: Decimal
    commission: Decimal
    commission_asset: str
    trade_id: int | None = None


@dataclass(frozen=True)
class OrderResult:
    """The exchange's view of one order."""

    symbol: str
    order_id: int
    client_order_id: str
    status: OrderStatus
    side: Side
    type: OrderType
    price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    cumulative_quote_qty: Decimal
    time_in_force: TimeInForce | None = None
    stop_price: Decimal | None = None
    order_list_id: int = -1
    transact_time_ms: int | None = None
    fills: tuple[Fill, ...] = ()

    @property
    def average_price(self) -> Decimal | None:
        """Volume-weighted fill price, or None when nothing filled."""
        if not self.executed_qty:
            return None
        return self.cumulative_quote_qty / self.executed_qty


@dataclass(frozen=True)
class OcoRequest:
    """A take-profit limit and a stop-loss limit on one quantity: one filling cancels the other.

    For a SELL the take-profit ``price`` is above the market and ``stop_price`` below it; a BUY
    mirrors that. ``client_key`` is the caller's idempotency key (required to place it): the list's
    and both legs' client ids are derived from it, so a retry finds the list instead of placing another.
    """

    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    stop_price: Decimal
    stop_limit_price: Decimal
    client_key: str | None = None

    def __post_init__(self) -> None:
        require_finite_decimals(self)


class OcoClientIds(NamedTuple):
    """The client ids of one OCO: the list's and each leg's."""

    list_id: str
    take_profit: str
    stop_loss: str


def oco_client_ids(client_key: str) -> OcoClientIds:
    """The ids an OCO placed under the caller's key gets: the same key always names the same list,
    so a retry finds it. Within Binance's ``^[a-zA-Z0-9-_]{1,36}$`` whatever the key: ``oco-``,
    28 hex digits of the key's SHA-256 (112 bits), and a suffix per role."""
    digest = hashlib.sha256(client_key.encode()).hexdigest()[:28]
    return OcoClientIds(f"oco-{digest}-ls", f"oco-{digest}-tp", f"oco-{digest}-sl")


class OrderListStatus(StrEnum):
    """An order list's ``listOrderStatus``."""

    EXECUTING = "EXECUTING"  # at least one leg is open
    ALL_DONE = "ALL_DONE"  # every leg has ended (filled, cancelled or expired)
    REJECT = "REJECT"


@dataclass(frozen=True)
class OrderListLeg:
    """One order of a list, as the list names it (its details come from the order itself)."""

    symbol: str
    order_id: int
    client_order_id: str


@dataclass(frozen=True)
class OcoResult:
    """An OCO order list. ``legs`` always names both orders; ``orders`` has their full state only
    when the exchange sent it (placing and cancelling do, a query of the list does not)."""

    order_list_id: int
    list_client_order_id: str
    list_status: OrderListStatus
    orders: tuple[OrderResult, ...] = field(default_factory=tuple)
    symbol: str = ""
    legs: tuple[OrderListLeg, ...] = field(default_factory=tuple)

    @property
    def is_open(self) -> bool:
        return self.list_status is OrderListStatus.EXECUTING


@dataclass(frozen=True)
class Balance:
    asset: str
    free: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


@dataclass(frozen=True)
class Kline:
    """One candle; times in epoch milliseconds, as the exchange sends them."""

    open_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    close_time: int
    quote_volume: Decimal
    trades: int


@dataclass(frozen=True)
class Trade:
    """One of the account's own fills (``myTrades``)."""

    symbol: str
    trade_id: int
    order_id: int
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    is_buyer: bool
    is_maker: bool
