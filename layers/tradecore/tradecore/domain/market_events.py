"""What the exchange's market streams say, in domain terms: a trade's price, a candle's state, the
top of the order book, and that a connection (re)opened.

The stream adapter turns Binance's ``trade``, ``kline`` and partial book depth payloads into these;
the stream worker never sees a vendor dict. Times are epoch milliseconds, as the exchange sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradecore.domain.orders import Kline


@dataclass(frozen=True)
class PriceTick:
    """The last traded price of ``symbol`` at ``time_ms`` (the trade's time)."""

    symbol: str
    price: Decimal
    time_ms: int


@dataclass(frozen=True)
class CandleTick:
    """The state of one candle of ``symbol`` on ``interval`` as of ``time_ms``; ``closed`` once final."""

    symbol: str
    interval: str
    candle: Kline
    closed: bool
    time_ms: int

    def to_json(self) -> dict[str, Any]:
        """The ``candle_update`` message's data (decimals as strings: exact)."""
        k = self.candle
        return {
            "symbol": self.symbol, "interval": self.interval, "open_time": k.open_time, "close_time": k.close_time,
            "open": str(k.open), "high": str(k.high), "low": str(k.low), "close": str(k.close),
            "volume": str(k.volume), "quote_volume": str(k.quote_volume), "trades": k.trades, "closed": self.closed,
        }  # fmt: skip


BookLevel = tuple[Decimal, Decimal]  # price, quantity


@dataclass(frozen=True)
class BookTick:
    """The best ``bids`` (highest first) and ``asks`` (lowest first) of ``symbol`` as of the book's
    ``update_id`` (which only grows, so it orders snapshots)."""

    symbol: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    update_id: int

    def to_json(self) -> dict[str, Any]:
        """The ``book_update`` message's data (prices and quantities as strings: exact)."""
        return {
            "symbol": self.symbol, "last_update_id": self.update_id,
            "bids": [[str(price), str(qty)] for price, qty in self.bids],
            "asks": [[str(price), str(qty)] for price, qty in self.asks],
        }  # fmt: skip


@dataclass(frozen=True)
class StreamConnected:
    """A connection to the exchange's streams has just opened: anything that closed while the previous
    one was down was not streamed, and must be fetched."""


MarketEvent = PriceTick | CandleTick | BookTick | StreamConnected
