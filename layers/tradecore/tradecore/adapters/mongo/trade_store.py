"""Users' trade records in MongoDB (collection ``trades``; the documents are described in
:mod:`~tradecore.adapters.mongo.trade_documents`).

``client_order_id`` is unique (migration 1), so one order never has two records. A save keeps the
newest copy whatever order copies arrive in: one conditional upsert replaces the stored copy only
when its ``version`` is lower, and inserts when there is none. Every read is scoped to one user,
so another user's trade is simply not there. Outages surface as ``DependencyUnavailableError``.
"""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from tradecore.adapters.mongo.gateway import MongoGateway, translate_errors
from tradecore.adapters.mongo.trade_documents import trade_document, trade_record
from tradecore.adapters.mongo.trade_queries import (
    NEWEST_FIRST,
    OLDEST_FIRST,
    after_cursor,
    created_at_or_after,
    created_before,
    encode_cursor,
)
from tradecore.domain.trades import ProtectionStatus, TradePage, TradeQuery, TradeRecord
from tradecore.errors import InvalidInputError

COLLECTION = "trades"
MAX_PAGE = 200


class MongoTradeStore:
    """The :class:`~tradecore.ports.trading.TradeStore` port over MongoDB."""

    def __init__(self, gateway: MongoGateway) -> None:
        self._gateway = gateway

    @property
    def _trades(self) -> Collection:
        return self._gateway.db[COLLECTION]

    def save(self, trade: TradeRecord) -> bool:
        """Insert ``trade``, or replace the user's stored copy of its order when that is older.

        False when nothing changed: the stored copy is as new or newer, or the client order id (or
        the trade id) belongs to another record, such as another user's.
        """
        document = trade_document(trade)
        trade_id = document.pop("_id")
        newer_than_stored = {
            "client_order_id": trade.client_order_id,
            "user_id": trade.user_id,
            "version": {"$lt": trade.version},
        }
        with translate_errors("store trade"):
            try:
                self._trades.update_one(
                    newer_than_stored, {"$set": document, "$setOnInsert": {"_id": trade_id}}, upsert=True
                )
            except DuplicateKeyError:
                # a copy is stored, as new or newer (nothing to do), or one was inserted by a
                # concurrent save between our match and our insert: replace it if it is older
                result = self._trades.update_one(newer_than_stored, {"$set": document})
                return result.matched_count > 0
        return True

    def get(self, user_id: str, trade_id: str) -> TradeRecord | None:
        return self._find_one({"_id": trade_id, "user_id": user_id}, "read trade")

    def by_client_order_id(self, user_id: str, client_order_id: str) -> TradeRecord | None:
        return self._find_one({"client_order_id": client_order_id, "user_id": user_id}, "read trade")

    def page(self, user_id: str, query: TradeQuery) -> TradePage:
        """Newest first by creation time, then id; the cursor names the last trade of the previous
        page, so trades saved meanwhile never shift a page (no duplicates, no gaps)."""
        if not 1 <= query.limit <= MAX_PAGE:
            raise InvalidInputError(f"limit must be between 1 and {MAX_PAGE}", details={"field": "limit"})
        conditions: list[dict[str, Any]] = [{"user_id": user_id}]
        if query.symbol is not None:
            conditions.append({"symbol": query.symbol})
        if query.status is not None:
            conditions.append({"status": query.status.value})
        if query.created_from is not None:
            conditions.append(created_at_or_after(query.created_from))
        if query.created_to is not None:
            conditions.append(created_before(query.created_to))
        if query.cursor is not None:
            conditions.append(after_cursor(query.cursor))
        with translate_errors("read trades"):
            documents = list(self._trades.find({"$and": conditions}, sort=NEWEST_FIRST, limit=query.limit + 1))
        trades = tuple(trade_record(document) for document in documents[: query.limit])
        more = len(documents) > query.limit
        next_cursor = encode_cursor(trades[-1].created_at, trades[-1].id) if more else None
        return TradePage(trades=trades, next_cursor=next_cursor)

    def executed(self, user_id: str, symbol: str | None = None) -> list[TradeRecord]:
        """The user's trades with anything executed (``executed_quantity > 0``), oldest first."""
        selector: dict[str, Any] = {"user_id": user_id, "executed_quantity": {"$gt": 0}}
        if symbol is not None:
            selector["symbol"] = symbol
        return self._find(selector, "read executed trades")

    def protected(self, user_id: str, symbol: str) -> list[TradeRecord]:
        """The user's trades of ``symbol`` with active stop-loss / take-profit orders, oldest first."""
        selector = {"user_id": user_id, "protection.status": ProtectionStatus.ACTIVE.value, "symbol": symbol}
        return self._find(selector, "read protected trades")

    def _find_one(self, selector: dict[str, Any], operation: str) -> TradeRecord | None:
        with translate_errors(operation):
            document = self._trades.find_one(selector)
        return trade_record(document) if document else None

    def _find(self, selector: dict[str, Any], operation: str) -> list[TradeRecord]:
        with translate_errors(operation):
            documents = list(self._trades.find(selector, sort=OLDEST_FIRST))
        return [trade_record(document) for document in documents]
