"""Every retry of the Binance adapter is the one shared policy: same back-off, same Retry-After floor,
same attempt budget, same log line, whether the call reads market data or sends an order."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
import requests
from binance.exceptions import BinanceAPIException

from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.config import Settings
from tradecore.domain.orders import OrderRequest, OrderType, Side
from tradecore.errors import DependencyUnavailableError, InvalidOrderError


class _Response:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = headers or {}
        self.text = ""


def api_error(status: int, code: int, msg: str, headers: dict[str, str] | None = None) -> BinanceAPIException:
    return BinanceAPIException(_Response(status, headers), status, json.dumps({"code": code, "msg": msg}))


BUSY = api_error(503, -1001, "Internal error; unable to process your request.")
LIMITED = api_error(429, -1003, "Too much request weight used", {"Retry-After": "3"})
SYMBOL = {
    "symbol": "BTCUSDT", "baseAsset": "BTC", "quoteAsset": "USDT", "status": "TRADING",
    "filters": [
        {"filterType": "PRICE_FILTER", "tickSize": "0.01", "minPrice": "0.01", "maxPrice": "1000000"},
        {"filterType": "LOT_SIZE", "stepSize": "0.00001", "minQty": "0.00001", "maxQty": "9000"},
        {"filterType": "NOTIONAL", "minNotional": "5"},
    ],
}  # fmt: skip
ORDER = {
    "symbol": "BTCUSDT", "orderId": 7, "clientOrderId": "key-1", "status": "NEW", "side": "BUY", "type": "LIMIT",
    "price": "30000.00", "origQty": "0.001", "executedQty": "0", "cummulativeQuoteQty": "0", "timeInForce": "GTC",
}  # fmt: skip
LIMIT = OrderRequest(
    "BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D("0.001"), price=D("30000"), client_order_id="key-1"
)


class ScriptedClient:
    """Answers each SDK method from a queue of results or exceptions, and records every call."""

    def __init__(self, script: dict[str, list[Any]]) -> None:
        self.script = script
        self.calls: list[str] = []

    def get_exchange_info(self) -> dict[str, Any]:
        return {"symbols": [SYMBOL]}

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(**_: Any) -> Any:
            self.calls.append(method)
            outcome = self.script[method].pop(0)
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome

        return call


Build = Callable[..., tuple[BinanceExchange, ScriptedClient, list[float]]]


@pytest.fixture
def build(make_settings: Callable[..., Settings]) -> Build:
    def make(script: dict[str, list[Any]], **settings: Any) -> tuple[BinanceExchange, ScriptedClient, list[float]]:
        sleeps: list[float] = []
        values = {"binance_retry_base_seconds": 0.1, "binance_retry_attempts": 4, **settings}
        exchange = BinanceExchange(make_settings(**values), sleep=sleeps.append, clock=lambda: 1000.0 + sum(sleeps))
        client = ScriptedClient(script)
        exchange.__dict__["client"] = client  # replaces the cached python-binance client
        return exchange, client, sleeps

    return make


def _retries_logged(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    return [
        (record.levelname, record.__dict__["attempt"], record.__dict__["error"])
        for record in caplog.records
        if record.getMessage() == "binance call failed, retrying"
    ]


def test_a_read_retries_temporary_errors_with_the_doubling_back_off(build: Build) -> None:
    exchange, client, sleeps = build({"get_symbol_ticker": [BUSY, BUSY, BUSY, {"price": "101.5"}]})

    assert exchange.get_price("btcusdt") == D("101.5")
    assert client.calls == ["get_symbol_ticker"] * 4
    assert sleeps == pytest.approx([0.1, 0.2, 0.4])


def test_a_read_gives_up_after_the_configured_attempts_with_the_original_error(build: Build) -> None:
    exchange, client, sleeps = build({"get_account": [BUSY] * 5}, binance_retry_attempts=3)

    with pytest.raises(DependencyUnavailableError) as caught:
        exchange.get_balances()
    assert caught.value.details.get("exchange_code") == -1001
    assert client.calls == ["get_account"] * 3
    assert sleeps == pytest.approx([0.1, 0.2])


def test_a_read_waits_at_least_the_retry_after_binance_sent(build: Build) -> None:
    exchange, client, sleeps = build({"get_symbol_ticker": [LIMITED, {"price": "1"}]})

    assert exchange.get_price("BTCUSDT") == D("1")
    assert client.calls == ["get_symbol_ticker"] * 2
    assert sleeps == [3.0]  # not the 0.1 s back-off: retrying sooner only extends the limit


def test_a_rejection_is_never_retried(build: Build) -> None:
    rejected = api_error(400, -1013, "Filter failure: LOT_SIZE")
    exchange, client, sleeps = build({"cancel_order": [rejected]})

    with pytest.raises(InvalidOrderError):
        exchange.cancel_order("BTCUSDT", client_order_id="key-1")
    assert (client.calls, sleeps) == (["cancel_order"], [])


def test_an_order_resent_after_a_refusal_backs_off_like_every_other_call(build: Build) -> None:
    # a 429 (not processed) three times: the order is resent with the same back-off and budget as a read
    limited = api_error(429, -1003, "Too much request weight used")
    exchange, client, sleeps = build({"create_order": [limited, limited, limited, dict(ORDER)]})

    assert exchange.place_order(LIMIT).order_id == 7
    assert client.calls == ["create_order"] * 4
    assert sleeps == pytest.approx([0.1, 0.2, 0.4])


def test_every_retry_is_logged_the_same_way_reads_and_orders_alike(
    build: Build, caplog: pytest.LogCaptureFixture
) -> None:
    limited = api_error(429, -1003, "Too much request weight used")
    exchange, _, _ = build({"get_symbol_ticker": [BUSY, {"price": "1"}], "create_order": [limited, dict(ORDER)]})

    exchange.get_price("BTCUSDT")
    exchange.place_order(LIMIT)

    assert _retries_logged(caplog) == [("WARNING", 1, "DependencyUnavailableError")] * 2


def test_a_transport_failure_of_a_read_is_retried(build: Build) -> None:
    exchange, client, _ = build({"get_klines": [requests.ConnectionError("reset"), []]})

    assert exchange.get_klines("BTCUSDT", "1m") == []
    assert client.calls == ["get_klines", "get_klines"]
