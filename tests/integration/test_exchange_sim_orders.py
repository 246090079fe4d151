# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""The simulator driven only through python-binance over sockets: every order type, OCO, queries."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.exchange_sim_fixtures import SimServer, binance_client, sim_server  # noqa: F401

D = Decimal


def _balances(client: Any) -> dict[str, tuple[Decimal, Decimal]]:
    return {b["asset"]: (D(b["free"]), D(b["locked"])) for b in client.get_account()["balances"]}


def _price(client: Any, symbol: str = "BTCUSDT") -> Decimal:
    return D(client.get_symbol_ticker(symbol=symbol)["price"])


def test_market_buy_fills_with_taker_fee_in_base_asset(binance_client: Callable[..., Any]) -> None:
    client = binance_client()
    order = client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    assert order["status"] == "FILLED"
    assert D(order["executedQty"]) == D("0.01")
    fill = order["fills"][0]
    assert fill["commissionAsset"] == "BTC"
    assert D(fill["commission"]) == D("0.00001")  # 0.1 % of 0.01 BTC
    free_btc, _ = _balances(client)["BTC"]
    free_usdt, _ = _balances(client)["USDT"]
    assert free_btc == D("1") + D("0.01") - D("0.00001")
    assert free_usdt == D("10000") - D(order["cummulativeQuoteQty"])


def test_market_sell_charges_fee_in_quote_asset(binance_client: Callable[..., Any]) -> None:
    client = binance_client()
    order = client.create_order(symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.1")
    quote = D(order["cummulativeQuoteQty"])
    assert order["fills"][0]["commissionAsset"] == "USDT"
    fee = sum(D(f["commission"]) for f in order["fills"])
    assert fee == pytest.approx(quote * D("0.001"), abs=D("0.0001"))
    assert _balances(client)["USDT"][0] == D("10000") + quote - fee


def test_market_buy_by_quote_quantity_spends_at_most_that(binance_client: Callable[..., Any]) -> None:
    client = binance_client()
    order = client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quoteOrderQty="250")
    spent = D(order["cummulativeQuoteQty"])
    assert D("249") < spent <= D("250")
    assert D(order["origQuoteOrderQty"]) == D("250")


def test_large_market_orders_walk_the_book_and_slip(binance_client: Callable[..., Any]) -> None:
    client = binance_client({"USDT": "5000000"})
    small = client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
    large = client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="20")
    small_avg = D(small["cummulativeQuoteQty"]) / D(small["executedQty"])
    large_avg = D(large["cummulativeQuoteQty"]) / D(large["executedQty"])
    assert len(large["fills"]) > 1
    assert large_avg > small_avg


def test_limit_order_rests_then_fills_as_maker_when_the_market_crosses(
    sim_server: SimServer, binance_client: Callable[..., Any]
) -> None:
    client = binance_client()
    market = _price(client)
    limit = (market * D("0.98")).quantize(D("0.01"))
    order = client.order_limit_buy(symbol="BTCUSDT", quantity="0.01", price=str(limit))
    assert order["status"] == "NEW"
    assert _balances(client)["USDT"][1] == limit * D("0.01")  # locked while resting
    sim_server.set_price("BTCUSDT", str(limit - 5))
    filled = client.get_order(symbol="BTCUSDT", orderId=order["orderId"])
    assert filled["status"] == "FILLED"
    assert D(filled["cummulativeQuoteQty"]) == limit * D("0.01")
    trade = client.get_my_trades(symbol="BTCUSDT", orderId=order["orderId"])[0]
    assert trade["isMaker"] is True
    assert _balances(client)["USDT"][1] == 0
    sim_server.set_price("BTCUSDT", str(market))


def test_big_resting_order_fills_in_parts(sim_server: SimServer, binance_client: Callable[..., Any]) -> None:
    client = binance_client({"USDT": "5000000"})
    market = _price(client)
    limit = (market * D("0.99")).quantize(D("0.01"))
    order = client.order_limit_buy(symbol="BTCUSDT", quantity="30", price=str(limit))
    sim_server.set_price("BTCUSDT", str(limit - 10))  # the ask drops just below the limit
    partial = client.get_order(symbol="BTCUSDT", orderId=order["orderId"])
    assert partial["status"] == "PARTIALLY_FILLED"
    assert D("0") < D(partial["executedQty"]) < D("30")
    client.cancel_order(symbol="BTCUSDT", orderId=order["orderId"])
    assert _balances(client)["USDT"][1] == 0
    sim_server.set_price("BTCUSDT", str(market))


