"""``ai_analysis_results`` in MongoDB: every analysis, by analysis id (``_id``), 30-day TTL on ``timestamp``.

The indexes (``symbol``+``timestamp``, the TTL, the history pages) come from the migrations. Writes are idempotent:
the analysis id is the document id, and duplicates of an already stored analysis are skipped.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from pymongo import DESCENDING
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from tradecore.adapters.mongo.analysis_pages import NEWEST_FIRST, encode_cursor, page_filter
from tradecore.adapters.mongo.gateway import MongoGateway, translate_errors
from tradecore.domain.analysis_history import AnalysisPage, AnalysisQuery
from tradecore.domain.analysis_record import AnalysisRecord

COLLECTION = "ai_analysis_results"
_DUPLICATE_KEY = 11000


class MongoAnalysisStore:
    def __init__(self, gateway: MongoGateway) -> None:
        self._gateway = gateway

    @property
    def _collection(self) -> Collection:
        return self._gateway.db[COLLECTION]

    def save(self, record: AnalysisRecord) -> None:
        """Store one analysis; ``DependencyUnavailableError`` when MongoDB is unreachable."""
        # a duplicate is an analysis already stored (a retried flush): nothing to do
        with translate_errors("store analysis"), suppress(DuplicateKeyError):
            self._collection.insert_one(record.to_document())

    def save_many(self, records: list[AnalysisRecord]) -> int:
        """Bulk-insert, unordered so one duplicate does not stop the rest; returns the new count.

        Errors other than duplicate keys are raised; ``DependencyUnavailableError`` when down.
        """
        if not records:
            return 0
        with translate_errors("store queued analyses"):
            try:
                result = self._collection.insert_many([r.to_document() for r in records], ordered=False)
            except BulkWriteError as exc:
                others = [e for e in exc.details.get("writeErrors", []) if e.get("code") != _DUPLICATE_KEY]
                if others:
                    raise
                return int(exc.details.get("nInserted", 0))
            return len(result.inserted_ids)

    def newest(
        self, symbol: str, timeframe: str, candle_time: int, input_digest: str, not_before: datetime
    ) -> AnalysisRecord | None:
        """The newest analysis of this closed candle and market state stored since ``not_before``, if any.

        ``input_digest`` covers every closed candle of every timeframe and the client indicators, so
        another history ending in the same candle never matches.
        """
        with translate_errors("read analyses"):
            doc = self._collection.find_one(
                {
                    "symbol": symbol,
                    "timeframe": timeframe,
                    "candle_time": candle_time,
                    # served by the symbol+timestamp index; the digest only filters what it finds
                    "input_digest": input_digest,
                    "timestamp": {"$gte": not_before},
                },
                sort=[("timestamp", DESCENDING)],
            )
        return AnalysisRecord.from_document(doc) if doc else None

    def latest(self, symbol: str, timeframe: str, not_before: datetime) -> AnalysisRecord | None:
        """The newest analysis of ``symbol`` on ``timeframe`` stored since ``not_before``, whatever its
        candle or market state (the trade flow's stored-signal fallback)."""
        with translate_errors("read analyses"):
            doc = self._collection.find_one(
                # served by the symbol+timestamp index; the timeframe only filters what it finds
                {"symbol": symbol, "timeframe": timeframe, "timestamp": {"$gte": not_before}},
                sort=[("timestamp", DESCENDING)],
            )
        return AnalysisRecord.from_document(doc) if doc else None

    def history(self, query: AnalysisQuery) -> AnalysisPage:
        """Stored analyses newest first, ``query.limit`` at a time (see :mod:`.analysis_pages`);
        ``InvalidInputError`` for a bad cursor, ``DependencyUnavailableError`` when MongoDB is down."""
        condition = page_filter(query)
        with translate_errors("read analysis history"):
            # one more than asked: whether another page follows, without a count
            docs = list(self._collection.find(condition, sort=NEWEST_FIRST, limit=query.limit + 1))
        records = tuple(AnalysisRecord.from_document(doc) for doc in docs[: query.limit])
        more = len(docs) > query.limit
        last = docs[query.limit - 1] if more else None
        return AnalysisPage(records, encode_cursor(last["timestamp"], str(last["_id"])) if last else None)
