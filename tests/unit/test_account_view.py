"""The account view service on fakes: cache hit and miss, refresh through the cache and its rate
limit, equity maths in Decimal, and the 409 of a user without an exchange connection."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.account_fakes import FakeCache, FakeExchange, FakeExchanges, FakeMarket, balance
from tests.support.auth import FakeClock
from tradecore.domain.accounts import AccountSnapshot, Network, TradingMode
from tradecore.domain.orders import Balance
from tradecore.domain.users import Principal, Role
from tradecore.errors import ConflictError, ExchangeAuthError, RateLimitedError
from tradecore.services.accounts.account_view import AccountService, ViewSource, equity_in_usdt


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def world(clock: FakeClock) -> tuple[AccountService, FakeExchanges, FakeCache, FakeMarket]:
    exchanges = FakeExchanges()
    cache = FakeCache(clock)
    market = FakeMarket({"BTCUSDT": "50000.10", "ETHUSDT": "3000"})
    service = AccountService(
        exchanges,
        cache,
        cache,
        lambda: market,
        network=Network.SIMULATOR,
        cache_seconds=300,
        refresh_seconds=10,
        clock=clock,
    )
    return service, exchanges, cache, market


def _user(user_id: str = "u1") -> Principal:
    return Principal(user_id=user_id, role=Role.TRADER, token_id="t-" + user_id, issued_at=0.0, expires_at=0)


def test_equity_values_each_asset_at_its_usdt_price_and_lists_the_unpriced() -> None:
    balances = {
        "USDT": balance("USDT", "100.05", "0.95"),
        "BTC": balance("BTC", "0.1", "0.00000001"),
        "XYZ": balance("XYZ", "5"),
    }
    equity, unpriced = equity_in_usdt(balances, {"BTCUSDT": Decimal("50000.10")})
    # 101 + 0.10000001 * 50000.10 = 101 + 5000.010500001 (exact: a float would lose the last digit)
    assert equity == Decimal("5101.010500001")
    assert unpriced == ("XYZ",)


def test_account_view_reads_the_exchange_on_a_miss_and_drops_zero_balances(world, clock) -> None:
    service, exchanges, _, _ = world
    exchanges.accounts["u1"] = FakeExchange(
        {"USDT": balance("USDT", "1000"), "ETH": balance("ETH", "0.5", "0.25"), "BNB": balance("BNB", "0")}
    )
    view = service.view(_user(), refresh=False)
    assert view.source is ViewSource.EXCHANGE
    assert view.mode is TradingMode.PAPER
    assert set(view.snapshot.balances) == {"USDT", "ETH"}
    assert view.snapshot.equity_usdt == Decimal("3250")
    assert view.snapshot.as_of.timestamp() == clock()


def test_account_view_answers_from_the_cache_until_it_expires(world, clock) -> None:
    service, exchanges, _, _ = world
    exchange = exchanges.accounts.setdefault("u1", FakeExchange({"USDT": balance("USDT", "10")}))
    service.view(_user())
    exchange.balances = {"USDT": balance("USDT", "20")}
    clock.advance(299)
    cached = service.view(_user())
    assert (cached.source, cached.snapshot.equity_usdt, exchange.reads) == (ViewSource.CACHE, Decimal("10"), 1)
    clock.advance(2)
    fresh = service.view(_user())
    assert (fresh.source, fresh.snapshot.equity_usdt, exchange.reads) == (ViewSource.EXCHANGE, Decimal("20"), 2)


def test_account_view_invalidate_makes_the_next_view_read_the_exchange(world) -> None:
    service, exchanges, _, _ = world
    exchange = exchanges.accounts.setdefault("u1", FakeExchange({"USDT": balance("USDT", "10")}))
    service.view(_user())
    exchange.balances = {"USDT": balance("USDT", "7")}
    service.invalidate("u1")
    assert service.view(_user()).snapshot.equity_usdt == Decimal("7")


def test_account_view_refresh_reads_through_a_fresh_cache_then_is_rate_limited(world, clock) -> None:
    service, exchanges, _, _ = world
    exchange = exchanges.accounts.setdefault("u1", FakeExchange({"USDT": balance("USDT", "10")}))
    service.view(_user())
    exchange.balances = {"USDT": balance("USDT", "11")}
    refreshed = service.view(_user(), refresh=True)
    assert (refreshed.source, refreshed.snapshot.equity_usdt) == (ViewSource.EXCHANGE, Decimal("11"))
    clock.advance(3)
    with pytest.raises(RateLimitedError) as refused:
        service.view(_user(), refresh=True)
    assert refused.value.retry_after == 7
    assert exchange.reads == 2
    # the cache still answers, and another user's refresh is not limited by this one's
    assert service.view(_user()).source is ViewSource.CACHE
    exchanges.accounts["u2"] = FakeExchange({"USDT": balance("USDT", "1")})
    assert service.view(_user("u2"), refresh=True).snapshot.equity_usdt == Decimal("1")
    clock.advance(7)
    assert service.view(_user(), refresh=True).source is ViewSource.EXCHANGE


def test_account_view_without_a_connection_is_a_conflict_that_says_how_to_connect(world) -> None:
    service, _, _, _ = world
    with pytest.raises(ConflictError, match="PUT /api/exchange/connection"):
        service.view(_user())


def test_account_view_each_user_sees_only_their_own_account(world) -> None:
    service, exchanges, _, _ = world
    exchanges.accounts["u1"] = FakeExchange({"USDT": balance("USDT", "1")})
    exchanges.accounts["u2"] = FakeExchange({"BTC": balance("BTC", "2")})
    service.view(_user("u1"))
    assert set(service.view(_user("u2")).snapshot.balances) == {"BTC"}
    assert set(service.view(_user("u1")).snapshot.balances) == {"USDT"}


def test_account_view_still_answers_from_the_exchange_when_the_cache_is_down(world) -> None:
    service, exchanges, cache, _ = world
    exchanges.accounts["u1"] = FakeExchange({"USDT": balance("USDT", "5")})
    cache.down = True
    assert service.view(_user()).source is ViewSource.EXCHANGE


def test_account_view_ignores_a_snapshot_of_another_network(world) -> None:
    service, exchanges, cache, _ = world
    exchanges.accounts["u1"] = FakeExchange({"USDT": balance("USDT", "5")})
    stale = AccountSnapshot({}, Decimal("999"), service.view(_user()).snapshot.as_of, Network.TESTNET)
    cache.put("u1", stale, ttl_seconds=300)
    assert service.view(_user()).snapshot.equity_usdt == Decimal("5")


def test_account_view_a_refused_key_is_a_conflict_naming_the_fix_and_nothing_is_cached(world) -> None:
    service, exchanges, cache, _ = world

    class RevokedKey(FakeExchange):
        def get_balances(self) -> dict[str, Balance]:
            raise ExchangeAuthError(reason="API-key format invalid.")

    exchanges.accounts["u1"] = RevokedKey({})
    with pytest.raises(ConflictError, match="PUT /api/exchange/connection"):
        service.view(_user())
    assert cache.items == {}
