"""Positions from fills: average-cost entry, fees by asset, realized and unrealized PnL, all by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.positions import PositionFill, build_position, fills_of, realized_between
from tradecore.domain.trades import Fee, TradeFill, TradeRecord, TradeStatus

D = Decimal
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def at(hour: int) -> datetime:
    return T0 + timedelta(hours=hour)


def trade(
    hour: int, side: Side, *fills: TradeFill, status: TradeStatus = TradeStatus.FILLED, symbol: str = "BTCUSDT"
) -> TradeRecord:
    return TradeRecord(
        id=f"t{hour}", user_id="u1", client_order_id=f"tc-{hour}", symbol=symbol, base_asset="BTC",
        quote_asset="USDT", side=side, type=OrderType.MARKET, mode=TradingMode.PAPER, status=status,
        created_at=at(hour), updated_at=at(hour) + timedelta(days=3),
        executed_quantity=sum((f.quantity for f in fills), D(0)),
        quote_amount=sum((f.price * f.quantity for f in fills), D(0)), fills=fills,
    )  # fmt: skip


def fill(price: str, quantity: str, commission: str = "0", asset: str = "USDT") -> TradeFill:
    return TradeFill(D(price), D(quantity), D(commission), asset)


# The script: one trade per hour. Expected values are worked out by hand in the comments.
SCRIPT = [
    # 1. buy 2 @ 100, no fee: qty 2, cost 200, average 100
    trade(1, Side.BUY, fill("100", "2")),
    # 2. buy 1 @ 128.9, fee 0.01 BTC: qty 2 + 0.99 = 2.99, cost 328.9, average 328.9 / 2.99 = 110
    trade(2, Side.BUY, fill("128.9", "1", "0.01", "BTC")),
    # 3. a partially filled buy of 2 in two fills with quote fees:
    #    qty 2.99 + 0.51 + 0.5 = 4, cost 328.9 + 61.2 + 0.0612 + 60.5 + 0.0605 = 450.7217, average 112.680425
    trade(
        3, Side.BUY, fill("120", "0.51", "0.0612"), fill("121", "0.5", "0.0605"), status=TradeStatus.PARTIALLY_FILLED
    ),
    # 4. sell 1 @ 130, fee 0.13 USDT: realized (130 - 112.680425) - 0.13 = 17.189575; qty 3, average unchanged
    trade(4, Side.SELL, fill("130", "1", "0.13")),
    # 5. sell 1 @ 100, fee in BNB (listed, not valued): realized 100 - 112.680425 = -12.680425; total 4.50915
    trade(5, Side.SELL, fill("100", "1", "0.0003", "BNB")),
    # 6. sell the last 2 @ 110, fee 0.22 USDT: realized (110 - 112.680425) * 2 - 0.22 = -5.58085; total -1.0717; flat
    trade(6, Side.SELL, fill("110", "2", "0.22")),
    # 7. rebuy 0.5 @ 90, fee in BNB: a new average of 90 (nothing of the old one survives)
    trade(7, Side.BUY, fill("90", "0.5", "0.0001", "BNB")),
    # 8. sell 0.8 @ 100 though 0.5 is held, fee 0.08 USDT: only 0.5 is matched, with 0.5 / 0.8 of the fee:
    #    realized (100 - 90) * 0.5 - 0.08 * 0.625 = 4.95; total 3.8783; qty 0, never negative
    trade(8, Side.SELL, fill("100", "0.8", "0.08")),
]
AVG3 = D("112.680425")
BNB_1 = (Fee("BNB", D("0.0003")),)
BNB_2 = (Fee("BNB", D("0.0004")),)


@pytest.mark.parametrize(("trades", "quantity", "average", "realized", "fees", "opened_at"), [
    (1, D("2"), D("100"), D("0"), (), at(1)),
    (2, D("2.99"), D("110"), D("0"), (), at(1)),
    (3, D("4"), AVG3, D("0"), (), at(1)),
    (4, D("3"), AVG3, D("17.189575"), (), at(1)),
    (5, D("2"), AVG3, D("4.50915"), BNB_1, at(1)),
    (6, D("0"), None, D("-1.0717"), BNB_1, None),
    (7, D("0.5"), D("90"), D("-1.0717"), BNB_2, at(7)),
    (8, D("0"), None, D("3.8783"), BNB_2, None),
])  # fmt: skip
def test_build_position_follows_the_scripted_sequence_by_hand(
    trades: int, quantity: Decimal, average: Decimal | None, realized: Decimal, fees: tuple[Fee, ...],
    opened_at: datetime | None,
) -> None:  # fmt: skip
    position = build_position("BTCUSDT", "BTC", "USDT", fills_of(SCRIPT[:trades]))
    assert position.quantity == quantity
    assert position.average_entry == average
    assert position.realized_pnl == realized
    assert position.fees == fees
    assert position.opened_at == opened_at
    assert position.is_open is (quantity > 0)


def test_position_values_the_holding_at_the_current_price() -> None:
    position = build_position("BTCUSDT", "BTC", "USDT", fills_of(SCRIPT[:5]))  # 2 BTC at 112.680425
    assert position.market_value(D("120")) == D("240")
    assert position.unrealized_pnl(D("120")) == D("14.63915")  # (120 - 112.680425) * 2
    assert position.unrealized_pnl(D("100")) == D("-25.36085")


def test_flat_position_has_no_unrealized_pnl() -> None:
    position = build_position("BTCUSDT", "BTC", "USDT", fills_of(SCRIPT))
    assert (position.unrealized_pnl(D("1000")), position.market_value(D("1000"))) == (D("0"), D("0"))


def test_sell_with_fee_in_base_takes_the_fee_out_of_the_holding_at_cost() -> None:
    fills = fills_of([trade(1, Side.BUY, fill("100", "1")), trade(2, Side.SELL, fill("120", "0.5", "0.001", "BTC"))])
    position = build_position("BTCUSDT", "BTC", "USDT", fills)
    # realized (120 - 100) * 0.5 - 100 * 0.001 = 9.9; 0.501 leaves, 0.499 stays at the same average
    assert (position.quantity, position.average_entry, position.realized_pnl) == (D("0.499"), D("100"), D("9.9"))


def test_buy_fee_in_quote_raises_the_average_entry() -> None:
    position = build_position("BTCUSDT", "BTC", "USDT", fills_of([trade(1, Side.BUY, fill("100", "2", "0.2"))]))
    assert position.average_entry == D("100.1")  # (200 + 0.2) / 2: the break-even includes the fee


def test_sell_with_nothing_held_realizes_nothing() -> None:
    position = build_position("BTCUSDT", "BTC", "USDT", fills_of([trade(1, Side.SELL, fill("100", "1", "0.1"))]))
    assert (position.quantity, position.average_entry, position.realized_pnl) == (D("0"), None, D("0"))


# --- fills_of: the trades' fills, oldest first --------------------------------------------------------
def test_fills_of_orders_by_trade_time_then_fill_order() -> None:
    newer = trade(5, Side.SELL, fill("130", "1"))
    older = trade(2, Side.BUY, fill("120", "0.51", "0.0612"), fill("121", "0.5", "0.0605"))
    assert fills_of([newer, older]) == [
        PositionFill(Side.BUY, D("120"), D("0.51"), D("0.0612"), "USDT", at(2)),
        PositionFill(Side.BUY, D("121"), D("0.5"), D("0.0605"), "USDT", at(2)),
        PositionFill(Side.SELL, D("130"), D("1"), D("0"), "USDT", at(5)),
    ]


def test_fills_of_turns_an_unitemised_execution_into_one_fill_at_its_average() -> None:
    record = trade(1, Side.BUY)
    record = TradeRecord(**{**record.__dict__, "executed_quantity": D("0.4"), "quote_amount": D("40.4")})
    assert fills_of([record]) == [PositionFill(Side.BUY, D("101"), D("0.4"), D("0"), "USDT", at(1))]


def test_fills_of_adds_the_part_the_fills_do_not_cover_at_its_own_price() -> None:
    # a query answer without fills raised the executed quantity past the one fill already known
    record = trade(1, Side.BUY, fill("100", "0.1", "0.0001", "BTC"))
    record = TradeRecord(**{**record.__dict__, "executed_quantity": D("0.3"), "quote_amount": D("31")})
    assert fills_of([record]) == [
        PositionFill(Side.BUY, D("100"), D("0.1"), D("0.0001"), "BTC", at(1)),
        PositionFill(Side.BUY, D("105"), D("0.2"), D("0"), "USDT", at(1)),  # (31 - 10) / 0.2
    ]


def test_fills_of_skips_trades_that_executed_nothing() -> None:
    assert (
        fills_of([trade(1, Side.BUY, status=TradeStatus.REJECTED), trade(2, Side.BUY, status=TradeStatus.PENDING)])
        == []
    )


def test_fills_of_refuses_trades_of_several_symbols() -> None:
    with pytest.raises(ValueError, match="one symbol"):
        fills_of([trade(1, Side.BUY, fill("1", "1")), trade(2, Side.BUY, fill("1", "1"), symbol="ETHUSDT")])


# --- realized_between: the PnL a window's sells realized ---------------------------------------------
@pytest.mark.parametrize(("start", "end", "expected"), [
    (at(0), at(4), D("0")),  # buys only; the sell at hour 4 is outside [start, end)
    (at(4), at(5), D("17.189575")),
    (at(5), at(7), D("-18.261275")),  # -12.680425 - 5.58085: the averages come from buys before the window
    (at(0), at(24), D("3.8783")),
])  # fmt: skip
def test_realized_between_sums_the_window_sells_only(start: datetime, end: datetime, expected: Decimal) -> None:
    assert realized_between("BTCUSDT", "BTC", "USDT", fills_of(SCRIPT), start, end) == expected


# --- properties ---------------------------------------------------------------------------------------
prices = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
quantities = st.decimals(min_value=D("0.00001"), max_value=D("1000"), places=5)
fee_assets = st.sampled_from(["BTC", "USDT", "BNB"])


@st.composite
def any_fill(draw: st.DrawFn, hour: int = 0, fees: bool = True) -> PositionFill:
    quantity = draw(quantities)
    commission = draw(st.decimals(min_value=D(0), max_value=quantity / 100, places=8)) if fees else D(0)
    side = draw(st.sampled_from([Side.BUY, Side.SELL]))
    return PositionFill(side, draw(prices), quantity, commission, draw(fee_assets), at(hour))


@given(st.lists(any_fill(), max_size=15))
def test_quantity_never_goes_negative(fills: list[PositionFill]) -> None:
    for end in range(len(fills) + 1):
        position = build_position("BTCUSDT", "BTC", "USDT", fills[:end])
        assert position.quantity >= 0
        assert (position.average_entry is None) is (not position.is_open)


@given(prices, st.lists(quantities, min_size=1, max_size=6))
def test_buying_and_selling_everything_at_one_price_without_fees_realizes_zero(
    price: Decimal, buys: list[Decimal]
) -> None:
    total = sum(buys, D(0))
    first_sell = (total / 3).quantize(D("0.00001"))  # sold in two parts
    fills = [PositionFill(Side.BUY, price, q, D(0), "USDT", at(1)) for q in buys]
    fills += [PositionFill(Side.SELL, price, q, D(0), "USDT", at(2)) for q in (first_sell, total - first_sell)]
    position = build_position("BTCUSDT", "BTC", "USDT", fills)
    assert (position.realized_pnl, position.quantity) == (D(0), D(0))


@given(st.lists(any_fill(fees=False), min_size=1, max_size=15))
def test_average_entry_stays_within_the_prices_bought_at(fills: list[PositionFill]) -> None:
    for end in range(1, len(fills) + 1):
        position = build_position("BTCUSDT", "BTC", "USDT", fills[:end])
        bought = [f.price for f in fills[:end] if f.side is Side.BUY]
        if position.average_entry is not None:
            assert min(bought) <= position.average_entry <= max(bought)


@given(st.lists(st.tuples(any_fill(), st.integers(min_value=0, max_value=3)), max_size=12))
def test_realized_over_all_time_equals_the_position_realized(timed: list[tuple[PositionFill, int]]) -> None:
    fills = [PositionFill(f.side, f.price, f.quantity, f.commission, f.commission_asset, at(i + h)) for i, (f, h) in
             enumerate(timed)]  # fmt: skip
    position = build_position("BTCUSDT", "BTC", "USDT", fills)
    assert realized_between("BTCUSDT", "BTC", "USDT", fills, at(0), at(100)) == position.realized_pnl
