"""Binance's documented shapes through the adapter: filters as exchangeInfo sends them, every order
type and status Binance can answer with, and the order parameters that leave for an OCO."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest

from tradecore.adapters.binance import mapping
from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.config import Settings
from tradecore.domain.order_math import prepare_order
from tradecore.domain.orders import OcoRequest, OrderRequest, OrderStatus, OrderType, Side
from tradecore.errors import InvalidInputError

# BTCUSDT's exchangeInfo entry as Binance sends it (filters abridged to the ones that matter here)
BTCUSDT = {
    "symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT",
    "filters": [
        {"filterType": "PRICE_FILTER", "minPrice": "0.01000000", "maxPrice": "1000000.00000000",
         "tickSize": "0.01000000"},
        {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
        {"filterType": "ICEBERG_PARTS", "limit": 10},
        {"filterType": "MARKET_LOT_SIZE", "minQty": "0.00000000", "maxQty": "53.21746453",
         "stepSize": "0.00000000"},
        {"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10, "maxTrailingAboveDelta": 2000,
         "minTrailingBelowDelta": 10, "maxTrailingBelowDelta": 2000},
        {"filterType": "PERCENT_PRICE_BY_SIDE", "bidMultiplierUp": "5", "bidMultiplierDown": "0.2",
         "askMultiplierUp": "5", "askMultiplierDown": "0.2", "avgPriceMins": 5},
        {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": True,
         "maxNotional": "9000000.00000000", "applyMaxToMarket": False, "avgPriceMins": 5},
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
    ],
}  # fmt: skip


def test_market_lot_size_with_a_zero_step_is_read_and_its_max_enforced() -> None:
    rules = mapping.symbol_rules(BTCUSDT)
    with pytest.raises(InvalidInputError) as caught:
        prepare_order(OrderRequest("BTCUSDT", Side.SELL, OrderType.MARKET, quantity=D("60")), rules, D("65000"))
    assert caught.value.details["filter"] == "MARKET_LOT_SIZE"
    assert (rules.market_step_size, rules.market_min_qty, rules.market_max_qty) == (D(0), D(0), D("53.21746453"))
    # the LOT_SIZE maximum still bounds a limit order, and the MARKET_LOT_SIZE one does not
    limit = OrderRequest("BTCUSDT", Side.SELL, OrderType.LIMIT, quantity=D("60"), price=D("65000"))
    assert prepare_order(limit, rules, None).quantity == D("60")


def test_max_notional_on_market_orders_follows_apply_max_to_market() -> None:
    rules = mapping.symbol_rules(BTCUSDT)
    assert (rules.apply_min_notional_to_market, rules.apply_max_notional_to_market) == (True, False)
    whale = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quote_quantity=D("10000000"))  # > maxNotional
    assert prepare_order(whale, rules, None).quote_quantity == D("10000000")


def test_legacy_min_notional_applies_to_market_by_its_apply_to_market_flag() -> None:
    legacy = {**BTCUSDT, "filters": [f for f in BTCUSDT["filters"] if f["filterType"] != "NOTIONAL"]}  # type: ignore[attr-defined]
    legacy["filters"].append({"filterType": "MIN_NOTIONAL", "minNotional": "10", "applyToMarket": False})
    rules = mapping.symbol_rules(legacy)
    assert (rules.min_notional, rules.max_notional, rules.apply_min_notional_to_market) == (D("10"), None, False)
    assert rules.apply_max_notional_to_market is False


def _raw_order(**overrides: Any) -> dict[str, Any]:
    return {
        "symbol": "BTCUSDT", "orderId": 11, "orderListId": -1, "clientOrderId": "web_x", "price": "0.00000000",
        "origQty": "0.01000000", "executedQty": "0.00000000", "cummulativeQuoteQty": "0.00000000",
        "status": "NEW", "timeInForce": "GTC", "type": "STOP_LOSS", "side": "SELL", "stopPrice": "60000.00000000",
        "time": 1, "updateTime": 1, "isWorking": False, **overrides,
    }  # fmt: skip


@pytest.mark.parametrize(
    "status",
    ["NEW", "PENDING_NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "PENDING_CANCEL", "REJECTED", "EXPIRED",
     "EXPIRED_IN_MATCH"],
)  # fmt: skip
def test_every_documented_order_status_is_mapped(status: str) -> None:
    order = mapping.order_result(_raw_order(status=status, type="LIMIT", price="60000.00"))
    assert order.status.value == status
    terminal = {"FILLED", "CANCELED", "REJECTED", "EXPIRED", "EXPIRED_IN_MATCH"}
    assert order.status.is_open is (status not in terminal)


@pytest.mark.parametrize(
    "order_type", ["LIMIT", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT", "LIMIT_MAKER"]
)
def test_every_documented_order_type_is_mapped(order_type: str) -> None:
    order = mapping.order_result(_raw_order(type=order_type))
    assert order.type.value == order_type


# --- the adapter over a recording python-binance stand-in -----------------------------------------
class RecordingClient:
    """Answers from canned responses and records each SDK call with its parameters."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get_exchange_info(self) -> dict[str, Any]:
        return {"symbols": [BTCUSDT]}

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(**params: Any) -> Any:
            self.calls.append((method, params))
            return self.answers[method]

        return call


