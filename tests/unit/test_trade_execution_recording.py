"""The trade flow once it may send: the intent recorded before the order leaves (the outbox while
MongoDB is down), one order per Idempotency-Key whatever fails, the exchange's refusal kept and
replayed, and what the user and the platform are told afterwards."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.support.trading_rig import USER, TradingRig, trading_rig
from tradecore.config import Settings
from tradecore.domain.orders import OrderRequest
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import TradeRecord, TradeStatus, client_order_id_for
from tradecore.errors import (
    DependencyUnavailableError,
    IdempotencyKeyReusedError,
    InvalidOrderError,
    OrderStatusUnknownError,
)
from tradecore.services.trading.journal import RecordedIn

D = Decimal
KEY = "key-1"
CLIENT_ID = client_order_id_for(USER, KEY)


@pytest.fixture
def rig(make_settings: Callable[..., Settings]) -> TradingRig:
    return trading_rig(make_settings())


def stored(rig: TradingRig) -> TradeRecord:
    return rig.store.trades[CLIENT_ID]


# --- intent first -----------------------------------------------------------------------------------
def test_execute_records_the_intent_pending_before_the_order_leaves(rig: TradingRig) -> None:
    seen: list[TradeRecord | None] = []

    def look_at_the_store(order: OrderRequest) -> None:
        seen.append(rig.store.by_client_order_id(USER, order.client_order_id or ""))

    rig.exchange.before_place = look_at_the_store

    outcome = rig.execute(key=KEY, quantity="0.0123456")

    [pending] = seen
    assert pending is not None
    assert pending.status is TradeStatus.PENDING
    assert (pending.requested_quantity, pending.sent_quantity) == (D("0.0123456"), D("0.01234"))
    assert pending.adjustments == outcome.trade.adjustments != ()
    assert outcome.trade.client_order_id == CLIENT_ID == rig.exchange.placed[0].client_order_id
    assert outcome.trade.id == pending.id
    assert outcome.trade.version > pending.version
    assert stored(rig).status is TradeStatus.FILLED
    assert (outcome.degraded, outcome.recorded_in) == (False, RecordedIn.STORE)


def test_execute_with_the_store_down_records_to_the_outbox_and_still_trades(rig: TradingRig) -> None:
    rig.store.down = True

    outcome = rig.execute(key=KEY)

    assert [r.status for r in rig.outbox.records] == [TradeStatus.PENDING, TradeStatus.FILLED]
    assert {r.id for r in rig.outbox.records} == {outcome.trade.id}
    assert len(rig.exchange.placed) == 1
    assert outcome.trade.status is TradeStatus.FILLED
    assert (outcome.degraded, outcome.recorded_in) == (True, RecordedIn.OUTBOX)


def test_execute_with_store_and_outbox_down_sends_nothing(rig: TradingRig) -> None:
    rig.store.down = rig.outbox.down = True

    with pytest.raises(DependencyUnavailableError, match="no order was sent"):
        rig.execute(key=KEY)

    assert rig.exchange.attempts == 0


# --- uncertain outcomes: never a second order -------------------------------------------------------
def test_execute_with_an_unknown_outcome_records_unknown_and_never_resends(rig: TradingRig) -> None:
    rig.exchange.fail_next = OrderStatusUnknownError()

    first = rig.execute(key=KEY)
    again = rig.execute(key=KEY)

    assert first.trade.status is TradeStatus.UNKNOWN
    assert first.trade.reason
    assert stored(rig).status is TradeStatus.UNKNOWN
    assert again.trade == first.trade
    assert rig.exchange.attempts == 1


def test_execute_returns_a_settled_record_of_the_same_client_id_without_placing(rig: TradingRig) -> None:
    first = rig.execute(key=KEY)
    rig.guard.answers.clear()  # a retry that slipped past the idempotency table

    again = rig.execute(key=KEY)

    assert again.trade == first.trade
    assert rig.exchange.attempts == 1


def test_execute_adopts_the_order_of_a_pending_record_instead_of_placing(rig: TradingRig) -> None:
    rig.exchange.crash_after_placing = TimeoutError("the Lambda ran out of time after the order left")
    with pytest.raises(TimeoutError):
        rig.execute(key=KEY)
    assert stored(rig).status is TradeStatus.PENDING

    retried = rig.execute(key=KEY)

    assert rig.exchange.attempts == 1
    assert retried.trade.status is TradeStatus.FILLED
    assert retried.trade.exchange_order_id == rig.exchange.orders[CLIENT_ID].order_id
    assert stored(rig) == retried.trade
    assert MessageType.TRADE_EXECUTED in rig.notified()


def test_execute_sends_a_pending_record_whose_order_certainly_never_left(rig: TradingRig) -> None:
    rig.exchange.fail_next = DependencyUnavailableError("Binance is unavailable", dependency="binance")
    with pytest.raises(DependencyUnavailableError):
        rig.execute(key=KEY)
    pending = stored(rig)

    retried = rig.execute(key=KEY)

    assert rig.exchange.attempts == 2
    assert len(rig.exchange.placed) == 1
    assert retried.trade.id == pending.id
    assert retried.trade.status is TradeStatus.FILLED


# --- the exchange's refusal -------------------------------------------------------------------------
def test_execute_records_the_exchange_refusal_and_raises_it_on_every_replay(rig: TradingRig) -> None:
    reason = "Filter failure: PERCENT_PRICE_BY_SIDE"
    rig.exchange.fail_next = InvalidOrderError(reason, exchange_code=-1013, reason=reason)

    with pytest.raises(InvalidOrderError) as first:
        rig.execute(key=KEY)
    with pytest.raises(InvalidOrderError) as again:
        rig.execute(key=KEY)

    rejected = stored(rig)
    assert (rejected.status, rejected.reason) == (TradeStatus.REJECTED, reason)
    for refusal in (first.value, again.value):
        assert refusal.status == 422
        assert refusal.exchange_code == -1013
        assert reason in refusal.message
        assert refusal.details["trade_id"] == rejected.id
    assert rig.exchange.attempts == 1
    assert rig.cache.invalidated == []  # nothing changed on the account


# --- idempotency ------------------------------------------------------------------------------------
def test_execute_replays_the_same_key_and_body_without_a_second_order(rig: TradingRig) -> None:
    first = rig.execute(key=KEY, quantity="0.01")
    again = rig.execute(key=KEY, quantity="0.01")

    assert again == first
    assert len(rig.exchange.placed) == 1
    assert rig.guard.runs == 1


def test_execute_refuses_the_same_key_with_another_body(rig: TradingRig) -> None:
    rig.execute(key=KEY, quantity="0.01")

    with pytest.raises(IdempotencyKeyReusedError):
        rig.execute(key=KEY, quantity="0.02")

    assert len(rig.exchange.placed) == 1


def test_execute_scopes_the_key_to_the_user(rig: TradingRig) -> None:
    from tests.support.trading_exchange import FakeExchange

    rig.connections.accounts["user-2"] = theirs = FakeExchange()

    mine, other = rig.execute(key=KEY), rig.execute(key=KEY, user_id="user-2")

    assert mine.trade.client_order_id != other.trade.client_order_id
    assert len(rig.exchange.placed) == len(theirs.placed) == 1


# --- afterwards: the user, the public signals channel, the account cache ----------------------------
def test_execute_tells_the_user_and_drops_their_account_view(rig: TradingRig) -> None:
    outcome = rig.execute(key=KEY)

    assert rig.notified() == [MessageType.TRADE_EXECUTED, MessageType.ACCOUNT_UPDATE]
    executed = rig.messages.notifications[0][2]
    assert (executed["id"], executed["status"], executed["executed_quantity"]) == (outcome.trade.id, "filled", "0.01")
    assert rig.published("signals") == []
    assert rig.cache.invalidated == [USER]


def test_execute_with_ai_publishes_the_trade_signal_without_user_data(rig: TradingRig) -> None:
    outcome = rig.execute(key=KEY, use_ai=True)

    assert rig.published("signals") == [
        {"symbol": "BTCUSDT", "action": "BUY", "price": "50000", "ai_confidence": 0.9, "signal": "Long",
         "source": "llm"},
    ]  # fmt: skip
    assert outcome.trade.signal == rig.signals.summary
    assert outcome.signal is not None
    assert outcome.signal.degraded is False
    assert outcome.degraded is False
