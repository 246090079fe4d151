"""The simulated market: per-symbol prices, trades and candles, advanced tick by tick.

Every ``tick_ms`` of market time each symbol prints one trade (from the seeded price process,
or from a replayed kline file); the trade feeds every interval's candles, so candles always
agree with the trade stream. ``Market.advance_to`` is the only way time moves forward.

Before the first tick each symbol gets deep history (:mod:`history`): at least
``history_candles`` candles of every interval up to 1d (1m: ``history_minutes``), ending at
the symbol's start price (or where a replayed file begins), so charts and analyses have data the
moment the simulator is up. The first tick continues the last candle of every interval.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from devstack.exchange_sim import candles as cdl
from devstack.exchange_sim import history
from devstack.exchange_sim.pricing import PriceProcess
from devstack.exchange_sim.replay import ReplaySource
from devstack.exchange_sim.symbols import SymbolSpec

HISTORY_MINUTES = 1500  # of 1-minute candles, as many as a series keeps
HISTORY_CANDLES = 1000  # of every other interval up to 1d (1,000 days of 1d candles)


@dataclass(slots=True)
class TradeTick:
    symbol: str
    trade_id: int
    time_ms: int
    price: float
    qty: float
    buyer_is_maker: bool
    closed: list[tuple[str, list[Any]]]  # (interval, candle) pairs this tick closed


class SymbolMarket:
    """One symbol's last price, recent trades and candles."""

    def __init__(self, spec: SymbolSpec, seed: int, replay: ReplaySource | None = None) -> None:
        self.spec = spec
        self.rng = random.Random(f"{seed}:{spec.symbol}")  # str seeds are stable across runs
        self.process = PriceProcess(spec.start_price, spec.annual_volatility, self.rng)
        self.replay = replay
        self.series = {interval: cdl.CandleSeries(interval) for interval in cdl.INTERVALS}
        self.trades: deque[TradeTick] = deque(maxlen=1000)
        self.next_trade_id = 1
        self.typical_qty = spec.depth_qty * 0.05
        self._tick_places = spec.price_places
        self._last_decimal: tuple[float, Decimal] = (0.0, Decimal(0))

    @property
    def last_price(self) -> float:
        return self.trades[-1].price if self.trades else self.process.price

    def last_price_decimal(self) -> Decimal:
        """The last price on the tick grid, as a Decimal (cached per price)."""
        price = self.last_price
        if self._last_decimal[0] != price:
            self._last_decimal = (price, Decimal(f"{price:.{self._tick_places}f}"))
        return self._last_decimal[1]

    def backfill(self, end_ms: int, minutes: int = HISTORY_MINUTES, candles: int = HISTORY_CANDLES) -> None:
        """Create the history ending at the last whole minute before ``end_ms``: ``minutes`` 1-minute
        candles and ``candles`` of every other interval up to 1d, generated, then the replayed
        file's rows before its anchor (the generated part ending at the file's first open)."""
        end = cdl.bucket("1m", end_ms)[0]
        replayed = self.replay.history_rows() if self.replay is not None else []
        segments = history.plan(end, candles, minutes)
        end_price = self.spec.start_price
        if replayed:
            segments = history.clip(segments, replayed[0].open_time)
            end_price = replayed[0].open
        steps = history.draw(self.process, segments, self.typical_qty * history.TRADES_PER_MINUTE)
        generated = history.to_candles(steps, end_price, self._tick_places, self.next_trade_id)
        if generated:
            self.next_trade_id = generated[-1][cdl.LAST_ID] + 1
        rows = [self._candle(r.open_time, r.open, r.high, r.low, r.close, r.volume) for r in replayed]
        past = generated + rows
        for series in self.series.values():
            history.fold(series, past)
        if past:
            self.process.price = past[-1][cdl.CLOSE]

    def _candle(self, t: int, o: float, h: float, low: float, c: float, volume: float) -> list[Any]:
        first = self.next_trade_id
        count = 40
        self.next_trade_id += count
        mid = (o + c) / 2
        taker = volume * 0.5
        return [t, o, h, low, c, volume, t + 59_999, volume * mid, count, taker, taker * mid, first, first + count - 1]

    def tick(self, t_ms: int, dt_ms: int, price: float | None = None) -> TradeTick:
        """Print one trade at ``t_ms`` (at ``price`` when given, else from the model)."""
        qty = None
        if price is None and self.replay is not None:
            replayed = self.replay.price_at(t_ms, dt_ms)
            if replayed is not None:
                price, qty = replayed
                self.process.price = price
        if price is None:
            previous = self.process.price
            price = self.process.step(dt_ms)
            buyer_is_maker = price < previous
        else:
            buyer_is_maker = price < self.last_price
            self.process.price = price
        price = round(price, self._tick_places)
        qty = round(qty if qty is not None else self.process.trade_size(self.typical_qty), self.spec.qty_places)
        qty = max(qty, float(self.spec.min_qty))
        trade = TradeTick(self.spec.symbol, self.next_trade_id, t_ms, price, qty, buyer_is_maker, [])
        self.next_trade_id += 1
        for interval, series in self.series.items():
            previous_candle = series.current
            if series.add_trade(t_ms, price, qty, not buyer_is_maker, trade.trade_id) and previous_candle is not None:
                trade.closed.append((interval, previous_candle))
        self.trades.append(trade)
        return trade


class Market:
    """All symbols, moved forward together; listeners hear every tick."""

    def __init__(
        self,
        specs: dict[str, SymbolSpec],
        seed: int,
        tick_ms: int,
        start_ms: int,
        replays: dict[str, ReplaySource] | None = None,
        history_minutes: int = HISTORY_MINUTES,
        history_candles: int = HISTORY_CANDLES,
    ) -> None:
        self.tick_ms = tick_ms
        self.time_ms = start_ms
        self.symbols = {name: SymbolMarket(spec, seed, (replays or {}).get(name)) for name, spec in specs.items()}
        for market in self.symbols.values():
            market.backfill(start_ms, history_minutes, history_candles)
        self.listeners: list[Callable[[TradeTick], None]] = []

    def advance_to(self, t_ms: int) -> int:
        """Print every tick due up to ``t_ms``; returns how many ticks per symbol."""
        count = 0
        while self.time_ms + self.tick_ms <= t_ms:
            self.time_ms += self.tick_ms
            count += 1
            for market in self.symbols.values():
                self._emit(market.tick(self.time_ms, self.tick_ms))
        return count

    def set_price(self, symbol: str, price: float) -> TradeTick:
        """Print one trade at ``price`` now (tests use it to cross resting orders)."""
        trade = self.symbols[symbol].tick(self.time_ms, self.tick_ms, price)
        self._emit(trade)
        return trade

    def _emit(self, trade: TradeTick) -> None:
        for listener in self.listeners:
            listener(trade)
