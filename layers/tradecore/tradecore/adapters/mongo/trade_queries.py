"""The trades page in MongoDB terms: its order, its cursor, and exact time bounds.

A trade's time is two fields (see :mod:`~tradecore.adapters.mongo.trade_documents`): ``created_at``
cut to the millisecond and ``created_at_us`` below it. Pages run newest first by
``(created_at, created_at_us, _id)``, a total order, so a cursor naming the last trade of a page
resumes exactly after it: no duplicates and no gaps, whatever is saved meanwhile.

The cursor is opaque to clients: urlsafe base64 (unpadded) of ``[microseconds since the epoch, id]``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from tradecore.adapters.mongo import page_cursor
from tradecore.adapters.mongo.trade_documents import sub_millis, to_millis

NEWEST_FIRST = [("created_at", DESCENDING), ("created_at_us", DESCENDING), ("_id", DESCENDING)]
OLDEST_FIRST = [("created_at", ASCENDING), ("created_at_us", ASCENDING), ("_id", ASCENDING)]


def created_before(at: datetime) -> dict[str, Any]:
    """Trades created strictly before ``at`` (to the microsecond)."""
    millis = to_millis(at)
    return {"$or": [{"created_at": {"$lt": millis}}, {"created_at": millis, "created_at_us": {"$lt": sub_millis(at)}}]}


def created_at_or_after(at: datetime) -> dict[str, Any]:
    """Trades created at ``at`` or later (to the microsecond)."""
    millis = to_millis(at)
    return {"$or": [{"created_at": {"$gt": millis}}, {"created_at": millis, "created_at_us": {"$gte": sub_millis(at)}}]}


def after_cursor(cursor: str) -> dict[str, Any]:
    """Trades that come after the cursor's trade in :data:`NEWEST_FIRST` order."""
    at, trade_id = decode_cursor(cursor)
    millis, micros = to_millis(at), sub_millis(at)
    return {
        "$or": [
            {"created_at": {"$lt": millis}},
            {"created_at": millis, "created_at_us": {"$lt": micros}},
            {"created_at": millis, "created_at_us": micros, "_id": {"$lt": trade_id}},
        ]
    }


def encode_cursor(created_at: datetime, trade_id: str) -> str:
    """The opaque position of a trade (its creation time and id)."""
    return page_cursor.encode_cursor(created_at, trade_id, page_cursor.MICROSECOND)


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """``(created_at, id)`` of a cursor :func:`encode_cursor` gave; ``InvalidInputError`` otherwise."""
    return page_cursor.decode_cursor(cursor, page_cursor.MICROSECOND)
