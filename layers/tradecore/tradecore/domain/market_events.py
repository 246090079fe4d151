"""What the exchange's market streams say, in domain terms: a trade's price and a candle's state.

The stream adapter turns Binance's ``trade`` and ``kline`` payloads into these; the stream worker
never sees a vendor dict. Times are epoch milliseconds, as the exchange sends them.
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


MarketEvent = PriceTick | CandleTick
