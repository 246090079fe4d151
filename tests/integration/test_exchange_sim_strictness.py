# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""Over the wire, the simulator refuses what Binance refuses: decimals outside Binance's pattern,
signatures over anything but the bytes sent, and orders breaking MARKET_LOT_SIZE or
PERCENT_PRICE_BY_SIDE; and the adapter, reading the filters it serves, stops such orders first."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
import requests
from binance.exceptions import BinanceAPIException

from tests.integration.exchange_sim_fixtures import SimServer, binance_client, sim_server  # noqa: F401
from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.config import Settings
from tradecore.domain.orders import OrderRequest, OrderType, Side
from tradecore.errors import InvalidInputError

D = Decimal


def _rejection(call: Callable[[], Any]) -> tuple[int, str]:
    with pytest.raises(BinanceAPIException) as caught:
        call()
    return caught.value.code, caught.value.message


@pytest.mark.parametrize("quantity", ["1E-3", "0.001000000000000000000", ".001"])
def test_decimals_outside_binances_pattern_are_minus_1100(binance_client: Callable[..., Any], quantity: str) -> None:
    client = binance_client()
    code, message = _rejection(
        lambda: client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=quantity)
    )
    assert (code, message) == (
        -1100,
        "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
    )


def _signed_post(sim_server: SimServer, key: str, secret: str, sent: str, signed: str) -> requests.Response:
    signature = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
    return requests.post(
        sim_server.url + "/api/v3/order",
        data=f"{sent}&signature={signature}",
        headers={"X-MBX-APIKEY": key, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )


def test_only_a_signature_over_the_bytes_sent_is_valid(sim_server: SimServer) -> None:
    key, secret = sim_server.new_account()
    params = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=30000"

    def payloads(client_id: str) -> tuple[str, str]:
        stamp = f"&timestamp={int(time.time() * 1000)}"
        return (
            f"{params}&newClientOrderId={quote(client_id, safe='')}{stamp}",
            f"{params}&newClientOrderId={client_id}{stamp}",
        )

    sent, decoded = payloads("web:sig/1")
    refused = _signed_post(sim_server, key, secret, sent, signed=decoded)
    assert (refused.status_code, refused.json()["code"]) == (400, -1022)
    sent, _ = payloads("web:sig/2")
    accepted = _signed_post(sim_server, key, secret, sent, signed=sent)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["clientOrderId"] == "web:sig/2"


def test_market_lot_size_and_percent_price_by_side_are_enforced(binance_client: Callable[..., Any]) -> None:
    client = binance_client({"USDT": "100000", "BTC": "150"})
    filters = {f["filterType"]: f for f in client.get_symbol_info("BTCUSDT")["filters"]}
    over = str(D(filters["MARKET_LOT_SIZE"]["maxQty"]) + 1)
    assert _rejection(lambda: client.create_order(symbol="BTCUSDT", side="SELL", type="MARKET", quantity=over)) == (
        -1013, "Filter failure: MARKET_LOT_SIZE",
    )  # fmt: skip
    average = D(client.get_avg_price(symbol="BTCUSDT")["price"])
    too_low = (average * D(filters["PERCENT_PRICE_BY_SIDE"]["bidMultiplierDown"]) * D("0.9")).quantize(D("0.01"))
    assert _rejection(lambda: client.order_limit_buy(symbol="BTCUSDT", quantity="0.01", price=str(too_low))) == (
        -1013, "Filter failure: PERCENT_PRICE_BY_SIDE",
    )  # fmt: skip


def test_the_adapter_stops_a_market_order_above_market_lot_size_before_sending(
    sim_server: SimServer, make_settings: Callable[..., Settings]
) -> None:
    key, secret = sim_server.new_account({"BTC": "150"})
    exchange = BinanceExchange(
        make_settings(binance_simulator_url=sim_server.url, binance_api_key=key, binance_api_secret=secret)
    )
    rules = exchange.get_symbol_rules("BTCUSDT")
    assert rules.market_max_qty is not None
    assert rules.market_max_qty < rules.max_qty
    with pytest.raises(InvalidInputError) as caught:
        exchange.place_order(
            OrderRequest(
                "BTCUSDT", Side.SELL, OrderType.MARKET, quantity=rules.market_max_qty + 1, client_order_id="m1"
            )
        )
    assert caught.value.details["filter"] == "MARKET_LOT_SIZE"
    assert exchange.open_orders("BTCUSDT") == []
    assert exchange.get_balances()["BTC"].free == D("150")  # nothing was sold
