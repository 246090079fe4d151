# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""Exactly one order, over real sockets: the adapter and python-binance against the simulator.

The simulator can lose a placement's response (``drop_response_after_place``) and keep a just-placed
order invisible to queries (``hide_new_orders_ms``), as Binance may for a moment. A client that
resends after one "not found" then executes the order twice; the adapter must look it up until it
appears instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from binance.exceptions import BinanceAPIException

from tests.integration.exchange_sim_fixtures import SimServer, binance_client, sim_server  # noqa: F401
from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.config import Settings
from tradecore.domain.orders import (
    OcoRequest,
    OrderListStatus,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    oco_client_ids,
)
from tradecore.errors import NotFoundError

D = Decimal
HIDE_MS = 400


@pytest.fixture
def exchange(sim_server: SimServer, make_settings: Callable[..., Settings]) -> Iterator[BinanceExchange]:
    key, secret = sim_server.new_account({"USDT": "1000", "BTC": "0.05"})
    settings = make_settings(
        binance_simulator_url=sim_server.url, binance_api_key=key, binance_api_secret=secret,
        binance_retry_base_seconds=0.05, binance_timeout_seconds=2.0, binance_order_lookup_deadline_seconds=5.0,
    )  # fmt: skip
    yield BinanceExchange(settings)
    sim_server.admin("DELETE", "/sim/faults")


def _all_orders_after_the_hiding(exchange: BinanceExchange) -> list[dict[str, Any]]:
    time.sleep(HIDE_MS / 1000 + 0.1)  # a second order would be hidden as long as the first was
    return list(exchange.client.get_all_orders(symbol="BTCUSDT"))


def test_hidden_order_is_unknown_to_queries_until_the_time_passes(
    sim_server: SimServer, binance_client: Callable[..., Any]
) -> None:
    client = binance_client()
    assert sim_server.admin("POST", "/sim/faults", {"hide_new_orders_ms": HIDE_MS})["hide_new_orders_ms"] == HIDE_MS
    try:
        placed = client.create_order(
            symbol="BTCUSDT", side="BUY", type="MARKET", quoteOrderQty="20", newClientOrderId="h1"
        )
        assert placed["status"] == "FILLED"
        with pytest.raises(BinanceAPIException) as caught:
            client.get_order(symbol="BTCUSDT", origClientOrderId="h1")
        assert caught.value.code == -2013
        assert client.get_all_orders(symbol="BTCUSDT") == []
        time.sleep(HIDE_MS / 1000 + 0.1)
        assert client.get_order(symbol="BTCUSDT", origClientOrderId="h1")["orderId"] == placed["orderId"]
    finally:
        sim_server.admin("DELETE", "/sim/faults")
    assert sim_server.admin("GET", "/sim/faults")["hide_new_orders_ms"] == 0


def test_lost_response_of_an_invisible_market_order_executes_it_once(
    exchange: BinanceExchange, sim_server: SimServer
) -> None:
    # GIVEN the simulator places the next order, cuts the connection before answering, and keeps
    # the order out of queries for a moment (a filled MARKET order frees its client id at once)
    sim_server.admin("POST", "/sim/faults", {"drop_response_after_place": 1, "hide_new_orders_ms": HIDE_MS})
    # WHEN the adapter places a MARKET order
    order = exchange.place_order(
        OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quote_quantity=D("20"), client_order_id="once-1")
    )
    # THEN it returns the order the exchange executed, and the account holds exactly that one
    assert (order.client_order_id, order.status) == ("once-1", OrderStatus.FILLED)
    orders = _all_orders_after_the_hiding(exchange)
    assert [(o["orderId"], o["clientOrderId"]) for o in orders] == [(order.order_id, "once-1")]
    assert len({t.order_id for t in exchange.my_trades("BTCUSDT")}) == 1


# --- OCO lists ------------------------------------------------------------------------------------
def _oco(exchange: BinanceExchange, key: str) -> OcoRequest:
    price = exchange.get_price("BTCUSDT")
    return OcoRequest("BTCUSDT", Side.SELL, D("0.001"), price * 2, price / 2, price / 2 - 10, client_key=key)


def _order_lists(exchange: BinanceExchange) -> set[int]:
    """The account's order lists, as the legs of every order tell them."""
    return {o["orderListId"] for o in exchange.client.get_all_orders(symbol="BTCUSDT") if o["orderListId"] >= 0}


def test_lost_response_of_an_invisible_oco_places_one_list(exchange: BinanceExchange, sim_server: SimServer) -> None:
    # GIVEN the simulator places the next list, cuts the connection before answering, and hides it a moment
    sim_server.admin("POST", "/sim/faults", {"drop_response_after_place": 1, "hide_new_orders_ms": HIDE_MS})
    # WHEN the adapter places an OCO
    placed = exchange.place_oco(_oco(exchange, "trade-7-protect"))
    # THEN the lookup finds the list the exchange placed, and the account holds exactly that one
    ids = oco_client_ids("trade-7-protect")
    assert (placed.list_client_order_id, placed.list_status) == (ids.list_id, OrderListStatus.EXECUTING)
    assert {leg.client_order_id for leg in placed.legs} == {ids.take_profit, ids.stop_loss}
    time.sleep(HIDE_MS / 1000 + 0.1)
    assert _order_lists(exchange) == {placed.order_list_id}
    assert {o.client_order_id for o in exchange.open_orders("BTCUSDT")} == {ids.take_profit, ids.stop_loss}


def test_the_same_key_while_the_list_is_open_is_the_same_list(exchange: BinanceExchange) -> None:
    first = exchange.place_oco(_oco(exchange, "trade-8-protect"))
    again = exchange.place_oco(_oco(exchange, "trade-8-protect"))  # the simulator answers -2010 duplicate
    assert again.order_list_id == first.order_list_id
    assert _order_lists(exchange) == {first.order_list_id}


def test_order_list_get_and_cancel_through_the_port(exchange: BinanceExchange) -> None:
    placed = exchange.place_oco(_oco(exchange, "trade-9-protect"))
    by_id = exchange.get_order_list(order_list_id=placed.order_list_id)
    by_client_id = exchange.get_order_list(list_client_order_id=placed.list_client_order_id)
    assert by_id == by_client_id
    assert (by_id.symbol, by_id.is_open, {leg.order_id for leg in by_id.legs}) == (
        "BTCUSDT", True, {o.order_id for o in placed.orders}
    )  # fmt: skip
    cancelled = exchange.cancel_order_list("BTCUSDT", list_client_order_id=placed.list_client_order_id)
    assert cancelled.list_status is OrderListStatus.ALL_DONE
    assert {o.status for o in cancelled.orders} == {OrderStatus.CANCELED}
    assert exchange.get_order_list(order_list_id=placed.order_list_id).is_open is False
    assert exchange.open_orders("BTCUSDT") == []
    with pytest.raises(NotFoundError):
        exchange.get_order_list(list_client_order_id="never-placed")
    with pytest.raises(NotFoundError):
        exchange.cancel_order_list("BTCUSDT", order_list_id=placed.order_list_id)  # already done
