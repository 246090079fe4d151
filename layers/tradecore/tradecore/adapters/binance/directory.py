"""Exchange clients per account: a user's orders and balances always go through a client signed with
that user's own key pair, never the operator's, and public market data through one shared client.

A python-binance client holds an HTTP session (its connection pool and TLS state), so building one
per request would reconnect every time: clients are kept in a bounded LRU cache per container,
keyed by the whole key pair, so a user who replaces a secret (or a wrong secret tried while
connecting) never reaches an old client. ``MAX_ACCOUNT_CLIENTS`` bounds the memory a busy container
spends on them; an evicted client is simply built again on the next use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from cachetools import LRUCache

from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.config import Settings
from tradecore.domain.accounts import ApiCredentials
from tradecore.ports.exchange import Exchange

MAX_ACCOUNT_CLIENTS = 64


class BinanceExchangeDirectory:
    """The :class:`~tradecore.ports.ExchangeDirectory` on python-binance, on the deployment's network."""

    def __init__(
        self,
        settings: Settings,
        market_data: Exchange,
        *,
        max_clients: int = MAX_ACCOUNT_CLIENTS,
        build: Callable[[ApiCredentials], Exchange] | None = None,
    ) -> None:
        self._market_data = market_data
        self._build = build or (lambda credentials: BinanceExchange(settings, credentials=credentials))
        self._clients: LRUCache[ApiCredentials, Exchange] = LRUCache(maxsize=max_clients)
        self._lock = threading.Lock()  # LRUCache is not thread-safe, and the stream task has threads

    def for_account(self, credentials: ApiCredentials) -> Exchange:
        """The client of the account ``credentials`` open (built on first use, then reused)."""
        with self._lock:
            client = self._clients.get(credentials)
            if client is None:
                client = self._clients[credentials] = self._build(credentials)
            return client

    def market_data(self) -> Exchange:
        """The one shared client for public data (prices, symbols, candles): no user trades on it."""
        return self._market_data
