"""A user's trading performance over a period ``[start, end)``, from their fills and current prices.

Pure Decimal maths, no I/O. Every fill of every symbol is replayed oldest first with the
average-cost method of :mod:`tradecore.domain.positions` (fills dated with their trade's
``created_at``), from the first fill ever, so a sell in the period realizes against the average of
every buy before it, in the period or not; fills at or after ``end`` are not replayed. Then:

- **realized PnL**: what the period's sells realized (their quote fees and, at cost, their base
  fees deducted; buying fees are in the average entry, so they reduce a later sale's PnL).
- **unrealized PnL**: the positions open at ``end``, at the prices given, before fees. None when an
  open position has no price (the exchange cannot say, or the period ends in the past and the
  prices of that moment are not kept); 0 when nothing is open.
- **fees**: ``quote_fees`` sums the period's fees paid in the symbols' quote asset (already in the
  PnL); ``other_fees`` lists the rest per asset: base-asset fees (in the PnL through the coins they
  took) and any other asset such as BNB (not valued, not in the PnL: that needs the asset's price
  at each fill's time).
- **trades**: the trades of the period with anything executed (a partially filled order is one
  trade, however many fills it had).
- **closed trades**: the period's sells that sold coins our fills hold (a round trip closes, fully
  or in part); a win when what the sell realized (all its fills) is > 0, a loss when < 0, even
  otherwise. A sell of coins the fills do not know (deposited) realizes nothing and closes nothing.
- **win rate**: wins / closed trades (0-1); None without closed trades.
- **profit factor**: gross profit (sum of wins) / gross loss (sum of losses, as a positive amount).
  None without closed trades; None with ``profit_factor_infinite`` when there are wins and no
  losses (never infinity); None when every closed trade broke even.
- **expectancy**: realized PnL / closed trades, the average a closed trade made; None without any.
- **max drawdown**: on the equity curve, the cumulative realized PnL after each of the period's
  fills, starting at 0, plus a last point with the unrealized PnL when it is known: the largest
  fall from a peak to a later trough, and that fall in percent of its peak when the peak is > 0
  (:mod:`tradecore.domain.equity_curve`).
- **daily series**: per UTC day, the realized PnL of that day's sells and the cumulative PnL since
  the period began, from the period's first day (or the first fill's, when later) to its last
  (``end``'s day, the injected clock's today for an open-ended period), days without sells at 0.

The per-symbol breakdown has a line for every symbol traded in the period or open at its end.
Totals, the curve and the series are in ``currency`` (USDT): a symbol quoted in another asset is
reported on its own line of the breakdown (in its quote asset) and left out of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tradecore.domain.equity_curve import DailyPnl, Drawdown, daily_series, max_drawdown
from tradecore.domain.orders import Side
from tradecore.domain.positions import PositionBook, fills_of  # the average-cost replay positions use
from tradecore.domain.trades import Fee, TradeRecord

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Period:
    """``[start, end)``; ``start`` None is from the first fill. Times are timezone-aware."""

    start: datetime | None
    end: datetime

    def __post_init__(self) -> None:
        if self.start is not None and self.start >= self.end:
            raise ValueError("a period starts before it ends")

    def contains(self, moment: datetime) -> bool:
        return (self.start is None or self.start <= moment) and moment < self.end


@dataclass(frozen=True)
class Figures:
    """The period's figures of one symbol, or of all symbols in the report's currency."""

    realized_pnl: Decimal = _ZERO
    quote_fees: Decimal = _ZERO
    other_fees: tuple[Fee, ...] = ()
    trades: int = 0
    closed_trades: int = 0
    wins: int = 0
    losses: int = 0
    gross_profit: Decimal = _ZERO
    gross_loss: Decimal = _ZERO  # a positive amount

    @property
    def win_rate(self) -> Decimal | None:
        return Decimal(self.wins) / self.closed_trades if self.closed_trades else None

    @property
    def profit_factor(self) -> Decimal | None:
        return self.gross_profit / self.gross_loss if self.gross_loss else None

    @property
    def profit_factor_infinite(self) -> bool:
        """Wins and no losses: the ratio is unbounded, reported as None with this flag."""
        return self.wins > 0 and self.losses == 0

    @property
    def expectancy(self) -> Decimal | None:
        return self.realized_pnl / self.closed_trades if self.closed_trades else None


@dataclass(frozen=True)
class SymbolPerformance:
    symbol: str
    base_asset: str
    quote_asset: str
    figures: Figures
    open_quantity: Decimal  # held at the period's end
    average_entry: Decimal | None
    unrealized_pnl: Decimal | None  # None: open, but no price
    in_totals: bool  # quoted in the report's currency


@dataclass(frozen=True)
class Performance:
    currency: str
    period: Period
    totals: Figures
    unrealized_pnl: Decimal | None
    per_symbol: tuple[SymbolPerformance, ...]
    drawdown: Drawdown
    daily: tuple[DailyPnl, ...]

    @property
    def total_pnl(self) -> Decimal | None:
        return None if self.unrealized_pnl is None else self.totals.realized_pnl + self.unrealized_pnl


@dataclass
class _Tally:
    """Figures being summed during the replay."""

    realized: Decimal = _ZERO
    quote_fees: Decimal = _ZERO
    other_fees: dict[str, Decimal] = field(default_factory=dict)
    trades: int = 0
    closed: int = 0
    wins: int = 0
    losses: int = 0
    profit: Decimal = _ZERO
    loss: Decimal = _ZERO

    def add_fee(self, asset: str, amount: Decimal, quote_asset: str) -> None:
        if not amount:
            return
        if asset == quote_asset:
            self.quote_fees += amount
        else:
            self.other_fees[asset] = self.other_fees.get(asset, _ZERO) + amount

    def add_trade(self, realized: Decimal, closed: bool) -> None:
        self.trades += 1
        self.realized += realized  # 0 unless the trade closed something
        if not closed:
            return
        self.closed += 1
        if realized > _ZERO:
            self.wins, self.profit = self.wins + 1, self.profit + realized
        elif realized < _ZERO:
            self.losses, self.loss = self.losses + 1, self.loss - realized

    def figures(self) -> Figures:
        fees = tuple(Fee(asset, amount) for asset, amount in self.other_fees.items())
        return Figures(self.realized, self.quote_fees, fees, self.trades, self.closed, self.wins, self.losses,
                       self.profit, self.loss)  # fmt: skip


@dataclass
class _Replay:
    """Every fill replayed once: one average-cost book per symbol, the tallies and the curve."""

    period: Period
    currency: str
    books: dict[str, PositionBook] = field(default_factory=dict)
    tallies: dict[str, _Tally] = field(default_factory=dict)
    total: _Tally = field(default_factory=_Tally)
    curve: list[Decimal] = field(default_factory=lambda: [_ZERO])
    by_day: dict[date, Decimal] = field(default_factory=dict)
    first_fill: datetime | None = None

    def apply(self, trade: TradeRecord) -> None:
        fills = fills_of([trade])
        if not fills:
            return
        self.first_fill = self.first_fill or trade.created_at
        book = self.books.setdefault(trade.symbol, PositionBook(trade.base_asset, trade.quote_asset))
        in_window, counted = self.period.contains(trade.created_at), trade.quote_asset == self.currency
        tallies = [self.tallies.setdefault(trade.symbol, _Tally())] + ([self.total] if counted else [])
        realized, closed = _ZERO, False
        for fill in fills:
            closed = closed or (fill.side is Side.SELL and book.average is not None)
            gained = book.apply(fill)
            if not in_window:
                continue
            realized += gained
            for tally in tallies:
                tally.add_fee(fill.commission_asset, fill.commission, trade.quote_asset)
            if counted:
                self.curve.append(self.curve[-1] + gained)
        if in_window:
            for tally in tallies:
                tally.add_trade(realized, closed)
            if counted:
                day = trade.created_at.astimezone(UTC).date()
                self.by_day[day] = self.by_day.get(day, _ZERO) + realized


def measure_performance(
    trades: Iterable[TradeRecord], prices: Mapping[str, Decimal] | None, period: Period, currency: str = "USDT"
) -> Performance:
    """The performance of ``trades`` (one user's, every symbol, any order) over ``period``, with
    open positions valued at ``prices`` (None: not known). See the module for each definition."""
    replay = _Replay(period, currency)
    for trade in sorted(trades, key=lambda t: t.created_at):
        if trade.created_at >= period.end:
            break
        replay.apply(trade)
    lines = (_symbol_line(replay, symbol, prices) for symbol in sorted(replay.books))
    per_symbol = tuple(line for line in lines if line.figures.trades or line.open_quantity)
    unrealized: Decimal | None = _ZERO
    for line in per_symbol:
        if line.in_totals:
            unrealized = None if unrealized is None or line.unrealized_pnl is None else unrealized + line.unrealized_pnl
    curve = replay.curve + ([replay.curve[-1] + unrealized] if unrealized is not None else [])
    return Performance(
        currency, period, replay.total.figures(), unrealized, per_symbol, max_drawdown(curve),
        tuple(daily_series(replay.by_day, _first_day(period, replay.first_fill), _last_day(period))),
    )  # fmt: skip


def _symbol_line(replay: _Replay, symbol: str, prices: Mapping[str, Decimal] | None) -> SymbolPerformance:
    book = replay.books[symbol]
    position = book.position(symbol)
    price = None if prices is None else prices.get(symbol)
    unrealized = _ZERO if not position.is_open else None if price is None else position.unrealized_pnl(price)
    return SymbolPerformance(
        symbol, book.base_asset, book.quote_asset, replay.tallies[symbol].figures(), position.quantity,
        position.average_entry, unrealized, book.quote_asset == replay.currency,
    )  # fmt: skip


def _first_day(period: Period, first_fill: datetime | None) -> date | None:
    if first_fill is None:
        return None
    first = first_fill.astimezone(UTC).date()
    return first if period.start is None else max(first, period.start.astimezone(UTC).date())


def _last_day(period: Period) -> date:
    return (period.end - timedelta(microseconds=1)).astimezone(UTC).date()
