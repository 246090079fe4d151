"""Performance figures from fills: every figure of a scripted sequence worked out by hand (the
arithmetic is in the comments), the period filter, the no-loss and empty cases, and drawdown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tradecore.domain.accounts import TradingMode
from tradecore.domain.equity_curve import DailyPnl, Drawdown, daily_series, max_drawdown
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.performance import Figures, Period, measure_performance
from tradecore.domain.trades import Fee, TradeFill, TradeRecord, TradeStatus

D = Decimal
DAY1 = datetime(2024, 3, 1, tzinfo=UTC)
ASSETS = {"BTCUSDT": ("BTC", "USDT"), "ETHUSDT": ("ETH", "USDT"), "ETHBTC": ("ETH", "BTC")}


def at(day: int, hour: int) -> datetime:
    return DAY1 + timedelta(days=day - 1, hours=hour)


def trade(when: datetime, symbol: str, side: Side, *fills: TradeFill) -> TradeRecord:
    base, quote = ASSETS[symbol]
    return TradeRecord(
        id=f"{symbol}-{when.isoformat()}", user_id="u1", client_order_id=f"tc-{symbol}-{when.isoformat()}",
        symbol=symbol, base_asset=base, quote_asset=quote, side=side, type=OrderType.MARKET,
        mode=TradingMode.PAPER, status=TradeStatus.FILLED, created_at=when, updated_at=when + timedelta(days=9),
        executed_quantity=sum((f.quantity for f in fills), D(0)),
        quote_amount=sum((f.price * f.quantity for f in fills), D(0)), fills=fills,
    )  # fmt: skip


def fill(price: str, quantity: str, commission: str = "0", asset: str = "USDT") -> TradeFill:
    return TradeFill(D(price), D(quantity), D(commission), asset)


BUY, SELL = Side.BUY, Side.SELL
# The script, worked by hand (average cost: buying fees go into the cost, selling fees out of the PnL).
SCRIPT = [
    # 1. day 1 09:00 BUY 2 BTC @ 100, fee 0.2 USDT: BTC qty 2, cost 200.2, average 100.1
    trade(at(1, 9), "BTCUSDT", BUY, fill("100", "2", "0.2")),
    # 2. day 1 10:00 BUY 10.01 ETH @ 10, fee 0.01 ETH (base): ETH qty 10.01 - 0.01 = 10, cost 100.1, average 10.01
    trade(at(1, 10), "ETHUSDT", BUY, fill("10", "10.01", "0.01", "ETH")),
    # 3. day 1 11:00 SELL 1 BTC in two fills (one trade):
    #    0.5 @ 120 fee 0.06: (120 - 100.1) * 0.5 - 0.06 = 9.95 - 0.06 = 9.89
    #    0.5 @ 122 fee 0.061: (122 - 100.1) * 0.5 - 0.061 = 10.95 - 0.061 = 10.889
    #    the trade realized 9.89 + 10.889 = 20.779: a WIN. BTC qty 1, average still 100.1
    trade(at(1, 11), "BTCUSDT", SELL, fill("120", "0.5", "0.06"), fill("122", "0.5", "0.061")),
    # 4. day 2 09:00 SELL 5 ETH @ 9, fee 0.0009 BNB (listed, not in the PnL): (9 - 10.01) * 5 = -5.05: a LOSS
    trade(at(2, 9), "ETHUSDT", SELL, fill("9", "5", "0.0009", "BNB")),
    # 5. day 2 10:00 SELL 0.5 BTC @ 90, fee 0.045: (90 - 100.1) * 0.5 - 0.045 = -5.05 - 0.045 = -5.095: a LOSS
    trade(at(2, 10), "BTCUSDT", SELL, fill("90", "0.5", "0.045")),
    # 6. day 3 09:00 SELL the last 5 ETH @ 12, fee 0.06: (12 - 10.01) * 5 - 0.06 = 9.95 - 0.06 = 9.89: a WIN; ETH flat
    trade(at(3, 9), "ETHUSDT", SELL, fill("12", "5", "0.06")),
    # 7. day 3 10:00 BUY 0.5 BTC @ 110, fee 0.0005 BNB: qty 1, cost 0.5 * 100.1 + 55 = 105.05, average 105.05 (open)
    trade(at(3, 10), "BTCUSDT", BUY, fill("110", "0.5", "0.0005", "BNB")),
]
NOW = at(4, 0)  # the injected clock: day 4, 00:00 UTC
PRICES = {"BTCUSDT": D("100"), "ETHUSDT": D("11")}


def test_performance_of_the_scripted_sequence_all_time_by_hand() -> None:
    report = measure_performance(reversed(SCRIPT), PRICES, Period(None, NOW))  # any order in
    t = report.totals
    assert (t.trades, t.closed_trades, t.wins, t.losses) == (7, 4, 2, 2)  # closed: 3, 4, 5, 6; wins 3, 6
    assert t.realized_pnl == D("20.524")  # 20.779 - 5.05 - 5.095 + 9.89
    assert t.quote_fees == D("0.426")  # 0.2 + 0.06 + 0.061 + 0.045 + 0.06
    assert t.other_fees == (Fee("ETH", D("0.01")), Fee("BNB", D("0.0014")))  # BNB 0.0009 + 0.0005
    assert (t.gross_profit, t.gross_loss) == (D("30.669"), D("10.145"))  # 20.779 + 9.89; 5.05 + 5.095
    assert t.win_rate == D("0.5")  # 2 / 4
    assert t.profit_factor == D("30.669") / D("10.145")
    assert t.profit_factor_infinite is False
    assert t.expectancy == D("5.131")  # 20.524 / 4
    assert report.unrealized_pnl == D("-5.05")  # BTC (100 - 105.05) * 1; ETH flat
    assert report.total_pnl == D("15.474")  # 20.524 - 5.05


def test_performance_drawdown_and_daily_series_of_the_script_by_hand() -> None:
    report = measure_performance(SCRIPT, PRICES, Period(None, NOW))
    # curve per fill: 0 | 0 (buy) 0 (buy) 9.89 20.779 | 15.729 10.634 | 20.524 20.524 (buy) | + unrealized 15.474
    # the largest fall: from 20.779 to 10.634 = 10.145 (the later fall to 15.474 is 5.305)
    assert report.drawdown == Drawdown(D("10.145"), D("20.779"), D("10.634"), D("10.145") / D("20.779") * 100)
    assert report.daily == (
        DailyPnl(date(2024, 3, 1), D("20.779"), D("20.779")),
        DailyPnl(date(2024, 3, 2), D("-10.145"), D("10.634")),  # -5.05 - 5.095
        DailyPnl(date(2024, 3, 3), D("9.89"), D("20.524")),
    )


def test_performance_per_symbol_breakdown_of_the_script_by_hand() -> None:
    btc, eth = measure_performance(SCRIPT, PRICES, Period(None, NOW)).per_symbol
    assert (btc.symbol, btc.open_quantity, btc.average_entry, btc.unrealized_pnl) == (
        "BTCUSDT",
        D("1"),
        D("105.05"),
        D("-5.05"),
    )
    assert btc.figures == Figures(
        realized_pnl=D("15.684"),  # 20.779 - 5.095
        quote_fees=D("0.366"),  # 0.2 + 0.06 + 0.061 + 0.045
        other_fees=(Fee("BNB", D("0.0005")),), trades=4, closed_trades=2, wins=1, losses=1,
        gross_profit=D("20.779"), gross_loss=D("5.095"),
    )  # fmt: skip
    assert btc.figures.profit_factor == D("20.779") / D("5.095")
    assert (eth.symbol, eth.open_quantity, eth.average_entry, eth.unrealized_pnl) == ("ETHUSDT", D("0"), None, D("0"))
    assert eth.figures == Figures(
        realized_pnl=D("4.84"),  # -5.05 + 9.89
        quote_fees=D("0.06"), other_fees=(Fee("ETH", D("0.01")), Fee("BNB", D("0.0009"))), trades=3,
        closed_trades=2, wins=1, losses=1, gross_profit=D("9.89"), gross_loss=D("5.05"),
    )  # fmt: skip
    assert btc.in_totals
    assert eth.in_totals


def test_performance_period_replays_earlier_fills_but_counts_only_its_own() -> None:
    # day 2 only: trades 4 and 5 realize against averages from day 1's buys (10.01 and 100.1)
    report = measure_performance(SCRIPT, None, Period(at(2, 0), at(3, 0)))
    t = report.totals
    assert (t.trades, t.closed_trades, t.wins, t.losses) == (2, 2, 0, 2)
    assert t.realized_pnl == D("-10.145")  # -5.05 - 5.095
    assert (t.quote_fees, t.other_fees) == (D("0.045"), (Fee("BNB", D("0.0009")),))
    assert (t.win_rate, t.profit_factor, t.profit_factor_infinite) == (D("0"), D("0"), False)  # 0 / 10.145
    assert t.expectancy == D("-5.0725")  # -10.145 / 2
    # at the period's end BTC 0.5 and ETH 5 are open; the prices of that moment are not known
    assert report.unrealized_pnl is None
    assert report.total_pnl is None
    assert [(s.symbol, s.open_quantity, s.unrealized_pnl) for s in report.per_symbol] == [
        ("BTCUSDT", D("0.5"), None), ("ETHUSDT", D("5"), None),
    ]  # fmt: skip
    # curve 0, -5.05, -10.145: a fall of 10.145 from a peak of 0 has no percentage
    assert report.drawdown == Drawdown(D("10.145"), D("0"), D("-10.145"), None)
    assert report.daily == (DailyPnl(date(2024, 3, 2), D("-10.145"), D("-10.145")),)


def test_performance_period_leaves_out_symbols_without_trades_or_holding_in_it() -> None:
    # day 3 from 09:00: ETH's last sale (9.89) and BTC's buy; BTC is open and ETH is flat but traded
    report = measure_performance(SCRIPT, PRICES, Period(at(3, 9), NOW))
    assert [(s.symbol, s.figures.trades) for s in report.per_symbol] == [("BTCUSDT", 1), ("ETHUSDT", 1)]
    assert report.totals.realized_pnl == D("9.89")
    assert report.daily == (DailyPnl(date(2024, 3, 3), D("9.89"), D("9.89")),)
    # from day 4 on nothing trades: only the open BTC line stays, with its unrealized PnL
    later = measure_performance(SCRIPT, PRICES, Period(NOW, NOW + timedelta(days=1)))
    assert [(s.symbol, s.figures.trades, s.unrealized_pnl) for s in later.per_symbol] == [("BTCUSDT", 0, D("-5.05"))]
    assert later.daily == (DailyPnl(date(2024, 3, 4), D("0"), D("0")),)


def test_performance_without_losses_has_no_profit_factor_but_the_flag() -> None:
    trades = [
        trade(at(1, 9), "BTCUSDT", BUY, fill("100", "1")),
        trade(at(1, 10), "BTCUSDT", SELL, fill("110", "0.5", "0.05")),  # (110 - 100) * 0.5 - 0.05 = 4.95
    ]
    t = measure_performance(trades, PRICES, Period(None, NOW)).totals
    assert (t.closed_trades, t.wins, t.losses, t.win_rate) == (1, 1, 0, D("1"))
    assert (t.profit_factor, t.profit_factor_infinite, t.expectancy) == (None, True, D("4.95"))


def test_performance_with_no_trades_is_zeros_and_nones() -> None:
    report = measure_performance([], {}, Period(None, NOW))
    assert report.totals == Figures()
    t = report.totals
    assert (t.win_rate, t.profit_factor, t.profit_factor_infinite, t.expectancy) == (None, None, False, None)
    assert (report.unrealized_pnl, report.total_pnl, report.per_symbol, report.daily) == (D("0"), D("0"), (), ())
    assert report.drawdown == Drawdown(D("0"), D("0"), D("0"), None)


def test_performance_sell_of_coins_never_bought_closes_nothing() -> None:
    report = measure_performance([trade(at(1, 9), "BTCUSDT", SELL, fill("100", "1", "0.1"))], {}, Period(None, NOW))
    t = report.totals
    assert (t.trades, t.closed_trades, t.realized_pnl, t.quote_fees) == (1, 0, D("0"), D("0.1"))
    assert (t.win_rate, t.profit_factor, t.profit_factor_infinite) == (None, None, False)


def test_performance_break_even_close_is_neither_win_nor_loss() -> None:
    trades = [trade(at(1, 9), "BTCUSDT", BUY, fill("100", "1")), trade(at(1, 10), "BTCUSDT", SELL, fill("100", "1"))]
    t = measure_performance(trades, {}, Period(None, NOW)).totals
    assert (t.closed_trades, t.wins, t.losses, t.win_rate, t.expectancy) == (1, 0, 0, D("0"), D("0"))
    assert (t.profit_factor, t.profit_factor_infinite) == (None, False)


def test_performance_drawdown_ends_with_the_unrealized_pnl() -> None:
    trades = [
        trade(at(1, 9), "BTCUSDT", BUY, fill("100", "1")),
        trade(at(1, 10), "BTCUSDT", SELL, fill("120", "0.5")),  # (120 - 100) * 0.5 = 10
    ]
    report = measure_performance(trades, {"BTCUSDT": D("60")}, Period(None, NOW))
    # curve 0, 0, 10, then 10 + (60 - 100) * 0.5 = 10 - 20 = -10: a fall of 20 from 10, 200 %
    assert report.drawdown == Drawdown(D("20"), D("10"), D("-10"), D("200"))
    assert report.total_pnl == D("-10")


def test_performance_open_position_without_a_price_has_no_unrealized_pnl() -> None:
    report = measure_performance(SCRIPT, {"ETHUSDT": D("11")}, Period(None, NOW))  # no BTC price
    assert (report.unrealized_pnl, report.total_pnl) == (None, None)
    # without the last point the curve's largest fall is still 20.779 -> 10.634
    assert report.drawdown.amount == D("10.145")


def test_performance_leaves_symbols_in_another_quote_out_of_the_totals() -> None:
    trades = [
        trade(at(1, 9), "ETHBTC", BUY, fill("0.05", "1")),
        trade(at(1, 10), "ETHBTC", SELL, fill("0.06", "1", "0.00006", "BTC")),  # (0.06 - 0.05) - 0.00006 = 0.00994 BTC
        trade(at(1, 11), "BTCUSDT", BUY, fill("100", "1")),
    ]
    report = measure_performance(trades, {"BTCUSDT": D("101")}, Period(None, NOW))
    assert (report.totals.trades, report.totals.realized_pnl, report.unrealized_pnl) == (1, D("0"), D("1"))
    ethbtc = report.per_symbol[1]
    assert (ethbtc.symbol, ethbtc.quote_asset, ethbtc.in_totals) == ("ETHBTC", "BTC", False)
    assert (ethbtc.figures.realized_pnl, ethbtc.figures.quote_fees, ethbtc.figures.wins) == (
        D("0.00994"),
        D("0.00006"),
        1,
    )
    assert report.daily == tuple(DailyPnl(date(2024, 3, d), D("0"), D("0")) for d in (1, 2, 3))


def test_period_refuses_a_start_not_before_its_end() -> None:
    with pytest.raises(ValueError, match="starts before"):
        Period(NOW, NOW)


# --- the equity curve --------------------------------------------------------------------------------
@pytest.mark.parametrize(("curve", "expected"), [
    ([D(0), D(10), D(4), D(12), D(3), D(8)], Drawdown(D(9), D(12), D(3), D(75))),  # 12 -> 3: 9, 9 / 12 = 75 %
    ([D(0), D(10), D(5), D(10), D(5)], Drawdown(D(5), D(10), D(5), D(50))),  # equal falls: the first
    ([D(0), D(1), D(2)], Drawdown(D(0), D(0), D(0), None)),  # never falls
    ([D(0), D(-5), D(-2), D(-8)], Drawdown(D(8), D(0), D(-8), None)),  # the peak is 0: no percentage
    ([], Drawdown(D(0), D(0), D(0), None)),
])  # fmt: skip
def test_max_drawdown_is_the_largest_peak_to_trough_fall(curve: list[Decimal], expected: Drawdown) -> None:
    assert max_drawdown(curve) == expected


def test_daily_series_fills_days_without_sells_with_zero() -> None:
    series = daily_series({date(2024, 3, 1): D("5"), date(2024, 3, 3): D("-2")}, date(2024, 3, 1), date(2024, 3, 4))
    assert [(d.day.day, d.realized_pnl, d.cumulative_pnl) for d in series] == [
        (1, D("5"), D("5")), (2, D("0"), D("5")), (3, D("-2"), D("3")), (4, D("0"), D("3")),
    ]  # fmt: skip
    assert daily_series({}, None, date(2024, 3, 4)) == []
