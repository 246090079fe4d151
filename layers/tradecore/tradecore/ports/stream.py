"""The stream worker's ports: the exchange's live market events, users' own account events, and
the heartbeat health reads.

All hide their vendor: the market stream is python-binance's combined socket, the user data streams
Binance's WebSocket API (both reconnecting on their own), the heartbeat an item in the ServiceStateTable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Protocol

from tradecore.domain.accounts import ApiCredentials
from tradecore.domain.market_events import MarketEvent
from tradecore.domain.orders import Kline
from tradecore.domain.user_events import UserEvent


class MarketStream(Protocol):
    """Live trades and candles of ``symbols`` on ``intervals``, for as long as the caller reads.

    The iterator reconnects by itself (exponential back-off with jitter) and never ends while the
    caller reads; cancelling the reading task closes the connection.
    """

    def events(self, symbols: Sequence[str], intervals: Sequence[str]) -> AsyncIterator[MarketEvent]: ...


class UserDataStream(Protocol):
    """Order and balance events of many users' exchange accounts, each tagged with its user id.

    ``set_accounts`` says which accounts to follow (user id -> their key pair); the stream subscribes
    new ones, drops removed ones and retries refused ones on the next call. ``events`` reconnects by
    itself (back-off with jitter, every account subscribed again) and never ends while the caller reads.
    """

    def set_accounts(self, accounts: Mapping[str, ApiCredentials]) -> None: ...
    def events(self) -> AsyncIterator[UserEvent]: ...


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
