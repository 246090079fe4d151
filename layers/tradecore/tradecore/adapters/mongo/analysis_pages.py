"""Pages of ``ai_analysis_results`` in MongoDB terms: their order, their cursor, their filter.

Pages run newest first by ``(timestamp, _id)``, a total order, so a cursor naming the last analysis
of a page resumes exactly after it: no repeats and no gaps, whatever is stored meanwhile. MongoDB
keeps times to the millisecond, so the cursor holds the stored time in milliseconds.

The cursor is opaque to clients: urlsafe base64 (unpadded) of ``[milliseconds since the epoch, id]``.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import DESCENDING

from tradecore.domain.analysis_history import AnalysisQuery
from tradecore.errors import InvalidInputError

NEWEST_FIRST = [("timestamp", DESCENDING), ("_id", DESCENDING)]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def page_filter(query: AnalysisQuery) -> dict[str, Any]:
    """The documents ``query`` asks for, after its cursor when it has one."""
    clauses: list[dict[str, Any]] = []
    if query.symbol is not None:
        clauses.append({"symbol": query.symbol})
    if query.timeframe is not None:
        clauses.append({"timeframe": query.timeframe})
    if query.since is not None:
        clauses.append({"timestamp": {"$gte": query.since}})
    if query.cursor is not None:
        at, analysis_id = decode_cursor(query.cursor)
        clauses.append({"$or": [{"timestamp": {"$lt": at}}, {"timestamp": at, "_id": {"$lt": analysis_id}}]})
    return {"$and": clauses} if clauses else {}


def encode_cursor(timestamp: datetime, analysis_id: str) -> str:
    """The opaque position of a stored analysis (its stored time and id)."""
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    millis = (timestamp.astimezone(UTC) - _EPOCH) // _MILLISECOND  # integer maths: no float rounding
    raw = json.dumps([millis, analysis_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """``(timestamp, id)`` of a cursor :func:`encode_cursor` gave; ``InvalidInputError`` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        millis, analysis_id = json.loads(raw)
        if isinstance(millis, bool) or not isinstance(millis, int) or not isinstance(analysis_id, str):
            raise TypeError("unexpected cursor content")
        at = _EPOCH + millis * _MILLISECOND
    except (binascii.Error, ValueError, TypeError, OverflowError) as exc:
        raise InvalidInputError("The page cursor is not valid", details={"field": "cursor"}) from exc
    return at, analysis_id
