"""A user's position in one symbol, built from their fills: quantity, average entry, PnL.

Pure Decimal maths, no I/O. The position is replayed from every fill, oldest first, with the
**average-cost method**: every coin held has cost the same, the average entry, so

- a BUY of ``q`` at ``p`` adds the coins received, ``q`` less the fee when the fee is paid in the
  base asset (Binance takes it out of what it delivers), and adds ``p * q`` to the cost, plus the
  fee when it is paid in the quote asset. The average entry is ``cost / quantity``: buying fees
  raise it, so the break-even price is honest.
- a SELL of ``q`` at ``p`` takes ``q`` out of the holding, plus the fee when it is paid in the base
  asset. It realizes ``(p - average) * q``, less the fee when it is paid in quote and less
  ``average * fee`` when it is paid in base (coins that had cost us that much). The cost shrinks in
  proportion, so a sell never moves the average entry.
- a sell down to nothing closes the position: the next buy starts a new average from scratch.
- a SELL beyond what the fills say is held (coins deposited, or bought before the account was
  connected) realizes nothing on the excess, because we do not know what it cost, and never drives
  the quantity below zero. Its fees are charged in proportion to the part we could match.
- fees paid in any other asset (BNB) are listed per asset in ``Position.fees`` but not valued:
  that would need a BNB price at each fill's time, which the fills do not carry.

``realized_pnl`` and ``fees`` cover every fill of the symbol (across closes and re-opens);
``quantity``, ``average_entry`` and ``opened_at`` describe the holding open now.

The proportional cost reduction (``cost * remaining / held``) rather than ``average * sold``
keeps Decimal rounding from drifting: the average after any sequence of fee-free fills stays
within the range of the prices bought at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from tradecore.domain.orders import Side
from tradecore.domain.trades import Fee, TradeRecord

_ZERO = Decimal(0)


@dataclass(frozen=True)
class PositionFill:
    """One execution as the position sees it. ``time`` orders the fills and dates the PnL a sell
    realized (the daily loss limit reads it)."""

    side: Side
    price: Decimal
    quantity: Decimal
    commission: Decimal
    commission_asset: str
    time: datetime


def fills_of(trades: Iterable[TradeRecord]) -> list[PositionFill]:
    """Every executed fill of ``trades`` (all of one symbol), oldest trade first, each trade's fills
    in the exchange's order.

    A fill is dated with its trade's ``created_at``: the record carries no fill times, and
    ``updated_at`` moves whenever the record changes later (its protection, a reconciliation), which
    would re-date old PnL. A trade whose executed quantity the itemised fills do not cover (an
    order the exchange answered without fills, e.g. a query) gets the rest as one fill at the
    remaining average price, with no commission (none was reported). Raises ``ValueError`` for
    trades of several symbols: one position is one symbol.
    """
    ordered = sorted(trades, key=lambda trade: trade.created_at)
    if len({trade.symbol for trade in ordered}) > 1:
        raise ValueError("fills_of needs the trades of one symbol")
    return [fill for trade in ordered for fill in _trade_fills(trade)]


def _trade_fills(trade: TradeRecord) -> Iterator[PositionFill]:
    itemised_quantity = _ZERO
    itemised_quote = _ZERO
    for fill in trade.fills:
        if fill.quantity <= _ZERO:
            continue
        itemised_quantity += fill.quantity
        itemised_quote += fill.price * fill.quantity
        yield PositionFill(
            trade.side, fill.price, fill.quantity, fill.commission, fill.commission_asset, trade.created_at
        )
    rest = trade.executed_quantity - itemised_quantity
    if rest > _ZERO:
        rest_quote = trade.quote_amount - itemised_quote
        price = rest_quote / rest if rest_quote > _ZERO else trade.average_price
        if price is not None:
            yield PositionFill(trade.side, price, rest, _ZERO, trade.quote_asset, trade.created_at)


@dataclass(frozen=True)
class Position:
    """One symbol's holding and PnL in quote (see the module for the method). ``average_entry`` and
    ``opened_at`` are None when flat."""

    symbol: str
    base_asset: str
    quote_asset: str
    quantity: Decimal
    average_entry: Decimal | None
    realized_pnl: Decimal
    fees: tuple[Fee, ...] = ()
    opened_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.quantity > _ZERO

    def market_value(self, price: Decimal) -> Decimal:
        """What the holding is worth at ``price``, in quote."""
        return price * self.quantity

    def unrealized_pnl(self, price: Decimal) -> Decimal:
        """What selling the whole holding at ``price`` would realize before fees (0 when flat)."""
        if self.average_entry is None:
            return _ZERO
        return (price - self.average_entry) * self.quantity


@dataclass
class PositionBook:
    """The running state of one replay: the holding, its cost, and what has been realized."""

    base_asset: str
    quote_asset: str
    quantity: Decimal = _ZERO
    cost: Decimal = _ZERO
    realized: Decimal = _ZERO
    opened_at: datetime | None = None
    other_fees: dict[str, Decimal] = field(default_factory=dict)

    @property
    def average(self) -> Decimal | None:
        return self.cost / self.quantity if self.quantity > _ZERO else None

    def apply(self, fill: PositionFill) -> Decimal:
        """Apply one fill; the PnL it realized (0 for a buy)."""
        if fill.commission and fill.commission_asset not in (self.base_asset, self.quote_asset):
            self.other_fees[fill.commission_asset] = self.other_fees.get(fill.commission_asset, _ZERO) + fill.commission
        if fill.quantity <= _ZERO:
            return _ZERO
        if fill.side is Side.BUY:
            self._buy(fill)
            return _ZERO
        return self._sell(fill)

    def _fee_in(self, fill: PositionFill, asset: str) -> Decimal:
        return fill.commission if fill.commission_asset == asset else _ZERO

    def _buy(self, fill: PositionFill) -> None:
        if self.quantity <= _ZERO:
            self.opened_at = fill.time
        self.quantity += fill.quantity - self._fee_in(fill, self.base_asset)
        self.cost += fill.price * fill.quantity + self._fee_in(fill, self.quote_asset)
        if self.quantity <= _ZERO:  # a fee as large as the fill: nothing was received
            self._close()

    def _sell(self, fill: PositionFill) -> Decimal:
        held, average = self.quantity, self.average
        if average is None:  # nothing held by our fills: the coins came from elsewhere
            return _ZERO
        matched = min(fill.quantity, held)
        share = matched / fill.quantity  # the fees of the part we could match
        realized = (fill.price - average) * matched
        realized -= self._fee_in(fill, self.quote_asset) * share
        realized -= average * self._fee_in(fill, self.base_asset) * share
        remaining = held - fill.quantity - self._fee_in(fill, self.base_asset)
        if remaining <= _ZERO:
            self._close()
        else:
            self.cost = self.cost * remaining / held
            self.quantity = remaining
        self.realized += realized
        return realized

    def _close(self) -> None:
        self.quantity, self.cost, self.opened_at = _ZERO, _ZERO, None

    def position(self, symbol: str) -> Position:
        fees = tuple(Fee(asset, amount) for asset, amount in self.other_fees.items())
        return Position(
            symbol, self.base_asset, self.quote_asset, self.quantity, self.average, self.realized, fees, self.opened_at
        )


def build_position(symbol: str, base_asset: str, quote_asset: str, fills: Sequence[PositionFill]) -> Position:
    """The position the fills (oldest first, as :func:`fills_of` gives them) leave."""
    book = PositionBook(base_asset, quote_asset)
    for fill in fills:
        book.apply(fill)
    return book.position(symbol)


def realized_between(
    symbol: str, base_asset: str, quote_asset: str, fills: Sequence[PositionFill], start: datetime, end: datetime
) -> Decimal:
    """The PnL realized by the sells dated in ``[start, end)``: every fill is replayed (the average a
    sell realizes against comes from the buys before it), only the window's sells are summed.
    The daily loss limit reads today's. (``symbol`` only names the position, as in
    :func:`build_position`; the replay needs the assets.)"""
    book = PositionBook(base_asset, quote_asset)
    total = _ZERO
    for fill in fills:
        realized = book.apply(fill)
        if start <= fill.time < end:
            total += realized
    return total
