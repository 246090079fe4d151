"""Pages of ``ai_analysis_results`` in MongoDB terms: their order, their cursor, their filter.

Pages run newest first by ``(timestamp, _id)``, a total order, so a cursor naming the last analysis
of a page resumes exactly after it: no repeats and no gaps, whatever is stored meanwhile. MongoDB
keeps times to the millisecond, so the cursor holds the stored time in milliseconds.

The cursor is opaque to clients: urlsafe base64 (unpadded) of ``[milliseconds since the epoch, id]``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import DESCENDING

from tradecore.adapters.mongo import page_cursor
from tradecore.domain.analysis_history import AnalysisQuery

NEWEST_FIRST = [("timestamp", DESCENDING), ("_id", DESCENDING)]


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
    return page_cursor.encode_cursor(timestamp, analysis_id, page_cursor.MILLISECOND)


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """``(timestamp, id)`` of a cursor :func:`encode_cursor` gave; ``InvalidInputError`` otherwise."""
    return page_cursor.decode_cursor(cursor, page_cursor.MILLISECOND)
