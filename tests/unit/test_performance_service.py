"""The performance service on in-memory fakes: the period from the query and the injected clock, the
caller's own trades only, prices only for an open-ended period, and a price outage that only nulls
the unrealized PnL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import cast

import pytest

from tests.support.auth import FakeClock
from tests.support.trading_fakes import InMemoryTradeStore
from tests.unit.test_performance import SCRIPT, trade
from tradecore.domain.orders import Side
from tradecore.domain.trades import TradeFill
from tradecore.domain.users import Principal, Role
from tradecore.errors import DependencyUnavailableError, InvalidInputError
from tradecore.ports import Exchange
from tradecore.services.trading.performance import PerformanceService

D = Decimal
NOW = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)  # half a day after the script's last trade


class FakeMarket:
    """The exchange's last prices, recording what was asked; ``down`` fails like the adapter."""

    def __init__(self, prices: dict[str, Decimal]) -> None:
        self.prices = prices
        self.asked: list[list[str] | None] = []
        self.down = False

    def get_prices(self, symbols: list[str] | None = None) -> dict[str, Decimal]:
        self.asked.append(symbols)
        if self.down:
            raise DependencyUnavailableError("binance is unavailable (fake)", dependency="binance")
        return {s: p for s, p in self.prices.items() if symbols is None or s in symbols}


def principal(user_id: str = "u1") -> Principal:
    return Principal(user_id, Role.VIEWER, "tok", NOW.timestamp() - 60, int(NOW.timestamp()) + 3600)


@pytest.fixture
def store() -> InMemoryTradeStore:
    store = InMemoryTradeStore()
    for record in SCRIPT:
        store.save(record)
    return store


@pytest.fixture
def market() -> FakeMarket:
    return FakeMarket({"BTCUSDT": D("100"), "ETHUSDT": D("11"), "SOLUSDT": D("150")})


def service(store: InMemoryTradeStore, market: FakeMarket) -> PerformanceService:
    return PerformanceService(store, lambda: cast("Exchange", market), FakeClock(NOW.timestamp()))


def test_performance_service_default_is_all_time_to_the_injected_now(
    store: InMemoryTradeStore, market: FakeMarket
) -> None:
    report = service(store, market).report(principal())
    assert (report.period.start, report.period.end) == (None, NOW)
    assert (report.totals.trades, report.totals.realized_pnl) == (7, D("20.524"))  # see test_performance
    assert report.unrealized_pnl == D("-5.05")  # BTC (100 - 105.05) * 1 at the market's price
    assert market.asked == [["BTCUSDT", "ETHUSDT"]]  # one request, the symbols traded
    assert report.daily[-1].day == NOW.date()  # the clock's today ends the series


def test_performance_service_price_outage_nulls_only_the_unrealized_pnl(
    store: InMemoryTradeStore, market: FakeMarket
) -> None:
    market.down = True
    report = service(store, market).report(principal())
    assert (report.unrealized_pnl, report.total_pnl) == (None, None)
    assert report.totals.realized_pnl == D("20.524")


def test_performance_service_past_period_asks_no_price(store: InMemoryTradeStore, market: FakeMarket) -> None:
    report = service(store, market).report(principal(), datetime(2024, 3, 2), datetime(2024, 3, 3))  # naive = UTC
    assert report.period.start == datetime(2024, 3, 2, tzinfo=UTC)
    assert report.totals.realized_pnl == D("-10.145")
    assert (report.unrealized_pnl, market.asked) == (None, [])


def test_performance_service_shows_only_the_callers_trades(store: InMemoryTradeStore, market: FakeMarket) -> None:
    other = trade(NOW - timedelta(hours=1), "BTCUSDT", Side.BUY, TradeFill(D("100"), D("3"), D("0"), "USDT"))
    store.save(other.advanced(other.updated_at, user_id="u2", client_order_id="tc-other"))
    mine = service(store, market).report(principal())
    assert mine.totals.trades == 7
    theirs = service(store, market).report(principal("u2"))
    assert (theirs.totals.trades, theirs.unrealized_pnl) == (1, D("0"))  # 3 BTC bought at the price of 100
    assert service(store, market).report(principal("nobody")).totals.trades == 0


@pytest.mark.parametrize(("start", "end", "field"), [
    (None, NOW + timedelta(seconds=1), "'to'"),  # the future
    (NOW, None, "'from'"),  # from = now, to = now
    (NOW - timedelta(days=1), NOW - timedelta(days=1), "'from'"),
    (NOW - timedelta(days=1), NOW - timedelta(days=2), "'from'"),
])  # fmt: skip
def test_performance_service_refuses_a_bad_period(
    store: InMemoryTradeStore, market: FakeMarket, start: datetime | None, end: datetime | None, field: str
) -> None:
    with pytest.raises(InvalidInputError, match=field):
        service(store, market).report(principal(), start, end)
    assert market.asked == []


def test_performance_service_store_down_is_a_dependency_error(store: InMemoryTradeStore, market: FakeMarket) -> None:
    store.down = True
    with pytest.raises(DependencyUnavailableError):
        service(store, market).report(principal())
