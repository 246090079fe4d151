"""The AutoTrader on the wiring of ``bootstrap()`` with in-memory fakes: fan-out per user, one
decision per user and candle, the skips and their reasons, and the same money path as a click."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from jobs import app as jobs_app
from tests.support.automation_fakes import AutomationRig, automation_rig, bot_settings, candle_signal
from tests.support.trading_rig import USER
from tradecore.config import Settings
from tradecore.domain.automation import Outcome, SkipReason
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.trades import TradeStatus
from tradecore.domain.users import Role
from tradecore.errors import DependencyUnavailableError

D = Decimal
HOUR_MS = 3_600_000
C1 = 1_795_597_200_000  # open time of the first closed candle


@pytest.fixture
def rig(make_settings: Callable[..., Settings]) -> AutomationRig:
    return automation_rig(make_settings())


def test_fan_out_queues_one_message_per_user_automating_the_symbol(rig: AutomationRig) -> None:
    rig.add_user("user-2", paused=True)  # paused: still queued, its decision says so
    rig.add_user("user-3", symbols=("ETHUSDT",))
    rig.add_user("user-4", automated_trading=False)

    queued = rig.trading.container.auto_trader.fan_out(candle_signal())

    assert queued == 2
    assert rig.queue.users() == [USER, "user-2"]
    assert rig.trading.exchange.placed == []  # fan-out decides nothing


def test_decide_trades_once_per_user_and_candle(rig: AutomationRig) -> None:
    signal = candle_signal()
    first = rig.decide(signal)

    again = rig.decide(signal)  # a redelivered message

    assert (first.outcome, first.side, first.reason) == (Outcome.TRADED, Side.BUY, None)
    assert again == first
    (order,) = rig.trading.exchange.placed
    assert (order.side, order.type, order.quote_quantity) == (Side.BUY, OrderType.MARKET, D("100"))
    trade = rig.trading.store.get(USER, first.trade_id or "")
    assert trade is not None
    assert trade.status is TradeStatus.FILLED
    assert trade.signal is not None
    assert (trade.signal.signal, trade.signal.confidence) == ("Long", 0.85)
    assert rig.trading.signals.calls == []  # the candle's signal stands in for asking the AI again


def test_decide_after_losing_its_decision_finds_the_same_trade_instead_of_a_second(rig: AutomationRig) -> None:
    signal = candle_signal()
    first = rig.decide(signal)
    rig.decisions.decisions.clear()  # traded, then the decision's write was lost

    again = rig.decide(signal)

    assert again.trade_id == first.trade_id
    assert len(rig.trading.exchange.placed) == 1


def test_decide_with_the_kill_switch_on_skips_and_sends_nothing(rig: AutomationRig) -> None:
    rig.trading.switch.halted_now = True
    decision = rig.decide(candle_signal())
    assert (decision.outcome, decision.reason) == (Outcome.SKIPPED, SkipReason.KILL_SWITCH)
    assert rig.trading.exchange.placed == []
    assert rig.trading.store.trades == {}
    assert rig.decisions.get(USER, decision.id) == decision


def test_decide_for_a_user_demoted_to_viewer_skips_for_the_role(rig: AutomationRig) -> None:
    rig.set_role(USER, Role.VIEWER)
    decision = rig.decide(candle_signal())
    assert (decision.outcome, decision.reason) == (Outcome.SKIPPED, SkipReason.ROLE)
    assert rig.trading.exchange.placed == []


def test_decide_over_a_risk_limit_skips_as_refused_with_the_code(rig: AutomationRig) -> None:
    rig.bots.put(USER, bot_settings(max_position_usdt=D("60")))  # a 100 USDT buy would exceed it
    decision = rig.decide(candle_signal())
    assert (decision.outcome, decision.reason, decision.code) == (
        Outcome.SKIPPED, SkipReason.REFUSED, "risk_limit_exceeded",
    )  # fmt: skip
    assert decision.side is Side.BUY
    assert "per-symbol limit is 60 USDT" in decision.message
    assert rig.trading.exchange.placed == []


def test_decide_short_with_a_position_closes_it(rig: AutomationRig) -> None:
    rig.decide(candle_signal(candle_time=C1))
    held = rig.trading.exchange.free("BTC")
    rig.trading.clock.advance(3600)

    decision = rig.decide(candle_signal("Short", candle_time=C1 + HOUR_MS))

    assert (decision.outcome, decision.side) == (Outcome.TRADED, Side.SELL)
    sale = rig.trading.exchange.placed[-1]
    assert (sale.side, sale.type) == (Side.SELL, OrderType.MARKET)
    assert held > 0
    assert rig.trading.exchange.free("BTC") < D("0.00001")
    trade = rig.trading.store.get(USER, decision.trade_id or "")
    assert trade is not None
    assert trade.source == "close"


def test_decide_short_without_a_position_skips_with_no_position(rig: AutomationRig) -> None:
    decision = rig.decide(candle_signal("Short"))
    assert (decision.outcome, decision.reason, decision.side) == (Outcome.SKIPPED, SkipReason.NO_POSITION, None)
    assert rig.trading.exchange.placed == []


def test_decide_with_both_trade_stores_down_raises_and_stores_no_decision(rig: AutomationRig) -> None:
    rig.trading.store.down = rig.trading.outbox.down = True
    signal = candle_signal()

    with pytest.raises(DependencyUnavailableError):
        rig.decide(signal)

    assert rig.decisions.decisions == {}
    assert rig.trading.exchange.placed == []
    rig.trading.store.down = rig.trading.outbox.down = False  # the retry through SQS
    assert rig.decide(signal).outcome is Outcome.TRADED
    assert len(rig.trading.exchange.placed) == 1


def test_decide_after_the_daily_loss_limit_is_reached_stops_further_buys(rig: AutomationRig) -> None:
    rig.bots.put(USER, bot_settings(daily_loss_limit_usdt=D("10")))
    assert rig.decide(candle_signal(candle_time=C1)).outcome is Outcome.TRADED  # 100 USDT at 50,000
    rig.trading.exchange.prices["BTCUSDT"] = D("40000")
    rig.trading.clock.advance(3600)
    assert rig.decide(candle_signal("Short", candle_time=C1 + HOUR_MS)).side is Side.SELL  # about -20 USDT
    rig.trading.clock.advance(3600)

    decision = rig.decide(candle_signal(candle_time=C1 + 2 * HOUR_MS, price=D("40000")))

    assert (decision.outcome, decision.reason, decision.code) == (
        Outcome.SKIPPED, SkipReason.REFUSED, "risk_limit_exceeded",
    )  # fmt: skip
    assert "daily loss limit" in decision.message
    assert len(rig.trading.exchange.placed) == 2


def test_decide_inside_the_cooldown_skips_the_next_candle(rig: AutomationRig) -> None:
    rig.bots.put(USER, bot_settings(cooldown_seconds=7200))
    rig.decide(candle_signal(candle_time=C1))
    rig.trading.clock.advance(3600)
    decision = rig.decide(candle_signal(candle_time=C1 + HOUR_MS))
    assert (decision.outcome, decision.reason) == (Outcome.SKIPPED, SkipReason.COOLDOWN)
    assert len(rig.trading.exchange.placed) == 1


def _sqs_event(bodies: list[str]) -> dict[str, Any]:
    return {"Records": [
        {"messageId": f"m-{i}", "receiptHandle": f"r-{i}", "body": body, "attributes": {}, "messageAttributes": {},
         "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
         "awsRegion": "us-east-1"}
        for i, body in enumerate(bodies)
    ]}  # fmt: skip


def test_worker_reports_only_the_decision_that_could_not_be_made_and_drops_a_malformed_one(
    rig: AutomationRig, lambda_context: Any
) -> None:
    rig.add_user("user-2")
    rig.add_user("user-3")
    rig.bots.down_for.add("user-3")  # its decision cannot be made now: SQS must deliver it again
    rig.trading.container.auto_trader.fan_out(candle_signal())
    bodies = [*rig.queue.bodies, "not json", json.dumps({"user_id": USER})]
    jobs_app.use_container(rig.trading.container)
    try:
        response = jobs_app.autotrade(_sqs_event(bodies), lambda_context)
    finally:
        jobs_app.use_container(None)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}  # user-3's message
    outcomes = {d.user_id: (d.outcome, d.reason) for d in rig.decisions.decisions.values()}
    # user-2 has no exchange account connected: the trade flow refuses, recorded as a skip
    assert outcomes == {USER: (Outcome.TRADED, None), "user-2": (Outcome.SKIPPED, SkipReason.REFUSED)}
    assert len(rig.trading.exchange.placed) == 1
