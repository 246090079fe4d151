"""Order maths: rounding to tick and step, and the filters, checked before anything is sent."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from hypothesis import assume, given
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
from tradecore.domain.orders import OcoRequest, OrderRequest, OrderType, Side, SymbolRules, TimeInForce
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


# --- stop-limit orders: rounding never puts the limit on the wrong side of the stop ---------------
def _rules_for_tick(tick: Decimal) -> SymbolRules:
    return SymbolRules(
        symbol="ANYUSDT", base_asset="ANY", quote_asset="USDT", tick_size=tick, min_price=tick,
        max_price=D("10000000"), step_size=D("0.00001"), min_qty=D("0.00001"), max_qty=D("9000"), min_notional=D("0"),
    )  # fmt: skip


ticks = st.builds(lambda m, e: D(m).scaleb(-e), st.sampled_from([1, 2, 5, 25]), st.integers(min_value=0, max_value=8))
stop_types = st.sampled_from([OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT])


@given(
    ticks,
    st.decimals(min_value=D("1"), max_value=D("100000"), places=8),
    st.decimals(min_value=D("0"), max_value=D("3"), places=4),
    sides,
    stop_types,
)
def test_a_stop_limit_keeps_its_limit_on_the_side_of_the_stop_the_user_chose(
    tick: Decimal, stop: Decimal, gap_in_ticks: Decimal, side: Side, order_type: OrderType
) -> None:
    # GIVEN a stop-limit whose limit is at the stop or beyond it (below for a SELL, above for a BUY),
    # as a stop that must fill in a running market is written
    rules = _rules_for_tick(tick)
    gap = gap_in_ticks * tick
    limit = stop - gap if side is Side.SELL else stop + gap
    assume(min(limit, stop) > 2 * tick)  # inside the price filter
    request = OrderRequest("ANYUSDT", side, order_type, quantity=D("1"), price=limit, stop_price=stop)
    # WHEN it is rounded onto the tick grid
    prepared = prepare_order(request, rules, None)
    assert prepared.price is not None
    assert prepared.stop_price is not None
    # THEN a SELL's limit is still at or below its stop, a BUY's at or above it, both on the grid
    if side is Side.SELL:
        assert prepared.price <= prepared.stop_price
    else:
        assert prepared.price >= prepared.stop_price
    check_price(prepared.price, rules)
    check_price(prepared.stop_price, rules)


@pytest.mark.parametrize(("side", "expected_stop"), [(Side.SELL, D("98.36")), (Side.BUY, D("98.37"))])
def test_a_stop_limit_at_its_stop_price_stays_at_the_rounded_stop(side: Side, expected_stop: Decimal) -> None:
    # the example: a SELL stop 98.3626 became stopPrice 98.36 with price 98.37 (never fills when falling)
    request = OrderRequest(
        "BTCUSDT", side, OrderType.STOP_LOSS_LIMIT, quantity=D("1"), price=D("98.3626"), stop_price=D("98.3626")
    )
    prepared = prepare_order(request, RULES, None)
    assert (prepared.stop_price, prepared.price) == (expected_stop, expected_stop)


def test_a_limit_the_user_put_beyond_a_tick_from_the_stop_keeps_its_own_rounding() -> None:
    request = OrderRequest(
        "BTCUSDT", Side.SELL, OrderType.STOP_LOSS_LIMIT, quantity=D("1"), price=D("98.2051"), stop_price=D("98.3626")
    )
    prepared = prepare_order(request, RULES, None)
    assert (prepared.stop_price, prepared.price) == (D("98.36"), D("98.21"))  # SELL limit still rounds up


# --- MARKET_LOT_SIZE and the NOTIONAL flags, as Binance sends them -----------------------------------
BINANCE_LIKE = replace(
    RULES, market_step_size=D("0"), market_min_qty=D("0"), market_max_qty=D("50"), max_notional=D("100000"),
    apply_min_notional_to_market=True, apply_max_notional_to_market=False,
)  # fmt: skip


def test_market_lot_size_max_is_enforced_when_its_step_is_zero() -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare_order(OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("51")), BINANCE_LIKE, D("1"))
    assert caught.value.details["filter"] == "MARKET_LOT_SIZE"


def test_market_orders_keep_the_lot_size_step_when_the_market_step_is_zero() -> None:
    prepared = prepare_order(
        OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("0.0012345")), BINANCE_LIKE, D("65000")
    )
    assert prepared.quantity == D("0.00123")
    check_quantity(D("0.00123"), BINANCE_LIKE, market=True)
    with pytest.raises(InvalidInputError) as caught:
        check_quantity(D("0.000015"), BINANCE_LIKE, market=True)
    assert caught.value.details["filter"] == "LOT_SIZE"


def test_market_lot_size_has_its_own_minimum_and_step() -> None:
    rules = replace(BINANCE_LIKE, market_min_qty=D("0.001"), market_step_size=D("0.001"))
    for qty, filter_name in ((D("0.0005"), "MARKET_LOT_SIZE"), (D("0.00101"), "MARKET_LOT_SIZE")):
        with pytest.raises(InvalidInputError) as caught:
            check_quantity(qty, rules, market=True)
        assert caught.value.details["filter"] == filter_name
    check_quantity(D("0.002"), rules, market=True)
    assert round_quantity(D("0.00299"), rules, market=True) == D("0.002")


def test_market_max_notional_applies_only_with_apply_max_to_market() -> None:
    big = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("2"))  # 130,000 > maxNotional 100,000
    assert prepare_order(big, BINANCE_LIKE, D("65000")).quantity == D("2")
    with pytest.raises(InvalidInputError, match="above the maximum"):
        prepare_order(big, replace(BINANCE_LIKE, apply_max_notional_to_market=True), D("65000"))
    by_quote = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quote_quantity=D("150000"))
    assert prepare_order(by_quote, BINANCE_LIKE, None).quote_quantity == D("150000")
    with pytest.raises(InvalidInputError, match="above the maximum"):
        prepare_order(by_quote, replace(BINANCE_LIKE, apply_max_notional_to_market=True), None)


def test_market_min_notional_applies_only_with_apply_min_to_market() -> None:
    small = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=D("0.00005"))  # 3.25 < minNotional 5
    assert prepare_order(small, replace(BINANCE_LIKE, apply_min_notional_to_market=False), D("65000")).quantity
    with pytest.raises(InvalidInputError, match="below the minimum"):
        prepare_order(small, BINANCE_LIKE, D("65000"))


# --- non-finite decimals are a validation error naming the field -------------------------------------
@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "sNaN"])
@pytest.mark.parametrize("field", ["quantity", "quote_quantity", "price", "stop_price"])
def test_an_order_with_a_non_finite_decimal_is_a_validation_error(field: str, bad: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        OrderRequest("BTCUSDT", Side.BUY, OrderType.LIMIT, **{field: D(bad)})  # type: ignore[arg-type]
    assert caught.value.status == 422
    assert caught.value.details["field"] == field
    assert field in caught.value.message


@pytest.mark.parametrize("field", ["quantity", "price", "stop_price", "stop_limit_price"])
def test_an_oco_with_a_non_finite_decimal_is_a_validation_error(field: str) -> None:
    values = {"quantity": D("1"), "price": D("70000"), "stop_price": D("60000"), "stop_limit_price": D("59900")}
    with pytest.raises(InvalidInputError) as caught:
        OcoRequest("BTCUSDT", Side.SELL, **{**values, field: D("NaN")})
    assert caught.value.details["field"] == field


def test_prepare_refuses_order_types_it_cannot_place() -> None:
    request = OrderRequest("BTCUSDT", Side.SELL, OrderType.STOP_LOSS, quantity=D("1"), stop_price=D("60000"))
    with pytest.raises(InvalidInputError, match="STOP_LOSS"):
        prepare_order(request, RULES, D("65000"))
