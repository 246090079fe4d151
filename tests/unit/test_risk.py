"""Risk limits and the AI signal check: each rule at, just below and just above its limit."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tradecore.domain.orders import Side
from tradecore.domain.risk import RiskExposure, RiskLimits, check_signal, check_trade_risk
from tradecore.domain.trades import SignalSummary
from tradecore.errors import RiskLimitError, SignalRefusedError

D = Decimal
LIMITS = RiskLimits(
    max_trade_usdt=D("10000"), max_position_usdt=D("25000"), max_open_positions=3,
    daily_loss_limit_usdt=D("500"), min_ai_confidence=0.7,
)  # fmt: skip
CALM = RiskExposure(
    side=Side.BUY, symbol="BTCUSDT", order_value_usdt=D("1000"), position_value_usdt=D("0"),
    open_position_symbols=frozenset(), realized_pnl_today_usdt=D("0"),
)  # fmt: skip
THREE_OPEN = frozenset({"ETHUSDT", "SOLUSDT", "BNBUSDT"})


def refusal(exposure: RiskExposure, limits: RiskLimits = LIMITS) -> RiskLimitError:
    with pytest.raises(RiskLimitError) as caught:
        check_trade_risk(limits, exposure)
    return caught.value


def test_check_trade_risk_passes_a_calm_trade() -> None:
    check_trade_risk(LIMITS, CALM)


# --- per-trade cap: both sides -----------------------------------------------------------------------
@pytest.mark.parametrize("side", [Side.BUY, Side.SELL])
@pytest.mark.parametrize(("value", "refused"), [(D("9999.99"), False), (D("10000"), False), (D("10000.01"), True)])
def test_trade_cap_at_below_and_above(side: Side, value: Decimal, refused: bool) -> None:
    exposure = replace(CALM, side=side, order_value_usdt=value)
    if refused:
        error = refusal(exposure)
        assert error.details["limit"] == "max_trade_usdt"
        assert error.details["limit_usdt"] == "10000"
    else:
        check_trade_risk(LIMITS, exposure)


def test_trade_cap_says_it_in_words() -> None:
    error = refusal(replace(CALM, order_value_usdt=D("12000")))
    assert error.message == "This order is worth 12,000.00 USDT; your per-trade limit is 10,000 USDT."
    assert error.status == 422
    assert error.code == "risk_limit_exceeded"


def test_trade_cap_never_shows_a_value_over_the_limit_as_equal_to_it() -> None:
    error = refusal(replace(CALM, order_value_usdt=D("10000.001")))
    assert "10,000.01 USDT" in error.message


# --- per-symbol position cap: BUY only ------------------------------------------------------------------
@pytest.mark.parametrize(("order", "refused"), [(D("4999.99"), False), (D("5000"), False), (D("5000.01"), True)])
def test_position_cap_counts_the_held_value_plus_the_order(order: Decimal, refused: bool) -> None:
    exposure = replace(CALM, position_value_usdt=D("20000"), order_value_usdt=order)
    if refused:
        error = refusal(exposure)
        assert error.details["limit"] == "max_position_usdt"
        assert error.details["limit_usdt"] == "25000"
        assert "BTCUSDT" in error.message
        assert "25,000 USDT" in error.message
    else:
        check_trade_risk(LIMITS, exposure)


def test_position_cap_never_stops_a_sell() -> None:
    check_trade_risk(LIMITS, replace(CALM, side=Side.SELL, position_value_usdt=D("40000"), order_value_usdt=D("5000")))


# --- max open positions: a BUY that would open one more -------------------------------------------------
@pytest.mark.parametrize(("open_symbols", "refused"), [
    (frozenset({"ETHUSDT", "SOLUSDT"}), False),  # below: a third may open
    (THREE_OPEN, True),  # at: a fourth may not
    (THREE_OPEN | {"XRPUSDT"}, True),  # above (the limit was lowered since)
])  # fmt: skip
def test_open_positions_limit_at_below_and_above(open_symbols: frozenset[str], refused: bool) -> None:
    exposure = replace(CALM, open_position_symbols=open_symbols)
    if refused:
        error = refusal(exposure)
        assert error.details["limit"] == "max_open_positions"
        assert error.details["limit_count"] == "3"
        assert "close one before buying BTCUSDT" in error.message
    else:
        check_trade_risk(LIMITS, exposure)


def test_open_positions_limit_lets_a_held_symbol_grow() -> None:
    check_trade_risk(LIMITS, replace(CALM, symbol="ETHUSDT", open_position_symbols=THREE_OPEN))


def test_open_positions_limit_never_stops_a_sell() -> None:
    check_trade_risk(LIMITS, replace(CALM, side=Side.SELL, open_position_symbols=THREE_OPEN))


# --- daily loss limit: refuses BUYs once today's realized PnL reaches -limit -----------------------------
@pytest.mark.parametrize(("realized", "refused"), [
    (D("-499.99"), False),  # just short of the limit
    (D("-500"), True),  # at it
    (D("-500.01"), True),  # beyond it
    (D("800"), False),  # a winning day
])  # fmt: skip
def test_daily_loss_limit_at_below_and_above(realized: Decimal, refused: bool) -> None:
    exposure = replace(CALM, realized_pnl_today_usdt=realized)
    if refused:
        error = refusal(exposure)
        assert error.details["limit"] == "daily_loss_limit_usdt"
        assert error.details["limit_usdt"] == "500"
        assert "daily loss limit of 500 USDT" in error.message
        assert "you can still sell" in error.message
    else:
        check_trade_risk(LIMITS, exposure)


def test_daily_loss_limit_lets_a_sell_reduce_risk() -> None:
    check_trade_risk(LIMITS, replace(CALM, side=Side.SELL, realized_pnl_today_usdt=D("-2000")))


# --- a cap of 0 disables it ----------------------------------------------------------------------------
def test_zero_caps_disable_every_rule() -> None:
    off = RiskLimits(D("0"), D("0"), 0, D("0"), 0.0)
    reckless = replace(
        CALM, order_value_usdt=D("1000000"), position_value_usdt=D("1000000"),
        open_position_symbols=THREE_OPEN | {"XRPUSDT"}, realized_pnl_today_usdt=D("-100000"),
    )  # fmt: skip
    check_trade_risk(off, reckless)
    with pytest.raises(RiskLimitError):  # and the same exposure is refused under the limits
        check_trade_risk(LIMITS, reckless)


@pytest.mark.parametrize(("field", "zero", "breaking_only_it"), [
    ("max_trade_usdt", D("0"), {"order_value_usdt": D("20000")}),
    ("max_position_usdt", D("0"), {"position_value_usdt": D("30000")}),
    ("max_open_positions", 0, {"open_position_symbols": THREE_OPEN}),
    ("daily_loss_limit_usdt", D("0"), {"realized_pnl_today_usdt": D("-600")}),
])  # fmt: skip
def test_one_zero_cap_disables_only_that_rule(field: str, zero: object, breaking_only_it: dict[str, object]) -> None:
    exposure = replace(CALM, **breaking_only_it)  # type: ignore[arg-type]
    assert refusal(exposure).details["limit"] == field
    check_trade_risk(replace(LIMITS, **{field: zero}), exposure)  # type: ignore[arg-type]


# --- the AI signal -------------------------------------------------------------------------------------
def signal(
    direction: str = "Long", confidence: float = 0.8, origin: str = "ai_service", source: str = "llm"
) -> SignalSummary:
    return SignalSummary(signal=direction, confidence=confidence, source=source, origin=origin)


@pytest.mark.parametrize(("side", "direction"), [(Side.BUY, "Long"), (Side.SELL, "Short")])
@pytest.mark.parametrize(("confidence", "refused"), [(0.69, True), (0.7, False), (0.71, False)])
def test_signal_confidence_at_below_and_above(side: Side, direction: str, confidence: float, refused: bool) -> None:
    if refused:
        with pytest.raises(SignalRefusedError) as caught:
            check_signal(LIMITS, side, signal(direction, confidence))
        assert caught.value.details == {
            "signal": direction, "confidence": confidence, "min_confidence": 0.7, "source": "llm",
            "origin": "ai_service",
        }  # fmt: skip
        assert "69% confidence" in caught.value.message
        assert "at least 70%" in caught.value.message
    else:
        check_signal(LIMITS, side, signal(direction, confidence))


@pytest.mark.parametrize(("side", "direction"), [
    (Side.BUY, "Short"), (Side.SELL, "Long"), (Side.BUY, "Neutral"), (Side.SELL, "Neutral"),
])  # fmt: skip
def test_signal_against_the_trade_is_refused_however_confident(side: Side, direction: str) -> None:
    with pytest.raises(SignalRefusedError) as caught:
        check_signal(LIMITS, side, signal(direction, 0.99))
    assert caught.value.details["signal"] == direction
    assert f"does not support a {side.value}" in caught.value.message


def test_signal_refusal_names_the_fallback_that_answered() -> None:
    with pytest.raises(SignalRefusedError, match="technical analysis fallback"):
        check_signal(LIMITS, Side.BUY, signal("Long", 0.55, origin="local_technical", source="technical"))
    with pytest.raises(SignalRefusedError, match="stored signal from an earlier analysis") as caught:
        check_signal(LIMITS, Side.BUY, signal("Neutral", origin="stored_signal", source="llm"))
    assert caught.value.details["source"] == "llm"
    assert caught.value.details["origin"] == "stored_signal"


def test_signal_confidence_just_under_the_minimum_never_reads_as_equal() -> None:
    with pytest.raises(SignalRefusedError, match=r"69\.9% confidence"):
        check_signal(LIMITS, Side.BUY, signal("Long", 0.6999))


def test_signal_without_a_numeric_confidence_supports_nothing() -> None:
    with pytest.raises(SignalRefusedError, match="unknown confidence"):
        check_signal(replace(LIMITS, min_ai_confidence=0.0), Side.BUY, signal("Long", float("nan")))


def test_zero_min_confidence_still_checks_the_direction() -> None:
    lenient = replace(LIMITS, min_ai_confidence=0.0)
    check_signal(lenient, Side.BUY, signal("Long", 0.0))
    with pytest.raises(SignalRefusedError):
        check_signal(lenient, Side.BUY, signal("Short", 0.9))
