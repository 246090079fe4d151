"""The AutoTrader's rules (domain/automation.py): what a user's settings say to do with a closed
candle's signal, the decision's id, and the signal as a queue message carries it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.support.automation_fakes import bot_settings, candle_signal
from tradecore.domain.automation import Plan, SkipReason, decision_id, plan_for, signal_from_json, signal_to_json
from tradecore.domain.orders import Side

D = Decimal
NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def plan(
    signal: str = "Long", *, last_traded_at: datetime | None = None, confidence: float = 0.85, **settings: object
) -> Plan:
    return plan_for(bot_settings(**settings), candle_signal(signal, confidence=confidence),
                    last_traded_at=last_traded_at, now=NOW)  # fmt: skip


def test_plan_for_a_paused_user_skips_even_a_strong_long() -> None:
    result = plan(paused=True, confidence=0.99)
    assert (result.side, result.reason, result.message) == (None, SkipReason.PAUSED, "Automated trading is paused")


@pytest.mark.parametrize(
    "settings",
    [{"automated_trading": False}, {"symbols": ("ETHUSDT",)}, {"timeframe": "4h"}],
    ids=["automation off", "another symbol", "another timeframe"],
)
def test_plan_for_a_symbol_or_timeframe_not_automated_is_disabled(settings: dict[str, Any]) -> None:
    result = plan(**settings)
    assert (result.side, result.reason) == (None, SkipReason.DISABLED)


def test_plan_for_a_neutral_signal_does_nothing() -> None:
    assert plan("Neutral", confidence=0.99).reason is SkipReason.NEUTRAL


def test_plan_for_confidence_below_the_minimum_skips_and_says_both() -> None:
    result = plan(confidence=0.74, min_confidence=0.75)
    assert (result.side, result.reason) == (None, SkipReason.CONFIDENCE)
    assert result.message == "Confidence 74% is below your minimum of 75%"


def test_plan_for_confidence_at_the_minimum_trades() -> None:
    assert plan(confidence=0.75, min_confidence=0.75).side is Side.BUY


def test_plan_for_a_trade_inside_the_cooldown_skips_with_the_time_left() -> None:
    result = plan(last_traded_at=NOW - timedelta(seconds=3599), cooldown_seconds=3600)
    assert (result.side, result.reason) == (None, SkipReason.COOLDOWN)
    assert "(1 s left)" in result.message


def test_plan_for_a_trade_at_the_end_of_the_cooldown_trades() -> None:
    assert plan(last_traded_at=NOW - timedelta(seconds=3600), cooldown_seconds=3600).side is Side.BUY


def test_plan_for_a_long_buys_the_amount_with_stop_and_take_from_the_close() -> None:
    result = plan(amount_per_trade_usdt=D("50"), stop_loss_pct=D("2.5"), take_profit_pct=D("5"))
    # close 50,000: stop 50,000 x (1 - 0.025) = 48,750; take 50,000 x 1.05 = 52,500
    assert (result.side, result.reason, result.quote_amount) == (Side.BUY, None, D("50"))
    assert (result.stop_loss, result.take_profit) == (D("48750"), D("52500"))


def test_plan_for_a_long_without_percents_places_no_protection() -> None:
    result = plan()
    assert (result.stop_loss, result.take_profit) == (None, None)


def test_plan_for_a_short_sells_without_an_amount() -> None:
    result = plan("Short", stop_loss_pct=D("2"))
    assert (result.side, result.reason, result.quote_amount, result.stop_loss) == (Side.SELL, None, None, None)


def test_decision_id_is_stable_and_per_user_and_candle() -> None:
    signal = candle_signal()
    first = decision_id("user-1", signal)
    assert first == decision_id("user-1", candle_signal(confidence=0.1))  # the candle names it, not the answer
    assert len(first) == 32
    assert int(first, 16) >= 0
    assert first != decision_id("user-2", signal)
    assert first != decision_id("user-1", candle_signal(candle_time=signal.candle_time + 3_600_000))
    assert first != decision_id("user-1", candle_signal(timeframe="4h"))


def test_signal_json_round_trips_exactly_through_a_message_body() -> None:
    signal = candle_signal("Short", price=D("50123.12345678"), confidence=0.8125)
    assert signal_from_json(json.loads(json.dumps(signal_to_json(signal)))) == signal
    anonymous = candle_signal(analysis_id=None)
    assert signal_from_json(json.loads(json.dumps(signal_to_json(anonymous)))) == anonymous


def test_signal_from_json_refuses_a_price_that_is_not_a_decimal_string() -> None:
    body = signal_to_json(candle_signal())
    with pytest.raises(ValueError, match="price"):
        signal_from_json({**body, "price": 50000.1})
    with pytest.raises(KeyError):
        signal_from_json({k: v for k, v in body.items() if k != "symbol"})
