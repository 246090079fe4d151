# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""Binance's errors from the simulator (through python-binance) and their translation by the adapter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pytest
from binance.exceptions import BinanceAPIException

from tests.integration.exchange_sim_fixtures import SimServer, binance_client, sim_server  # noqa: F401
from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.config import Settings
from tradecore.domain.orders import OcoRequest, OrderRequest, OrderStatus, OrderType, Side
from tradecore.errors import (
    DependencyUnavailableError,
    ExchangeAuthError,
    InsufficientFundsError,
    InvalidInputError,
    InvalidOrderError,
    NotFoundError,
    OrderStatusUnknownError,
)

D = Decimal


def _code(call: Callable[[], Any]) -> tuple[int, int]:
    with pytest.raises(BinanceAPIException) as caught:
        call()
    return caught.value.status_code, caught.value.code


@pytest.mark.parametrize(("params", "expected"), [
    ({"quantity": "0.000015"}, "Filter failure: LOT_SIZE"),
    ({"quantity": "0.001", "price": "50000.005"}, "Filter failure: PRICE_FILTER"),
    ({"quantity": "0.00001", "price": "50000"}, "Filter failure: NOTIONAL"),
])  # fmt: skip
def test_filter_failures_are_minus_1013_naming_the_filter(
    binance_client: Callable[..., Any], params: dict[str, str], expected: str
) -> None:
    client = binance_client()
    with pytest.raises(BinanceAPIException) as caught:
        client.create_order(
            symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC", **{"price": "50000", **params}
        )
    assert (caught.value.status_code, caught.value.code, caught.value.message) == (400, -1013, expected)


def test_binance_error_codes(sim_server: SimServer, binance_client: Callable[..., Any]) -> None:
    client = binance_client({"USDT": "10"})
    assert _code(lambda: client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="1")) == (400, -2010)
    assert _code(lambda: client.get_order(symbol="BTCUSDT", orderId=999999)) == (400, -2013)
    assert _code(lambda: client.get_symbol_ticker(symbol="NOPEUSDT")) == (400, -1121)
    client.timestamp_offset = -120_000  # a client clock two minutes behind
    assert _code(lambda: client.get_account()) == (400, -1021)
    key, _ = sim_server.new_account()
    assert _code(lambda: binance_client(key=key, secret="wrong").get_account()) == (400, -1022)
    assert _code(lambda: binance_client(key="unknown", secret="x").get_account()) == (401, -2015)


def test_duplicate_client_order_id_of_an_open_order_is_rejected(binance_client: Callable[..., Any]) -> None:
    client = binance_client()
    args = {"symbol": "BTCUSDT", "quantity": "0.001", "price": "30000.00", "newClientOrderId": "dup-1"}
    client.order_limit_buy(**args)
    with pytest.raises(BinanceAPIException) as caught:
        client.order_limit_buy(**args)
    assert (caught.value.code, caught.value.message) == (-2010, "Duplicate order sent.")


def test_request_weight_limit_answers_429_with_retry_after(
    sim_server: SimServer, binance_client: Callable[..., Any]
) -> None:
    client = binance_client()
    sim_server.admin("POST", "/sim/limits", {"request_weight_per_minute": 40, "reset": True})
    try:
        client.get_exchange_info()  # weight 20
        client.get_exchange_info()
        with pytest.raises(BinanceAPIException) as caught:
            client.get_exchange_info()
        assert (caught.value.status_code, caught.value.code) == (429, -1003)
        assert int(caught.value.response.headers["Retry-After"]) >= 1
        assert caught.value.response.headers["X-MBX-USED-WEIGHT-1M"] == "40"
    finally:
        sim_server.admin("POST", "/sim/limits", {"request_weight_per_minute": 1_000_000, "reset": True})


# --- the adapter against the simulator --------------------------------------------------------
@pytest.fixture
def exchange(sim_server: SimServer, make_settings: Callable[..., Settings]) -> Iterator[BinanceExchange]:
    key, secret = sim_server.new_account({"USDT": "1000", "BTC": "0.05"})
    settings = make_settings(
        binance_simulator_url=sim_server.url, binance_api_key=key, binance_api_secret=secret,
        binance_retry_base_seconds=0.01, binance_timeout_seconds=1.0, binance_order_lookup_deadline_seconds=0.5,
    )  # fmt: skip
    yield BinanceExchange(settings)
    sim_server.admin("DELETE", "/sim/faults")


