"""Users' risk limits in ``bot_settings`` on SecantusDB: exact USDT amounts, None without limits,
the rest of the settings document left alone, outages as DependencyUnavailableError."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from bson.decimal128 import Decimal128

from tests.support.servers import free_port
from tradecore.adapters.mongo.gateway import MongoGateway
from tradecore.adapters.mongo.risk_settings import MongoRiskSettingsStore
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.risk import RiskLimits
from tradecore.errors import DependencyUnavailableError

LIMITS = RiskLimits(
    max_trade_usdt=Decimal("250.50"),
    max_position_usdt=Decimal("1000.00000001"),
    max_open_positions=3,
    daily_loss_limit_usdt=Decimal("0"),
    min_ai_confidence=0.75,
)


def _document(container: Container, user_id: str) -> dict[str, Any]:
    document = container.mongo.db.bot_settings.find_one({"user_id": user_id})
    assert document is not None
    return dict(document)


@pytest.fixture
def container(mongo_settings: Settings) -> Container:
    container = bootstrap(mongo_settings)
    container.migrate()
    return container


@pytest.fixture
def store(container: Container) -> MongoRiskSettingsStore:
    return MongoRiskSettingsStore(container.mongo)


def test_risk_settings_round_trip_exactly(store: MongoRiskSettingsStore, container: Container) -> None:
    store.put_limits("user-1", LIMITS)

    limits = store.limits("user-1")

    assert limits == LIMITS
    assert limits is not None
    assert limits.max_trade_usdt.as_tuple() == Decimal("250.50").as_tuple()
    risk = _document(container, "user-1")["risk"]
    assert isinstance(risk["max_position_usdt"], Decimal128)
    assert store.limits("user-2") is None


def test_risk_settings_are_none_without_a_risk_subdocument(store: MongoRiskSettingsStore, container: Container) -> None:
    container.mongo.db.bot_settings.insert_one({"_id": "user-1", "user_id": "user-1", "auto_trading": True})
    assert store.limits("user-1") is None


def test_risk_settings_put_replaces_the_limits_and_keeps_the_other_settings(
    store: MongoRiskSettingsStore, container: Container
) -> None:
    # GIVEN a settings document written elsewhere, with an _id that is not the user id
    settings = container.mongo.db.bot_settings
    settings.insert_one({"_id": "settings-9", "user_id": "user-1", "auto_trading": True, "symbols": ["BTCUSDT"]})
    store.put_limits("user-1", LIMITS)
    tighter = RiskLimits(Decimal("10"), Decimal("20"), 1, Decimal("5.5"), 0.9)

    store.put_limits("user-1", tighter)

    assert store.limits("user-1") == tighter
    assert settings.count_documents({}) == 1
    document = _document(container, "user-1")
    assert (document["_id"], document["auto_trading"], document["symbols"]) == ("settings-9", True, ["BTCUSDT"])


def test_risk_settings_refuse_a_stored_null_cap(store: MongoRiskSettingsStore, container: Container) -> None:
    # a missing amount must never read as 0 (which disables the cap)
    store.put_limits("user-1", LIMITS)
    container.mongo.db.bot_settings.update_one({"user_id": "user-1"}, {"$set": {"risk.max_trade_usdt": None}})
    with pytest.raises(ValueError, match="max_trade_usdt"):
        store.limits("user-1")


_OPERATIONS: dict[str, Callable[[MongoRiskSettingsStore], object]] = {
    "limits": lambda store: store.limits("user-1"),
    "put_limits": lambda store: store.put_limits("user-1", LIMITS),
}


@pytest.mark.parametrize("operation", sorted(_OPERATIONS))
def test_risk_settings_are_unavailable_when_mongodb_is_down(
    make_settings: Callable[..., Settings], operation: str
) -> None:
    settings = make_settings(mongodb_uri=f"mongodb://127.0.0.1:{free_port()}", mongodb_server_selection_timeout_ms=200)
    store = MongoRiskSettingsStore(MongoGateway(settings))

    with pytest.raises(DependencyUnavailableError) as raised:
        _OPERATIONS[operation](store)
    assert raised.value.dependency == "mongodb"