@pytest.mark.parametrize(("tif", "status", "some_filled"), [("IOC", "EXPIRED", True), ("FOK", "EXPIRED", False)])
def test_ioc_fills_what_it_can_and_fok_fills_nothing(
    binance_client: Callable[..., Any], tif: str, status: str, some_filled: bool
) -> None:
    client = binance_client({"USDT": "5000000"})
    limit = (_price(client) * D("1.0005")).quantize(D("0.01"))  # crosses only the first levels
    order = client.create_order(
        symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce=tif, quantity="25", price=str(limit)
    )
    assert order["status"] == status
    assert (D(order["executedQty"]) > 0) is some_filled
    assert _balances(client)["USDT"][1] == 0


@pytest.mark.parametrize(("order_type", "stop_factor", "move_factor"), [
    ("STOP_LOSS_LIMIT", D("0.97"), D("0.965")),
    ("TAKE_PROFIT_LIMIT", D("1.03"), D("1.04")),
])  # fmt: skip
def test_stop_orders_wait_for_their_trigger_then_fill(
    sim_server: SimServer,
    binance_client: Callable[..., Any],
    order_type: str,
    stop_factor: Decimal,
    move_factor: Decimal,
) -> None:
    client = binance_client()
    market = _price(client)
    stop = (market * stop_factor).quantize(D("0.01"))
    limit = (stop * D("0.99")).quantize(D("0.01"))
    order = client.create_order(
        symbol="BTCUSDT", side="SELL", type=order_type, timeInForce="GTC",
        quantity="0.01", price=str(limit), stopPrice=str(stop),
    )  # fmt: skip
    waiting = client.get_order(symbol="BTCUSDT", orderId=order["orderId"])
    assert waiting["status"] == "NEW"
    assert waiting["isWorking"] is False
    sim_server.set_price("BTCUSDT", str((market * move_factor).quantize(D("0.01"))))
    assert client.get_order(symbol="BTCUSDT", orderId=order["orderId"])["status"] == "FILLED"
    sim_server.set_price("BTCUSDT", str(market))


def test_oco_take_profit_fill_expires_the_stop_leg(sim_server: SimServer, binance_client: Callable[..., Any]) -> None:
    client = binance_client()
    market = _price(client)
    take_profit = (market * D("1.02")).quantize(D("0.01"))
    stop = (market * D("0.98")).quantize(D("0.01"))
    result = client.create_oco_order(
        symbol="BTCUSDT", side="SELL", quantity="0.02",
        aboveType="LIMIT_MAKER", abovePrice=str(take_profit),
        belowType="STOP_LOSS_LIMIT", belowStopPrice=str(stop), belowPrice=str(stop - 10), belowTimeInForce="GTC",
    )  # fmt: skip
    assert result["contingencyType"] == "OCO"
    assert {r["type"] for r in result["orderReports"]} == {"LIMIT_MAKER", "STOP_LOSS_LIMIT"}
    assert _balances(client)["BTC"][1] == D("0.02")  # one quantity locked for both legs
    sim_server.set_price("BTCUSDT", str(take_profit + 20))
    statuses = {
        o["type"]: o["status"]
        for o in (client.get_order(symbol="BTCUSDT", orderId=r["orderId"]) for r in result["orders"])
    }
    assert statuses == {"LIMIT_MAKER": "FILLED", "STOP_LOSS_LIMIT": "EXPIRED"}
    assert _balances(client)["BTC"] == (D("1") - D("0.02"), D("0"))
    sim_server.set_price("BTCUSDT", str(market))


def test_oco_stop_trigger_and_cancel_of_one_leg_cancels_the_list(
    sim_server: SimServer, binance_client: Callable[..., Any]
) -> None:
    client = binance_client()
    market = _price(client)

    def at(factor: str) -> str:
        return str((market * D(factor)).quantize(D("0.01")))

    params = {"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01", "price": at("1.05"), "stopPrice": at("0.95"),
              "stopLimitPrice": at("0.94"), "stopLimitTimeInForce": "GTC"}  # fmt: skip
    legacy = client._post("order/oco", True, data=dict(params))  # the older endpoint
    stop_leg = next(r for r in legacy["orderReports"] if r["type"] == "STOP_LOSS_LIMIT")
    client.cancel_order(symbol="BTCUSDT", orderId=stop_leg["orderId"])
    assert {client.get_order(symbol="BTCUSDT", orderId=o["orderId"])["status"] for o in legacy["orders"]} == {
        "CANCELED"
    }
    assert _balances(client)["BTC"] == (D("1"), D("0"))
    second = client._post("order/oco", True, data=dict(params))
    sim_server.set_price("BTCUSDT", str((market * D("0.945")).quantize(D("0.01"))))
    by_type = {o["type"]: client.get_order(symbol="BTCUSDT", orderId=o["orderId"]) for o in second["orderReports"]}
    assert by_type["STOP_LOSS_LIMIT"]["status"] == "FILLED"
    assert by_type["LIMIT_MAKER"]["status"] == "EXPIRED"
    sim_server.set_price("BTCUSDT", str(market))


