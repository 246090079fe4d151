"""An order that may have executed is looked up, never resent (issue 9, 2a and 2b).

A scripted python-binance stand-in and a fake clock: the adapter's back-off sleeps move the clock,
so the lookup deadline is exercised without real waiting.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
import requests
from binance.exceptions import BinanceAPIException

from tradecore.adapters.binance.errors import may_have_been_executed, translate
from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.config import Settings
from tradecore.domain.orders import (
    OcoClientIds,
    OcoRequest,
    OrderListStatus,
    OrderRequest,
    OrderType,
    Side,
    oco_client_ids,
)
from tradecore.errors import InvalidInputError, OrderStatusUnknownError


class _Response:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.text = ""


def api_error(status: int, code: int, msg: str) -> BinanceAPIException:
    return BinanceAPIException(_Response(status), status, json.dumps({"code": code, "msg": msg}))


NOT_FOUND = api_error(400, -2013, "Order does not exist.")
LIST_NOT_FOUND = api_error(400, -2011, "Order list does not exist.")
SYMBOL = {
    "symbol": "BTCUSDT", "baseAsset": "BTC", "quoteAsset": "USDT", "status": "TRADING",
    "filters": [
        {"filterType": "PRICE_FILTER", "tickSize": "0.01", "minPrice": "0.01", "maxPrice": "1000000"},
        {"filterType": "LOT_SIZE", "stepSize": "0.00001", "minQty": "0.00001", "maxQty": "9000"},
        {"filterType": "NOTIONAL", "minNotional": "5"},
    ],
}  # fmt: skip
ORDER = {
    "symbol": "BTCUSDT", "orderId": 7, "clientOrderId": "key-1", "status": "FILLED", "side": "BUY",
    "type": "LIMIT", "price": "30000.00", "origQty": "0.001", "executedQty": "0.001",
    "cummulativeQuoteQty": "30", "timeInForce": "GTC",
}  # fmt: skip
LIMIT = OrderRequest(
    "BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D("0.001"), price=D("30000"), client_order_id="key-1"
)


class FakeClock:
    """Monotonic seconds that move only when the adapter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class ScriptedBinance:
    """Answers each SDK method from its script (the last answer repeats) and records every call."""

    def __init__(self, script: dict[str, list[Any]]) -> None:
        self.script = script
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get_exchange_info(self) -> dict[str, Any]:
        return {"symbols": [SYMBOL]}

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("_"):
            raise AttributeError(method)

        def call(**params: Any) -> Any:
            self.calls.append((method, params))
            queue = self.script[method]
            outcome = queue.pop(0) if len(queue) > 1 else queue[0]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome

        return call

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


Build = Callable[..., tuple[BinanceExchange, ScriptedBinance, FakeClock]]


@pytest.fixture
def build(make_settings: Callable[..., Settings]) -> Build:
    def make(script: dict[str, list[Any]], **settings: Any) -> tuple[BinanceExchange, ScriptedBinance, FakeClock]:
        clock = FakeClock()
        values = {"binance_retry_base_seconds": 0.1, "binance_order_lookup_deadline_seconds": 1.0, **settings}
        exchange = BinanceExchange(make_settings(**values), sleep=clock.sleep, clock=clock)
        client = ScriptedBinance(script)
        exchange.__dict__["client"] = client  # replaces the cached python-binance client
        return exchange, client, clock

    return make


# --- 2a: -1006 / -1007 mean "execution status unknown", whatever the HTTP status -----------------
@pytest.mark.parametrize("status", [400, 408, 500, 503, 504])
@pytest.mark.parametrize("code", [-1006, -1007])
def test_status_unknown_codes_may_have_executed_on_any_http_status(status: int, code: int) -> None:
    error = translate(api_error(status, code, "Send status unknown; execution status unknown."))
    assert may_have_been_executed(error)


@pytest.mark.parametrize("status", [400, 503])
@pytest.mark.parametrize("code", [-1006, -1007])
def test_status_unknown_answer_is_looked_up_not_resent(build: Build, status: int, code: int) -> None:
    # GIVEN the exchange answers "execution status unknown", and the order surfaces on the 3rd lookup
    unknown = api_error(status, code, "Timeout waiting for response from backend server.")
    exchange, client, _ = build({"create_order": [unknown, dict(ORDER)], "get_order": [NOT_FOUND, NOT_FOUND, ORDER]})
    # WHEN the order is placed THEN the adapter finds it instead of sending it again
    assert exchange.place_order(LIMIT).order_id == 7
    assert client.names() == ["create_order", "get_order", "get_order", "get_order"]


