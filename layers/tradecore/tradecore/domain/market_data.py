"""Market data a user may ask for: which candles and which prices, checked against the platform's
symbols, and what identifies a request (the key of the cache every instance shares).

Pure rules, no I/O: a bad request raises ``InvalidInputError`` naming the field, before anything
leaves for the exchange.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# the intervals without numpy (domain.candles imports it): every trade function's cold start pays for
# this module, and a test keeps CANDLE_INTERVALS equal to candles.TIMEFRAME_MS
from tradecore.domain.realtime import CANDLE_INTERVALS
from tradecore.errors import InvalidInputError

MAX_CANDLES = 1000  # Binance's own cap per klines request
DEFAULT_CANDLES = 500


@dataclass(frozen=True)
class CandleQuery:
    """``limit`` candles of ``symbol`` on ``interval``, oldest first, the last one opening at or before
    ``end_time`` (epoch ms) when given, else the newest (still open) one."""

    symbol: str
    interval: str
    limit: int = DEFAULT_CANDLES
    end_time: int | None = None

    @property
    def key(self) -> str:
        """Two requests with the same key get the same candles (the shared cache's key)."""
        return f"{self.symbol}|{self.interval}|{self.limit}|{'' if self.end_time is None else self.end_time}"


def check_symbol(platform_symbols: Sequence[str], symbol: str, *, field: str = "symbol") -> str:
    """``symbol`` if the platform trades it; ``InvalidInputError`` naming ``field`` otherwise."""
    if symbol not in platform_symbols:
        raise InvalidInputError(
            f"{field}: {symbol!r} is not one of the platform's symbols ({', '.join(platform_symbols)})",
            details={"field": field},
        )
    return symbol


def check_interval(interval: str, *, field: str = "interval") -> str:
    """``interval`` if it is a Binance kline interval; ``InvalidInputError`` naming ``field`` otherwise."""
    if interval not in CANDLE_INTERVALS:
        raise InvalidInputError(
            f"{field}: {interval!r} is not a kline interval ({', '.join(sorted(CANDLE_INTERVALS))})",
            details={"field": field},
        )
    return interval


def candle_query(
    platform_symbols: Sequence[str],
    symbol: str,
    interval: str,
    limit: int = DEFAULT_CANDLES,
    end_time: int | None = None,
) -> CandleQuery:
    """A checked :class:`CandleQuery`; ``InvalidInputError`` names the first bad field."""
    check_symbol(platform_symbols, symbol)
    check_interval(interval)
    if not 1 <= limit <= MAX_CANDLES:
        raise InvalidInputError(f"limit: between 1 and {MAX_CANDLES}", details={"field": "limit"})
    if end_time is not None and end_time < 0:
        raise InvalidInputError("end_time: epoch milliseconds, not negative", details={"field": "end_time"})
    return CandleQuery(symbol, interval, limit, end_time)


def price_symbols(platform_symbols: Sequence[str], asked: str | None) -> tuple[str, ...]:
    """The symbols of a ``symbols=A,B`` query, sorted and without repeats (every platform symbol when
    none is asked), so the same set is one cache entry whatever its order."""
    if asked is None or not asked.strip():
        return tuple(sorted(set(platform_symbols)))
    names = {name.strip() for name in asked.split(",")}
    if "" in names:
        raise InvalidInputError("symbols: a comma-separated list of symbols, none empty", details={"field": "symbols"})
    return tuple(sorted(check_symbol(platform_symbols, name, field="symbols") for name in names))
