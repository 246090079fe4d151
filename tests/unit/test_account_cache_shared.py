"""The account cache on the ServiceStateTable (moto): two container instances, each bootstrapped on
its own, share one entry; an invalidation on one is seen by the other; amounts round-trip exactly;
the refresh window is one per user across instances; entries end with ACCOUNT_CACHE_SECONDS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.support.account_fakes import FakeExchange, FakeExchanges, FakeMarket, balance
from tests.support.auth import FakeClock, create_service_state_table
from tradecore.adapters.aws.account_cache import DynamoAccountCache
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.accounts import AccountSnapshot, Network
from tradecore.domain.users import Principal, Role
from tradecore.errors import RateLimitedError
from tradecore.services.accounts.account_view import ViewSource

TABLE = "unit-account-cache"
USER = Principal(user_id="u-1", role=Role.TRADER, token_id="t-1", issued_at=0.0, expires_at=0)


@pytest.fixture
def instances(
    aws: None, make_settings: Callable[..., Settings]
) -> tuple[Container, Container, FakeExchange, FakeClock]:
    create_service_state_table(table_name=TABLE)
    clock = FakeClock()
    exchange = FakeExchange({"USDT": balance("USDT", "100.000000010"), "BTC": balance("BTC", "0.00012345", "1E-8")})
    settings = make_settings(service_state_table=TABLE)

    def instance() -> Container:
        return bootstrap(
            settings,
            clock=clock,
            account_exchanges=FakeExchanges({"u-1": exchange}),
            exchange=FakeMarket({"BTCUSDT": "43210.987654321"}),
        )

    return instance(), instance(), exchange, clock


def test_two_instances_share_one_cache_entry_and_an_invalidation(instances) -> None:
    first, second, exchange, _ = instances
    fresh = first.account_service.view(USER)
    from_other = second.account_service.view(USER)
    assert (fresh.source, from_other.source, exchange.reads) == (ViewSource.EXCHANGE, ViewSource.CACHE, 1)
    assert from_other.snapshot == fresh.snapshot  # Decimals and the instant, exactly

    exchange.balances = {"USDT": balance("USDT", "1")}
    second.account_service.invalidate("u-1")
    after = first.account_service.view(USER)
    assert (after.source, after.snapshot.equity_usdt) == (ViewSource.EXCHANGE, Decimal("1"))


def test_a_cached_entry_ends_after_account_cache_seconds(instances) -> None:
    first, second, _, clock = instances
    first.account_service.view(USER)
    clock.advance(first.settings.account_cache_seconds - 1)
    assert second.account_service.view(USER).source is ViewSource.CACHE
    clock.advance(1)
    assert second.account_service.view(USER).source is ViewSource.EXCHANGE


def test_one_refresh_per_window_across_instances(instances) -> None:
    first, second, _, clock = instances
    assert first.account_service.view(USER, refresh=True).source is ViewSource.EXCHANGE
    with pytest.raises(RateLimitedError) as refused:
        second.account_service.view(USER, refresh=True)
    assert refused.value.retry_after == first.settings.account_refresh_seconds
    clock.advance(first.settings.account_refresh_seconds)
    assert second.account_service.view(USER, refresh=True).source is ViewSource.EXCHANGE


def test_amounts_round_trip_exactly_even_past_a_float(aws: None) -> None:
    create_service_state_table(table_name=TABLE)
    clock = FakeClock()
    cache = DynamoAccountCache(TABLE, "us-east-1", clock=clock)
    exact = Decimal("12345678901234567.000000000000000001")  # 35 digits: a float keeps ~17
    snapshot = AccountSnapshot(
        {"ETH": balance("ETH", str(exact), "0.10")},
        exact,
        datetime.fromtimestamp(clock(), UTC),
        Network.SIMULATOR,
        ("XYZ",),
    )
    cache.put("u-1", snapshot, ttl_seconds=300)
    assert cache.get("u-1") == snapshot
    assert cache.get("u-2") is None
