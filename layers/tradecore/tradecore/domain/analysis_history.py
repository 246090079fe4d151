"""A page of stored analyses, newest first: what ``GET /api/ai/signals`` asks the analysis store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tradecore.domain.analysis_record import AnalysisRecord

MAX_PAGE = 200


@dataclass(frozen=True)
class AnalysisQuery:
    """Analyses of ``symbol`` (every symbol when ``None``) on ``timeframe`` (every one when ``None``)
    stored at or after ``since``; ``cursor`` is the opaque value the previous page gave."""

    symbol: str | None = None
    timeframe: str | None = None
    since: datetime | None = None
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class AnalysisPage:
    analyses: tuple[AnalysisRecord, ...]
    next_cursor: str | None  # None on the last page
