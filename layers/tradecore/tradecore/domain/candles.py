"""Candles: the known timeframes and the rules a candle series must follow before analysis.

A series is held as numpy arrays (one per field) because every consumer is vectorised (TA-Lib,
the checks below). Checks name the offending field the way the request spelled it, for example
``timeframes.4h[12].high``, so a 422 tells the caller exactly what to fix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradecore.errors import InvalidInputError

_MINUTE_MS = 60_000
# Binance's kline intervals and their length in milliseconds ("1M" is nominal: 30 days).
TIMEFRAME_MS: dict[str, int] = {
    "1m": _MINUTE_MS,
    "3m": 3 * _MINUTE_MS,
    "5m": 5 * _MINUTE_MS,
    "15m": 15 * _MINUTE_MS,
    "30m": 30 * _MINUTE_MS,
    "1h": 60 * _MINUTE_MS,
    "2h": 120 * _MINUTE_MS,
    "4h": 240 * _MINUTE_MS,
    "6h": 360 * _MINUTE_MS,
    "8h": 480 * _MINUTE_MS,
    "12h": 720 * _MINUTE_MS,
    "1d": 1440 * _MINUTE_MS,
    "3d": 3 * 1440 * _MINUTE_MS,
    "1w": 7 * 1440 * _MINUTE_MS,
    "1M": 30 * 1440 * _MINUTE_MS,
}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class CandleSeries:
    """One timeframe's candles, oldest first; ``open_time`` in epoch milliseconds."""

    timeframe: str
    open_time: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return int(self.open_time.shape[0])

    @property
    def last_open_time(self) -> int:
        return int(self.open_time[-1])

    def last_closed_index(self, now_ms: int) -> int:
        """Index of the newest candle that has closed by ``now_ms`` (the series' last if none has)."""
        length = TIMEFRAME_MS[self.timeframe]
        closed = np.flatnonzero(self.open_time + length <= now_ms)
        return int(closed[-1]) if closed.size else len(self) - 1

    def last_closed_open_time(self, now_ms: int) -> int:
        """Open time of the newest candle that has closed by ``now_ms`` (the series' last if none has)."""
        return int(self.open_time[self.last_closed_index(now_ms)])

    def candle(self, index: int) -> tuple[int, float, float, float, float, float]:
        """Candle ``index`` as (open_time, open, high, low, close, volume)."""
        return (
            int(self.open_time[index]),
            float(self.open[index]),
            float(self.high[index]),
            float(self.low[index]),
            float(self.close[index]),
            float(self.volume[index]),
        )

    def closed(self, now_ms: int) -> CandleSeries:
        """The candles up to the newest one closed by ``now_ms`` (all of them if none has closed).

        Drops the still-open candle (and anything dated after it); the arrays are views, not copies.
        """
        end = self.last_closed_index(now_ms) + 1
        return CandleSeries(
            self.timeframe,
            self.open_time[:end],
            self.open[:end],
            self.high[:end],
            self.low[:end],
            self.close[:end],
            self.volume[:end],
        )

    def fingerprint(self) -> bytes:
        """A hash of every candle's values: equal only for identical series (indicator and analysis keys).

        The count goes first so the six arrays' bytes cannot shift into one another between lengths.
        """
        digest = hashlib.blake2b(len(self).to_bytes(8, "little"), digest_size=16)
        for array in (self.open_time, self.open, self.high, self.low, self.close, self.volume):
            digest.update(array.tobytes())
        return digest.digest()

    def recent(self, count: int) -> list[tuple[int, float, float, float, float, float]]:
        """The last ``count`` candles as plain tuples (for prompts and logs)."""
        return [self.candle(i) for i in range(max(0, len(self) - count), len(self))]


def check_timeframe(timeframe: str, field: str) -> None:
    """Raise :class:`InvalidInputError` naming ``field`` unless ``timeframe`` is a known interval."""
    if timeframe not in TIMEFRAME_MS:
        raise InvalidInputError(
            f"{field}: unknown timeframe {timeframe!r}; expected one of {', '.join(TIMEFRAME_MS)}",
            details={"field": field},
        )


def check_symbol(symbol: str, known: Sequence[str], field: str = "symbol") -> None:
    """Raise :class:`InvalidInputError` unless ``symbol`` is one the platform trades."""
    if symbol not in known:
        raise InvalidInputError(
            f"{field}: unknown symbol {symbol!r}; expected one of {', '.join(known)}", details={"field": field}
        )


def _first_bad(mask: npt.NDArray[np.bool_]) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _fail(field: str, index: int, problem: str, attribute: str = "") -> InvalidInputError:
    location = f"{field}[{index}]" + (f".{attribute}" if attribute else "")
    return InvalidInputError(f"{location}: {problem}", details={"field": location})


def build_series(timeframe: str, rows: FloatArray, *, field: str, min_candles: int) -> CandleSeries:
    """Validate candles and return them as a series; raise :class:`InvalidInputError` naming the field.

    ``rows`` is an ``(n, 6)`` array of open_time (ms), open, high, low, close, volume, oldest
    first; ``timeframe`` must already be checked (:func:`check_timeframe`). Rejected: fewer than
    ``min_candles`` rows, open times not strictly increasing (duplicates and disorder are told
    apart), non-finite or non-positive prices, high below low or not bracketing open/close, and
    negative volume.
    """
    if rows.ndim != 2 or rows.shape[0] < min_candles:
        count = rows.shape[0] if rows.ndim == 2 else 0
        raise InvalidInputError(
            f"{field}: {count} candles given; at least {min_candles} are needed for the indicators",
            details={"field": field},
        )
    open_time = rows[:, 0].astype(np.int64)
    steps = np.diff(open_time)
    if (index := _first_bad(steps == 0)) is not None:
        raise _fail(field, index + 1, "duplicated open_time", "open_time")
    if (index := _first_bad(steps < 0)) is not None:
        raise _fail(field, index + 1, "out of order (candles must be oldest first)", "open_time")
    prices = rows[:, 1:5]
    if (index := _first_bad(~np.isfinite(rows).all(axis=1))) is not None:
        raise _fail(field, index, "values must be finite numbers")
    if (index := _first_bad((prices <= 0).any(axis=1))) is not None:
        raise _fail(field, index, "prices must be positive")
    open_, high, low, close, volume = (np.ascontiguousarray(rows[:, col]) for col in range(1, 6))
    if (index := _first_bad(high < low)) is not None:
        raise _fail(field, index, "high is below low", "high")
    if (index := _first_bad((high < np.maximum(open_, close)) | (low > np.minimum(open_, close)))) is not None:
        raise _fail(field, index, "high/low do not bracket open and close", "high")
    if (index := _first_bad(volume < 0)) is not None:
        raise _fail(field, index, "volume is negative", "volume")
    return CandleSeries(timeframe, open_time, open_, high, low, close, volume)
