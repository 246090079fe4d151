"""The stored analyses, newest first, a page at a time: ``GET /api/ai/signals``.

Analyses are of the platform's market, not of a user: every user who may read sees the same ones.
"""

from __future__ import annotations

from datetime import datetime

from tradecore.domain.analysis_history import MAX_PAGE, AnalysisPage, AnalysisQuery
from tradecore.domain.market_data import check_interval, check_symbol
from tradecore.errors import InvalidInputError
from tradecore.ports import AnalysisStore


class SignalHistory:
    def __init__(self, store: AnalysisStore, symbols: tuple[str, ...]) -> None:
        self._store, self._symbols = store, symbols

    def page(
        self, symbol: str | None, timeframe: str | None, since: datetime | None, cursor: str | None, limit: int
    ) -> AnalysisPage:
        """One page; pass its ``next_cursor`` back for the next. ``InvalidInputError`` names a bad
        field (symbol, timeframe, limit, cursor); ``DependencyUnavailableError`` when the store is down."""
        if symbol is not None:
            check_symbol(self._symbols, symbol)
        if timeframe is not None:
            check_interval(timeframe, field="timeframe")
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInputError(f"limit: between 1 and {MAX_PAGE}", details={"field": "limit"})
        if since is not None and since.tzinfo is None:
            raise InvalidInputError("since: give a time zone (e.g. 2026-11-25T13:00:00Z)", details={"field": "since"})
        return self._store.history(AnalysisQuery(symbol, timeframe, since, limit, cursor))
