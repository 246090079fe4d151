"""The stream worker's ports: the exchange's live market events, and the heartbeat health reads.

Both hide their vendor: the market stream is python-binance's combined socket (reconnecting on its
own), the heartbeat an item in the ServiceStateTable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from tradecore.domain.market_events import MarketEvent
from tradecore.domain.orders import Kline


class MarketStream(Protocol):
    """Live trades and candles of ``symbols`` on ``intervals``, for as long as the caller reads.

    The iterator reconnects by itself (exponential back-off with jitter) and never ends while the
    caller reads; cancelling the reading task closes the connection.
    """

    def events(self, symbols: Sequence[str], intervals: Sequence[str]) -> AsyncIterator[MarketEvent]: ...


class StreamHeartbeat(Protocol):
    """When the stream worker was last alive, for health checks on any instance."""

    def beat(self, component: str, at: float) -> None:
        """Record that ``component`` was alive at ``at`` (epoch seconds); ``DependencyUnavailableError``
        when the store is down."""
        ...

    def last_beat(self, component: str) -> float | None:
        """The last recorded instant, or ``None`` when none was recorded (or it expired)."""
        ...


class CandleHistory(Protocol):
    """Closed candles from the exchange (the :class:`~tradecore.ports.Exchange` port's read)."""

    def get_klines(
        self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[Kline]: ...
