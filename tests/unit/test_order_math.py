"""Order maths: rounding to tick and step, and the filters, checked before anything is sent."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.order_math import (
    check_notional,
    check_price,
    check_quantity,
    limit_price_rounding,
    prepare_order,
    quantity_for_quote,
    round_price,
    round_quantity,
    round_to_step,
    stop_price_rounding,
)
from tradecore.domain.orders import OrderRequest, OrderType, Side, SymbolRules, TimeInForce
from tradecore.errors import InvalidInputError

D = Decimal
RULES = SymbolRules(
    symbol="BTCUSDT", base_asset="BTC", quote_asset="USDT", tick_size=D("0.01"), min_price=D("0.01"),
    max_price=D("1000000"), step_size=D("0.00001"), min_qty=D("0.00001"), max_qty=D("9000"), min_notional=D("5"),
    max_notional=D("9000000"),
)  # fmt: skip

decimals = st.decimals(min_value=D("0.00001"), max_value=D("100000"), places=8, allow_nan=False, allow_infinity=False)
# A grid whose origin (minPrice / minQty) is not a multiple of the step: Binance measures the grid
# from the minimum, so rounding from zero would produce values the filter rejects.
ODD_ORIGIN = SymbolRules(
    symbol="ODDUSDT", base_asset="ODD", quote_asset="USDT", tick_size=D("0.1"), min_price=D("0.05"),
    max_price=D("100000"), step_size=D("0.1"), min_qty=D("0.05"), max_qty=D("9000"), min_notional=D("0"),
)  # fmt: skip
off_tick_prices = st.decimals(min_value=D("0.05"), max_value=D("99999"), places=6, allow_nan=False)
sides = st.sampled_from([Side.BUY, Side.SELL])
steps = st.sampled_from([D("0.01"), D("0.001"), D("0.00001"), D("0.5"), D("1"), D("10")])


@pytest.mark.parametrize(("value", "step", "expected"), [
    (D("1.23456"), D("0.01"), D("1.23")),
    (D("1.23999"), D("0.01"), D("1.23")),
    (D("0.000019"), D("0.00001"), D("0.00001")),
    (D("105"), D("10"), D("100")),
    (D("7"), D("0"), D("7")),
])  # fmt: skip
def test_round_to_step_floors_onto_the_grid(value: Decimal, step: Decimal, expected: Decimal) -> None:
    assert round_to_step(value, step) == expected


@given(decimals, steps)
def test_rounded_values_are_on_the_grid_and_never_above(value: Decimal, step: Decimal) -> None:
    rounded = round_to_step(value, step)
    assert rounded % step == 0
    assert rounded <= value < rounded + step


@given(off_tick_prices, sides, st.sampled_from([RULES, ODD_ORIGIN]))
def test_limit_price_rounds_against_the_user_and_onto_the_filter_grid(
    value: Decimal, side: Side, rules: SymbolRules
) -> None:
    price = round_price(value, rules, limit_price_rounding(side))
    if side is Side.BUY:
        assert value - rules.tick_size < price <= value  # never pay more than the limit
    else:
        assert value <= price < value + rules.tick_size  # never sell below the limit
    assert (price - rules.min_price) % rules.tick_size == 0
    check_price(price, rules)  # a rounded price always passes the filter it was rounded for


@pytest.mark.parametrize(("side", "asked", "expected"), [
    (Side.BUY, D("65000.129"), D("65000.12")),
    (Side.SELL, D("65000.121"), D("65000.13")),
    (Side.BUY, D("65000.12"), D("65000.12")),
])  # fmt: skip
def test_limit_price_rounding_by_side(side: Side, asked: Decimal, expected: Decimal) -> None:
    assert round_price(asked, RULES, limit_price_rounding(side)) == expected


@pytest.mark.parametrize(("side", "order_type", "direction"), [
    (Side.BUY, OrderType.STOP_LOSS_LIMIT, ROUND_CEILING),
    (Side.SELL, OrderType.STOP_LOSS_LIMIT, ROUND_FLOOR),
    (Side.BUY, OrderType.TAKE_PROFIT_LIMIT, ROUND_FLOOR),
    (Side.SELL, OrderType.TAKE_PROFIT_LIMIT, ROUND_CEILING),
])  # fmt: skip
def test_stop_price_never_triggers_earlier_than_asked(side: Side, order_type: OrderType, direction: str) -> None:
    assert stop_price_rounding(side, order_type) == direction


def test_prepared_stop_loss_sell_rounds_its_limit_up_and_its_stop_down() -> None:
    prepared = prepare_order(
        OrderRequest(
            "BTCUSDT", Side.SELL, OrderType.STOP_LOSS_LIMIT, quantity=D("0.001"), price=D("59000.001"),
            stop_price=D("59500.009"),
        ),
        RULES,
        None,
    )  # fmt: skip
    assert (prepared.price, prepared.stop_price) == (D("59000.01"), D("59500.00"))


@given(st.decimals(min_value=D("0.05"), max_value=D("9000"), places=6, allow_nan=False))
def test_quantity_rounding_uses_the_filter_grid(value: Decimal) -> None:
    qty = round_quantity(value, ODD_ORIGIN)
    assert value - ODD_ORIGIN.step_size < qty <= value
    check_quantity(qty, ODD_ORIGIN)


@given(decimals)
def test_quantity_rounding_never_buys_more_than_asked(value: Decimal) -> None:
    qty = round_quantity(value, RULES)
    assert qty <= value
    assert value - qty < RULES.step_size


@pytest.mark.parametrize(("price", "message"), [(D("0"), "positive"), (D("0.001"), "below"), (D("2000000"), "above"),
                                                (D("100.005"), "multiple")])  # fmt: skip
def test_price_filter_names_the_failure(price: Decimal, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        check_price(price, RULES)
    assert caught.value.details["filter"] == "PRICE_FILTER"


@pytest.mark.parametrize("qty", [D("0"), D("0.000001"), D("9001"), D("0.000015")])
def test_lot_size_filter(qty: Decimal) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_quantity(qty, RULES)
    assert caught.value.details["filter"] == "LOT_SIZE"


def test_notional_bounds() -> None:
    check_notional(D("5"), RULES)
    for bad in (D("4.99"), D("9000001")):
        with pytest.raises(InvalidInputError) as caught:
            check_notional(bad, RULES)
        assert caught.value.details["filter"] == "NOTIONAL"


def test_prepare_limit_order_rounds_and_defaults_gtc() -> None:
    prepared = prepare_order(
        OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D("0.0012345"), price=D("65000.129")), RULES, None
    )
    # the BUY limit rounds down: never pay more than asked
    assert (prepared.quantity, prepared.price, prepared.time_in_force) == (D("0.00123"), D("65000.12"), TimeInForce.GTC)


def test_prepare_rejects_a_market_order_below_min_notional_at_the_reference_price() -> None:
    with pytest.raises(InvalidInputError, match="NOTIONAL"):
        prepare_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("0.00005")), RULES, D("65000"))


@pytest.mark.parametrize("request_", [
    OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET),
    OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("1"), quote_quantity=D("10")),
    OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, quantity=D("1")),
    OrderRequest("BTCUSDT", Side.SELL, OrderType.STOP_LOSS_LIMIT, quantity=D("1"), price=D("60000")),
    OrderRequest("ETHUSDT", Side.SELL, OrderType.LIMIT, quantity=D("1"), price=D("3000")),
])  # fmt: skip
def test_prepare_rejects_incomplete_or_mismatched_requests(request_: OrderRequest) -> None:
    with pytest.raises(InvalidInputError):
        prepare_order(request_, RULES, D("65000"))


@given(
    st.decimals(min_value=D("10"), max_value=D("100000"), places=2),
    st.decimals(min_value=D("1000"), max_value=D("200000"), places=5),
    sides,
)
def test_prepared_orders_always_pass_every_filter(quote: Decimal, price: Decimal, side: Side) -> None:
    qty = quantity_for_quote(quote, price, RULES)
    request = OrderRequest("BTCUSDT", side, OrderType.LIMIT, quantity=qty, price=price)
    rounded = round_price(price, RULES, limit_price_rounding(side))
    if qty < RULES.min_qty or qty * rounded < RULES.min_notional:  # too small after rounding
        with pytest.raises(InvalidInputError):
            prepare_order(request, RULES, None)
        return
    prepared = prepare_order(request, RULES, None)
    assert prepared.price is not None
    assert prepared.quantity is not None
    check_price(prepared.price, RULES)
    check_quantity(prepared.quantity, RULES)
    assert prepared.price <= price if side is Side.BUY else prepared.price >= price
    assert prepared.price * prepared.quantity <= quote + RULES.tick_size * prepared.quantity
