"""The stream task's user side as the composition root builds it: this task's shard, the
deployment's network and mode, and a journal that still works without an outbox."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest

from tests.support.accounts import ContextCipher
from tests.support.messages import RecordingPublisher
from tests.support.trading_fakes import InMemoryTradeStore, RecordingAccountCache
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.accounts import Network, TradingMode
from tradecore.domain.orders import OrderStatus, OrderType, Side
from tradecore.domain.realtime import MessageType
from tradecore.domain.user_events import OrderEvent
from tradecore.errors import ConfigurationError


class NoListing:
    def all_connections(self) -> list[object]:
        return []


def test_user_stream_wiring_builds_the_shard_and_records_external_orders(
    make_settings: Callable[..., Settings],
) -> None:
    store, messages = InMemoryTradeStore(), RecordingPublisher()
    container = bootstrap(
        make_settings(stream_shard_index=2, stream_shard_count=3, trade_outbox_queue_url=None),
        connection_listing=NoListing(), secret_cipher=ContextCipher(), trade_store=store, user_notifier=messages,
        channel_publisher=messages, account_cache=RecordingAccountCache(), clock=lambda: 1_764_000_000.0,
    )  # fmt: skip
    worker = container.user_stream_worker
    assert (worker.shard_index, worker.shard_count, worker.network) == (2, 3, Network.SIMULATOR)
    assert container.user_event_handler.mode is TradingMode.PAPER
    # WHEN the store is down and no outbox is configured, the event is logged as lost, the user still told
    store.down = True
    event = OrderEvent(
        user_id="u-1", symbol="BTCUSDT", client_order_id="web_1", order_id=1, side=Side.BUY, type=OrderType.MARKET,
        status=OrderStatus.FILLED, execution_type="TRADE", quantity=D("1"), price=D("0"), executed_quantity=D("1"),
        cumulative_quote=D("5"), event_time_ms=1, order_time_ms=1,
    )  # fmt: skip
    store.by_client_order_id = lambda user_id, client_order_id: None  # type: ignore[method-assign]
    container.user_event_handler.handle(event)
    assert [kind for _, kind, _ in messages.notifications][:1] == [MessageType.TRADE_EXECUTED]


def test_user_stream_wiring_refuses_a_shard_index_outside_the_count(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ConfigurationError, match="STREAM_SHARD_INDEX"):
        make_settings(stream_shard_index=3, stream_shard_count=3)
