"""The pure comparison rules of reconciliation: the exchange wins, every change is noted, versions move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.support.stored_trades import make_trade
from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import Fill, OrderResult, OrderStatus, OrderType, Side, Trade
from tradecore.domain.reconciliation import (
    Change,
    DiscrepancyKind,
    PositionGap,
    ReconciliationReport,
    Repair,
    fills_of_exchange,
    missing_trade,
    never_placed_repair,
    order_repair,
    position_gap,
    protection_repair,
    settled_by_fills,
)
from tradecore.domain.trades import Protection, ProtectionStatus, TradeStatus

D = Decimal
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
FILL = Fill(D("50000"), D("0.002"), D("0.000002"), "BTC", 7)


def _order(status: OrderStatus = OrderStatus.FILLED, executed: str = "0.002", quote: str = "100") -> OrderResult:
    return OrderResult("BTCUSDT", 42, "tc-t-1", status, Side.BUY, OrderType.MARKET, D(0), D("0.002"), D(executed),
                       D(quote), transact_time_ms=int((NOW - timedelta(minutes=3)).timestamp() * 1000))  # fmt: skip


def test_order_repair_takes_every_field_from_the_exchange_and_notes_it() -> None:
    trade = make_trade(status=TradeStatus.PARTIALLY_FILLED, executed_quantity=D("0.001"), quote_amount=D("49"))

    updated, repair = order_repair(trade, _order(), (FILL,), NOW) or pytest.fail("a discrepancy")

    assert (updated.status, updated.executed_quantity, updated.quote_amount) == (TradeStatus.FILLED, D("0.002"), D(100))
    assert (updated.fills, updated.exchange_order_id, updated.version, updated.updated_at) == ((FILL,), 42, 2, NOW)
    assert repair.kinds == (DiscrepancyKind.STATUS, DiscrepancyKind.FILLED_QUANTITY, DiscrepancyKind.AVERAGE_PRICE,
                            DiscrepancyKind.FEE)  # fmt: skip
    assert updated.extra["reconciled"] == (
        "status: partially_filled → filled; executed_quantity: 0.001 → 0.002; average_price: 49000 → 50000; "
        "quote_amount: 49 → 100; fees: none → 0.000002 BTC; exchange_order_id: None → 42"
    )


def test_order_repair_of_an_intent_judged_never_placed_whose_order_turned_up_drops_that_verdict() -> None:
    trade = make_trade(created_at=NOW - timedelta(minutes=5))
    rejected, _ = never_placed_repair(trade, NOW, timedelta(minutes=2)) or pytest.fail("never placed")

    filled, repair = order_repair(rejected, _order(), (FILL,), NOW) or pytest.fail("it was placed after all")

    assert (filled.status, filled.reason, filled.version) == (TradeStatus.FILLED, None, 3)
    assert "status: rejected → filled" in repair.note()


@pytest.mark.parametrize(
    ("changes", "settled"),
    [
        ({}, True),
        ({"fills": ()}, False),  # the record's fees differ from the account's
        ({"quote_amount": D("99")}, False),
        ({"status": TradeStatus.PARTIALLY_FILLED}, False),  # may still fill: look the order up
    ],
)
def test_settled_by_fills_only_for_a_filled_record_equal_to_its_fills(
    changes: dict[str, object], settled: bool
) -> None:
    values: dict[str, Any] = {"status": TradeStatus.FILLED, "executed_quantity": D("0.002"),
                                 "quote_amount": D(100), "fills": (FILL,), **changes}  # fmt: skip
    assert settled_by_fills(make_trade(**values), (FILL,)) is settled


def test_order_repair_is_none_when_the_record_agrees() -> None:
    trade = make_trade(status=TradeStatus.FILLED, executed_quantity=D("0.002"), quote_amount=D(100), fills=(FILL,))
    assert order_repair(trade, _order(), (FILL,), NOW) is None


def test_order_repair_compares_fees_only_when_the_fills_cover_the_quantity() -> None:
    trade = make_trade(status=TradeStatus.FILLED, executed_quantity=D("0.002"), quote_amount=D(100))
    half = Fill(D("50000"), D("0.001"), D("0.000001"), "BTC", 8)

    assert order_repair(trade, _order(), (half,), NOW) is None
    assert order_repair(trade, _order(), None, NOW) is None


@pytest.mark.parametrize(
    ("status", "age", "repaired"),
    [
        (TradeStatus.PENDING, timedelta(minutes=2), True),
        (TradeStatus.UNKNOWN, timedelta(hours=3), True),
        (TradeStatus.PENDING, timedelta(seconds=119), False),  # the exchange may show it a moment later
        (TradeStatus.FILLED, timedelta(hours=3), False),  # not an intent
    ],
)
def test_never_placed_repair_rejects_only_intents_past_the_grace(
    status: TradeStatus, age: timedelta, repaired: bool
) -> None:
    trade = make_trade(status=status, created_at=NOW - age)

    outcome = never_placed_repair(trade, NOW, timedelta(minutes=2))

    assert (outcome is not None) is repaired
    if outcome is not None:
        assert outcome[0].status is TradeStatus.REJECTED
        assert outcome[1].kinds == (DiscrepancyKind.NEVER_PLACED,)


def _leg(status: OrderStatus, executed: str = "0") -> OrderResult:
    return OrderResult("BTCUSDT", 9, "oco-x-tp", status, Side.SELL, OrderType.LIMIT_MAKER, D("60000"), D("0.002"),
                       D(executed), D(executed) * 60000)  # fmt: skip


@pytest.mark.parametrize(
    ("legs", "expected"),
    [
        ((_leg(OrderStatus.FILLED, "0.002"), _leg(OrderStatus.EXPIRED)), ProtectionStatus.DONE),
        ((_leg(OrderStatus.CANCELED), _leg(OrderStatus.CANCELED)), ProtectionStatus.CANCELED),
        (None, ProtectionStatus.CANCELED),
        ((_leg(OrderStatus.NEW), _leg(OrderStatus.CANCELED)), None),
    ],
)
def test_protection_repair_follows_how_the_exchange_ended_it(
    legs: tuple[OrderResult, ...] | None, expected: ProtectionStatus | None
) -> None:
    trade = make_trade(protection=Protection(ProtectionStatus.ACTIVE, D("40000"), D("60000"), D("0.002"), 5))

    outcome = protection_repair(trade, legs, NOW)

    after = None if outcome is None else outcome[0].protection
    assert (after.status if after else None) is expected


def test_missing_trade_is_recorded_as_reconciled_with_the_exchange_fills() -> None:
    trade, repair = missing_trade("user-1", "tc-t-1", _order(), (FILL,), ("BTC", "USDT"), TradingMode.PAPER, NOW)

    assert (trade.source, trade.status, trade.fills, trade.version) == ("reconciled", TradeStatus.FILLED, (FILL,), 1)
    assert trade.created_at == NOW - timedelta(minutes=3)  # when the exchange took it
    assert repair.kinds == (DiscrepancyKind.MISSING_TRADE,)
    assert trade.extra["reconciled"] == "trade: missing → filled 0.002 BTCUSDT at 50000"


def test_fills_of_exchange_group_the_account_trades_by_order() -> None:
    trades = [Trade("BTCUSDT", n, order, D(1), D(2), D(2), D("0.1"), "BNB", 0, True, False)
              for n, order in ((1, 10), (2, 11), (3, 10))]  # fmt: skip
    grouped = fills_of_exchange(trades)
    assert {order: [f.trade_id for f in fills] for order, fills in grouped.items()} == {10: [1, 3], 11: [2]}


def test_report_counts_every_kind_and_repaired_only_applied_ones() -> None:
    changes = (Change("status", "pending", "rejected"),)
    repairs = (
        Repair("a", "tc-a", "BTCUSDT", (DiscrepancyKind.NEVER_PLACED,), changes),
        Repair("b", "tc-b", "BTCUSDT", (DiscrepancyKind.STATUS, DiscrepancyKind.FEE), changes, applied=False),
    )
    report = ReconciliationReport("r", "user-1", NOW, NOW, repairs, (PositionGap("BTCUSDT", "BTC", D(1), D(2)),))

    assert report.counts["never_placed"] == 1
    assert (report.counts["status"], report.counts["fee"], report.counts["position"]) == (1, 1, 1)
    assert (report.found, report.repaired) == (4, 1)
    assert report.summary()["counts"] == {"never_placed": 1, "status": 1, "fee": 1, "position": 1}


def test_position_gap_only_when_the_quantities_differ() -> None:
    assert position_gap("BTCUSDT", "BTC", D("0.5"), D("0.50")) is None
    gap = position_gap("BTCUSDT", "BTC", D("0.5"), D("0.7"))
    assert gap is not None
    assert gap.difference == D("0.2")
