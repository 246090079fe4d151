"""Market data every instance shares: candles and prices kept for a short while (the spec's 30 s),
so a burst of dashboards asking the same thing costs the exchange one request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from tradecore.domain.market_data import CandleQuery
from tradecore.domain.orders import Kline


class MarketDataCache(Protocol):
    """Candles and prices by request, with a time to live (the ServiceStateTable in AWS).

    Reads answer ``None`` for a miss, an expired entry or one this code cannot read. ``put_*``
    answers False when the entry is too large to keep (it is not kept). Raises
    ``DependencyUnavailableError`` when the store cannot be reached.
    """

    def candles(self, query: CandleQuery) -> list[Kline] | None: ...
    def put_candles(self, query: CandleQuery, klines: Sequence[Kline], *, ttl_seconds: int) -> bool: ...
    def prices(self, symbols: tuple[str, ...]) -> dict[str, Decimal] | None: ...
    def put_prices(self, symbols: tuple[str, ...], prices: Mapping[str, Decimal], *, ttl_seconds: int) -> bool: ...
