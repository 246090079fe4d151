"""The AutoTrader's decisions in MongoDB (collection ``bot_decisions``).

``_id`` is the decision id (one per user and candle signal), so a second insert of one decision
fails instead of storing two. Pages are newest first by (``created_at``, ``_id``); the cursor is
the last row's pair, opaque to callers. Indexes come from the migrations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from tradecore.adapters.mongo import page_cursor
from tradecore.adapters.mongo.gateway import MongoGateway, translate_errors
from tradecore.domain.automation import Decision, DecisionPage, Outcome, SkipReason
from tradecore.domain.orders import Side
from tradecore.errors import InvalidInputError

COLLECTION = "bot_decisions"
MAX_PAGE = 200


def _document(decision: Decision) -> dict[str, Any]:
    return {
        "_id": decision.id, "user_id": decision.user_id, "symbol": decision.symbol,
        "timeframe": decision.timeframe, "candle_time": decision.candle_time, "signal": decision.signal,
        "confidence": decision.confidence, "outcome": decision.outcome.value,
        "reason": None if decision.reason is None else decision.reason.value, "message": decision.message,
        "created_at": decision.created_at, "side": None if decision.side is None else decision.side.value,
        "trade_id": decision.trade_id, "code": decision.code,
    }  # fmt: skip


def _decision(document: dict[str, Any]) -> Decision:
    created_at: datetime = document["created_at"]
    return Decision(
        id=str(document["_id"]), user_id=document["user_id"], symbol=document["symbol"],
        timeframe=document["timeframe"], candle_time=int(document["candle_time"]), signal=document["signal"],
        confidence=float(document["confidence"]), outcome=Outcome(document["outcome"]),
        reason=SkipReason(document["reason"]) if document.get("reason") else None, message=document["message"],
        created_at=created_at.replace(tzinfo=UTC) if created_at.tzinfo is None else created_at,
        side=Side(document["side"]) if document.get("side") else None, trade_id=document.get("trade_id"),
        code=document.get("code"),
    )  # fmt: skip


def _after(cursor: str) -> dict[str, Any]:
    at, last_id = page_cursor.decode_cursor(cursor, page_cursor.MILLISECOND)
    return {"$or": [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": last_id}}]}


class MongoDecisionStore:
    """The :class:`~tradecore.ports.automation.DecisionStore` port over MongoDB."""

    def __init__(self, gateway: MongoGateway) -> None:
        self._gateway = gateway

    @property
    def _decisions(self) -> Collection:
        return self._gateway.db[COLLECTION]

    def add(self, decision: Decision) -> bool:
        with translate_errors("store automated decision"):
            try:
                self._decisions.insert_one(_document(decision))
            except DuplicateKeyError:
                return False
        return True

    def get(self, user_id: str, decision_id: str) -> Decision | None:
        with translate_errors("read automated decision"):
            document = self._decisions.find_one({"_id": decision_id, "user_id": user_id})
        return _decision(document) if document else None

    def last_traded_at(self, user_id: str, symbol: str) -> datetime | None:
        query = {"user_id": user_id, "symbol": symbol, "outcome": Outcome.TRADED.value}
        with translate_errors("read the last automated trade"):
            document = self._decisions.find_one(query, sort=[("created_at", DESCENDING)])
        return _decision(document).created_at if document else None

    def page(self, user_id: str, *, limit: int = 50, cursor: str | None = None) -> DecisionPage:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInputError(f"limit must be 1-{MAX_PAGE}", details={"field": "limit"})
        query: dict[str, Any] = {"user_id": user_id}
        if cursor:
            query.update(_after(cursor))
        with translate_errors("list automated decisions"):
            rows = list(
                self._decisions.find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)]).limit(limit + 1)
            )
        decisions = tuple(_decision(row) for row in rows[:limit])
        more = len(rows) > limit
        return DecisionPage(
            decisions,
            page_cursor.encode_cursor(decisions[-1].created_at, decisions[-1].id, page_cursor.MILLISECOND)
            if more and decisions
            else None,
        )
