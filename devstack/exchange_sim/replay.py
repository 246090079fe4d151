"""Replay of real history from Binance's public kline CSV files (data.binance.vision).

Columns: open_time, open, high, low, close, volume, close_time, quote_volume, count,
taker_buy_volume, taker_buy_quote_volume, ignore. Times are milliseconds (microseconds in newer
spot files; both are accepted). The rows are re-timed so that row ``history`` starts at the
simulator's "now": earlier rows become history, later rows are played tick by tick along an
open → high/low → low/high → close path, so replayed candles keep the file's OHLC.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class KlineRow:
    open_time: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    close_time: int
    quote_volume: float
    count: int
    taker_buy_volume: float
    taker_buy_quote_volume: float


def load_kline_csv(path: Path) -> list[KlineRow]:
    """Rows of a Binance kline CSV (a header line, if present, is skipped).

    Raises ``ValueError`` when a row is malformed or the times are not increasing.
    """
    rows: list[KlineRow] = []
    with path.open(newline="") as handle:
        for record in csv.reader(handle):
            if not record or not record[0].strip().isdigit():
                continue
            open_time, close_time = int(record[0]), int(record[6])
            if open_time > 10**14:  # microseconds
                open_time, close_time = open_time // 1000, close_time // 1000
            row = KlineRow(
                open_time, float(record[1]), float(record[2]), float(record[3]), float(record[4]),
                float(record[5]), close_time, float(record[7]), int(record[8]), float(record[9]), float(record[10]),
            )  # fmt: skip
            if rows and row.open_time <= rows[-1].open_time:
                raise ValueError(f"{path}: open times must increase (row {len(rows) + 1})")
            rows.append(row)
    if not rows:
        raise ValueError(f"{path}: no kline rows")
    return rows


class ReplaySource:
    """Prices along the file's candles, re-timed so row ``history`` opens at ``anchor_ms``."""

    def __init__(self, rows: list[KlineRow], anchor_ms: int, history: int | None = None) -> None:
        self.rows = rows
        self.interval_ms = rows[1].open_time - rows[0].open_time if len(rows) > 1 else 60_000
        self.history = len(rows) // 2 if history is None else min(history, len(rows))
        start = anchor_ms - anchor_ms % self.interval_ms
        self.shift = start - rows[self.history].open_time if self.history < len(rows) else 0
        if self.history >= len(rows):
            self.shift = start - (rows[-1].open_time + self.interval_ms)

    def history_rows(self) -> list[KlineRow]:
        """The rows before the anchor, re-timed (candles the simulator starts with)."""
        return [self._shifted(row) for row in self.rows[: self.history]]

    def _shifted(self, row: KlineRow) -> KlineRow:
        return KlineRow(
            row.open_time + self.shift, row.open, row.high, row.low, row.close, row.volume,
            row.close_time + self.shift, row.quote_volume, row.count, row.taker_buy_volume, row.taker_buy_quote_volume,
        )  # fmt: skip

    def price_at(self, t_ms: int, tick_ms: int) -> tuple[float, float] | None:
        """``(price, quantity)`` of the tick at ``t_ms``, or None past the end of the file."""
        index = (t_ms - self.shift - self.rows[0].open_time) // self.interval_ms
        if index < 0 or index >= len(self.rows):
            return None
        row = self.rows[index]
        ticks = max(4, self.interval_ms // tick_ms)
        position = min(ticks - 1, (t_ms - self.shift - row.open_time) // tick_ms)
        # bullish candles go down first then up (O, L, H, C), bearish ones the other way round
        path = (
            (row.open, row.low, row.high, row.close)
            if row.close >= row.open
            else (row.open, row.high, row.low, row.close)
        )
        last = ticks - 1
        vertices = (0, last // 3, 2 * last // 3, last)  # whole ticks, so the extremes print exactly
        leg = 0 if position <= vertices[1] else 1 if position <= vertices[2] else 2
        span = max(1, vertices[leg + 1] - vertices[leg])
        frac = (position - vertices[leg]) / span
        price = path[leg] + (path[leg + 1] - path[leg]) * frac
        return price, row.volume / ticks