def test_adapter_places_queries_and_cancels_in_decimal(exchange: BinanceExchange) -> None:
    price = exchange.get_price("BTCUSDT")
    assert isinstance(price, Decimal)
    bought = exchange.place_order(
        OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("0.0012345"), client_order_id="buy-1")
    )
    assert bought.status is OrderStatus.FILLED
    assert bought.executed_qty == D("0.00123")  # rounded down to the 0.00001 step before sending
    resting = exchange.place_order(
        OrderRequest(
            "BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D("0.001"), price=(price / 2) + D("0.004"),
            client_order_id="rest-1",
        )
    )  # fmt: skip
    assert resting.price == ((price / 2) + D("0.004")).quantize(D("0.01"), ROUND_FLOOR)  # a BUY never pays more
    assert exchange.get_order("BTCUSDT", client_order_id=resting.client_order_id).status is OrderStatus.NEW
    assert [o.order_id for o in exchange.open_orders("BTCUSDT")] == [resting.order_id]
    assert exchange.cancel_order("BTCUSDT", client_order_id=resting.client_order_id).status is OrderStatus.CANCELED
    assert exchange.get_balances()["BTC"].free == D("0.05") + D("0.00123") - D("0.00000123")
    assert exchange.my_trades("BTCUSDT")[0].commission_asset == "BTC"
    assert len(exchange.get_klines("BTCUSDT", "1m", limit=5)) == 5
    oco = exchange.place_oco(
        OcoRequest("BTCUSDT", Side.SELL, D("0.001"), price * 2, price / 2, price / 2 - 10, client_key="oco-1")
    )
    assert {o.type for o in oco.orders} == {OrderType.LIMIT_MAKER, OrderType.STOP_LOSS_LIMIT}


def test_adapter_translates_errors(exchange: BinanceExchange, sim_server: SimServer) -> None:
    with pytest.raises(InvalidInputError) as filters:
        exchange.place_order(
            OrderRequest(
                "BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D("0.00001"), price=D("100"), client_order_id="n1"
            )
        )
    assert filters.value.details["filter"] == "NOTIONAL"  # caught before anything was sent
    with pytest.raises(InsufficientFundsError) as funds:
        exchange.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("1"), client_order_id="f1"))
    assert funds.value.exchange_code == -2010
    assert "insufficient balance" in funds.value.reason
    with pytest.raises(NotFoundError):
        exchange.get_order("BTCUSDT", client_order_id="never-placed")
    sim_server.admin("POST", "/sim/faults", {"reject_next_order": {"code": -2010, "msg": "Market is closed."}})
    with pytest.raises(InvalidOrderError):
        exchange.place_order(
            OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quote_quantity=D("10"), client_order_id="closed-1")
        )
    bad = BinanceExchange(exchange.settings.model_copy(update={"binance_api_secret": None, "binance_api_key": None}))
    bad.client.API_SECRET = "wrong"
    with pytest.raises(ExchangeAuthError):
        bad.get_balances()


def test_adapter_retries_temporary_errors_and_resyncs_time(exchange: BinanceExchange, sim_server: SimServer) -> None:
    exchange.client.timestamp_offset = -120_000  # first call gets -1021; the adapter resyncs and retries
    assert "USDT" in exchange.get_balances()
    sim_server.admin("POST", "/sim/faults", {"error_rate": 1.0})
    with pytest.raises(DependencyUnavailableError) as caught:
        exchange.get_price("BTCUSDT")
    assert caught.value.temporary
    assert caught.value.dependency == "binance"
    sim_server.admin("POST", "/sim/faults", {"error_rate": 0.0, "latency_ms": 1500})  # beyond the 1 s timeout
    with pytest.raises(DependencyUnavailableError):
        exchange.get_price("BTCUSDT")


