"""Market data for users: the request rules (pure), the shared cache on the ServiceStateTable (moto,
keyed by the request, 30 s on an injected clock, exact Decimals, nothing over 350 KB kept), and the
service over it (one exchange call per cache period across instances; a cached answer while the
exchange is down; the exchange while the cache is down)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from tests.support.auth import FakeClock, create_service_state_table
from tests.support.klines import make_klines
from tests.support.market_fakes import FakeMarketData
from tradecore.adapters.aws.market_cache import DynamoMarketDataCache
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.market_data import CandleQuery, candle_query, price_symbols
from tradecore.errors import DependencyUnavailableError, InvalidInputError

TABLE = "unit-market-cache"
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")


# ------------------------------------------------------------------------------------ rules


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("DOGEUSDT", "1h", 10, None), "symbol"),
        (("btcusdt", "1h", 10, None), "symbol"),
        (("BTCUSDT", "7m", 10, None), "interval"),
        (("BTCUSDT", "1h", 0, None), "limit"),
        (("BTCUSDT", "1h", 1001, None), "limit"),
        (("BTCUSDT", "1h", 10, -1), "end_time"),
    ],
)
def test_candle_query_refuses_a_bad_field_by_name(args: tuple, field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        candle_query(SYMBOLS, *args)
    assert caught.value.details["field"] == field
    assert caught.value.message.startswith(field)


def test_candle_query_keys_differ_by_every_field() -> None:
    base = CandleQuery("BTCUSDT", "1h", 500, None)
    others = [replace(base, symbol="ETHUSDT"), replace(base, interval="4h"), replace(base, limit=499),
              replace(base, end_time=0), replace(base, end_time=1)]  # fmt: skip
    assert len({base.key, *(q.key for q in others)}) == 6


def test_price_symbols_are_sorted_unique_and_default_to_the_platform_list() -> None:
    assert price_symbols(SYMBOLS, "SOLUSDT, BTCUSDT,SOLUSDT") == ("BTCUSDT", "SOLUSDT")
    assert price_symbols(SYMBOLS, None) == tuple(sorted(SYMBOLS))
    with pytest.raises(InvalidInputError, match="symbols"):
        price_symbols(SYMBOLS, "BTCUSDT,DOGEUSDT")
    with pytest.raises(InvalidInputError, match="symbols"):
        price_symbols(SYMBOLS, "BTCUSDT,")


# ------------------------------------------------------------------------------------ the cache


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache(aws: None, clock: FakeClock) -> DynamoMarketDataCache:
    create_service_state_table(table_name=TABLE)
    return DynamoMarketDataCache(TABLE, "us-east-1", clock=clock)


def test_cache_keeps_candles_by_request_exactly_until_the_ttl(cache: DynamoMarketDataCache, clock: FakeClock) -> None:
    query = CandleQuery("BTCUSDT", "1h", 3, None)
    klines = make_klines("up", 3)
    klines[0] = replace(klines[0], close=Decimal("100.000000000000000001"), trades=7, quote_volume=Decimal("1E-8"))
    assert cache.put_candles(query, klines, ttl_seconds=30)
    assert cache.candles(query) == klines  # Decimals and ints exactly
    assert cache.candles(replace(query, limit=4)) is None
    assert cache.candles(replace(query, end_time=klines[-1].open_time)) is None
    clock.advance(29)
    assert cache.candles(query) == klines
    clock.advance(1)
    assert cache.candles(query) is None


def test_cache_keeps_prices_by_symbol_set_until_the_ttl(cache: DynamoMarketDataCache, clock: FakeClock) -> None:
    prices = {"BTCUSDT": Decimal("50000.000000001"), "ETHUSDT": Decimal("3000")}
    assert cache.put_prices(("BTCUSDT", "ETHUSDT"), prices, ttl_seconds=30)
    assert cache.prices(("BTCUSDT", "ETHUSDT")) == prices
    assert cache.prices(("BTCUSDT",)) is None
    clock.advance(30)
    assert cache.prices(("BTCUSDT", "ETHUSDT")) is None


def test_cache_does_not_keep_an_item_over_350_kb(cache: DynamoMarketDataCache) -> None:
    query = CandleQuery("BTCUSDT", "1m", 1000, None)
    long = Decimal("12345.123456789012345678901234567890")
    klines = [replace(k, open=long, high=long, low=long, close=long, volume=long) for k in make_klines("up", 1800)]
    assert cache.put_candles(query, klines, ttl_seconds=30) is False
    assert cache.candles(query) is None
    assert cache.put_candles(query, klines[:200], ttl_seconds=30)


# ------------------------------------------------------------------------------------ the service


@pytest.fixture
def instances(
    aws: None, clock: FakeClock, make_settings: Callable[..., Settings]
) -> tuple[Container, Container, FakeMarketData]:
    create_service_state_table(table_name=TABLE)
    market = FakeMarketData()
    settings = make_settings(service_state_table=TABLE, trading_symbols=list(SYMBOLS))
    return bootstrap(settings, clock=clock, exchange=market), bootstrap(settings, clock=clock, exchange=market), market


def test_candles_reach_the_exchange_once_per_30_seconds_across_instances(instances, clock: FakeClock) -> None:
    first, second, market = instances
    fresh = first.market_data.candles("BTCUSDT", "1h", 50)
    clock.advance(29)
    assert second.market_data.candles("BTCUSDT", "1h", 50) == fresh
    assert len(market.calls) == 1
    second.market_data.candles("BTCUSDT", "1h", 51)  # another request: its own entry
    clock.advance(1)
    first.market_data.candles("BTCUSDT", "1h", 50)
    assert [call[3] for call in market.calls] == ["50", "51", "50"]


def test_prices_reach_the_exchange_once_per_30_seconds_whatever_the_order_asked(instances, clock: FakeClock) -> None:
    first, second, market = instances
    assert first.market_data.prices("ETHUSDT,BTCUSDT") == market.prices
    assert second.market_data.prices("BTCUSDT,ETHUSDT") == market.prices
    assert market.calls == [("prices", "BTCUSDT", "ETHUSDT")]
    clock.advance(30)
    second.market_data.prices("BTCUSDT,ETHUSDT")
    assert len(market.calls) == 2


def test_exchange_down_a_cached_answer_still_serves_else_503(instances) -> None:
    first, second, market = instances
    cached = first.market_data.candles("BTCUSDT", "1h", 50)
    market.down = True
    assert second.market_data.candles("BTCUSDT", "1h", 50) == cached
    with pytest.raises(DependencyUnavailableError):
        second.market_data.candles("ETHUSDT", "1h", 50)


class _DownCache:
    """The ServiceStateTable unreachable: every read and write fails as the adapter reports it."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        def fail(*args: object, **kwargs: object) -> None:
            raise DependencyUnavailableError("DynamoDB unavailable", dependency="dynamodb")

        return fail


def test_cache_down_the_exchange_answers(clock: FakeClock, make_settings: Callable[..., Settings]) -> None:
    market = FakeMarketData()
    container = bootstrap(make_settings(), clock=clock, exchange=market, market_data_cache=_DownCache())
    assert container.market_data.prices("BTCUSDT") == {"BTCUSDT": market.prices["BTCUSDT"]}
    assert len(container.market_data.candles("BTCUSDT", "1h", 60)) == 60
    assert len(market.calls) == 2


def test_bad_requests_never_reach_the_exchange(instances) -> None:
    first, _, market = instances
    with pytest.raises(InvalidInputError):
        first.market_data.candles("DOGEUSDT", "1h", 50)
    with pytest.raises(InvalidInputError):
        first.market_data.prices("DOGEUSDT")
    assert market.calls == []