@pytest.fixture
def exchange_with(make_settings: Callable[..., Settings]) -> Callable[[dict[str, Any]], BinanceExchange]:
    def build(answers: dict[str, Any]) -> BinanceExchange:
        exchange = BinanceExchange(make_settings(), sleep=lambda _: None)
        exchange.__dict__["client"] = RecordingClient(answers)  # replaces the cached python-binance client
        return exchange

    return build


def test_open_orders_placed_elsewhere_of_every_type_are_read(
    exchange_with: Callable[[dict[str, Any]], BinanceExchange],
) -> None:
    foreign = [
        _raw_order(orderId=1, type="STOP_LOSS"),
        _raw_order(orderId=2, type="TAKE_PROFIT", stopPrice="80000.00"),
        _raw_order(orderId=3, type="LIMIT", status="PENDING_NEW", price="61000.00"),
    ]
    orders = exchange_with({"get_open_orders": foreign}).open_orders("BTCUSDT")
    assert [(o.order_id, o.type, o.status) for o in orders] == [
        (1, OrderType.STOP_LOSS, OrderStatus.NEW),
        (2, OrderType.TAKE_PROFIT, OrderStatus.NEW),
        (3, OrderType.LIMIT, OrderStatus.PENDING_NEW),
    ]
    assert orders[0].stop_price == D("60000")


def test_an_oco_stop_leg_keeps_its_limit_at_or_below_its_stop(
    exchange_with: Callable[[dict[str, Any]], BinanceExchange],
) -> None:
    answer = {"orderListId": 1, "listClientOrderId": "list-1", "listOrderStatus": "EXECUTING", "orderReports": []}
    exchange = exchange_with({"create_oco_order": answer})
    exchange.place_oco(
        OcoRequest("BTCUSDT", Side.SELL, D("1"), price=D("70000"), stop_price=D("98.3626"),
                   stop_limit_price=D("98.3626"), client_key="list-1")
    )  # fmt: skip
    client: RecordingClient = exchange.client
    [(method, params)] = client.calls
    assert method == "create_oco_order"
    assert (params["belowStopPrice"], params["belowPrice"]) == ("98.36", "98.36")  # was 98.36 / 98.37


def test_a_buy_oco_stop_leg_keeps_its_limit_at_or_above_its_stop(
    exchange_with: Callable[[dict[str, Any]], BinanceExchange],
) -> None:
    answer = {"orderListId": 1, "listClientOrderId": "list-2", "listOrderStatus": "EXECUTING", "orderReports": []}
    exchange = exchange_with({"create_oco_order": answer})
    exchange.place_oco(
        OcoRequest("BTCUSDT", Side.BUY, D("1"), price=D("60000"), stop_price=D("98.3626"),
                   stop_limit_price=D("98.3626"), client_key="list-2")
    )  # fmt: skip
    client: RecordingClient = exchange.client
    [(_, params)] = client.calls
    assert (params["aboveStopPrice"], params["abovePrice"]) == ("98.37", "98.37")  # was 98.37 / 98.36
