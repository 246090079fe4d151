"""The AI signal a trade is placed with, whatever state the AI service is in.

In order: (a) the AI service itself; when it cannot answer (down, timing out, refusing, or its
circuit open), (b) the newest analysis of the symbol stored within the last
``AI_CACHED_SIGNAL_MAX_AGE_SECONDS`` (15 minutes), whatever the candle; when there is none or the
store is down too, (c) the technical analyzer in this process on the trade's own candles. The
answer says which one answered and, when it was not the AI service, why, in words a trader reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tradecore.domain.analysis_record import AnalysisRecord
from tradecore.domain.orders import Kline
from tradecore.domain.signals import Source, TechnicalAnalyzer
from tradecore.domain.trades import SignalSummary
from tradecore.errors import CircuitOpenError, DependencyUnavailableError
from tradecore.observability import logger
from tradecore.ports import AnalysisStore, SignalClient

STORED_SIGNAL = "stored_signal"
LOCAL_TECHNICAL = "local_technical"


@dataclass(frozen=True)
class ResolvedSignal:
    """The signal, and whether it is a fallback (``degraded``); ``reason`` says why, for the trader."""

    summary: SignalSummary
    degraded: bool
    reason: str | None = None


def _why_not_ai(exc: DependencyUnavailableError) -> str:
    if isinstance(exc, CircuitOpenError):
        return "AI service paused after repeated failures"
    if not exc.temporary:
        return "AI service refused the request"
    return "AI service unreachable"


def _age_words(seconds: float) -> str:
    minutes = int(max(seconds, 0.0) // 60)
    if minutes == 0:
        return "less than a minute ago"
    return f"{minutes} minute{'s' if minutes != 1 else ''} ago"


def _window_words(seconds: float) -> str:
    minutes = seconds / 60
    return f"{minutes:g} minutes" if minutes >= 1 else f"{seconds:g} seconds"


class SignalResolver:
    def __init__(
        self,
        client: SignalClient,
        store: AnalysisStore,
        technical: TechnicalAnalyzer,
        *,
        max_stored_age_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client, self._store, self._technical = client, store, technical
        self._max_age = max_stored_age_seconds
        self._clock = clock

    def resolve(self, symbol: str, timeframe: str, candles: Sequence[Kline], deadline: float) -> ResolvedSignal:
        """The best signal available before ``deadline`` (a ``time.monotonic()`` instant).

        Never fails because the AI service or the analysis store is down. Raises
        ``InvalidInputError`` (naming ``candles``) only when both are unavailable and ``candles``
        are too few or malformed for the technical analyzer.
        """
        try:
            return ResolvedSignal(self._client.analyze(symbol, timeframe, candles, deadline), degraded=False)
        except DependencyUnavailableError as exc:
            why = _why_not_ai(exc)
            logger.warning("AI signal unavailable; falling back", extra={"symbol": symbol, "reason": exc.message})
        stored, store_trouble = self._stored(symbol, timeframe)
        if stored is not None:
            age = self._clock() - stored.timestamp.timestamp()
            summary = SignalSummary(
                signal=stored.signal.value,
                confidence=stored.confidence,
                source=Source.CACHE.value,
                origin=STORED_SIGNAL,
                analysis_id=stored.analysis_id,
            )
            return ResolvedSignal(summary, degraded=True, reason=f"{why}; using a signal from {_age_words(age)}")
        # numpy and TA-Lib load only when the technical fallback runs, not on every trade function's cold start
        from tradecore.domain.market_view import single_timeframe_view

        verdict = self._technical.analyze(single_timeframe_view(symbol, timeframe, candles), deadline)
        summary = SignalSummary(
            signal=verdict.signal.value,
            confidence=verdict.confidence,
            source=Source.TECHNICAL.value,
            origin=LOCAL_TECHNICAL,
        )
        no_stored = (
            "stored signals unavailable too"
            if store_trouble
            else f"no signal from the last {_window_words(self._max_age)}"
        )
        return ResolvedSignal(summary, degraded=True, reason=f"{why}; {no_stored}; using technical analysis only")

    def _stored(self, symbol: str, timeframe: str) -> tuple[AnalysisRecord | None, bool]:
        """The newest stored analysis young enough to use, and whether the store failed."""
        not_before = datetime.fromtimestamp(self._clock(), UTC) - timedelta(seconds=self._max_age)
        try:
            return self._store.latest(symbol, timeframe, not_before), False
        except DependencyUnavailableError:
            logger.warning("stored analyses unreachable; technical signal only", extra={"symbol": symbol})
            return None, True
