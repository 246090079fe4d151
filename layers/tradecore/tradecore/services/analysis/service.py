"""Analyse a symbol: validate candles, compute indicators, ask the LLM (else the technical vote),
cache, store (or queue while MongoDB is down) and broadcast the new signal.

The answer never fails because of OpenAI or MongoDB: OpenAI trouble falls back to the technical
analyzer, MongoDB trouble queues the analysis in memory. Only bad input is refused (422).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from tradecore.domain.analysis_digest import input_digest
from tradecore.domain.analysis_record import AnalysisRecord
from tradecore.domain.candles import CandleSeries, check_symbol, check_timeframe
from tradecore.domain.client_indicators import clean_client_indicators
from tradecore.domain.indicators import Indicators, clean, compute_indicators
from tradecore.domain.market_view import candle_series
from tradecore.domain.realtime import MessageType
from tradecore.domain.signals import MarketView, Source, Verdict
from tradecore.errors import DependencyUnavailableError, InvalidInputError
from tradecore.observability import current_trace_id, logger
from tradecore.ports import AnalysisStore, Analyzer, ChannelPublisher
from tradecore.services.analysis import metrics as analysis_metrics
from tradecore.services.analysis.cache import LockedTTLCache, SingleFlight
from tradecore.services.analysis.queue import PendingAnalyses

CandleRows = Sequence[Sequence[float]]  # (open_time ms, open, high, low, close, volume), oldest first
SIGNALS_CHANNEL = "signals"


@dataclass(frozen=True)
class AnalysisRequest:
    symbol: str
    timeframe: str
    candles: CandleRows
    other_timeframes: Mapping[str, CandleRows] = field(default_factory=dict)
    client_indicators: Mapping[str, Any] = field(default_factory=dict)  # checked: domain.client_indicators


class _Key(NamedTuple):
    """What makes two requests the same question: symbol, timeframe, last closed candle, and the
    digest of every closed candle of every timeframe plus the client indicators (the whole input the
    verdict depends on but the open candle; see domain.analysis_digest). Also the single-flight key
    and, through ``newest()``, what a stored analysis must match.
    """

    symbol: str
    timeframe: str
    candle_time: int
    digest: str  # the closed market state up to that candle (domain.analysis_digest)


@dataclass(frozen=True)
class AnalysisPolicy:
    known_symbols: tuple[str, ...]
    analysis_ttl_seconds: float
    indicator_ttl_seconds: float
    deadline_margin_seconds: float
    queue_max: int
    flush_retry_seconds: float


class AnalysisService:
    def __init__(
        self,
        policy: AnalysisPolicy,
        *,
        llm: Analyzer,
        technical: Analyzer,
        store: AnalysisStore,
        publisher: ChannelPublisher,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._policy = policy
        self._llm, self._technical, self._store, self._publisher = llm, technical, store, publisher
        self._clock = clock
        self._analyses: LockedTTLCache[AnalysisRecord] = LockedTTLCache(2048, policy.analysis_ttl_seconds)
        self._indicators: LockedTTLCache[Indicators] = LockedTTLCache(2048, policy.indicator_ttl_seconds)
        self._flight: SingleFlight[AnalysisRecord] = SingleFlight()
        self.pending = PendingAnalyses(store, max_size=policy.queue_max, retry_seconds=policy.flush_retry_seconds)

    def analyze(self, request: AnalysisRequest, deadline: float) -> AnalysisRecord:
        """The analysis for the request's last closed candle (cached for its TTL).

        ``deadline`` is the ``time.monotonic()`` instant the caller gives up. Raises
        :class:`InvalidInputError` naming the field for bad candles or an unknown symbol or
        timeframe; nothing is stored then. Never raises for OpenAI or MongoDB trouble.
        """
        started = time.perf_counter()
        view = self._view(request)
        now_ms = int(self._clock() * 1000)
        candle_time = view.series[view.timeframe].last_closed_open_time(now_ms)
        # the last candle alone would answer another history ending in it with a cached signal
        digest = input_digest(view.series, view.client_indicators, now_ms)
        key = _Key(view.symbol, view.timeframe, candle_time, digest)
        if self.pending.depth:
            self.pending.flush_in_background()
        cached = self._analyses.get(key)
        if cached is not None:
            analysis_metrics.record_request(Source.CACHE)
            return cached.as_cached()
        record, shared = self._flight.run(key, lambda: self._fresh(view, key, deadline, started))
        analysis_metrics.record_request(Source.CACHE if shared else record.source)
        return record

    def _view(self, request: AnalysisRequest) -> MarketView:
        check_symbol(request.symbol, self._policy.known_symbols)
        check_timeframe(request.timeframe, "timeframe")
        client_indicators = clean_client_indicators(request.client_indicators)
        frames: dict[str, tuple[str, CandleRows]] = {request.timeframe: ("candles", request.candles)}
        for timeframe, rows in request.other_timeframes.items():
            check_timeframe(timeframe, f"timeframes.{timeframe}")
            if timeframe in frames:
                raise InvalidInputError(
                    f"timeframes.{timeframe}: repeats the primary timeframe; send it in candles only",
                    details={"field": f"timeframes.{timeframe}"},
                )
            frames[timeframe] = (f"timeframes.{timeframe}", rows)
        series: dict[str, CandleSeries] = {}
        indicators: dict[str, Indicators] = {}
        for timeframe, (field_name, rows) in frames.items():
            series[timeframe] = candle_series(timeframe, rows, field=field_name)
            indicators[timeframe] = self._indicators_of(request.symbol, series[timeframe])
        return MarketView(request.symbol, request.timeframe, series, indicators, client_indicators)

    def _indicators_of(self, symbol: str, series: CandleSeries) -> Indicators:
        key = (symbol, series.timeframe, series.fingerprint())  # every value counts, not just the times
        values = self._indicators.get(key)
        if values is None:
            values = compute_indicators(series)
            self._indicators.put(key, values)
        return values

    def _fresh(self, view: MarketView, key: _Key, deadline: float, started: float) -> AnalysisRecord:
        stored = self._newest_stored(key)
        if stored is not None:
            self._analyses.put(key, stored)
            return stored.as_cached()
        verdict = self._decide(view, deadline)
        record = AnalysisRecord(
            analysis_id=uuid.uuid4().hex,
            symbol=view.symbol,
            timeframe=view.timeframe,
            timeframes=tuple(view.series),
            candle_time=key.candle_time,
            signal=verdict.signal,
            confidence=verdict.confidence,
            reasoning=verdict.reasoning,
            source=verdict.source,
            model_version=verdict.model_version,
            processing_time_ms=round((time.perf_counter() - started) * 1000, 3),
            tokens=verdict.tokens,
            indicators={timeframe: clean(values) for timeframe, values in view.indicators.items()},
            timestamp=datetime.fromtimestamp(self._clock(), UTC),
            trace_id=current_trace_id(),
            input_digest=key.digest,
        )
        self._persist(record)
        self._analyses.put(key, record)
        self._broadcast(record)
        analysis_metrics.record_analysis(record.source, record.confidence)
        return record

    def _newest_stored(self, key: _Key) -> AnalysisRecord | None:
        if self.pending.store_down or self._policy.analysis_ttl_seconds <= 0:
            return None
        not_before = datetime.fromtimestamp(self._clock(), UTC) - timedelta(seconds=self._policy.analysis_ttl_seconds)
        try:
            return self._store.newest(key.symbol, key.timeframe, key.candle_time, key.digest, not_before)
        except DependencyUnavailableError:
            logger.warning("stored analyses unreachable; analysing afresh")
            self.pending.store_down = True
            return None

    def _decide(self, view: MarketView, deadline: float) -> Verdict:
        if self._llm.configured:
            started = time.perf_counter()
            try:
                verdict = self._llm.analyze(view, deadline - self._policy.deadline_margin_seconds)
            except DependencyUnavailableError as exc:
                reason = exc.message
            except Exception as exc:  # noqa: BLE001 - any LLM failure must end in the technical answer
                reason = f"unexpected {type(exc).__name__}"
                logger.exception("LLM analyzer failed unexpectedly")
            else:
                analysis_metrics.record_openai_call(verdict.latency_ms or 0.0, verdict.tokens, "ok")
                return verdict
            analysis_metrics.record_openai_call((time.perf_counter() - started) * 1000, None, "failed")
            logger.warning("LLM analysis failed; technical fallback", extra={"reason": reason})
        return self._technical.analyze(view, deadline)

    def _persist(self, record: AnalysisRecord) -> None:
        if not self.pending.store_down:
            try:
                self._store.save(record)
                return
            except DependencyUnavailableError:
                logger.warning("MongoDB unavailable; analysis queued", extra={"analysis_id": record.analysis_id})
        self.pending.add(record)
        analysis_metrics.record_queue(self.pending.depth, self.pending.dropped)

    def _broadcast(self, record: AnalysisRecord) -> None:
        data = record.to_response(record.processing_time_ms)
        data.pop("indicators", None)
        try:
            self._publisher.publish(SIGNALS_CHANNEL, MessageType.AI_SIGNAL, data)
        except Exception:  # noqa: BLE001 - broadcasting is best effort; the analysis stands
            logger.exception("broadcasting the analysis failed")
