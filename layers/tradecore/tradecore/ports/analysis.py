"""AI analysis: analyzers and the stored analyses."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tradecore.domain.analysis_record import AnalysisRecord
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
