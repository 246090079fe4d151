"""The trade store on SecantusDB: exact round trips, the newest copy wins whatever the arrival order,
every read scoped to its user, the executed and protected queries, and outages as
DependencyUnavailableError (the pages are in test_trade_store_pages.py)."""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from bson.decimal128 import Decimal128

from tests.support.servers import free_port
from tests.support.stored_trades import AT, make_trade
from tradecore.adapters.mongo.gateway import MongoGateway
from tradecore.adapters.mongo.trade_store import MongoTradeStore
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OrderType
from tradecore.domain.trades import (
    Protection,
    ProtectionStatus,
    SignalSummary,
    TradeFill,
    TradeQuery,
    TradeRecord,
    TradeStatus,
)
from tradecore.errors import DependencyUnavailableError


def _full_trade() -> TradeRecord:
    return make_trade(
        status=TradeStatus.FILLED,
        type=OrderType.LIMIT,
        mode=TradingMode.LIVE,
        requested_quantity=Decimal("0.0012345"),
        requested_price=Decimal("65000.10"),
        sent_quantity=Decimal("0.00123"),
        sent_price=Decimal("65000.1"),
        executed_quantity=Decimal("0.00123"),
        quote_amount=Decimal("79.950123"),
        fills=(
            TradeFill(Decimal("65000.10"), Decimal("0.00100"), Decimal("0.00000001"), "BTC", 7),
            TradeFill(Decimal("65000.20"), Decimal("0.00023"), Decimal("0.0183915"), "USDT", 2**40),
        ),
        exchange_order_id=2**40 + 1,
        adjustments=("quantity rounded down to the step 0.00001",),
        signal=SignalSummary("Long", 0.82, "llm", "ai_service", "an-1"),
        protection=Protection(
            ProtectionStatus.ACTIVE,
            Decimal("60000.00"),
            Decimal("70000.5"),
            quantity=Decimal("0.00122999"),
            order_list_id=41,
            list_client_order_id="tc-oco-1",
        ),
        reason=None,
        source="bot",
        version=4,
        extra={"note": "first"},
        updated_at=AT + timedelta(seconds=2),
    )


def _document(container: Container, trade_id: str) -> dict[str, Any]:
    document = container.mongo.db.trades.find_one({"_id": trade_id})
    assert document is not None
    return dict(document)


@pytest.fixture
def container(mongo_settings: Settings) -> Container:
    container = bootstrap(mongo_settings)
    container.migrate()
    return container


@pytest.fixture
def store(container: Container) -> MongoTradeStore:
    return MongoTradeStore(container.mongo)


def test_trade_store_round_trips_a_full_record_exactly(store: MongoTradeStore, container: Container) -> None:
    trade = _full_trade()

    assert store.save(trade) is True

    assert store.get("user-1", "t-1") == trade
    assert store.by_client_order_id("user-1", "tc-t-1") == trade
    stored = store.get("user-1", "t-1")
    assert stored is not None
    # exactly the same digits and exponent (Decimal equality alone would let 65000.1 pass for 65000.10)
    assert stored.fills[0].commission.as_tuple() == Decimal("0.00000001").as_tuple()
    assert stored.requested_price is not None
    assert stored.requested_price.as_tuple() == Decimal("65000.10").as_tuple()
    assert stored.created_at.tzinfo is not None
    document = _document(container, "t-1")
    assert isinstance(document["quote_amount"], Decimal128)
    assert isinstance(document["fills"][0]["commission"], Decimal128)
    assert isinstance(document["protection"]["stop_loss"], Decimal128)


def test_trade_store_round_trips_a_bare_pending_record(store: MongoTradeStore) -> None:
    trade = make_trade()
    store.save(trade)
    assert store.get("user-1", "t-1") == trade


def test_trade_store_keeps_microseconds_beside_the_bson_millisecond(
    store: MongoTradeStore, container: Container
) -> None:
    created = AT + timedelta(microseconds=999)
    store.save(make_trade(created_at=created, updated_at=AT + timedelta(microseconds=1)))

    stored = store.get("user-1", "t-1")

    assert stored is not None
    assert (stored.created_at, stored.updated_at) == (created, AT + timedelta(microseconds=1))
    document = _document(container, "t-1")
    assert (document["created_at"], document["created_at_us"]) == (AT, 999)


def test_trade_store_save_keeps_only_newer_versions(store: MongoTradeStore) -> None:
    first = make_trade()
    second = first.advanced(AT + timedelta(seconds=1), status=TradeStatus.OPEN, exchange_order_id=9)

    assert store.save(first) is True
    assert store.save(second) is True
    assert store.save(first) is False  # older
    assert store.save(replace(second, status=TradeStatus.FILLED)) is False  # equal version

    assert store.get("user-1", "t-1") == second


def test_trade_store_keeps_the_newest_copy_arriving_out_of_order(store: MongoTradeStore, container: Container) -> None:
    copies = [make_trade(version=v, reason=f"v{v}", updated_at=AT + timedelta(seconds=v)) for v in (1, 2, 3)]

    assert store.save(copies[2]) is True
    assert store.save(copies[0]) is False
    assert store.save(copies[1]) is False

    assert store.get("user-1", "t-1") == copies[2]
    assert container.mongo.db.trades.count_documents({}) == 1


