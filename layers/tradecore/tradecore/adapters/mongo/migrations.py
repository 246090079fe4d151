"""Schema migrations: every index of DESIGN.md §4, recorded in ``schema_migrations``.

Each migration is idempotent (``create_index`` with fixed names), so running them twice, or
from two cold starts at once, is harmless. The AI function runs them on cold start; the other
functions only read the version (:func:`schema_version`) and report it in health.

The analysis retention is a setting (``ANALYSIS_RETENTION_DAYS``), not a fixed schema: a recorded
migration never runs again, and ``create_index`` with another TTL would raise
IndexOptionsConflict, so every run compares the TTL index with the setting and changes it in
place (``collMod``) when they differ.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, OperationFailure

from tradecore.adapters.mongo.gateway import translate_errors
from tradecore.observability import logger

SECONDS_PER_DAY = 86_400
ANALYSES = "ai_analysis_results"
RETENTION_INDEX = "retention_ttl"


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
    ensure_retention(db, retention_days)
    db.account_snapshots.create_index([("user_id", ASCENDING), ("as_of", DESCENDING)], name="user_as_of")
    db.reconciliation_reports.create_index([("created_at", DESCENDING)], name="created_at")
    db.bot_settings.create_index("user_id", unique=True, name="user_unique")


def ensure_retention(db: Database, retention_days: int) -> None:
    """Make the analyses' TTL index expire after ``retention_days``: create it, or change it in place.

    ``collMod`` keeps the index (no window without expiry); a server that refuses it gets the
    index dropped and rebuilt. Raises pymongo errors as they come (callers translate them).
    """
    seconds = retention_days * SECONDS_PER_DAY
    collection = db[ANALYSES]
    current = next((index for index in collection.list_indexes() if index["name"] == RETENTION_INDEX), None)
    if current is None:
        collection.create_index("timestamp", expireAfterSeconds=seconds, name=RETENTION_INDEX)
        return
    if current.get("expireAfterSeconds") == seconds:
        return
    logger.info(
        "analysis retention changed",
        extra={"from_seconds": current.get("expireAfterSeconds"), "to_seconds": seconds},
    )
    try:
        db.command("collMod", ANALYSES, index={"name": RETENTION_INDEX, "expireAfterSeconds": seconds})
    except OperationFailure:
        collection.drop_index(RETENTION_INDEX)
        collection.create_index("timestamp", expireAfterSeconds=seconds, name=RETENTION_INDEX)


def _exchange_connections(db: Database, _retention_days: int) -> None:
    # one connection per user (the documents' _id is the user id too; the index states the rule)
    db.exchange_connections.create_index("user_id", unique=True, name="user_unique")


def _trade_queries(db: Database, _retention_days: int) -> None:
    # the trades page in its exact order (time to the millisecond, then the microseconds, then the id),
    # all of a user's trades and those of one symbol (also the positions' executed trades)
    page_order = [("created_at", DESCENDING), ("created_at_us", DESCENDING), ("_id", DESCENDING)]
    db.trades.create_index([("user_id", ASCENDING), *page_order], name="user_page")
    db.trades.create_index([("user_id", ASCENDING), ("symbol", ASCENDING), *page_order], name="user_symbol_created")
    # a user's trades whose stop-loss / take-profit is on the exchange (closing a position cancels them)
    db.trades.create_index(
        [("user_id", ASCENDING), ("protection.status", ASCENDING), ("symbol", ASCENDING)], name="user_protection"
    )


def _analysis_history(db: Database, _retention_days: int) -> None:
    # GET /api/ai/signals: newest first by (timestamp, _id), of one symbol and timeframe or of all.
    # No _id after the timestamp in the first: SecantusDB (the local MongoDB) then drops the edge of an
    # inclusive time range on the key before it (the stored-signal fallback's query lost its newest
    # match); equal timestamps are rare, so the tie-break sorts a handful in memory.
    db.ai_analysis_results.create_index(
        [("symbol", ASCENDING), ("timeframe", ASCENDING), ("timestamp", DESCENDING)], name="symbol_timeframe_time"
    )
    db.ai_analysis_results.create_index([("timestamp", DESCENDING), ("_id", DESCENDING)], name="page")


def _bot_automation(db: Database, _retention_days: int) -> None:
    # the AutoTrader's question at each candle close: who automates this symbol (symbols is an array)
    db.bot_settings.create_index([("symbols", ASCENDING), ("automated_trading", ASCENDING)], name="symbol_automation")


def _bot_decisions(db: Database, _retention_days: int) -> None:
    # GET /api/bot/decisions: a user's decisions newest first (by time, then id); and the AutoTrader's
    # cooldown: the user's newest traded decision of one symbol
    db.bot_decisions.create_index(
        [("user_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="user_page"
    )
    db.bot_decisions.create_index(
        [("user_id", ASCENDING), ("symbol", ASCENDING), ("outcome", ASCENDING), ("created_at", DESCENDING)],
        name="user_symbol_outcome",
    )


def _reconciliation_reports(db: Database, _retention_days: int) -> None:
    # a user's newest reconciliation reports (the report store's reads)
    db.reconciliation_reports.create_index(
        [("user_id", ASCENDING), ("created_at", DESCENDING)], name="user_id_created_at"
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial indexes", _initial_indexes),
    Migration(2, "exchange connections", _exchange_connections),
    Migration(3, "trade queries", _trade_queries),
    Migration(4, "analysis history", _analysis_history),
    Migration(5, "bot automation", _bot_automation),
    Migration(6, "bot decisions", _bot_decisions),
    Migration(7, "reconciliation reports by user", _reconciliation_reports),
)
LATEST_VERSION = MIGRATIONS[-1].version


def run_migrations(db: Database, *, retention_days: int) -> int:
    """Apply every migration not yet recorded, reconcile the retention; return the schema version in force."""
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
        # a setting, not a migration: ANALYSIS_RETENTION_DAYS may have changed since the index was built
        ensure_retention(db, retention_days)
        return schema_version(db)


def schema_version(db: Database) -> int:
    """The highest applied migration (0 when none)."""
    with translate_errors("schema version"):
        newest = db.schema_migrations.find_one({}, sort=[("_id", DESCENDING)])
    return int(newest["_id"]) if newest else 0
