"""Deep, reproducible history: at least ``depth`` candles of every interval up to 1d at start.

Drawing 1,000 days of 1-minute candles would take minutes and gigabytes, and only the last
1,000 minutes of them could ever be served. So the path is drawn at the coarsest resolution each
stretch of time needs: the oldest days (where only 1d candles are kept) one day per step, then
12h, 4h, 2h, ... steps as finer intervals begin, down to 1-minute steps for the most recent
stretch. Every coarser candle is folded from these steps, so wherever two intervals both have
candles, the coarse one is exactly the aggregate of the fine ones (a 4h candle is its four 1h
candles). Each step's high and low are drawn from the distribution of a Brownian bridge's extremes
between its open and close, so candles keep realistic wicks without drawing the path inside them.

The path is drawn from the seeded :class:`PriceProcess` and then scaled so that it ends at the
given price: the same seed and end time give the same history, and the live market continues
from its last close.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any

from devstack.exchange_sim import candles as cdl
from devstack.exchange_sim.pricing import YEAR_MS, PriceProcess

DAY_MS = 86_400_000
# The intervals guaranteed ``depth`` candles; each divides a day, so day boundaries align them all.
DEEP_INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d")
TRADES_PER_MINUTE = 40
_VOLUME_NOISE = 0.25  # lognormal sigma of a step's volume around its expectation


@dataclass(frozen=True)
class Segment:
    """``[start, end)`` drawn in steps of ``step_ms``."""

    start: int
    end: int
    step_ms: int


@dataclass(frozen=True, slots=True)
class Step:
    """One drawn step, not yet scaled: open time, length, OHLC and base volume."""

    open_time: int
    length_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float


def plan(end_ms: int, depth: int, minute_depth: int | None = None) -> list[Segment]:
    """Segments, oldest first and ending at ``end_ms`` (a whole minute), in which every interval of
    :data:`DEEP_INTERVALS` has at least ``depth`` whole candles (1m: ``minute_depth``, default
    ``depth``) before the one its last step lands in (the one the live market goes on with).

    A segment's step is the greatest common divisor of the intervals running in it, so its steps
    fold whole into every one of them. A finer interval begins on the first step boundary at or
    before the time it needs (its first candle may be partial: :func:`fold` drops it).
    """
    if end_ms % 60_000:
        raise ValueError(f"end_ms must be a whole minute, got {end_ms}")
    wanted = []
    for interval in DEEP_INTERVALS:
        size = cdl.FIXED_INTERVALS_MS[interval]
        count = minute_depth if interval == "1m" and minute_depth is not None else depth
        last_open = (end_ms - 1) - (end_ms - 1) % size  # the candle the last step lands in
        wanted.append((last_open - max(1, count) * size, size))
    wanted.sort()
    segments: list[Segment] = []
    begin, step = wanted[0]
    for start, size in wanted[1:]:
        finer = math.gcd(step, size)
        if finer == step:
            continue  # the running step already folds into this interval
        boundary = max(begin, start - start % step)
        if boundary > begin:
            segments.append(Segment(begin, boundary, step))
        begin, step = boundary, finer
    segments.append(Segment(begin, end_ms, step))
    return segments


def clip(segments: list[Segment], end_ms: int) -> list[Segment]:
    """``segments`` cut to end at ``end_ms`` (or the last whole step before it)."""
    clipped = []
    for segment in segments:
        if segment.start >= end_ms:
            break
        whole = (min(segment.end, end_ms) - segment.start) // segment.step_ms * segment.step_ms
        if whole:
            clipped.append(Segment(segment.start, segment.start + whole, segment.step_ms))
    return clipped


def draw(process: PriceProcess, segments: list[Segment], qty_per_minute: float) -> list[Step]:
    """The path along ``segments``, one :class:`Step` per step, from ``process`` (advanced)."""
    steps = []
    for segment in segments:
        for open_time in range(segment.start, segment.end, segment.step_ms):
            steps.append(_step(process, open_time, segment.step_ms, qty_per_minute))
    return steps


def _step(process: PriceProcess, open_time: int, length_ms: int, qty_per_minute: float) -> Step:
    rng = process.rng
    first = process.price
    last = process.step(length_ms)
    sigma = process.volatility()
    variance = sigma * sigma * length_ms / YEAR_MS
    a, b = math.log(first), math.log(last)
    middle, half = (a + b) / 2, (b - a) / 2
    # P(max >= m) of a Brownian bridge from a to b is exp(-2 (m - a)(m - b) / variance): invert it
    high = math.exp(middle + math.sqrt(half * half - variance * math.log(1.0 - rng.random()) / 2))
    low = math.exp(middle - math.sqrt(half * half - variance * math.log(1.0 - rng.random()) / 2))
    noise = math.exp(_VOLUME_NOISE * rng.gauss(0.0, 1.0) - _VOLUME_NOISE**2 / 2)
    volume = qty_per_minute * length_ms / 60_000 * (sigma / process.base_vol) * noise
    return Step(open_time, length_ms, first, high, low, last, volume)


def to_candles(steps: list[Step], end_price: float, places: int, first_trade_id: int) -> list[list[Any]]:
    """``steps`` scaled so the last close is ``end_price``, on the ``places`` price grid, as candles
    (see :mod:`candles`) with consecutive trade ids from ``first_trade_id``."""
    if not steps:
        return []
    scale = end_price / steps[-1].close
    tick = 10.0**-places
    candles = []
    next_id = first_trade_id
    for step in steps:
        o, c = round(step.open * scale, places), round(step.close * scale, places)
        h = max(round(step.high * scale, places), o, c)
        low = max(min(round(step.low * scale, places), o, c), tick)
        count = TRADES_PER_MINUTE * step.length_ms // 60_000
        volume = step.volume
        taker = volume / 2
        mid = (o + c) / 2
        t = step.open_time
        candles.append(
            [t, o, h, low, c, volume, t + step.length_ms - 1, volume * mid, count, taker, taker * mid, next_id,
             next_id + count - 1]
        )  # fmt: skip
        next_id += count
    return candles


def folds_into(interval: str, step_ms: int) -> bool:
    """Whether candles of ``step_ms`` fold whole into ``interval`` candles (1s never: it is live only)."""
    if interval == "1s":
        return False
    return interval == "1M" or cdl.FIXED_INTERVALS_MS[interval] % step_ms == 0


def fold(series: cdl.CandleSeries, past: list[list[Any]]) -> None:
    """Fold into ``series`` the candles of ``past`` (oldest first, steps never growing) that fold
    whole into its interval; its first candle is dropped when it began before them."""
    interval = series.interval
    first = bisect.bisect_left(past, True, key=lambda candle: folds_into(interval, _length(candle)))
    if first == len(past):
        return
    series.fold_candles(past[first:])
    if series.closed and series.closed[0][cdl.OPEN_TIME] < past[first][cdl.OPEN_TIME]:
        series.closed.popleft()


def _length(candle: list[Any]) -> int:
    return int(candle[cdl.CLOSE_TIME]) + 1 - int(candle[cdl.OPEN_TIME])