def test_not_found_several_times_then_found_backs_off_and_never_resends(build: Build) -> None:
    exchange, client, clock = build(
        {"create_order": [requests.Timeout("slow"), dict(ORDER)], "get_order": [NOT_FOUND] * 3 + [ORDER]}
    )
    order = exchange.place_order(LIMIT)
    assert (order.order_id, order.client_order_id) == (7, "key-1")
    assert client.names() == ["create_order"] + ["get_order"] * 4
    assert all(params["origClientOrderId"] == "key-1" for name, params in client.calls if name == "get_order")
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4])  # the retry back-off, doubling


def test_never_found_is_unknown_after_the_deadline_with_exactly_one_send(build: Build) -> None:
    # GIVEN a dropped connection and an order the exchange never shows
    exchange, client, clock = build(
        {"create_order": [requests.ConnectionError("reset"), dict(ORDER)], "get_order": [NOT_FOUND]}
    )
    # WHEN the order is placed
    with pytest.raises(OrderStatusUnknownError) as caught:
        exchange.place_order(LIMIT)
    # THEN it was sent once, then looked up with the retry back-off (0.1, 0.2, 0.4 s) while the next
    # lookup still fit the 1 s deadline (the next wait, 0.8 s, would end past it), never failed
    assert client.names().count("create_order") == 1
    assert client.names().count("get_order") == 4
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4])
    assert caught.value.details["client_order_id"] == "key-1"
    assert not caught.value.temporary


def test_back_off_is_capped_and_the_deadline_is_the_setting(build: Build) -> None:
    exchange, client, clock = build(
        {"create_order": [requests.Timeout("slow")], "get_order": [NOT_FOUND]},
        binance_order_lookup_deadline_seconds=3.0,
    )
    with pytest.raises(OrderStatusUnknownError):
        exchange.place_order(LIMIT)
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8, 0.8])  # capped at 8 x the retry base
    assert client.names() == ["create_order"] + ["get_order"] * 6  # the last one at 2.3 s: 3.1 s is too late


def test_a_failing_lookup_keeps_looking_until_the_order_is_known(build: Build) -> None:
    busy = api_error(503, -1001, "Internal error; unable to process your request.")
    exchange, client, _ = build({"create_order": [requests.Timeout("slow")], "get_order": [busy, NOT_FOUND, ORDER]})
    assert exchange.place_order(LIMIT).order_id == 7
    assert client.names() == ["create_order", "get_order", "get_order", "get_order"]


def test_a_lookup_refused_for_good_is_unknown_at_once(build: Build) -> None:
    refused = api_error(401, -2015, "Invalid API-key, IP, or permissions for action.")
    exchange, client, clock = build({"create_order": [requests.Timeout("slow")], "get_order": [refused]})
    with pytest.raises(OrderStatusUnknownError):
        exchange.place_order(LIMIT)
    assert client.names() == ["create_order", "get_order"]
    assert clock.sleeps == []


def test_a_rejection_that_was_not_processed_is_still_retried(build: Build) -> None:
    # a 429 was refused before the order reached the matching engine: resending is safe
    limited = api_error(429, -1003, "Too much request weight used")
    exchange, client, _ = build({"create_order": [limited, dict(ORDER)]})
    assert exchange.place_order(LIMIT).order_id == 7
    assert client.names() == ["create_order", "create_order"]


# --- 2b: OCO lists, their ids derived from the caller's key ----------------------------------------
BINANCE_CLIENT_ID = re.compile(r"^[a-zA-Z0-9-_]{1,36}$")
KEY = "user-42:idem:7f3c9a1e-2b44-4d0e-9c1f-55aa10be0c77"  # longer than 36 and with ':' on purpose
OCO = OcoRequest("BTCUSDT", Side.SELL, D("0.001"), D("40000"), D("25000"), D("24900"), client_key=KEY)


def _list(ids: OcoClientIds, status: str = "EXECUTING") -> dict[str, Any]:
    return {
        "orderListId": 3, "contingencyType": "OCO", "listStatusType": "EXEC_STARTED", "listOrderStatus": status,
        "listClientOrderId": ids.list_id, "transactionTime": 1, "symbol": "BTCUSDT",
        "orders": [
            {"symbol": "BTCUSDT", "orderId": 11, "clientOrderId": ids.stop_loss},
            {"symbol": "BTCUSDT", "orderId": 12, "clientOrderId": ids.take_profit},
        ],
    }  # fmt: skip


def _sent_ids(client: ScriptedBinance) -> tuple[str, str, str]:
    params = next(p for name, p in client.calls if name == "create_oco_order")
    return params["listClientOrderId"], params["aboveClientOrderId"], params["belowClientOrderId"]


