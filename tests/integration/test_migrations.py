"""Migrations create every index of DESIGN.md §4, record the version, and are idempotent."""

from __future__ import annotations

import pymongo
import pytest

from tradecore.bootstrap import bootstrap
from tradecore.config import Settings


def _indexes(db: pymongo.database.Database, collection: str) -> dict[str, dict[str, object]]:
    return {index["name"]: dict(index) for index in db[collection].list_indexes()}


def test_migrations_create_every_index_and_run_twice(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    assert container.migrate() == 1
    assert container.migrate() == 1
    db = container.mongo.db

    assert _indexes(db, "users")["email_unique"]["unique"] is True
    assert _indexes(db, "trades")["client_order_id_unique"]["unique"] is True
    assert list(_indexes(db, "trades")["user_created"]["key"].items()) == [("user_id", 1), ("created_at", -1)]
    analyses = _indexes(db, "ai_analysis_results")
    assert list(analyses["symbol_timestamp"]["key"].items()) == [("symbol", 1), ("timestamp", -1)]
    assert analyses["retention_ttl"]["expireAfterSeconds"] == 30 * 86_400
    assert db.schema_migrations.count_documents({}) == 1


def test_unique_indexes_are_enforced(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    container.migrate()
    users = container.mongo.db.users
    users.insert_one({"email": "trader@example.com"})
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        users.insert_one({"email": "trader@example.com"})
