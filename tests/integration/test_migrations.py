"""Migrations create every index of DESIGN.md §4, record the version, and are idempotent."""

from __future__ import annotations

import pymongo
import pytest

from tradecore.adapters.mongo.migrations import LATEST_VERSION, ensure_retention
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings


def _indexes(db: pymongo.database.Database, collection: str) -> dict[str, dict[str, object]]:
    return {index["name"]: dict(index) for index in db[collection].list_indexes()}


def test_migrations_create_every_index_and_run_twice(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    assert container.migrate() == LATEST_VERSION
    assert container.migrate() == LATEST_VERSION
    db = container.mongo.db

    assert _indexes(db, "users")["email_unique"]["unique"] is True
    assert _indexes(db, "trades")["client_order_id_unique"]["unique"] is True
    assert list(_indexes(db, "trades")["user_created"]["key"].items()) == [("user_id", 1), ("created_at", -1)]
    analyses = _indexes(db, "ai_analysis_results")
    assert list(analyses["symbol_timestamp"]["key"].items()) == [("symbol", 1), ("timestamp", -1)]
    assert analyses["retention_ttl"]["expireAfterSeconds"] == 30 * 86_400
    assert _indexes(db, "exchange_connections")["user_unique"]["unique"] is True
    assert db.schema_migrations.count_documents({}) == LATEST_VERSION


def test_unique_indexes_are_enforced(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    container.migrate()
    users = container.mongo.db.users
    users.insert_one({"email": "trader@example.com"})
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        users.insert_one({"email": "trader@example.com"})


def test_a_changed_retention_is_applied_on_the_next_run(mongo_settings: Settings) -> None:
    # GIVEN the migrations ran with the default 30-day retention
    container = bootstrap(mongo_settings)
    assert container.migrate() == LATEST_VERSION
    db = container.mongo.db
    assert _indexes(db, "ai_analysis_results")["retention_ttl"]["expireAfterSeconds"] == 30 * 86_400
    # WHEN ANALYSIS_RETENTION_DAYS becomes 7 THEN the next cold start changes the TTL in place
    shorter = bootstrap(mongo_settings.model_copy(update={"analysis_retention_days": 7}))
    assert shorter.migrate() == LATEST_VERSION
    indexes = _indexes(db, "ai_analysis_results")
    assert indexes["retention_ttl"]["expireAfterSeconds"] == 7 * 86_400
    assert list(indexes["retention_ttl"]["key"].items()) == [("timestamp", 1)]
    assert "symbol_timestamp" in indexes
    # and an unchanged retention leaves it alone
    assert shorter.migrate() == LATEST_VERSION
    assert _indexes(db, "ai_analysis_results")["retention_ttl"]["expireAfterSeconds"] == 7 * 86_400
    assert db.schema_migrations.count_documents({}) == LATEST_VERSION


def test_secantusdb_changes_a_ttl_with_collmod(mongo_settings: Settings) -> None:
    # the reconciliation relies on collMod: prove the server in the tests supports it
    db = bootstrap(mongo_settings).mongo.db
    db.ttl_probe.create_index("at", expireAfterSeconds=60, name="probe_ttl")
    db.command("collMod", "ttl_probe", index={"name": "probe_ttl", "expireAfterSeconds": 120})
    assert _indexes(db, "ttl_probe")["probe_ttl"]["expireAfterSeconds"] == 120


class _NoCollMod:
    """A database whose server refuses collMod (as some MongoDB-compatible servers do)."""

    def __init__(self, db: pymongo.database.Database) -> None:
        self._db = db

    def __getitem__(self, name: str) -> pymongo.collection.Collection:
        return self._db[name]

    def command(self, name: str, *args: object, **kwargs: object) -> object:
        raise pymongo.errors.OperationFailure(f"no such command: {name}", code=59)


def test_without_collmod_the_ttl_index_is_rebuilt(mongo_settings: Settings) -> None:
    container = bootstrap(mongo_settings)
    container.migrate()
    db = container.mongo.db
    ensure_retention(_NoCollMod(db), 7)  # type: ignore[arg-type]
    assert _indexes(db, "ai_analysis_results")["retention_ttl"]["expireAfterSeconds"] == 7 * 86_400
