"""Reconciliation of protective legs with fakes: a stop-loss that executed on the exchange while the
stream missed it is recorded in one run exactly as the stream records it (same client id, same
shape), its parent's protection settled, the position equal to the balance; a leg the stream already
recorded is never counted twice; a partial fill only ever moves the record forward."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any, cast

import pytest

from tests.support.messages import RecordingPublisher
from tests.support.reconcile_fakes import NOW_MS, InMemoryReports, ReconcileExchange
from tests.support.trading_fakes import FakeConnections, InMemoryOutbox, InMemoryTradeStore, RecordingAccountCache
from tests.unit.test_reconciler import NOW, USER, World, _pending
from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import Balance, Fill, OcoRequest, OrderResult, OrderStatus, OrderType, Side, oco_client_ids
from tradecore.domain.protective_legs import leg_trade_id
from tradecore.domain.trades import Protection, ProtectionStatus, TradeRecord, TradeStatus
from tradecore.domain.user_events import OrderEvent
from tradecore.services.jobs.reconciler import ReconcilePolicy, Reconciler
from tradecore.services.realtime.user_events import UserEventHandler
from tradecore.services.trading.events import TradeEvents
from tradecore.services.trading.journal import TradeJournal
from tradecore.services.trading.rendering import trade_body

D = Decimal
IDS = oco_client_ids("tc-p")
SOLD = D("0.00199")  # the 0.002 bought less the 0.000002 BTC fee, on the lot step
FILL = Fill(D("40000"), SOLD, D("0.0796"), "USDT", 77)


@pytest.fixture
def world() -> World:
    store, exchange, messages = InMemoryTradeStore(), ReconcileExchange(), RecordingPublisher()
    reports = InMemoryReports()
    policy = ReconcilePolicy(symbols=("BTCUSDT",), mode=TradingMode.PAPER, grace_seconds=120)
    connections = cast(Any, FakeConnections({USER: exchange}))
    reconciler = Reconciler(store, connections, reports, messages, policy, clock=lambda: NOW_MS / 1000)
    return World(reconciler, store, exchange, reports, messages)


def _protected(world: World) -> TradeRecord:
    """GIVEN a filled buy of 0.002 BTC protected by an OCO on the exchange."""
    placed = world.place("tc-p")
    oco = world.exchange.place_oco(
        OcoRequest("BTCUSDT", Side.SELL, SOLD, D("60000"), D("40000"), D("39960"), client_key="tc-p")
    )
    shield = Protection(ProtectionStatus.ACTIVE, D("40000"), D("60000"), SOLD, oco.order_list_id, IDS.list_id)
    return world.record(_pending("p").with_order(placed, NOW).advanced(NOW, protection=shield))


def _stop(status: OrderStatus, executed: Decimal, fills: tuple[Fill, ...]) -> OrderResult:
    return OrderResult(
        "BTCUSDT", 2001, IDS.stop_loss, status, Side.SELL, OrderType.STOP_LOSS_LIMIT, D("39960"), SOLD, executed,
        sum((f.price * f.quantity for f in fills), D(0)), stop_price=D("40000"), transact_time_ms=NOW_MS - 30_000,
        fills=fills,
    )  # fmt: skip


def _stopped_on_the_exchange(world: World) -> OrderResult:
    """The stop-loss leg filled on the exchange; the OCO cancelled the take-profit."""
    stop = _stop(OrderStatus.FILLED, SOLD, (FILL,))
    take = replace(stop, order_id=2002, client_order_id=IDS.take_profit, status=OrderStatus.EXPIRED,
                   type=OrderType.LIMIT_MAKER, executed_qty=D(0), cumulative_quote_qty=D(0), fills=())  # fmt: skip
    world.exchange.external(stop)
    world.exchange.end_list(IDS.list_id, (stop, take))
    world.exchange.balances["BTC"] = Balance("BTC", D("0.000008"), D(0))  # the dust the fee left
    return stop


def test_reconcile_records_an_executed_stop_loss_and_settles_its_trade_in_one_run(world: World) -> None:
    _protected(world)
    _stopped_on_the_exchange(world)

    report = world.reconciler.reconcile_user(USER)

    leg = world.store.by_client_order_id(USER, IDS.stop_loss)
    assert leg is not None
    assert (leg.id, leg.source, leg.side, leg.status, leg.fills) == (
        leg_trade_id(USER, IDS.stop_loss),
        "stop_loss",
        Side.SELL,
        TradeStatus.FILLED,
        (FILL,),
    )
    assert leg.extra["parent_trade_id"] == "p"
    assert world.store.by_client_order_id(USER, IDS.take_profit) is None
    parent = world.store.by_client_order_id(USER, "tc-p")
    assert parent is not None
    assert parent.protection is not None
    assert parent.protection.status is ProtectionStatus.DONE
    assert (parent.extra["protection_executed"], parent.extra["protection_canceled"]) == ("stop_loss", "take_profit")
    counts = {kind: count for kind, count in report.counts.items() if count}
    assert counts == {"missing_trade": 1, "protection_gone": 1}  # and no position gap: the books match the balance
    again = world.reconciler.reconcile_user(USER)
    assert (again.repairs, again.found) == ((), 0)


def test_reconcile_finds_the_leg_the_stream_recorded_and_counts_it_once(world: World) -> None:
    _protected(world)
    stop = _stopped_on_the_exchange(world)
    cache, outbox = RecordingAccountCache(), InMemoryOutbox()
    events = TradeEvents(RecordingPublisher(), RecordingPublisher(), cache, trade_body)  # type: ignore[arg-type]
    stream = UserEventHandler(TradeJournal(world.store, outbox), events, TradingMode.PAPER, clock=lambda: NOW_MS / 1000)
    event = OrderEvent(
        USER, "BTCUSDT", IDS.stop_loss, stop.order_id, Side.SELL, OrderType.STOP_LOSS_LIMIT, OrderStatus.FILLED,
        "TRADE", SOLD, D("39960"), SOLD, stop.cumulative_quote_qty, NOW_MS - 30_000, NOW_MS - 60_000, fill=FILL,
    )  # fmt: skip
    stream.handle(event)
    recorded = world.store.by_client_order_id(USER, IDS.stop_loss)
    assert recorded is not None

    report = world.reconciler.reconcile_user(USER)

    assert (report.repairs, report.found) == ((), 0)
    assert world.store.by_client_order_id(USER, IDS.stop_loss) == recorded
    assert len([t for t in world.store.of_user(USER) if t.source == "stop_loss"]) == 1


def test_reconcile_advances_a_partially_filled_leg_forward_only(world: World) -> None:
    _protected(world)
    half = Fill(D("40000"), D("0.001"), D("0.04"), "USDT", 76)
    world.exchange.external(_stop(OrderStatus.PARTIALLY_FILLED, D("0.001"), (half,)))  # the OCO still executing

    first = world.reconciler.reconcile_user(USER)

    partial = world.store.by_client_order_id(USER, IDS.stop_loss)
    assert partial is not None
    assert (partial.status, partial.executed_quantity, partial.version) == (TradeStatus.PARTIALLY_FILLED, D("0.001"), 1)
    assert first.counts["missing_trade"] == 1
    parent = world.store.by_client_order_id(USER, "tc-p")
    assert parent is not None
    assert parent.protection is not None
    assert parent.protection.status is ProtectionStatus.DONE

    rest = Fill(D("40000"), SOLD - D("0.001"), D("0.0396"), "USDT", 77)
    world.exchange.set_order(IDS.stop_loss, status=OrderStatus.FILLED, executed_qty=SOLD,
                             cumulative_quote_qty=SOLD * D("40000"), fills=(half, rest))  # fmt: skip
    world.reconciler.reconcile_user(USER)

    full = world.store.by_client_order_id(USER, IDS.stop_loss)
    assert full is not None
    assert (full.status, full.executed_quantity, full.fills, full.version) == (
        TradeStatus.FILLED,
        SOLD,
        (half, rest),
        2,
    )
    assert [t.client_order_id for t in world.store.of_user(USER) if t.source == "stop_loss"] == [IDS.stop_loss]


def test_reconcile_records_a_leg_found_only_through_its_parents_order_list(world: World) -> None:
    _protected(world)
    stop = _stopped_on_the_exchange(world)
    world.exchange.hidden_fills.add(stop.order_id)  # its fills are older than what myTrades shows

    report = world.reconciler.reconcile_user(USER)

    leg = world.store.by_client_order_id(USER, IDS.stop_loss)
    assert leg is not None
    assert (leg.status, leg.executed_quantity, leg.quote_amount) == (TradeStatus.FILLED, SOLD, SOLD * D("40000"))
    assert report.counts["missing_trade"] == 1
    assert report.position_gaps == ()
