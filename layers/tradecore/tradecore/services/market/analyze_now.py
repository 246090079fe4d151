""" "Analyze now" for a user: the core fetches the candles, the AI service analyses them.

Each request first takes a slot of the user's window (``USER_ANALYZE_PER_MINUTE`` per minute,
counted across every instance; a full window is 429 with ``Retry-After``). Every request counts,
cached or not: it costs exchange weight either way, and a limit that only some requests touch is
one a user cannot predict. Then ``candles_per_timeframe`` candles of each asked timeframe come from
the exchange (public market data); an answer another request got for the same symbol, timeframes
and last closed candle within ``cache_ttl_seconds`` (the spec's core-side 2 minutes, shared)
answers again; else the AI service (which stores the analysis: it shows in the history). When it
cannot answer, the technical analyzer runs here on the same candles, labelled, neither cached nor
stored, so the next request asks the AI service again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tradecore.domain.analysis_answer import AnalysisAnswer
from tradecore.domain.market_data import check_interval, check_symbol
from tradecore.domain.orders import Kline
from tradecore.domain.signals import MarketView
from tradecore.domain.users import Principal
from tradecore.errors import CircuitOpenError, DependencyUnavailableError, InvalidInputError, RateLimitedError
from tradecore.observability import logger
from tradecore.ports import Analyzer, Exchange
from tradecore.ports.analysis import AnalysisAnswerCache, AnalysisClient, AnalyzeQuota

AI_SERVICE, CACHE, LOCAL_TECHNICAL = "ai_service", "cache", "local_technical"
MAX_EXTRA_TIMEFRAMES = 5  # the AI service takes at most 6 in all
_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class AnalyzePolicy:
    symbols: tuple[str, ...]
    per_minute: int
    candles_per_timeframe: int
    cache_ttl_seconds: int
    budget_seconds: float


@dataclass(frozen=True)
class OnDemandAnalysis:
    """The answer, who gave it (``origin``: ai_service, cache, local_technical), and for a fallback why."""

    answer: AnalysisAnswer
    origin: str
    degraded: bool = False
    reason: str | None = None


def _why_not_ai(exc: DependencyUnavailableError) -> str:
    if isinstance(exc, CircuitOpenError):
        return "AI service paused after repeated failures"
    return "AI service refused the request" if not exc.temporary else "AI service unreachable"


def last_closed_open_time(klines: Sequence[Kline], now_ms: int) -> int:
    """Open time of the newest candle closed by ``now_ms`` (the last one when none has)."""
    closed = [k.open_time for k in klines if k.close_time < now_ms]
    return closed[-1] if closed else klines[-1].open_time


class AnalyzeNow:
    def __init__(
        self,
        policy: AnalyzePolicy,
        *,
        market: Callable[[], Exchange],
        client: AnalysisClient,
        answers: AnalysisAnswerCache,
        quota: AnalyzeQuota,
        technical: Analyzer,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._policy = policy
        self._market, self._client, self._answers, self._quota = market, client, answers, quota
        self._technical, self._clock, self._monotonic = technical, clock, monotonic

    def analyze(
        self, user: Principal, symbol: str, timeframe: str, timeframes: Sequence[str] = (),
        remaining_ms: Callable[[], int] | None = None,
    ) -> OnDemandAnalysis:  # fmt: skip
        """The analysis of ``symbol`` on ``timeframe`` (plus ``timeframes``). ``InvalidInputError``
        names a bad field; ``RateLimitedError`` (with ``retry_after``) when the user's window is full;
        ``DependencyUnavailableError`` when the exchange or the request window cannot be reached."""
        extra = self._check(symbol, timeframe, timeframes)
        deadline = self._deadline(remaining_ms)
        self._take_slot(user.user_id)
        market = self._market()
        count = self._policy.candles_per_timeframe
        candles = {tf: market.get_klines(symbol, tf, count) for tf in (timeframe, *extra)}
        primary = candles.pop(timeframe)
        if not primary:
            raise DependencyUnavailableError(
                f"The exchange has no {timeframe} candles of {symbol}", dependency="exchange"
            )
        key = f"{symbol}|{timeframe}|{','.join(extra)}|{last_closed_open_time(primary, int(self._clock() * 1000))}"
        cached = self._cached(key)
        if cached is not None:
            return OnDemandAnalysis(cached, CACHE)
        try:
            answer = self._client.analysis(symbol, timeframe, primary, deadline, candles)
        except DependencyUnavailableError as exc:
            logger.warning(
                "AI analysis unavailable; technical analysis", extra={"symbol": symbol, "reason": exc.message}
            )
            fallback = self._technical_answer(symbol, timeframe, primary, candles, deadline)
            reason = f"{_why_not_ai(exc)}; using technical analysis only"
            return OnDemandAnalysis(fallback, LOCAL_TECHNICAL, degraded=True, reason=reason)
        self._keep(key, answer)
        return OnDemandAnalysis(answer, AI_SERVICE)

    def _check(self, symbol: str, timeframe: str, timeframes: Sequence[str]) -> tuple[str, ...]:
        check_symbol(self._policy.symbols, symbol)
        check_interval(timeframe, field="timeframe")
        extra = sorted({check_interval(tf, field="timeframes") for tf in timeframes} - {timeframe})
        if len(extra) > MAX_EXTRA_TIMEFRAMES:
            raise InvalidInputError(
                f"timeframes: at most {MAX_EXTRA_TIMEFRAMES} besides timeframe", details={"field": "timeframes"}
            )
        return tuple(extra)

    def _take_slot(self, user_id: str) -> None:
        now = self._clock()
        slot = self._quota.acquire_analyze(
            user_id, limit=self._policy.per_minute, window_seconds=_WINDOW_SECONDS, now=now
        )
        if not slot.granted:
            # clamped: a window opened by a racing instance may start a moment after our ``now``
            remaining = min(max(slot.window_started_at + _WINDOW_SECONDS - now, 1), _WINDOW_SECONDS)
            raise RateLimitedError(
                f"At most {self._policy.per_minute} analyses a minute; try again later",
                retry_after=math.ceil(remaining),
            )

    def _deadline(self, remaining_ms: Callable[[], int] | None) -> float:
        budget = self._policy.budget_seconds
        if remaining_ms is not None:  # keep a second for the fallback and the answer
            budget = min(budget, max(remaining_ms() / 1000 - 1.0, 0.5))
        return self._monotonic() + budget

    def _cached(self, key: str) -> AnalysisAnswer | None:
        try:
            return self._answers.answer(key)
        except DependencyUnavailableError as exc:
            logger.warning("analysis answer cache unavailable", extra={"error": exc.message})
            return None

    def _keep(self, key: str, answer: AnalysisAnswer) -> None:
        if self._policy.cache_ttl_seconds <= 0:
            return
        try:
            self._answers.put_answer(key, answer, ttl_seconds=self._policy.cache_ttl_seconds)
        except DependencyUnavailableError as exc:
            logger.warning("analysis answer cache unavailable", extra={"error": exc.message})

    def _technical_answer(
        self, symbol: str, timeframe: str, primary: Sequence[Kline], others: dict[str, list[Kline]], deadline: float
    ) -> AnalysisAnswer:
        # numpy and TA-Lib load only when the local fallback runs, not on every trade function's cold start
        from tradecore.domain.indicators import compute_indicators
        from tradecore.domain.market_view import candle_series, kline_rows

        series = {tf: candle_series(tf, kline_rows(k), field=f"timeframes.{tf}") for tf, k in others.items()}
        series = {timeframe: candle_series(timeframe, kline_rows(primary), field="candles"), **series}
        view = MarketView(symbol, timeframe, series, {tf: compute_indicators(s) for tf, s in series.items()})
        verdict = self._technical.analyze(view, deadline)
        now_ms = int(self._clock() * 1000)
        return AnalysisAnswer(
            analysis_id=None, symbol=symbol, timeframe=timeframe, signal=verdict.signal,
            confidence=verdict.confidence, reasoning=verdict.reasoning, source=verdict.source,
            model_version=verdict.model_version, candle_time=last_closed_open_time(primary, now_ms),
            timestamp=datetime.fromtimestamp(self._clock(), UTC).isoformat(), timeframes=tuple(others),
        )  # fmt: skip