def test_a_gap_through_a_stop_limit_leaves_it_working_unfilled(
    sim_server: SimServer, binance_client: Callable[..., Any]
) -> None:
    client = binance_client()
    market = _price(client)
    stop = (market * D("0.97")).quantize(D("0.01"))
    order = client.create_order(
        symbol="BTCUSDT", side="SELL", type="STOP_LOSS_LIMIT", timeInForce="GTC",
        quantity="0.01", price=str(stop - 10), stopPrice=str(stop),
    )  # fmt: skip
    sim_server.set_price("BTCUSDT", str((market * D("0.90")).quantize(D("0.01"))))  # far below the limit
    triggered = client.get_order(symbol="BTCUSDT", orderId=order["orderId"])
    assert (triggered["status"], triggered["isWorking"]) == ("NEW", True)
    sim_server.set_price("BTCUSDT", str(market))
    assert client.get_order(symbol="BTCUSDT", orderId=order["orderId"])["status"] == "FILLED"


def test_queries_find_orders_by_client_id_and_list_them(binance_client: Callable[..., Any]) -> None:
    client = binance_client()
    far = (_price(client) * D("0.5")).quantize(D("0.01"))
    placed = client.order_limit_buy(symbol="BTCUSDT", quantity="0.001", price=str(far), newClientOrderId="my-order-1")
    found = client.get_order(symbol="BTCUSDT", origClientOrderId="my-order-1")
    assert found["orderId"] == placed["orderId"]
    assert [o["orderId"] for o in client.get_open_orders(symbol="BTCUSDT")] == [placed["orderId"]]
    cancelled = client.cancel_order(symbol="BTCUSDT", origClientOrderId="my-order-1")
    assert cancelled["status"] == "CANCELED"
    assert client.get_open_orders(symbol="BTCUSDT") == []
    assert [o["status"] for o in client.get_all_orders(symbol="BTCUSDT")] == ["CANCELED"]
    assert client.create_test_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001") == {}
    assert len(client.get_all_orders(symbol="BTCUSDT")) == 1  # the test order was not placed


def test_klines_are_consistent_across_intervals_and_with_the_tape(
    sim_server: SimServer, binance_client: Callable[..., Any]
) -> None:
    client = binance_client()
    sim_server.admin("POST", "/sim/clock", {"advance_ms": 5000})
    minutes = client.get_klines(symbol="ETHUSDT", interval="1m", limit=120)
    assert len(minutes) == 120
    for row in minutes:
        o, h, low, c = (D(v) for v in row[1:5])
        assert low <= min(o, c) <= max(o, c) <= h
        assert row[6] == row[0] + 59_999
    hours = client.get_klines(symbol="ETHUSDT", interval="1h", limit=3)
    hour = hours[-2]  # a complete hour: its high is the highest 1m high inside it
    inside = [r for r in client.get_klines(symbol="ETHUSDT", interval="1m", startTime=hour[0], limit=60)]
    assert D(hour[2]) == max(D(r[2]) for r in inside)
    assert D(hour[4]) == D(inside[-1][4])
    last_trade = client.get_recent_trades(symbol="ETHUSDT", limit=1)[0]
    assert D(client.get_klines(symbol="ETHUSDT", interval="1s", limit=1)[0][4]) == D(last_trade["price"])
    for interval in ("3m", "5m", "15m", "30m", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"):
        assert client.get_klines(symbol="ETHUSDT", interval=interval, limit=2)


def test_public_market_data_endpoints(binance_client: Callable[..., Any]) -> None:
    client = binance_client()
    info = client.get_exchange_info()
    assert {s["symbol"] for s in info["symbols"]} == {"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"}
    book = client.get_order_book(symbol="BTCUSDT", limit=10)
    assert D(book["bids"][0][0]) < D(book["asks"][0][0])
    ticker = client.get_orderbook_ticker(symbol="BTCUSDT")
    assert ticker["bidPrice"] == book["bids"][0][0]
    stats = client.get_ticker(symbol="BTCUSDT")
    assert D(stats["lowPrice"]) <= D(stats["lastPrice"]) <= D(stats["highPrice"])
    assert len(client.get_all_tickers()) == 4
