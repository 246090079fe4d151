"""Schema migrations: every index of DESIGN.md §4, recorded in ``schema_migrations``.

Each migration is idempotent (``create_index`` with fixed names), so running them twice, or
from two cold starts at once, is harmless. The AI function runs them on cold start; the other
functions only read the version (:func:`schema_version`) and report it in health.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tradecore.adapters.mongo import translate_errors

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Database, int], None]


def _initial_indexes(db: Database, retention_days: int) -> None:
    db.users.create_index("email", unique=True, name="email_unique")
    db.trades.create_index("client_order_id", unique=True, name="client_order_id_unique")
    db.trades.create_index([("user_id", ASCENDING), ("created_at", DESCENDING)], name="user_created")
    db.ai_analysis_results.create_index([("symbol", ASCENDING), ("timestamp", DESCENDING)], name="symbol_timestamp")
    db.ai_analysis_results.create_index(
        "timestamp", expireAfterSeconds=retention_days * SECONDS_PER_DAY, name="retention_ttl"
    )
    db.account_snapshots.create_index([("user_id", ASCENDING), ("as_of", DESCENDING)], name="user_as_of")
    db.reconciliation_reports.create_index([("created_at", DESCENDING)], name="created_at")
    db.bot_settings.create_index("user_id", unique=True, name="user_unique")


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "initial indexes", _initial_indexes),)
LATEST_VERSION = MIGRATIONS[-1].version


def run_migrations(db: Database, *, retention_days: int) -> int:
    """Apply every migration not yet recorded; return the schema version now in force."""
    with translate_errors("migrations"):
        done = {doc["_id"] for doc in db.schema_migrations.find({}, {"_id": 1})}
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            migration.apply(db, retention_days)
            # a concurrent cold start may record it first; the indexes are the same
            with suppress(DuplicateKeyError):
                db.schema_migrations.insert_one(
                    {"_id": migration.version, "name": migration.name, "applied_at": datetime.now(UTC)}
                )
        return schema_version(db)


def schema_version(db: Database) -> int:
    """The highest applied migration (0 when none)."""
    with translate_errors("schema version"):
        newest = db.schema_migrations.find_one({}, sort=[("_id", DESCENDING)])
    return int(newest["_id"]) if newest else 0
