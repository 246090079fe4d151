"""The account view: a user's balances and their equity in USDT, from a cache every instance shares.

A read of the exchange costs request weight on the user's own Binance key, so the snapshot is kept
in the shared cache (``ACCOUNT_CACHE_SECONDS``, 5 minutes) and dropped by trades and syncs through
:meth:`AccountService.invalidate`. ``refresh=True`` reads through the cache, at most once per
``ACCOUNT_REFRESH_SECONDS`` per user on all instances together (429 with Retry-After otherwise);
the stream task's 30 s sync (:meth:`AccountService.sync`) reads through it without using that slot.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from tradecore.domain.accounts import AccountSnapshot, Network, TradingMode
from tradecore.domain.orders import Balance
from tradecore.domain.service_state import WindowCount
from tradecore.domain.users import Principal
from tradecore.errors import ConflictError, DependencyUnavailableError, ExchangeAuthError, RateLimitedError
from tradecore.observability import logger
from tradecore.ports.accounts import AccountCache
from tradecore.ports.exchange import Exchange

QUOTE = "USDT"


class AccountExchanges(Protocol):
    """The exchange client of a user's own account (the connection service)."""

    def exchange_for(self, user_id: str) -> Exchange:
        """``ConflictError`` (409) when the user has no exchange connection yet."""
        ...


class MarketPrices(Protocol):
    """Public last prices by symbol (the shared market-data client)."""

    def get_prices(self, symbols: list[str] | None = None) -> dict[str, Decimal]: ...


class RefreshWindow(Protocol):
    """One slot per user per window, shared by every instance (the ServiceStateTable)."""

    def acquire_refresh(self, user_id: str, *, window_seconds: int, now: float) -> WindowCount: ...


class ViewSource(StrEnum):
    CACHE = "cache"
    EXCHANGE = "exchange"


@dataclass(frozen=True)
class AccountView:
    snapshot: AccountSnapshot
    source: ViewSource

    @property
    def mode(self) -> TradingMode:
        return self.snapshot.network.mode


def held(balances: Mapping[str, Balance]) -> dict[str, Balance]:
    """The balances with something in them (an exchange lists every asset it knows, mostly zeros)."""
    return {asset: balance for asset, balance in sorted(balances.items()) if balance.total != 0}


def equity_in_usdt(balances: Mapping[str, Balance], prices: Mapping[str, Decimal]) -> tuple[Decimal, tuple[str, ...]]:
    """Free plus locked of every asset at its ``<ASSET>USDT`` last price (USDT itself 1:1), and the
    assets without a USDT market, which count 0 (so the sum is then a lower bound)."""
    equity, unpriced = Decimal(0), []
    for asset, balance in sorted(balances.items()):
        if asset == QUOTE:
            equity += balance.total
        elif (price := prices.get(asset + QUOTE)) is not None:
            equity += balance.total * price
        elif balance.total != 0:
            unpriced.append(asset)
    return equity, tuple(unpriced)


class AccountService:
    """The account view of the calling user, and the cache invalidation trades and syncs call."""

    def __init__(
        self,
        exchanges: AccountExchanges,
        cache: AccountCache,
        refresh_window: RefreshWindow,
        market_prices: Callable[[], MarketPrices],
        *,
        network: Network,
        cache_seconds: int,
        refresh_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._exchanges = exchanges
        self._cache = cache
        self._refresh_window = refresh_window
        self._market_prices = market_prices  # called per read: the client is built on first use
        self._network = network
        self._cache_seconds = cache_seconds
        self._refresh_seconds = refresh_seconds
        self._clock = clock

    def view(self, principal: Principal, *, refresh: bool = False) -> AccountView:
        """The caller's own account: from the cache unless ``refresh`` or nothing is cached.

        Raises ``ConflictError`` (no connection yet, or the exchange refuses the user's key),
        ``RateLimitedError`` (refresh too soon), ``DependencyUnavailableError`` (the exchange cannot
        be read).
        """
        user_id = principal.user_id
        if not refresh and (cached := self._cached(user_id)) is not None:
            return AccountView(cached, ViewSource.CACHE)
        exchange = self._exchanges.exchange_for(user_id)
        if refresh:
            self._take_refresh_slot(user_id)
        return self._read(user_id, exchange)

    def sync(self, user_id: str) -> AccountView:
        """The user's account read from the exchange and cached, for the stream task's periodic sync.

        Takes no refresh slot: the platform's own cadence must not use up the user's manual
        ``refresh=true``. Raises as :meth:`view` does, except ``RateLimitedError``.
        """
        return self._read(user_id, self._exchanges.exchange_for(user_id))

    def _read(self, user_id: str, exchange: Exchange) -> AccountView:
        try:
            balances = held(exchange.get_balances())
        except ExchangeAuthError as exc:  # the user's key, not the platform's: theirs to replace (4xx)
            raise ConflictError(
                "The exchange refused your API key (revoked, expired or for another network): "
                "connect a new one with PUT /api/exchange/connection"
            ) from exc
        equity, unpriced = equity_in_usdt(balances, self._market_prices().get_prices())
        as_of = datetime.fromtimestamp(self._clock(), UTC)
        snapshot = AccountSnapshot(balances, equity, as_of, self._network, unpriced)
        try:
            self._cache.put(user_id, snapshot, ttl_seconds=self._cache_seconds)
        except DependencyUnavailableError as exc:
            logger.warning("account cache unavailable; answering uncached", extra={"reason": exc.message})
        return AccountView(snapshot, ViewSource.EXCHANGE)

    def invalidate(self, user_id: str) -> None:
        """Drop the user's cached snapshot on every instance (after a trade or a sync)."""
        self._cache.invalidate(user_id)

    def _cached(self, user_id: str) -> AccountSnapshot | None:
        try:
            snapshot = self._cache.get(user_id)
        except DependencyUnavailableError as exc:  # the exchange can still answer
            logger.warning("account cache unavailable; reading the exchange", extra={"reason": exc.message})
            return None
        # a snapshot of another network (the deployment was switched) says nothing about this one
        return snapshot if snapshot is not None and snapshot.network is self._network else None

    def _take_refresh_slot(self, user_id: str) -> None:
        now = self._clock()
        slot = self._refresh_window.acquire_refresh(user_id, window_seconds=self._refresh_seconds, now=now)
        if not slot.granted:
            remaining = min(max(slot.window_started_at + self._refresh_seconds - now, 1), self._refresh_seconds)
            raise RateLimitedError(
                f"The account can be refreshed once every {self._refresh_seconds} s; try again shortly",
                retry_after=math.ceil(remaining),
            )
