"""A stop-loss or take-profit leg executing, as the user data stream reports it: the leg becomes a trade
of its own linked to the trade it protected (so the position closes and its PnL is realized), the
parent's protection is done, and replays or late events change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.unit.test_user_events import World
from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import Fill, OrderStatus, OrderType, Side, oco_client_ids
from tradecore.domain.positions import build_position, fills_of
from tradecore.domain.protective_legs import leg_trade_id, role_of
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import Protection, ProtectionStatus, TradeRecord, TradeStatus
from tradecore.domain.user_events import OrderEvent, OrderFillEvent

D = Decimal
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PARENT = "tc-0123456789abcdef0123456789abcdef"
OCO = oco_client_ids(PARENT)
STOP_MS = int((T0 + timedelta(hours=1)).timestamp() * 1000)


def _parent(*, take_profit: str | None = "60000", **changes: object) -> TradeRecord:
    """A filled buy of 0.002 BTC at 50000 (0.1 USDT fee) protected by an OCO (or a single stop-loss)."""
    single = take_profit is None
    protection = Protection(
        ProtectionStatus.ACTIVE, D("40000"), None if take_profit is None else D(take_profit), D("0.002"),
        order_list_id=None if single else 7, list_client_order_id=None if single else OCO.list_id,
        order_id=99 if single else None, client_order_id="sl-0123456789abcdef0123456789abcdef" if single else None,
    )  # fmt: skip
    trade = TradeRecord(
        id="t-1", user_id="u-1", client_order_id=PARENT, symbol="BTCUSDT", base_asset="BTC", quote_asset="USDT",
        side=Side.BUY, type=OrderType.MARKET, mode=TradingMode.PAPER, status=TradeStatus.FILLED, created_at=T0,
        updated_at=T0, executed_quantity=D("0.002"), quote_amount=D("100"),
        fills=(Fill(D("50000"), D("0.002"), D("0.1"), "USDT", 1),), exchange_order_id=41, protection=protection,
    )  # fmt: skip
    return trade.advanced(T0, **changes) if changes else trade


def _leg(cid: str, status: OrderStatus, executed: str, quote: str, *, fill: tuple[str, str, int] | None = None,
         order_type: OrderType = OrderType.STOP_LOSS_LIMIT, list_id: int = 7) -> OrderEvent:  # fmt: skip
    last = OrderFillEvent(D(fill[0]), D(fill[1]), D(fill[0]) * D(fill[1]) / 1000, "USDT", fill[2]) if fill else None
    return OrderEvent(
        user_id="u-1", symbol="BTCUSDT", client_order_id=cid, order_id=501, side=Side.SELL, type=order_type,
        status=status, execution_type="TRADE" if fill else status.value, quantity=D("0.002"), price=D("39960"),
        executed_quantity=D(executed), cumulative_quote=D(quote), event_time_ms=STOP_MS,
        order_time_ms=int(T0.timestamp() * 1000), order_list_id=list_id, fill=last,
    )  # fmt: skip


def _stopped(world: World) -> TradeRecord:
    world.store.save(_parent())
    world.handler.handle(_leg(OCO.stop_loss, OrderStatus.FILLED, "0.002", "80", fill=("40000", "0.002", 9)))
    leg = world.store.by_client_order_id("u-1", OCO.stop_loss)
    assert leg is not None
    return leg


def test_user_events_stop_loss_fill_is_recorded_as_its_own_trade_linked_to_the_parent() -> None:
    world = World()
    leg = _stopped(world)
    assert (leg.source, leg.side, leg.status, leg.executed_quantity) == (
        "stop_loss",
        Side.SELL,
        TradeStatus.FILLED,
        D("0.002"),
    )
    assert (leg.id, leg.extra["parent_trade_id"], leg.extra["parent_client_order_id"]) == (
        leg_trade_id("u-1", OCO.stop_loss),
        "t-1",
        PARENT,
    )
    assert leg.created_at == datetime.fromtimestamp(STOP_MS / 1000, UTC)  # dated when it executed
    assert [(f.price, f.commission, f.trade_id) for f in leg.fills] == [(D("40000"), D("0.08"), 9)]


def test_user_events_stop_loss_fill_closes_the_position_with_its_realized_pnl() -> None:
    world = World()
    _stopped(world)
    position = build_position("BTCUSDT", "BTC", "USDT", fills_of(world.store.executed("u-1", "BTCUSDT")))
    assert position.quantity == 0
    assert not position.is_open
    # bought at 50000 + 0.1 fee (entry 50050), sold at 40000 less 0.08 fee
    assert position.realized_pnl == (D("40000") - D("50050")) * D("0.002") - D("0.08")


def test_user_events_executed_leg_settles_the_parent_protection_and_tells_the_user() -> None:
    world = World()
    _stopped(world)
    parent = world.store.trades[PARENT]
    assert parent.protection is not None
    assert parent.protection.status is ProtectionStatus.DONE
    assert parent.extra["protection_executed"] == "stop_loss"
    assert parent.extra["protection_canceled"] == "take_profit"  # the OCO's other leg
    assert parent.extra["protection_trade_id"] == leg_trade_id("u-1", OCO.stop_loss)
    assert world.types("u-1") == [
        MessageType.TRADE_EXECUTED, MessageType.ACCOUNT_UPDATE,  # the stop-loss's own trade
        MessageType.ORDER_UPDATE, MessageType.ACCOUNT_UPDATE,  # the parent's protection
    ]  # fmt: skip
    executed = [data for _, kind, data in world.messages.notifications if kind is MessageType.TRADE_EXECUTED]
    assert executed[0]["client_order_id"] == OCO.stop_loss


def test_user_events_replayed_and_late_leg_events_change_nothing() -> None:
    world = World()
    leg = _stopped(world)
    parent = world.store.trades[PARENT]
    sent = len(world.messages.notifications)
    world.handler.handle(_leg(OCO.stop_loss, OrderStatus.FILLED, "0.002", "80", fill=("40000", "0.002", 9)))
    world.handler.handle(_leg(OCO.stop_loss, OrderStatus.PARTIALLY_FILLED, "0.001", "40", fill=("40000", "0.001", 8)))
    world.handler.handle(_leg(OCO.take_profit, OrderStatus.EXPIRED, "0", "0", order_type=OrderType.LIMIT_MAKER))
    assert world.store.by_client_order_id("u-1", OCO.stop_loss) == leg
    assert world.store.by_client_order_id("u-1", OCO.take_profit) is None  # the cancelled leg is no trade
    assert world.store.trades[PARENT] == parent
    assert len(world.messages.notifications) == sent


def test_user_events_partial_then_full_leg_fill_advances_one_record() -> None:
    world = World()
    world.store.save(_parent(take_profit=None))
    cid = "sl-0123456789abcdef0123456789abcdef"  # a single stop-loss, no OCO
    world.handler.handle(_leg(cid, OrderStatus.NEW, "0", "0", list_id=-1))
    assert world.store.by_client_order_id("u-1", cid) is None  # placed, nothing executed: still protection
    world.handler.handle(_leg(cid, OrderStatus.PARTIALLY_FILLED, "0.001", "40", fill=("40000", "0.001", 8), list_id=-1))
    partial = world.store.by_client_order_id("u-1", cid)
    assert partial is not None
    assert (partial.status, partial.executed_quantity, partial.version) == (TradeStatus.PARTIALLY_FILLED, D("0.001"), 1)
    world.handler.handle(_leg(cid, OrderStatus.FILLED, "0.002", "80", fill=("40000", "0.001", 9), list_id=-1))
    full = world.store.by_client_order_id("u-1", cid)
    assert full is not None
    assert (full.status, full.executed_quantity, [f.trade_id for f in full.fills]) == (
        TradeStatus.FILLED,
        D("0.002"),
        [8, 9],
    )
    parent = world.store.trades[PARENT]
    assert parent.protection is not None
    assert parent.protection.status is ProtectionStatus.DONE
    assert parent.extra["protection_executed"] == "stop_loss"
    assert "protection_canceled" not in parent.extra  # a single order has no other leg
    assert parent.version == 2  # settled once, at the first fill


def test_user_events_take_profit_leg_found_by_its_list_id() -> None:
    world = World()
    world.store.save(_parent())
    event = _leg("oco-elsewhere-tp", OrderStatus.FILLED, "0.002", "120", fill=("60000", "0.002", 3),
                 order_type=OrderType.LIMIT_MAKER)  # fmt: skip
    world.handler.handle(event)
    leg = world.store.by_client_order_id("u-1", "oco-elsewhere-tp")
    assert leg is not None
    assert leg.source == "take_profit"
    assert world.store.trades[PARENT].extra["protection_canceled"] == "stop_loss"


def test_user_events_leg_of_no_recorded_trade_or_store_down_is_left_to_reconciliation() -> None:
    world = World()
    world.handler.handle(_leg(OCO.stop_loss, OrderStatus.FILLED, "0.002", "80", fill=("40000", "0.002", 9)))
    assert world.store.trades == {}
    world.store.save(_parent())
    world.store.down = True
    world.handler.handle(_leg(OCO.stop_loss, OrderStatus.FILLED, "0.002", "80", fill=("40000", "0.002", 9)))
    assert world.outbox.records == []
    assert world.messages.notifications == []


def test_role_of_names_the_leg_by_id_then_by_type() -> None:
    assert role_of(OrderType.LIMIT_MAKER, OCO.stop_loss).value == "stop_loss"
    assert role_of(OrderType.STOP_LOSS_LIMIT, "tp-x").value == "take_profit"
    assert role_of(OrderType.STOP_LOSS_LIMIT, "oco-leg-1").value == "stop_loss"
    assert role_of(OrderType.LIMIT_MAKER, "oco-leg-2").value == "take_profit"
