"""AI analysis: analyzers and the stored analyses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from tradecore.domain.analysis_answer import AnalysisAnswer
from tradecore.domain.analysis_history import AnalysisPage, AnalysisQuery
from tradecore.domain.analysis_record import AnalysisRecord
from tradecore.domain.orders import Kline
from tradecore.domain.service_state import WindowCount
from tradecore.domain.signals import MarketView, Verdict


class Analyzer(Protocol):
    """Turns a market view into a verdict. ``configured`` is False when it cannot run at all.

    ``deadline`` is a ``time.monotonic()`` instant the answer must come before. Raises
    ``DependencyUnavailableError`` (with the reason) when it cannot answer in time or at all.
    """

    configured: bool

    def analyze(self, view: MarketView, deadline: float) -> Verdict: ...


class AnalysisStore(Protocol):
    """Stored analyses (``ai_analysis_results``). Raises ``DependencyUnavailableError`` when down."""

    def save(self, record: AnalysisRecord) -> None: ...
    def save_many(self, records: list[AnalysisRecord]) -> int:
        """Insert all, skipping ids already stored (idempotent); returns how many were new."""
        ...

    def newest(
        self, symbol: str, timeframe: str, candle_time: int, input_digest: str, not_before: datetime
    ) -> AnalysisRecord | None:
        """The newest analysis for this closed candle and market state (digest) stored at or after ``not_before``."""
        ...

    def latest(self, symbol: str, timeframe: str, not_before: datetime) -> AnalysisRecord | None:
        """The newest analysis of ``symbol`` on ``timeframe`` stored at or after ``not_before``, whatever
        the candle (the trade flow's fallback when the AI service cannot answer)."""
        ...

    def history(self, query: AnalysisQuery) -> AnalysisPage:
        """Stored analyses newest first (by time, then id: a total order, so pages never repeat or
        skip one); ``InvalidInputError`` (naming ``cursor``) for a cursor this store did not give."""
        ...


class AnalysisClient(Protocol):
    """The AI service's whole answer for a user's "analyze now" (the trade flow's ``SignalClient`` is
    the summary of the same call)."""

    def analysis(
        self,
        symbol: str,
        timeframe: str,
        candles: Sequence[Kline],
        deadline: float,
        timeframes: Mapping[str, Sequence[Kline]] | None = None,
    ) -> AnalysisAnswer:
        """``DependencyUnavailableError`` (``CircuitOpenError`` while the breaker is open) when the
        service cannot answer before ``deadline`` (a ``time.monotonic()`` instant) or refuses."""
        ...


class AnalysisAnswerCache(Protocol):
    """Answers to "analyze now" every instance shares for a while (the spec's core-side 2 minutes),
    by ``key`` (symbol, timeframes, last closed candle). ``DependencyUnavailableError`` when down."""

    def answer(self, key: str) -> AnalysisAnswer | None: ...
    def put_answer(self, key: str, answer: AnalysisAnswer, *, ttl_seconds: int) -> None: ...


class AnalyzeQuota(Protocol):
    """Each user's "analyze now" requests in fixed windows, counted across every instance."""

    def acquire_analyze(self, user_id: str, *, limit: int, window_seconds: int, now: float) -> WindowCount:
        """Atomically take one of ``limit`` slots of the user's current window (a new window starts once
        it has elapsed); ``granted=False`` (nothing taken) while it is full."""
        ...