def test_oco_ids_are_derived_from_the_callers_key(build: Build) -> None:
    ids = oco_client_ids(KEY)
    sent = []
    for _ in range(2):  # two adapters (two Lambda instances) placing the same request
        exchange, client, _ = build({"create_oco_order": [_list(ids)]})
        exchange.place_oco(OCO)
        sent.append(_sent_ids(client))
    assert sent[0] == sent[1]
    list_id, above, below = sent[0]
    assert len({list_id, above, below}) == 3
    assert all(BINANCE_CLIENT_ID.match(i) for i in sent[0])
    assert (above, below) == (ids.take_profit, ids.stop_loss)  # a SELL: take profit above, stop below
    assert oco_client_ids(KEY + "x").list_id != list_id


def test_oco_without_a_key_is_refused_before_sending(build: Build) -> None:
    exchange, client, _ = build({})
    with pytest.raises(InvalidInputError) as caught:
        exchange.place_oco(dataclasses.replace(OCO, client_key=None))
    assert caught.value.details["field"] == "client_key"
    assert client.calls == []


def test_oco_whose_response_is_lost_is_looked_up_not_resent(build: Build) -> None:
    ids = oco_client_ids(KEY)
    exchange, client, _ = build(
        {"create_oco_order": [requests.Timeout("slow"), _list(ids)], "v3_get_order_list": [LIST_NOT_FOUND, _list(ids)]}
    )
    placed = exchange.place_oco(OCO)
    assert (placed.order_list_id, placed.list_client_order_id, placed.is_open) == (3, ids.list_id, True)
    assert [leg.client_order_id for leg in placed.legs] == [ids.stop_loss, ids.take_profit]
    assert client.names() == ["create_oco_order", "v3_get_order_list", "v3_get_order_list"]
    assert client.calls[1][1] == {"origClientOrderId": ids.list_id}


def test_oco_never_found_is_unknown_with_exactly_one_send(build: Build) -> None:
    exchange, client, _ = build(
        {
            "create_oco_order": [api_error(504, -1007, "Timeout waiting for response")],
            "v3_get_order_list": [LIST_NOT_FOUND],
        }
    )
    with pytest.raises(OrderStatusUnknownError) as caught:
        exchange.place_oco(OCO)
    assert caught.value.details["list_client_order_id"] == oco_client_ids(KEY).list_id
    assert client.names().count("create_oco_order") == 1
    assert client.names().count("v3_get_order_list") == 4


def test_oco_duplicate_returns_the_existing_list(build: Build) -> None:
    ids = oco_client_ids(KEY)
    duplicate = api_error(400, -2010, "Duplicate order sent.")
    exchange, client, _ = build({"create_oco_order": [duplicate], "v3_get_order_list": [_list(ids)]})
    assert exchange.place_oco(OCO).list_client_order_id == ids.list_id
    assert client.names() == ["create_oco_order", "v3_get_order_list"]


def test_get_and_cancel_order_list_name_the_list_as_binance_wants(build: Build) -> None:
    ids = oco_client_ids(KEY)
    exchange, client, _ = build({"v3_get_order_list": [_list(ids)], "v3_delete_order_list": [_list(ids, "ALL_DONE")]})
    assert exchange.get_order_list(list_client_order_id=ids.list_id).legs[0].order_id == 11
    cancelled = exchange.cancel_order_list("btcusdt", order_list_id=3)
    assert (cancelled.list_status, cancelled.is_open) == (OrderListStatus.ALL_DONE, False)
    assert client.calls == [
        ("v3_get_order_list", {"origClientOrderId": ids.list_id}),
        ("v3_delete_order_list", {"symbol": "BTCUSDT", "orderListId": 3}),
    ]
    with pytest.raises(InvalidInputError):
        exchange.get_order_list()


@pytest.mark.parametrize("client_id", ["user:42", "a/b", "x" * 37])
def test_a_client_id_python_binance_would_sign_wrongly_is_refused_before_sending(build: Build, client_id: str) -> None:
    # python-binance 1.0.37 signs ':' and '/' unencoded but sends them percent-encoded: Binance (and
    # the simulator) answer -1022, which would read as bad credentials. Only [a-zA-Z0-9-_] is safe.
    exchange, client, _ = build({})
    with pytest.raises(InvalidInputError) as caught:
        exchange.place_order(dataclasses.replace(LIMIT, client_order_id=client_id))
    assert caught.value.details["field"] == "client_order_id"
    assert client.calls == []
