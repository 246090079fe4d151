"""One order per client order id, even when MongoDB cannot say whether an earlier attempt sent it.

Binance frees a client order id once its order is filled, so a retry that finds no record of its
intent (MongoDB down, or the intent still in the outbox) would trade twice if it sent again. Every
order is marked in the placement ledger just before it leaves; a later attempt that finds the mark
looks the order up instead, waiting out the moment an accepted order can be invisible to queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.trading_rig import USER, TradingRig, trading_rig
from tradecore.config import Settings
from tradecore.domain.orders import OrderResult
from tradecore.domain.trades import TradeStatus, client_order_id_for
from tradecore.errors import DependencyUnavailableError, NotFoundError
from tradecore.services.trading.desk import ORDER_VISIBILITY_SECONDS

KEY = "key-1"
CLIENT_ID = client_order_id_for(USER, KEY)


class ProcessKilled(BaseException):
    """The Lambda's process ending mid-request: nothing after this point runs."""


@pytest.fixture
def rig(make_settings: Callable[..., Settings]) -> TradingRig:
    return trading_rig(make_settings())


def _killed_after_placing(rig: TradingRig) -> None:
    rig.exchange.crash_after_placing = ProcessKilled()
    with pytest.raises(ProcessKilled):
        rig.execute(key=KEY)
    assert len(rig.exchange.placed) == 1


def test_every_order_is_marked_in_the_ledger_before_it_leaves(rig: TradingRig) -> None:
    marks_at_send: list[dict[tuple[str, str], float]] = []
    ledger: Any = rig.container.placement_ledger
    rig.exchange.before_place = lambda _order: marks_at_send.append(dict(ledger.marks))

    rig.execute(key=KEY)

    assert marks_at_send == [{(USER, CLIENT_ID): rig.clock()}]


def test_a_retry_that_cannot_read_its_intent_finds_the_order_instead_of_sending_it_again(rig: TradingRig) -> None:
    # GIVEN the process was killed once the order had left, and MongoDB is down on the retry
    _killed_after_placing(rig)
    rig.store.down = True

    retried = rig.execute(key=KEY)

    # THEN the exchange saw one order, and the answer is that order's fill
    assert rig.exchange.attempts == 1
    assert retried.trade.status is TradeStatus.FILLED
    assert retried.trade.exchange_order_id == rig.exchange.orders[CLIENT_ID].order_id


def test_a_retry_whose_intent_is_still_in_the_outbox_finds_the_order(rig: TradingRig) -> None:
    # GIVEN MongoDB down on the first attempt (its intent went to the outbox), killed after sending
    rig.store.down = True
    _killed_after_placing(rig)
    assert [t.client_order_id for t in rig.outbox.records] == [CLIENT_ID]
    # WHEN the retry comes with MongoDB back but the outbox not drained: no record of the intent
    rig.store.down = False
    assert CLIENT_ID not in rig.store.trades

    retried = rig.execute(key=KEY)

    assert rig.exchange.attempts == 1
    assert retried.trade.status is TradeStatus.FILLED
    assert rig.store.trades[CLIENT_ID].exchange_order_id == rig.exchange.orders[CLIENT_ID].order_id


def test_an_order_not_yet_visible_is_waited_for_not_sent_again(rig: TradingRig) -> None:
    _killed_after_placing(rig)
    rig.store.down = True
    placed_at = rig.clock()
    find = rig.exchange.get_order
    lookups: list[float] = []

    def invisible_for_three_seconds(symbol: str, **ids: Any) -> OrderResult:
        lookups.append(rig.clock())
        if rig.clock() < placed_at + 3:
            raise NotFoundError("Order does not exist.")
        return find(symbol, **ids)

    rig.exchange.get_order = invisible_for_three_seconds  # type: ignore[method-assign]

    retried = rig.execute(key=KEY)

    assert rig.exchange.attempts == 1
    assert retried.trade.status is TradeStatus.FILLED
    assert len(lookups) > 1
    assert lookups[-1] >= placed_at + 3  # it kept looking (on the injected clock) until the order showed


def test_a_marked_order_the_exchange_never_received_is_sent_once_it_would_be_visible(rig: TradingRig) -> None:
    # GIVEN an earlier attempt marked the order and died before it left (nothing on the exchange)
    ledger: Any = rig.container.placement_ledger
    marked_at = rig.clock()
    ledger.mark_sending(USER, CLIENT_ID, marked_at)

    retried = rig.execute(key=KEY)

    # THEN it looked until the order would have been visible, then sent it once
    assert rig.clock() >= marked_at + ORDER_VISIBILITY_SECONDS
    assert rig.exchange.attempts == 1
    assert retried.trade.status is TradeStatus.FILLED


def test_an_order_that_certainly_did_not_leave_is_retried_without_waiting(rig: TradingRig) -> None:
    rig.exchange.fail_next = DependencyUnavailableError("Binance is unavailable", dependency="binance")
    with pytest.raises(DependencyUnavailableError):
        rig.execute(key=KEY)
    before = rig.clock()

    retried = rig.execute(key=KEY)

    assert rig.clock() == before  # no wait: the failed attempt dropped its mark
    assert len(rig.exchange.placed) == 1
    assert retried.trade.status is TradeStatus.FILLED


def test_with_the_ledger_down_the_order_is_looked_up_once_before_it_is_sent(rig: TradingRig) -> None:
    ledger: Any = rig.container.placement_ledger
    ledger.down = True
    looked: list[str] = []
    find = rig.exchange.get_order

    def counted(symbol: str, **ids: Any) -> OrderResult:
        looked.append(str(ids.get("client_order_id")))
        return find(symbol, **ids)

    rig.exchange.get_order = counted  # type: ignore[method-assign]

    outcome = rig.execute(key=KEY)

    assert looked == [CLIENT_ID]
    assert outcome.trade.status is TradeStatus.FILLED
    assert [order.client_order_id for order in rig.exchange.placed] == [CLIENT_ID]
