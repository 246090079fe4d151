"""The exchange-connection store on SecantusDB: one document per user, the secret as BSON binary
ciphertext only, replace and delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pymongo
import pytest

from tradecore.adapters.mongo.connection_store import MongoConnectionStore
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.accounts import ConnectionStatus, ExchangeConnection, KeyPermissions, Network

AT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _connection(user_id: str, api_key: str = "KEY-0001", ciphertext: bytes = b"\x01cipher") -> ExchangeConnection:
    return ExchangeConnection(
        user_id=user_id,
        network=Network.MAINNET,
        api_key=api_key,
        secret_ciphertext=ciphertext,
        paper=False,
        permissions=KeyPermissions(
            can_trade=True, can_withdraw=False, ip_restricted=False, trading_expires_at=AT + timedelta(days=30)
        ),
        status=ConnectionStatus.ACTIVE,
        created_at=AT,
        verified_at=AT,
    )


def test_a_connection_round_trips_with_the_ciphertext_as_binary(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    container.migrate()
    store = MongoConnectionStore(container.mongo)

    store.put(_connection("user-1"))

    assert store.get("user-1") == _connection("user-1")
    document = container.mongo.db.exchange_connections.find_one({"_id": "user-1"})
    assert isinstance(document["secret_ciphertext"], bytes)  # BSON binary (subtype 0) reads back as bytes
    assert "api_secret" not in document
    assert store.get("user-2") is None


def test_put_replaces_the_users_one_connection_and_delete_removes_it(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    container.migrate()
    store = MongoConnectionStore(container.mongo)
    store.put(_connection("user-1"))

    store.put(_connection("user-1", api_key="KEY-0002", ciphertext=b"\x02other"))

    assert container.mongo.db.exchange_connections.count_documents({"user_id": "user-1"}) == 1
    assert store.get("user-1") == _connection("user-1", api_key="KEY-0002", ciphertext=b"\x02other")
    assert store.delete("user-1") is True
    assert store.delete("user-1") is False


def test_the_unique_user_index_refuses_a_second_document(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    container.migrate()
    collection = container.mongo.db.exchange_connections
    collection.insert_one({"_id": "a", "user_id": "user-1"})
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        collection.insert_one({"_id": "b", "user_id": "user-1"})


def test_add_stores_only_where_the_user_has_no_connection(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    container.migrate()
    store = MongoConnectionStore(container.mongo)

    assert store.add(_connection("user-1")) is True
    assert store.add(_connection("user-1", api_key="KEY-0002")) is False

    stored = store.get("user-1")
    assert stored is not None
    assert stored.api_key == "KEY-0001"
