"""Every Binance error lands in the right place of the tradecore taxonomy."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
import requests
from binance.exceptions import BinanceAPIException, BinanceRequestException

from tradecore.adapters.binance.errors import (
    is_duplicate_order,
    is_temporary,
    may_have_been_executed,
    retry_after_seconds,
    translate,
)
from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.config import Settings
from tradecore.domain.orders import OrderRequest, OrderStatus, OrderType, Side
from tradecore.errors import (
    DependencyUnavailableError,
    ExchangeAuthError,
    InsufficientFundsError,
    InvalidInputError,
    InvalidOrderError,
    NotFoundError,
    OperationalError,
    OrderStatusUnknownError,
)


class _Response:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = headers or {}
        self.text = ""


def api_error(status: int, code: int, msg: str, headers: dict[str, str] | None = None) -> BinanceAPIException:
    return BinanceAPIException(_Response(status, headers), status, json.dumps({"code": code, "msg": msg}))


@pytest.mark.parametrize(("status", "code", "msg", "expected"), [
    (400, -1013, "Filter failure: LOT_SIZE", InvalidOrderError),
    (400, -1111, "Precision is over the maximum defined for this asset.", InvalidOrderError),
    (400, -1121, "Invalid symbol.", InvalidOrderError),
    (400, -2010, "Account has insufficient balance for requested action.", InsufficientFundsError),
    (400, -2010, "Order would immediately match and take.", InvalidOrderError),
    (400, -2013, "Order does not exist.", NotFoundError),
    (400, -2011, "Unknown order sent.", NotFoundError),
    (400, -1022, "Signature for this request is not valid.", ExchangeAuthError),
    (401, -2014, "API-key format invalid.", ExchangeAuthError),
    (401, -2015, "Invalid API-key, IP, or permissions for action.", ExchangeAuthError),
    (400, -1021, "Timestamp for this request is outside of the recvWindow.", DependencyUnavailableError),
    (429, -1003, "Too much request weight used", DependencyUnavailableError),
    (503, -1001, "Internal error", DependencyUnavailableError),
    (400, -9999, "Something new", OperationalError),
])  # fmt: skip
def test_api_errors_are_translated(status: int, code: int, msg: str, expected: type) -> None:
    error = translate(api_error(status, code, msg))
    assert type(error) is expected
    assert is_temporary(error) is (expected is DependencyUnavailableError)


def test_rejections_keep_binance_reason_and_code() -> None:
    error = translate(api_error(400, -2010, "Account has insufficient balance for requested action."))
    assert isinstance(error, InsufficientFundsError)
    assert (error.exchange_code, error.reason) == (-2010, "Account has insufficient balance for requested action.")


def test_rate_limit_keeps_retry_after() -> None:
    error = translate(api_error(429, -1003, "Too much request weight used", {"Retry-After": "7"}))
    assert error.details["retry_after"] == "7"
    assert retry_after_seconds(error) == 7.0
    assert is_temporary(error)
    assert not may_have_been_executed(error)  # a 4XX was not processed


def test_ip_ban_is_never_retried() -> None:
    error = translate(api_error(418, -1003, "Way too much request weight used; IP banned", {"Retry-After": "120"}))
    assert isinstance(error, DependencyUnavailableError)
    assert not error.temporary
    assert not is_temporary(error)


def test_a_retry_after_too_long_to_wait_out_is_not_retried() -> None:
    assert not is_temporary(translate(api_error(429, -1003, "Too much request weight used", {"Retry-After": "60"})))


def test_duplicate_order_is_recognised_and_other_minus_2010_are_not() -> None:
    assert is_duplicate_order(translate(api_error(400, -2010, "Duplicate order sent.")))
    assert not is_duplicate_order(translate(api_error(400, -2010, "Order would immediately match and take.")))


@pytest.mark.parametrize(("error", "uncertain"), [
    (api_error(503, -1001, "Internal error"), True),
    (api_error(504, -1007, "Timeout waiting for response from backend server."), True),
    (requests.Timeout("slow"), True),
    (api_error(400, -1021, "Timestamp for this request is outside of the recvWindow."), False),
    (api_error(400, -1013, "Filter failure: LOT_SIZE"), False),
])  # fmt: skip
def test_which_failures_may_have_executed(error: Exception, uncertain: bool) -> None:
    assert may_have_been_executed(translate(error)) is uncertain


@pytest.mark.parametrize(
    "exc", [requests.Timeout("slow"), requests.ConnectionError("down"), BinanceRequestException("x")]
)
def test_transport_failures_are_temporary(exc: Exception) -> None:
    error = translate(exc)
    assert isinstance(error, DependencyUnavailableError)
    assert error.temporary
    assert error.dependency == "binance"


# --- place_order against a scripted python-binance client ----------------------------------------
ORDER = {
    "symbol": "BTCUSDT", "orderId": 7, "clientOrderId": "key-1", "status": "NEW", "side": "BUY", "type": "LIMIT",
    "price": "30000.00", "origQty": "0.001", "executedQty": "0", "cummulativeQuoteQty": "0", "timeInForce": "GTC",
}  # fmt: skip
SYMBOL = {
    "symbol": "BTCUSDT", "baseAsset": "BTC", "quoteAsset": "USDT", "status": "TRADING",
    "filters": [
        {"filterType": "PRICE_FILTER", "tickSize": "0.01", "minPrice": "0.01", "maxPrice": "1000000"},
        {"filterType": "LOT_SIZE", "stepSize": "0.00001", "minQty": "0.00001", "maxQty": "9000"},
        {"filterType": "NOTIONAL", "minNotional": "5"},
    ],
}  # fmt: skip


class ScriptedClient:
    """Answers each SDK method from a queue of results or exceptions, and records every call."""

    def __init__(self, script: dict[str, list[Any]]) -> None:
        self.script = script
        self.calls: list[str] = []

    def get_exchange_info(self) -> dict[str, Any]:
        return {"symbols": [SYMBOL]}

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(**_: Any) -> Any:
            self.calls.append(method)
            outcome = self.script[method].pop(0)
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome

        return call


@pytest.fixture
def adapter(make_settings: Callable[..., Settings]) -> Callable[[dict[str, list[Any]]], tuple[BinanceExchange, Any]]:
    def build(script: dict[str, list[Any]]) -> tuple[BinanceExchange, Any]:
        sleeps: list[float] = []
        settings = make_settings(binance_retry_base_seconds=0.01, binance_order_lookup_deadline_seconds=0.1)
        # the clock moves only by the adapter's sleeps: no real waiting, a deadline that does pass
        exchange = BinanceExchange(settings, sleep=sleeps.append, clock=lambda: 1000.0 + sum(sleeps))
        client = ScriptedClient(script)
        exchange.__dict__["client"] = client  # replaces the cached python-binance client
        exchange.sleeps = sleeps  # type: ignore[attr-defined]
        return exchange, client

    return build


LIMIT = OrderRequest(
    "BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D("0.001"), price=D("30000"), client_order_id="key-1"
)
Adapter = Callable[[dict[str, list[Any]]], tuple[BinanceExchange, Any]]
NOT_FOUND = api_error(400, -2013, "Order does not exist.")


def test_an_order_without_a_client_id_is_refused_before_sending(adapter: Adapter) -> None:
    exchange, client = adapter({})
    with pytest.raises(InvalidInputError, match="client order id"):
        exchange.place_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D("0.001"), price=D("30000")))
    assert client.calls == []


def test_duplicate_order_sent_returns_the_existing_order(adapter: Adapter) -> None:
    exchange, client = adapter(
        {"create_order": [api_error(400, -2010, "Duplicate order sent.")], "get_order": [dict(ORDER)]}
    )
    order = exchange.place_order(LIMIT)
    assert (order.order_id, order.client_order_id, order.status) == (7, "key-1", OrderStatus.NEW)
    assert client.calls == ["create_order", "get_order"]


def test_a_timeout_is_looked_up_never_resent(adapter: Adapter) -> None:
    timeouts: list[Any] = [requests.Timeout("slow")] * 3
    exchange, client = adapter({"create_order": timeouts, "get_order": [NOT_FOUND, NOT_FOUND, dict(ORDER)]})
    assert exchange.place_order(LIMIT).order_id == 7
    assert client.calls == ["create_order", "get_order", "get_order", "get_order"]


def test_an_unsettled_order_is_unknown_not_failed(adapter: Adapter) -> None:
    exchange, client = adapter(
        {
            "create_order": [requests.Timeout("slow")] * 3,
            "get_order": [api_error(400, -2013, "Order does not exist.")] * 9,
        }
    )
    with pytest.raises(OrderStatusUnknownError) as caught:
        exchange.place_order(LIMIT)
    # one send, then lookups at 0, 0.01, 0.03 and 0.07 s (the next would start after the 0.1 s deadline)
    assert client.calls == ["create_order"] + ["get_order"] * 4
    assert (caught.value.code, caught.value.status, caught.value.temporary) == ("order_status_unknown", 503, False)
    assert "may have been placed" in caught.value.message


def test_rate_limit_waits_retry_after_without_a_lookup(adapter: Adapter) -> None:
    limited = api_error(429, -1003, "Too much request weight used", {"Retry-After": "7"})
    exchange, client = adapter({"create_order": [limited, dict(ORDER)]})
    assert exchange.place_order(LIMIT).order_id == 7
    assert client.calls == ["create_order", "create_order"]  # a 429 was not processed: nothing to look up
    assert exchange.sleeps == [7.0]  # type: ignore[attr-defined]


def test_ip_ban_is_raised_at_once(adapter: Adapter) -> None:
    exchange, client = adapter({"create_order": [api_error(418, -1003, "IP banned", {"Retry-After": "120"})]})
    with pytest.raises(DependencyUnavailableError) as caught:
        exchange.place_order(LIMIT)
    assert not isinstance(caught.value, OrderStatusUnknownError)
    assert client.calls == ["create_order"]