def test_trade_store_concurrent_saves_keep_the_newest_copy(store: MongoTradeStore, container: Container) -> None:
    copies = [make_trade(version=v, reason=f"v{v}") for v in range(1, 13)]
    random.Random(7).shuffle(copies)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(store.save, copies))

    stored = store.get("user-1", "t-1")
    assert stored is not None
    assert (stored.version, stored.reason) == (12, "v12")
    assert container.mongo.db.trades.count_documents({}) == 1


def test_trade_store_does_not_overwrite_another_users_client_order_id(store: MongoTradeStore) -> None:
    mine = make_trade("t-1", "user-1")
    theirs = make_trade("t-2", "user-2", client_order_id=mine.client_order_id, version=9)
    store.save(mine)

    assert store.save(theirs) is False

    assert store.get("user-1", "t-1") == mine
    assert store.get("user-2", "t-2") is None


def test_trade_store_scopes_every_read_to_its_user(store: MongoTradeStore) -> None:
    store.save(_full_trade())

    assert store.get("user-2", "t-1") is None
    assert store.by_client_order_id("user-2", "tc-t-1") is None
    assert store.page("user-2", TradeQuery()).trades == ()
    assert store.executed("user-2") == []
    assert store.protected("user-2", "BTCUSDT") == []
    # the owner sees it through each of them
    assert len(store.page("user-1", TradeQuery()).trades) == 1
    assert len(store.executed("user-1")) == 1
    assert len(store.protected("user-1", "BTCUSDT")) == 1


def test_trade_store_executed_lists_trades_with_fills_oldest_first(store: MongoTradeStore) -> None:
    for i, executed in enumerate(["0", "0.5", "0.00000001", "2", "0"]):
        store.save(
            make_trade(
                f"t-{i}",
                created_at=AT - timedelta(minutes=i),
                symbol="BTCUSDT" if i < 3 else "ETHUSDT",
                executed_quantity=Decimal(executed),
            )
        )

    assert [t.id for t in store.executed("user-1")] == ["t-3", "t-2", "t-1"]
    assert [t.id for t in store.executed("user-1", "BTCUSDT")] == ["t-2", "t-1"]


def test_trade_store_protected_lists_active_protection_of_the_symbol(store: MongoTradeStore) -> None:
    def protection(status: ProtectionStatus) -> Protection:
        return Protection(status, Decimal("60000"), None, order_id=5)

    store.save(make_trade("t-active", protection=protection(ProtectionStatus.ACTIVE)))
    older = AT - timedelta(hours=1)
    store.save(make_trade("t-older", created_at=older, protection=protection(ProtectionStatus.ACTIVE)))
    store.save(make_trade("t-done", protection=protection(ProtectionStatus.DONE)))
    store.save(make_trade("t-waiting", protection=protection(ProtectionStatus.AWAITING_FILL)))
    store.save(make_trade("t-none"))
    store.save(make_trade("t-eth", symbol="ETHUSDT", protection=protection(ProtectionStatus.ACTIVE)))

    assert [t.id for t in store.protected("user-1", "BTCUSDT")] == ["t-older", "t-active"]
    assert [t.id for t in store.protected("user-1", "ETHUSDT")] == ["t-eth"]


def test_migrations_create_the_trade_query_indexes(container: Container) -> None:
    indexes = {index["name"]: index for index in container.mongo.db.trades.list_indexes()}
    page_order = [("created_at", -1), ("created_at_us", -1), ("_id", -1)]
    assert list(indexes["user_page"]["key"].items()) == [("user_id", 1), *page_order]
    assert list(indexes["user_symbol_created"]["key"].items()) == [("user_id", 1), ("symbol", 1), *page_order]
    assert list(indexes["user_protection"]["key"].items()) == [
        ("user_id", 1),
        ("protection.status", 1),
        ("symbol", 1),
    ]


_OPERATIONS: dict[str, Callable[[MongoTradeStore], object]] = {
    "save": lambda s: s.save(make_trade()),
    "get": lambda s: s.get("user-1", "t-1"),
    "by_client_order_id": lambda s: s.by_client_order_id("user-1", "tc-t-1"),
    "page": lambda s: s.page("user-1", TradeQuery()),
    "executed": lambda s: s.executed("user-1"),
    "protected": lambda s: s.protected("user-1", "BTCUSDT"),
}


@pytest.mark.parametrize("operation", sorted(_OPERATIONS))
def test_trade_store_is_unavailable_when_mongodb_is_down(
    make_settings: Callable[..., Settings], operation: str
) -> None:
    settings = make_settings(
        mongodb_uri=f"mongodb://127.0.0.1:{free_port()}",  # nothing listens there
        mongodb_server_selection_timeout_ms=200,
    )
    store = MongoTradeStore(MongoGateway(settings))

    with pytest.raises(DependencyUnavailableError) as raised:
        _OPERATIONS[operation](store)
    assert raised.value.dependency == "mongodb"
