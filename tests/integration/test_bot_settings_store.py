"""Users' bot settings in ``bot_settings`` on SecantusDB: an exact round trip, the risk limits the
trade checks read (``MongoRiskSettingsStore``) changed by the same write, missing fields read as
the defaults, who automates a symbol (migration 5's index), and outages as DependencyUnavailableError."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from bson.decimal128 import Decimal128

from tests.support.servers import free_port
from tradecore.adapters.mongo.bot_settings_store import MongoBotSettingsStore
from tradecore.adapters.mongo.gateway import MongoGateway
from tradecore.adapters.mongo.risk_settings import MongoRiskSettingsStore
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.bot_settings import BotSettings, default_bot_settings
from tradecore.domain.risk import RiskLimits
from tradecore.errors import DependencyUnavailableError

D = Decimal
DEFAULTS = default_bot_settings(RiskLimits(D("2000"), D("5000"), 5, D("500"), 0.7))
SAVED = BotSettings(
    automated_trading=True, paused=False, symbols=("ETHUSDT", "BTCUSDT"), timeframe="15m", min_confidence=0.825,
    amount_per_trade_usdt=D("12.50"), max_trade_usdt=D("250.00000001"), max_position_usdt=D("1000"),
    max_open_positions=3, daily_loss_limit_usdt=D("0"), stop_loss_pct=D("1.5"), take_profit_pct=None,
    cooldown_seconds=900, updated_at=datetime(2026, 11, 25, 9, 46, 40, 123000, tzinfo=UTC),
)  # fmt: skip


@pytest.fixture
def container(mongo_settings: Settings) -> Container:
    container = bootstrap(mongo_settings)
    container.migrate()
    return container


@pytest.fixture
def store(container: Container) -> MongoBotSettingsStore:
    return MongoBotSettingsStore(container.mongo, DEFAULTS)


def test_bot_settings_store_round_trips_exactly(store: MongoBotSettingsStore, container: Container) -> None:
    store.put("user-1", SAVED)

    loaded = store.get("user-1")

    assert loaded == SAVED
    assert loaded is not None
    assert loaded.amount_per_trade_usdt.as_tuple() == D("12.50").as_tuple()  # not 12.5
    document = container.mongo.db.bot_settings.find_one({"user_id": "user-1"})
    assert document is not None
    assert document["_id"] == "user-1"
    assert isinstance(document["amount_per_trade_usdt"], Decimal128)
    assert isinstance(document["risk"]["max_trade_usdt"], Decimal128)
    assert store.get("user-2") is None


def test_bot_settings_store_put_is_the_limits_the_trade_checks_read(
    store: MongoBotSettingsStore, container: Container
) -> None:
    risk = MongoRiskSettingsStore(container.mongo)
    store.put("user-1", SAVED)
    assert risk.limits("user-1") == SAVED.risk_limits()

    store.put("user-1", replace(SAVED, max_trade_usdt=D("40"), amount_per_trade_usdt=D("40"), min_confidence=0.95))

    assert risk.limits("user-1") == RiskLimits(D("40"), D("1000"), 3, D("0"), 0.95)
    assert container.mongo.db.bot_settings.count_documents({}) == 1


def test_bot_settings_store_reads_missing_fields_as_the_defaults(
    store: MongoBotSettingsStore, container: Container
) -> None:
    # GIVEN limits written alone (put_limits) and a document an older version wrote without "timeframe"
    MongoRiskSettingsStore(container.mongo).put_limits("user-1", RiskLimits(D("10"), D("20"), 1, D("5"), 0.9))
    container.mongo.db.bot_settings.insert_one(
        {"_id": "x", "user_id": "user-2", "automated_trading": True, "symbols": ["SOLUSDT"], "paused": True}
    )

    limits_only = store.get("user-1")
    older = store.get("user-2")

    assert limits_only == replace(DEFAULTS, amount_per_trade_usdt=D("10"), max_trade_usdt=D("10"),
                                  max_position_usdt=D("20"), max_open_positions=1, daily_loss_limit_usdt=D("5"),
                                  min_confidence=0.9)  # fmt: skip
    assert older == replace(DEFAULTS, automated_trading=True, symbols=("SOLUSDT",), paused=True)


def test_bot_settings_store_put_keeps_an_existing_document_and_its_other_keys(
    store: MongoBotSettingsStore, container: Container
) -> None:
    container.mongo.db.bot_settings.insert_one({"_id": "settings-9", "user_id": "user-1", "note": "kept"})

    store.put("user-1", SAVED)

    document = container.mongo.db.bot_settings.find_one({"user_id": "user-1"})
    assert document is not None
    assert (document["_id"], document["note"]) == ("settings-9", "kept")
    assert store.get("user-1") == SAVED


def test_bot_settings_store_finds_the_users_automating_a_symbol(store: MongoBotSettingsStore) -> None:
    # GIVEN automation on for BTC (two users, one paused), on for ETH only, off with BTC listed
    store.put("user-b", replace(SAVED, symbols=("BTCUSDT",)))
    store.put("user-a", replace(SAVED, symbols=("ETHUSDT", "BTCUSDT"), paused=True))
    store.put("user-c", replace(SAVED, symbols=("ETHUSDT",)))
    store.put("user-d", replace(SAVED, automated_trading=False, symbols=("BTCUSDT",)))

    assert store.users_automating("BTCUSDT") == ["user-a", "user-b"]  # sorted; the paused one included
    assert store.users_automating("ETHUSDT") == ["user-a", "user-c"]
    assert store.users_automating("SOLUSDT") == []

    store.put("user-b", replace(SAVED, automated_trading=False, symbols=("BTCUSDT",)))
    assert store.users_automating("BTCUSDT") == ["user-a"]


def test_bot_settings_migration_indexes_the_automation_query(container: Container) -> None:
    indexes = {index["name"]: index for index in container.mongo.db.bot_settings.list_indexes()}

    assert list(indexes["symbol_automation"]["key"].items()) == [("symbols", 1), ("automated_trading", 1)]
    assert indexes["user_unique"]["unique"] is True


_OPERATIONS: dict[str, Callable[[MongoBotSettingsStore], object]] = {
    "get": lambda store: store.get("user-1"),
    "put": lambda store: store.put("user-1", SAVED),
    "users_automating": lambda store: store.users_automating("BTCUSDT"),
}


@pytest.mark.parametrize("operation", sorted(_OPERATIONS))
def test_bot_settings_store_is_unavailable_when_mongodb_is_down(
    make_settings: Callable[..., Settings], operation: str
) -> None:
    settings = make_settings(mongodb_uri=f"mongodb://127.0.0.1:{free_port()}", mongodb_server_selection_timeout_ms=200)
    store = MongoBotSettingsStore(MongoGateway(settings), DEFAULTS)

    with pytest.raises(DependencyUnavailableError) as raised:
        _OPERATIONS[operation](store)
    assert raised.value.dependency == "mongodb"
