"""The user side of the stream task: order and balance events applied to the user's trades and
told to that user alone (late, repeated and out-of-order events never move a trade back)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.support.messages import RecordingPublisher
from tests.support.trading_fakes import InMemoryOutbox, InMemoryTradeStore, RecordingAccountCache
from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OrderStatus, OrderType, Side
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import TradeRecord, TradeStatus
from tradecore.domain.user_events import AccountEvent, OrderEvent, OrderFillEvent
from tradecore.services.realtime.user_events import (
    UserEventHandler,
    external_client_order_id,
    split_symbol,
)
from tradecore.services.trading.events import TradeEvents
from tradecore.services.trading.journal import TradeJournal
from tradecore.services.trading.rendering import trade_body

D = Decimal
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CID = "tc-0123456789abcdef0123456789abcdef"


class World:
    def __init__(self) -> None:
        self.store = InMemoryTradeStore()
        self.outbox = InMemoryOutbox()
        self.messages = RecordingPublisher()
        self.cache = RecordingAccountCache()
        events = TradeEvents(self.messages, self.messages, self.cache, trade_body)  # type: ignore[arg-type]
        self.handler = UserEventHandler(
            TradeJournal(self.store, self.outbox), events, TradingMode.PAPER, clock=lambda: T0.timestamp() + 5
        )

    def types(self, user_id: str) -> list[MessageType]:
        return [kind for user, kind, _ in self.messages.notifications if user == user_id]


def _pending(user_id: str = "u-1") -> TradeRecord:
    return TradeRecord(
        id="t-1", user_id=user_id, client_order_id=CID, symbol="BTCUSDT", base_asset="BTC", quote_asset="USDT",
        side=Side.BUY, type=OrderType.LIMIT, mode=TradingMode.PAPER, status=TradeStatus.PENDING, created_at=T0,
        updated_at=T0, sent_quantity=D("0.002"), sent_price=D("50000"),
    )  # fmt: skip


def _order(status: OrderStatus, executed: str, quote: str, *, cid: str = CID, user_id: str = "u-1",
           fill: tuple[str, str, int] | None = None, **more: Any) -> OrderEvent:  # fmt: skip
    last = OrderFillEvent(D(fill[0]), D(fill[1]), D("0.000001"), "BTC", fill[2]) if fill else None
    return OrderEvent(
        user_id=user_id, symbol="BTCUSDT", client_order_id=cid, order_id=42, side=Side.BUY, type=OrderType.LIMIT,
        status=status, execution_type="TRADE" if fill else status.value, quantity=D("0.002"), price=D("50000"),
        executed_quantity=D(executed), cumulative_quote=D(quote), event_time_ms=1,
        order_time_ms=1_764_000_000_000,
        fill=last, **more,
    )  # fmt: skip


def test_user_events_partial_then_full_fill_advances_the_trade_and_tells_its_user() -> None:
    world = World()
    world.store.save(_pending())
    world.handler.handle(_order(OrderStatus.NEW, "0", "0"))
    world.handler.handle(_order(OrderStatus.PARTIALLY_FILLED, "0.001", "50", fill=("50000", "0.001", 1)))
    world.handler.handle(_order(OrderStatus.FILLED, "0.002", "100", fill=("50000", "0.001", 2)))
    trade = world.store.trades[CID]
    assert trade.status is TradeStatus.FILLED
    assert (trade.executed_quantity, trade.quote_amount, trade.exchange_order_id) == (D("0.002"), D("100"), 42)
    assert [f.trade_id for f in trade.fills] == [1, 2]
    assert trade.version == 4
    assert world.types("u-1") == [
        MessageType.ORDER_UPDATE, MessageType.ACCOUNT_UPDATE,  # open
        MessageType.ORDER_UPDATE, MessageType.ACCOUNT_UPDATE,  # partly filled
        MessageType.TRADE_EXECUTED, MessageType.ACCOUNT_UPDATE,  # just filled
    ]  # fmt: skip
    assert world.cache.invalidated == ["u-1"] * 3


@pytest.mark.parametrize(
    "late",
    [
        _order(OrderStatus.NEW, "0", "0"),
        _order(OrderStatus.PARTIALLY_FILLED, "0.001", "50", fill=("50000", "0.001", 1)),
        _order(OrderStatus.FILLED, "0.002", "100", fill=("50000", "0.001", 2)),  # the same event twice
    ],
    ids=["new-after-fill", "partial-after-fill", "repeated-fill"],
)
def test_user_events_late_or_repeated_event_changes_nothing(late: OrderEvent) -> None:
    world = World()
    world.store.save(_pending())
    world.handler.handle(_order(OrderStatus.FILLED, "0.002", "100", fill=("50000", "0.002", 2)))
    before = world.store.trades[CID]
    sent = len(world.messages.notifications)
    world.handler.handle(late)
    assert world.store.trades[CID] == before
    assert len(world.messages.notifications) == sent


def test_user_events_cancel_with_nothing_filled_ends_the_trade_canceled() -> None:
    world = World()
    world.store.save(_pending())
    world.handler.handle(_order(OrderStatus.NEW, "0", "0"))
    world.handler.handle(_order(OrderStatus.CANCELED, "0", "0"))
    assert world.store.trades[CID].status is TradeStatus.CANCELED
    assert world.types("u-1")[-2:] == [MessageType.ORDER_UPDATE, MessageType.ACCOUNT_UPDATE]


def test_user_events_order_placed_elsewhere_is_recorded_as_external_for_its_user() -> None:
    world = World()
    world.handler.handle(_order(OrderStatus.FILLED, "0.002", "100", cid="web_abc", fill=("50000", "0.002", 9)))
    stored_id = external_client_order_id("u-1", "web_abc")
    trade = world.store.trades[stored_id]
    assert (trade.user_id, trade.source, trade.status) == ("u-1", "external", TradeStatus.FILLED)
    assert (trade.base_asset, trade.quote_asset, trade.executed_quantity) == ("BTC", "USDT", D("0.002"))
    assert trade.extra == {"exchange_client_order_id": "web_abc"}
    assert trade.created_at == datetime.fromtimestamp(1_764_000_000, UTC)  # when the order was placed
    assert world.types("u-1")[0] is MessageType.TRADE_EXECUTED
    # a later event of the same order advances that record, never a second one
    world.handler.handle(_order(OrderStatus.FILLED, "0.002", "100", cid="web_abc", fill=("50000", "0.002", 9)))
    assert len(world.store.trades) == 1


def test_user_events_two_users_same_external_id_get_separate_records() -> None:
    world = World()
    world.handler.handle(_order(OrderStatus.NEW, "0", "0", cid="my-1", user_id="u-1"))
    world.handler.handle(_order(OrderStatus.NEW, "0", "0", cid="my-1", user_id="u-2"))
    assert {t.user_id for t in world.store.trades.values()} == {"u-1", "u-2"}
    assert external_client_order_id("u-1", "my-1") != external_client_order_id("u-2", "my-1")


def test_user_events_only_the_events_user_is_notified() -> None:
    world = World()
    world.store.save(_pending("u-1"))
    world.handler.handle(_order(OrderStatus.FILLED, "0.002", "100", fill=("50000", "0.002", 2)))
    world.handler.handle(AccountEvent("u-1", ("BTC", "USDT"), 5))
    assert {user for user, _, _ in world.messages.notifications} == {"u-1"}
    assert world.messages.messages == []  # nothing on public channels


@pytest.mark.parametrize("cid", ["sl-0123", "tp-0123", "oco-0123-ls", CID])
def test_user_events_protective_legs_and_unreadable_own_orders_create_no_trade(cid: str) -> None:
    world = World()  # CID: a platform order whose pending record is not readable: its sender tells the user
    world.handler.handle(_order(OrderStatus.FILLED, "0.002", "100", cid=cid, fill=("50000", "0.002", 2)))
    assert world.store.trades == {}
    assert world.messages.notifications == []


def test_user_events_store_down_records_to_the_outbox() -> None:
    world = World()
    world.store.save(_pending())
    found = world.store.trades[CID]
    world.store.down = True  # GIVEN the read succeeded just before the store went down
    world.store.by_client_order_id = lambda user_id, client_order_id: found  # type: ignore[method-assign]
    world.handler.handle(_order(OrderStatus.FILLED, "0.002", "100", fill=("50000", "0.002", 2)))
    assert [t.status for t in world.outbox.records] == [TradeStatus.FILLED]
    assert world.types("u-1")[0] is MessageType.TRADE_EXECUTED


def test_user_events_unreadable_store_skips_the_event_without_raising() -> None:
    world = World()
    world.store.down = True
    world.handler.handle(_order(OrderStatus.FILLED, "0.002", "100", cid="web_1"))
    assert world.messages.notifications == []


def test_user_events_balance_change_drops_the_account_view_and_tells_the_user() -> None:
    world = World()
    world.handler.handle(AccountEvent("u-7", ("USDT",), 5))
    assert world.cache.invalidated == ["u-7"]
    assert world.messages.notifications == [
        ("u-7", MessageType.ACCOUNT_UPDATE, {"reason": "balances", "assets": ["USDT"], "stale": True})
    ]


@pytest.mark.parametrize(
    ("symbol", "expected"), [("BTCUSDT", ("BTC", "USDT")), ("ETHBTC", ("ETH", "BTC")), ("XYZ", ("", "XYZ"))]
)
def test_user_events_split_symbol_by_quote_suffix(symbol: str, expected: tuple[str, str]) -> None:
    assert split_symbol(symbol) == expected
