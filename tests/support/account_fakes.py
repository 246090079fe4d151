"""In-memory fakes of the account view's collaborators: users' exchanges, the market-data prices,
and the shared cache with its refresh window (on the test's clock)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tests.support.auth import FakeClock
from tradecore.domain.accounts import AccountSnapshot
from tradecore.domain.orders import Balance
from tradecore.domain.service_state import WindowCount
from tradecore.errors import ConflictError, DependencyUnavailableError

NO_CONNECTION = "connect an exchange account first: PUT /api/exchange/connection"


def balance(asset: str, free: str, locked: str = "0") -> Balance:
    return Balance(asset, Decimal(free), Decimal(locked))


class FakeExchange:
    def __init__(self, balances: dict[str, Balance]) -> None:
        self.balances = balances
        self.reads = 0

    def get_balances(self) -> dict[str, Balance]:
        self.reads += 1
        return dict(self.balances)


class FakeMarket:
    def __init__(self, prices: dict[str, str]) -> None:
        self.prices = {symbol: Decimal(price) for symbol, price in prices.items()}

    def get_prices(self, symbols: list[str] | None = None) -> dict[str, Decimal]:
        return dict(self.prices)


@dataclass
class FakeExchanges:
    accounts: dict[str, FakeExchange] = field(default_factory=dict)

    def exchange_for(self, user_id: str) -> FakeExchange:
        if user_id not in self.accounts:
            raise ConflictError(NO_CONNECTION)
        return self.accounts[user_id]


class FakeCache:
    """The shared cache and the refresh window in memory, on the test's clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.items: dict[str, tuple[AccountSnapshot, float]] = {}
        self.windows: dict[str, float] = {}
        self.down = False

    def get(self, user_id: str) -> AccountSnapshot | None:
        if self.down:
            raise DependencyUnavailableError("dynamodb down", dependency="dynamodb")
        snapshot, expires = self.items.get(user_id, (None, 0.0))
        return snapshot if expires > self.clock() else None

    def put(self, user_id: str, snapshot: AccountSnapshot, *, ttl_seconds: int) -> None:
        if self.down:
            raise DependencyUnavailableError("dynamodb down", dependency="dynamodb")
        self.items[user_id] = (snapshot, self.clock() + ttl_seconds)

    def invalidate(self, user_id: str) -> None:
        if self.down:
            raise DependencyUnavailableError("dynamodb down", dependency="dynamodb")
        self.items.pop(user_id, None)

    def acquire_refresh(self, user_id: str, *, window_seconds: int, now: float) -> WindowCount:
        started = self.windows.get(user_id)
        if started is not None and started > now - window_seconds:
            return WindowCount(1, started, granted=False)
        self.windows[user_id] = now
        return WindowCount(1, now)