def test_order_answered_5xx_is_not_resent_but_unknown(exchange: BinanceExchange, sim_server: SimServer) -> None:
    # GIVEN the exchange answers the order with a 5XX (Binance: execution status unknown)
    sim_server.admin(
        "POST", "/sim/faults", {"reject_next_order": {"code": -1001, "msg": "Internal error", "status": 503}}
    )
    # WHEN the adapter places the order THEN it looks it up until the deadline, never resends, and
    # reports the outcome as unknown (reconciliation settles it), not as failed
    with pytest.raises(OrderStatusUnknownError) as caught:
        exchange.place_order(
            OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quote_quantity=D("20"), client_order_id="retry-1")
        )
    assert caught.value.details["cause"] == "dependency_unavailable"
    assert exchange.client.get_all_orders(symbol="BTCUSDT") == []  # this 503 came before placing: nothing
    # AND a 429 (refused before the matching engine) is resent: exactly one order
    sim_server.admin("POST", "/sim/faults", {"reject_next_order": {"code": -1003, "msg": "Too many", "status": 429}})
    order = exchange.place_order(
        OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quote_quantity=D("20"), client_order_id="retry-2")
    )
    assert order.status is OrderStatus.FILLED
    assert [o["clientOrderId"] for o in exchange.client.get_all_orders(symbol="BTCUSDT")] == ["retry-2"]


@pytest.mark.parametrize("attempts", [1, 3])  # 1: the lost response is on the last attempt
def test_order_whose_response_is_lost_after_placing_is_returned_not_duplicated(
    exchange: BinanceExchange, sim_server: SimServer, attempts: int
) -> None:
    exchange = BinanceExchange(exchange.settings.model_copy(update={"binance_retry_attempts": attempts}))
    # GIVEN the simulator places the next order, then cuts the connection before answering
    sim_server.admin("POST", "/sim/faults", {"drop_response_after_place": 1})
    price = exchange.get_price("BTCUSDT")
    # WHEN the adapter places a resting order (a resend would be accepted: the client id is free
    # again only once the order closes, so the adapter must look it up rather than resend blindly)
    order = exchange.place_order(
        OrderRequest(
            "BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D("0.001"), price=price / 2, client_order_id="lost-1"
        )
    )
    # THEN the adapter returns the order the exchange placed, and the account holds exactly one
    assert (order.client_order_id, order.status) == ("lost-1", OrderStatus.NEW)
    assert [o["clientOrderId"] for o in exchange.client.get_all_orders(symbol="BTCUSDT")] == ["lost-1"]


def test_lost_market_order_response_does_not_fill_twice(exchange: BinanceExchange, sim_server: SimServer) -> None:
    # A filled MARKET order frees its client id at once: only the lookup stops a second fill
    exchange = BinanceExchange(exchange.settings.model_copy(update={"binance_retry_attempts": 1}))
    sim_server.admin("POST", "/sim/faults", {"drop_response_after_place": 1})
    order = exchange.place_order(
        OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quote_quantity=D("20"), client_order_id="lost-2")
    )
    assert order.status is OrderStatus.FILLED
    assert len(exchange.client.get_all_orders(symbol="BTCUSDT")) == 1


def test_order_status_unknown_when_the_lookup_fails_too(exchange: BinanceExchange, sim_server: SimServer) -> None:
    # GIVEN the order is placed, its response lost, and then every request fails
    sim_server.admin("POST", "/sim/faults", {"drop_response_after_place": 1})
    real_call = exchange._call

    def failing_lookups(method: str, **params: Any) -> Any:
        if method == "get_order":
            sim_server.admin("POST", "/sim/faults", {"error_rate": 1.0})
        return real_call(method, **params)

    exchange._call = failing_lookups  # type: ignore[method-assign]
    # WHEN the adapter places the order THEN it says the order may exist, never that it failed
    with pytest.raises(OrderStatusUnknownError) as caught:
        exchange.place_order(
            OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quote_quantity=D("20"), client_order_id="lost-3")
        )
    assert caught.value.code == "order_status_unknown"
    assert caught.value.details["client_order_id"] == "lost-3"
    sim_server.admin("POST", "/sim/faults", {"error_rate": 0.0})
    assert [o["clientOrderId"] for o in exchange.client.get_all_orders(symbol="BTCUSDT")] == ["lost-3"]
