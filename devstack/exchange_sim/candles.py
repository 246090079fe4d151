"""Candles for every Binance interval, built from the same ticks the trade stream sends.

A candle is a list ``[open_time, open, high, low, close, volume, close_time, quote_volume,
trades, taker_buy_volume, taker_buy_quote_volume, first_trade_id, last_trade_id]`` (floats and
ints; formatted to Binance strings only on the way out).
"""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from typing import Any

_MIN = 60_000
FIXED_INTERVALS_MS: dict[str, int] = {
    "1s": 1000,
    "1m": _MIN,
    "3m": 3 * _MIN,
    "5m": 5 * _MIN,
    "15m": 15 * _MIN,
    "30m": 30 * _MIN,
    "1h": 60 * _MIN,
    "2h": 120 * _MIN,
    "4h": 240 * _MIN,
    "6h": 360 * _MIN,
    "8h": 480 * _MIN,
    "12h": 720 * _MIN,
    "1d": 1440 * _MIN,
    "3d": 3 * 1440 * _MIN,
    "1w": 7 * 1440 * _MIN,
}
INTERVALS: tuple[str, ...] = (*FIXED_INTERVALS_MS, "1M")
_MONDAY_OFFSET_MS = 4 * 1440 * _MIN  # 1970-01-01 was a Thursday; Binance weeks start on Monday
MAX_CANDLES = 1500

OPEN_TIME, OPEN, HIGH, LOW, CLOSE, VOLUME, CLOSE_TIME, QUOTE_VOLUME, COUNT, TAKER_VOL, TAKER_QUOTE = range(11)
FIRST_ID, LAST_ID = 11, 12


def bucket(interval: str, t_ms: int) -> tuple[int, int]:
    """``(open_time, next_open_time)`` of the ``interval`` candle containing ``t_ms`` (UTC)."""
    if interval == "1M":
        moment = datetime.fromtimestamp(t_ms / 1000, UTC)
        month_start = datetime(moment.year, moment.month, 1, tzinfo=UTC)
        month_end = datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1, tzinfo=UTC)
        return int(month_start.timestamp() * 1000), int(month_end.timestamp() * 1000)
    size = FIXED_INTERVALS_MS[interval]
    offset = _MONDAY_OFFSET_MS if interval == "1w" else 0
    start = t_ms - ((t_ms - offset) % size)
    return start, start + size


class CandleSeries:
    """Closed candles plus the one in progress, for one symbol and interval."""

    __slots__ = ("closed", "current", "end", "interval")

    def __init__(self, interval: str) -> None:
        self.interval = interval
        self.closed: deque[list[Any]] = deque(maxlen=MAX_CANDLES)
        self.current: list[Any] | None = None
        self.end = 0

    def _roll(self, t_ms: int, price: float) -> list[Any]:
        if self.current is not None:
            self.closed.append(self.current)
        start, self.end = bucket(self.interval, t_ms)
        self.current = [start, price, price, price, price, 0.0, self.end - 1, 0.0, 0, 0.0, 0.0, -1, -1]
        return self.current

    def add_trade(self, t_ms: int, price: float, qty: float, taker_buy: bool, trade_id: int) -> bool:
        """Fold one trade in; True when it opened a new candle (the previous one closed)."""
        candle = self.current
        rolled = candle is None or t_ms >= self.end
        if rolled:
            candle = self._roll(t_ms, price)
            candle[FIRST_ID] = trade_id
        assert candle is not None  # noqa: S101 - set by _roll
        if price > candle[HIGH]:
            candle[HIGH] = price
        if price < candle[LOW]:
            candle[LOW] = price
        candle[CLOSE] = price
        candle[VOLUME] += qty
        candle[QUOTE_VOLUME] += qty * price
        candle[COUNT] += 1
        candle[LAST_ID] = trade_id
        if taker_buy:
            candle[TAKER_VOL] += qty
            candle[TAKER_QUOTE] += qty * price
        return rolled

    def fold_candles(self, sources: list[list[Any]]) -> None:
        """Fold finer closed candles in, oldest first (how history is built from its steps).

        One tight loop rather than a call per candle: start-up folds ~100,000 of them.
        """
        interval, closed, current, end = self.interval, self.closed, self.current, self.end
        for source in sources:
            if current is None or source[OPEN_TIME] >= end:
                if current is not None:
                    closed.append(current)
                start, end = bucket(interval, source[OPEN_TIME])
                current = list(source)
                current[OPEN_TIME], current[CLOSE_TIME] = start, end - 1
                continue
            if source[HIGH] > current[HIGH]:
                current[HIGH] = source[HIGH]
            if source[LOW] < current[LOW]:
                current[LOW] = source[LOW]
            current[CLOSE] = source[CLOSE]
            current[VOLUME] += source[VOLUME]
            current[QUOTE_VOLUME] += source[QUOTE_VOLUME]
            current[COUNT] += source[COUNT]
            current[TAKER_VOL] += source[TAKER_VOL]
            current[TAKER_QUOTE] += source[TAKER_QUOTE]
            current[LAST_ID] = source[LAST_ID]
        self.current, self.end = current, end

    def select(self, start: int | None, end: int | None, limit: int) -> list[list[Any]]:
        """Candles by open time within [start, end], oldest first, at most ``limit``.

        Without ``start`` the most recent ``limit`` are returned, as Binance does.
        """
        rows = list(self.closed)
        if self.current is not None:
            rows.append(self.current)
        if start is not None:
            rows = [row for row in rows if row[OPEN_TIME] >= start]
        if end is not None:
            rows = [row for row in rows if row[OPEN_TIME] <= end]
        return rows[:limit] if start is not None else rows[-limit:]
