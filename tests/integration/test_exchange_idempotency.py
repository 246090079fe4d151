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
from tradecore.adapters.binance_exchange import BinanceExchange
from tradecore.config import Settings
from tradecore.domain.orders import OrderRequest, OrderStatus, OrderType, Side

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
