"""The trade flow's checks before anything leaves: the plan (rounding reported, shapes refused) and
every refusal of ``TradeExecutor.execute`` (nothing sent, nothing stored), on the wiring of
``bootstrap()`` with in-memory fakes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.support.trading_exchange import BTCUSDT, FakeExchange
from tests.support.trading_rig import OTHER_USER, TradingRig, intent, principal, trading_rig
from tradecore.config import Settings
from tradecore.domain.orders import Balance, OrderType, Side
from tradecore.domain.risk import RiskLimits
from tradecore.domain.trades import SignalSummary
from tradecore.errors import (
    ConflictError,
    InsufficientFundsError,
    InvalidInputError,
    RiskLimitError,
    SignalRefusedError,
    TradingHaltedError,
)
from tradecore.services.trading.intent import plan_order

D = Decimal
PRICE = D("50000")


@pytest.fixture
def rig(make_settings: Callable[..., Settings]) -> TradingRig:
    return trading_rig(make_settings())


def plan(**values: Any) -> Any:
    return plan_order(intent(**values), BTCUSDT, PRICE, "tc-test")


def assert_nothing_left(rig: TradingRig) -> None:
    assert rig.exchange.attempts == 0
    assert rig.store.trades == {}
    assert rig.outbox.records == []


# --- plan_order: rounding is reported, never silent ------------------------------------------------
def test_plan_order_reports_the_quantity_rounded_down_to_the_step() -> None:
    planned = plan(quantity="0.0123456")

    assert planned.request.quantity == D("0.01234")
    assert planned.adjustments == ("quantity 0.0123456 rounded down to 0.01234 (LOT_SIZE step 0.00001)",)
    assert planned.value == D("0.01234") * PRICE


@pytest.mark.parametrize(
    ("side", "price", "sent", "word"),
    [(Side.BUY, "49999.999", "49999.99", "down"), (Side.SELL, "50000.001", "50000.01", "up")],
)
def test_plan_order_reports_the_limit_price_rounded_in_the_traders_favour(
    side: Side, price: str, sent: str, word: str
) -> None:
    planned = plan(side=side, type=OrderType.LIMIT, quantity="0.01", price=price)

    assert planned.request.price == D(sent)
    assert planned.adjustments == (f"price {price} rounded {word} to {sent} (PRICE_FILTER tick 0.01)",)
    assert planned.reference_price == D(sent)


def test_plan_order_reports_the_quote_amount_rounded_down() -> None:
    planned = plan(quote_amount="100.123456789")

    assert planned.request.quote_quantity == D("100.12345678")
    assert planned.request.quantity is None
    assert planned.adjustments == ("quote_amount 100.123456789 rounded down to 100.12345678",)


def test_plan_order_turns_a_limit_quote_amount_into_a_quantity_and_says_so() -> None:
    planned = plan(type=OrderType.LIMIT, quote_amount="100", price="40000")

    assert planned.request.quantity == D("0.0025")
    assert planned.adjustments == ("quote_amount 100 at 40000 buys quantity 0.00250",)


def test_plan_order_on_the_grid_reports_nothing() -> None:
    assert plan(type=OrderType.LIMIT, quantity="0.01", price="49000.50").adjustments == ()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"type": OrderType.MARKET, "price": "50000"}, "price"),
        ({"type": OrderType.LIMIT}, "price"),
        ({"quantity": "0.01", "quote_amount": "100"}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"quantity": "-0.01"}, "quantity"),
    ],
    ids=["market-with-price", "limit-without-price", "both-amounts", "no-amount", "negative"],
)
def test_plan_order_refuses_a_malformed_request(values: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        plan(**values)

    assert refused.value.details["field"] == field


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"stop_loss": "50000"}, "stop_loss"),  # at the entry: would trigger at once
        ({"stop_loss": "50100"}, "stop_loss"),
        ({"take_profit": "50000"}, "take_profit"),
        ({"take_profit": "49000"}, "take_profit"),
        ({"type": OrderType.LIMIT, "price": "45000", "stop_loss": "46000"}, "stop_loss"),  # the limit is the entry
    ],
)
def test_plan_order_refuses_protection_on_the_wrong_side_of_the_entry(values: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        plan(**values)

    assert refused.value.details["field"] == field


def test_plan_order_refuses_protection_on_a_sell() -> None:
    with pytest.raises(InvalidInputError, match="BUY orders only"):
        plan(side=Side.SELL, stop_loss="45000")


# --- execute: every refusal comes before anything is sent or stored --------------------------------
def test_execute_refuses_an_unknown_symbol(rig: TradingRig) -> None:
    with pytest.raises(InvalidInputError) as refused:
        rig.execute(symbol="DOGEUSDT")

    assert refused.value.status == 422
    assert refused.value.details == {"field": "symbol"}
    assert_nothing_left(rig)


def test_execute_refuses_while_the_kill_switch_is_on(rig: TradingRig) -> None:
    rig.switch.halted_now = True

    with pytest.raises(TradingHaltedError):
        rig.execute()

    assert_nothing_left(rig)


def test_execute_refusal_is_not_remembered_by_the_idempotency_key(rig: TradingRig) -> None:
    rig.switch.halted_now = True
    with pytest.raises(TradingHaltedError):
        rig.execute(key="k")
    rig.switch.halted_now = False

    assert rig.execute(key="k").trade.status.value == "filled"
    assert rig.exchange.attempts == 1


def test_execute_without_an_exchange_connection_is_a_conflict(rig: TradingRig) -> None:
    with pytest.raises(ConflictError, match="connect an exchange account"):
        rig.execute(user_id=OTHER_USER)

    assert_nothing_left(rig)


def test_execute_refuses_an_order_above_the_platforms_per_trade_cap(rig: TradingRig) -> None:
    with pytest.raises(RiskLimitError) as refused:
        rig.execute(quantity="0.05")  # 2,500 USDT; the default cap is 2,000

    assert refused.value.details["limit"] == "max_trade_usdt"
    assert_nothing_left(rig)


def test_execute_applies_the_users_own_limits(rig: TradingRig) -> None:
    rig.risk.by_user["user-1"] = RiskLimits(D("100"), D("0"), 0, D("0"), 0.7)

    with pytest.raises(RiskLimitError, match="per-trade limit is 100 USDT"):
        rig.execute(quantity="0.01")  # 500 USDT

    assert_nothing_left(rig)


def test_execute_refuses_an_order_the_balance_cannot_pay(rig: TradingRig) -> None:
    rig.exchange.balances["USDT"] = Balance("USDT", D("400"), D("0"))

    with pytest.raises(InsufficientFundsError) as refused:
        rig.execute(quantity="0.01")

    details = refused.value.details
    assert (details["asset"], D(details["available"]), D(details["needed"])) == ("USDT", D("400"), D("500"))
    assert_nothing_left(rig)


def test_execute_refuses_a_sell_of_coins_the_account_does_not_hold(rig: TradingRig) -> None:
    with pytest.raises(InsufficientFundsError, match="0 BTC available"):
        rig.execute(side=Side.SELL, quantity="0.01")

    assert_nothing_left(rig)


def test_execute_with_ai_refuses_a_signal_below_the_minimum_confidence(rig: TradingRig) -> None:
    rig.signals.summary = SignalSummary("Long", 0.55, "llm", "ai_service", "a-9")

    with pytest.raises(SignalRefusedError, match="55% confidence"):
        rig.execute(use_ai=True)

    assert rig.signals.calls == [("BTCUSDT", "1h", 200)]
    assert_nothing_left(rig)


def test_execute_with_ai_refuses_a_signal_pointing_the_other_way(rig: TradingRig) -> None:
    rig.signals.summary = SignalSummary("Short", 0.95, "llm", "ai_service", "a-9")

    with pytest.raises(SignalRefusedError, match="does not support a BUY"):
        rig.execute(use_ai=True)

    assert_nothing_left(rig)


def test_execute_without_ai_never_asks_for_a_signal(rig: TradingRig) -> None:
    outcome = rig.execute()

    assert rig.signals.calls == []
    assert outcome.signal is None
    assert outcome.trade.signal is None


def test_execute_for_another_user_trades_on_their_own_account(rig: TradingRig) -> None:
    theirs = FakeExchange()
    rig.connections.accounts[OTHER_USER] = theirs

    outcome = rig.container.trade_executor.execute(principal(OTHER_USER), "key-1", intent())

    assert len(theirs.placed) == 1
    assert rig.exchange.placed == []
    assert outcome.trade.user_id == OTHER_USER
    assert rig.store.of_user("user-1") == []
