"""Candles and prices for the dashboard, through a cache every instance shares (the spec's 30 s).

A burst of users opening the same chart costs the exchange one request per cache period. The cache
is an optimisation only: when it cannot be read or written the exchange answers (and a too-large
entry is simply not kept); when the exchange is down a cached answer still serves, else
``DependencyUnavailableError`` (503).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from tradecore.domain.market_data import candle_query, price_symbols
from tradecore.domain.orders import Kline
from tradecore.errors import DependencyUnavailableError
from tradecore.observability import logger
from tradecore.ports import Exchange
from tradecore.ports.market import MarketDataCache

_T = TypeVar("_T")


class MarketData:
    def __init__(
        self, symbols: tuple[str, ...], market: Callable[[], Exchange], cache: MarketDataCache, *, ttl_seconds: int
    ) -> None:
        self._symbols = symbols
        self._market = market  # public market data only: never a user's key
        self._cache = cache
        self._ttl = ttl_seconds

    def candles(self, symbol: str, interval: str, limit: int, end_time: int | None = None) -> list[Kline]:
        """``limit`` candles, oldest first. ``InvalidInputError`` naming the field for a symbol the
        platform does not trade, an unknown interval or a limit outside 1..1000."""
        query = candle_query(self._symbols, symbol, interval, limit, end_time)
        cached = self._quietly("read", lambda: self._cache.candles(query))
        if cached is not None:
            return cached
        klines = self._market().get_klines(query.symbol, query.interval, query.limit, end_ms=query.end_time)
        if self._ttl > 0:
            self._quietly("write", lambda: self._cache.put_candles(query, klines, ttl_seconds=self._ttl))
        return klines

    def prices(self, symbols: str | None = None) -> dict[str, Decimal]:
        """Last prices of ``symbols`` (``"A,B"``; every platform symbol when ``None``)."""
        wanted = price_symbols(self._symbols, symbols)
        cached = self._quietly("read", lambda: self._cache.prices(wanted))
        if cached is not None:
            return cached
        prices = self._market().get_prices(list(wanted))
        if self._ttl > 0:
            self._quietly("write", lambda: self._cache.put_prices(wanted, prices, ttl_seconds=self._ttl))
        return prices

    @staticmethod
    def _quietly(action: str, call: Callable[[], _T]) -> _T | None:
        try:
            return call()
        except DependencyUnavailableError as exc:
            logger.warning("market data cache unavailable", extra={"action": action, "error": exc.message})
            return None
