"""The Reconciler with fakes: each discrepancy between the records and the exchange found and repaired
in one run, the versioned save respected, the report stored and told to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest

from tests.support.messages import RecordingPublisher
from tests.support.reconcile_fakes import NOW_MS, InMemoryReports, ReconcileExchange, leg
from tests.support.stored_trades import make_trade
from tests.support.trading_fakes import FakeConnections, InMemoryTradeStore
from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OcoRequest, OrderRequest, OrderResult, OrderStatus, OrderType, Side, oco_client_ids
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import Protection, ProtectionStatus, TradeRecord, TradeStatus
from tradecore.errors import ConflictError
from tradecore.services.jobs.reconciler import ReconcilePolicy, Reconciler

D = Decimal
NOW = datetime.fromtimestamp(NOW_MS / 1000, UTC)
USER = "user-1"


@dataclass
class World:
    reconciler: Reconciler
    store: InMemoryTradeStore
    exchange: ReconcileExchange
    reports: InMemoryReports
    messages: RecordingPublisher

    def place(self, client_id: str, order_type: OrderType = OrderType.MARKET, **kw: object) -> OrderResult:
        request = OrderRequest("BTCUSDT", Side.BUY, order_type, client_order_id=client_id,
                               **({"quantity": D("0.002")} | kw))  # type: ignore[arg-type]  # fmt: skip
        return self.exchange.place_order(request)

    def record(self, trade: TradeRecord) -> TradeRecord:
        assert self.store.save(trade)
        return trade


@pytest.fixture
def world() -> World:
    store, exchange, reports, messages = (
        InMemoryTradeStore(),
        ReconcileExchange(),
        InMemoryReports(),
        RecordingPublisher(),
    )
    policy = ReconcilePolicy(symbols=("BTCUSDT",), mode=TradingMode.PAPER, grace_seconds=120)
    reconciler = Reconciler(
        store, cast(Any, FakeConnections({USER: exchange})), reports, messages, policy, clock=lambda: NOW_MS / 1000
    )
    return World(reconciler, store, exchange, reports, messages)


def _pending(trade_id: str, *, age: timedelta = timedelta(minutes=10), **changes: Any) -> TradeRecord:
    at = NOW - age
    return make_trade(trade_id, client_order_id=f"tc-{trade_id}", created_at=at, updated_at=at, **changes)


def test_reconciler_records_an_exchange_trade_missing_in_the_database(world: World) -> None:
    world.place("tc-lost")

    report = world.reconciler.reconcile_user(USER)

    stored = world.store.by_client_order_id(USER, "tc-lost")
    assert stored is not None
    assert stored.source == "reconciled"
    assert (stored.status, stored.executed_quantity) == (TradeStatus.FILLED, D("0.002"))
    assert stored.fees[0].amount == D("0.000002")
    assert "trade: missing →" in stored.extra["reconciled"]
    assert report.counts["missing_trade"] == 1
    assert report.repaired == 1


def test_reconciler_records_an_outside_order_under_a_per_user_id(world: World) -> None:
    world.place("web_abc123")

    world.reconciler.reconcile_user(USER)

    (stored,) = world.store.of_user(USER)
    assert stored.client_order_id.startswith("ext-")
    assert stored.extra["exchange_client_order_id"] == "web_abc123"


def test_reconciler_rejects_an_intent_never_placed_after_the_grace_period_only(world: World) -> None:
    world.record(_pending("old", age=timedelta(minutes=5)))
    world.record(_pending("young", age=timedelta(seconds=30)))

    report = world.reconciler.reconcile_user(USER)

    old, young = world.store.by_client_order_id(USER, "tc-old"), world.store.by_client_order_id(USER, "tc-young")
    assert old is not None
    assert old.status is TradeStatus.REJECTED
    assert old.reason
    assert "never placed" in old.reason
    assert old.version == 2
    assert old.extra["reconciled"] == "status: pending → rejected; reason: - → never placed"
    assert young is not None
    assert young.status is TradeStatus.PENDING
    assert young.version == 1
    assert report.counts["never_placed"] == 1


def test_reconciler_takes_status_quantity_price_and_fees_from_the_exchange(world: World) -> None:
    placed = world.place("tc-t1")
    world.record(_pending("t1", status=TradeStatus.UNKNOWN))

    report = world.reconciler.reconcile_user(USER)

    stored = world.store.by_client_order_id(USER, "tc-t1")
    assert stored is not None
    assert (stored.status, stored.executed_quantity, stored.quote_amount) == (
        TradeStatus.FILLED, placed.executed_qty, placed.cumulative_quote_qty)  # fmt: skip
    assert stored.exchange_order_id == placed.order_id
    assert stored.fills == placed.fills
    kinds = {kind for kind, count in report.counts.items() if count}
    assert kinds == {"status", "filled_quantity", "average_price", "fee"}
    assert "status: unknown → filled" in stored.extra["reconciled"]


def test_reconciler_changes_nothing_when_the_record_agrees(world: World) -> None:
    placed = world.place("tc-ok")
    trade = world.record(_pending("ok").with_order(placed, NOW))

    report = world.reconciler.reconcile_user(USER)

    assert world.store.by_client_order_id(USER, "tc-ok") == trade
    assert world.exchange.lookups == 0  # its own fills settle it: no lookup spends exchange weight
    assert report.found == 0
    assert world.messages.notifications == []
    assert world.reports.reports == [report]


def test_reconciler_keeps_the_exchange_fills_out_when_they_do_not_cover_the_quantity(world: World) -> None:
    placed = world.place("tc-part")
    world.exchange.hidden_fills.add(placed.order_id)
    world.record(_pending("part"))

    report = world.reconciler.reconcile_user(USER)

    stored = world.store.by_client_order_id(USER, "tc-part")
    assert stored is not None
    assert stored.fills == ()
    assert stored.executed_quantity == D("0.002")
    assert report.counts["fee"] == 0


@pytest.mark.parametrize(
    ("legs", "expected"),
    [
        ((leg(1, OrderStatus.FILLED, "0.001"), leg(2, OrderStatus.EXPIRED)), ProtectionStatus.DONE),
        ((leg(1, OrderStatus.CANCELED), leg(2, OrderStatus.CANCELED)), ProtectionStatus.CANCELED),
    ],
)
def test_reconciler_marks_protection_gone_from_the_exchange(
    world: World, legs: tuple[OrderResult, ...], expected: ProtectionStatus
) -> None:
    placed = world.place("tc-p")
    oco = world.exchange.place_oco(
        OcoRequest("BTCUSDT", Side.SELL, D("0.001"), D("60000"), D("40000"), D("39000"), client_key="tc-p")
    )
    protection = Protection(ProtectionStatus.ACTIVE, D("40000"), D("60000"), D("0.001"), oco.order_list_id,
                            oco.list_client_order_id)  # fmt: skip
    world.record(_pending("p").with_order(placed, NOW).advanced(NOW, protection=protection))
    world.exchange.end_list(oco_client_ids("tc-p").list_id, legs)

    report = world.reconciler.reconcile_user(USER)

    stored = world.store.by_client_order_id(USER, "tc-p")
    assert stored is not None
    assert stored.protection is not None
    assert stored.protection.status is expected
    assert report.counts["protection_gone"] == 1


def test_reconciler_leaves_protection_that_is_still_on_the_exchange(world: World) -> None:
    placed = world.place("tc-q")
    world.exchange.place_order(OrderRequest("BTCUSDT", Side.SELL, OrderType.LIMIT, D("0.001"), price=D("70000"),
                                            client_order_id="tp-q"))  # fmt: skip
    protection = Protection(ProtectionStatus.ACTIVE, None, D("70000"), D("0.001"), client_order_id="tp-q")
    trade = world.record(_pending("q").with_order(placed, NOW).advanced(NOW, protection=protection))

    report = world.reconciler.reconcile_user(USER)

    assert world.store.by_client_order_id(USER, "tc-q") == trade
    assert world.store.by_client_order_id(USER, "tp-q") is None  # a protective leg is never a trade
    assert report.counts["protection_gone"] == 0
    assert report.counts["missing_trade"] == 0


def test_reconciler_compares_again_when_a_newer_copy_was_saved_meanwhile(world: World) -> None:
    placed = world.place("tc-race")
    world.record(_pending("race"))
    real_save = world.store.save
    raced: list[bool] = []

    def save_after_a_concurrent_writer(trade: TradeRecord) -> bool:
        if not raced:  # the user stream stores a newer copy (partly filled) just before our save
            current = world.store.trades[trade.client_order_id]
            raced.append(real_save(current.advanced(NOW, status=TradeStatus.PARTIALLY_FILLED,
                                                    executed_quantity=D("0.001"))))  # fmt: skip
        return real_save(trade)

    world.store.save = save_after_a_concurrent_writer  # type: ignore[method-assign]
    report = world.reconciler.reconcile_user(USER)

    stored = world.store.by_client_order_id(USER, "tc-race")
    assert stored is not None
    assert stored.version == 3
    assert stored.executed_quantity == placed.executed_qty
    assert "partially_filled → filled" in stored.extra["reconciled"]
    assert all(repair.applied for repair in report.repairs)


def test_reconciler_reports_a_position_that_differs_from_the_balance(world: World) -> None:
    placed = world.place("tc-pos")
    world.record(_pending("pos").with_order(placed, NOW))
    world.exchange._move("BTC", free=D("0.5"))  # coins deposited from elsewhere

    report = world.reconciler.reconcile_user(USER)

    (gap,) = report.position_gaps
    assert (gap.asset, gap.recorded, gap.exchange) == ("BTC", D("0.001998"), D("0.501998"))
    assert report.counts["position"] == 1
    assert report.repaired == 0


def test_reconciler_stores_the_report_and_tells_the_user(world: World) -> None:
    world.place("tc-told")

    report = world.reconciler.reconcile_user(USER)

    assert world.reports.latest(USER) == [report]
    ((user, kind, data),) = world.messages.notifications
    assert (user, kind, data["reason"], data["found"]) == (USER, MessageType.ACCOUNT_UPDATE, "reconciliation", 1)


def test_reconciler_still_repairs_when_the_report_cannot_be_stored(world: World) -> None:
    world.place("tc-r")
    world.reports.down = True

    world.reconciler.reconcile_user(USER)

    assert world.store.by_client_order_id(USER, "tc-r") is not None


def test_reconciler_refuses_a_user_without_a_connection(world: World) -> None:
    with pytest.raises(ConflictError):
        world.reconciler.reconcile_user("nobody")
