"""The trade flow's signal: the AI service, else a stored signal of at most 15 minutes, else the
technical analyzer in process; each step with fakes, the age boundary and the reasons a trader reads."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.auth import FakeClock
from tests.support.fake_analysis import FakeAnalysisStore
from tests.support.klines import make_klines
from tests.support.messages import RecordingPublisher
from tradecore.domain.analysis_record import AnalysisRecord
from tradecore.domain.market_view import kline_rows
from tradecore.domain.orders import Kline
from tradecore.domain.signals import Signal, Source, TechnicalAnalyzer
from tradecore.domain.trades import SignalSummary
from tradecore.errors import CircuitOpenError, DependencyUnavailableError, InvalidInputError
from tradecore.services.analysis.service import AnalysisPolicy, AnalysisRequest, AnalysisService
from tradecore.services.trading.signals import ResolvedSignal, SignalResolver

MAX_AGE = 15 * 60
DEADLINE = 12_345.0
KLINES = make_klines("up", 120)
AI_ANSWER = SignalSummary("Long", 0.83, "llm", "ai_service", "from-ai")
UNREACHABLE = DependencyUnavailableError("AI service unavailable: HTTP 503", dependency="ai_service")


class FakeSignalClient:
    """Answers ``AI_ANSWER`` or raises ``error``; records what it was asked."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple[str, str, int, float]] = []

    def analyze(self, symbol: str, timeframe: str, candles: Sequence[Kline], deadline: float) -> SignalSummary:
        self.calls.append((symbol, timeframe, len(candles), deadline))
        if self.error is not None:
            raise self.error
        return AI_ANSWER


class LatestStore(FakeAnalysisStore):
    """The analysis store fake with ``latest`` as the port defines it (at or after ``not_before``)."""

    def latest(self, symbol: str, timeframe: str, not_before: datetime) -> AnalysisRecord | None:
        self._check()
        self.lookups += 1
        matches = [
            r
            for r in self.records.values()
            if (r.symbol, r.timeframe) == (symbol, timeframe) and r.timestamp >= not_before
        ]
        return max(matches, key=lambda r: r.timestamp) if matches else None


def _record(clock: FakeClock, age_seconds: float, *, analysis_id: str = "stored-1", symbol: str = "BTCUSDT",
            timeframe: str = "1h", signal: Signal = Signal.SHORT) -> AnalysisRecord:  # fmt: skip
    return AnalysisRecord(
        analysis_id=analysis_id,
        symbol=symbol,
        timeframe=timeframe,
        timeframes=(timeframe,),
        candle_time=1_767_225_600_000,
        signal=signal,
        confidence=0.74,
        reasoning="stored",
        source=Source.LLM,
        model_version="gpt",
        processing_time_ms=12.0,
        tokens=None,
        indicators={},
        timestamp=datetime.fromtimestamp(clock(), UTC) - timedelta(seconds=age_seconds),
        trace_id=None,
    )


def _resolve(
    error: Exception | None, *records_aged: float, store_down: bool = False, klines: list[Kline] = KLINES
) -> tuple[ResolvedSignal, FakeSignalClient, LatestStore]:
    clock = FakeClock()
    client, store = FakeSignalClient(error), LatestStore()
    for index, age in enumerate(records_aged):
        store.save(_record(clock, age, analysis_id=f"stored-{index}"))
    store.down = store_down
    resolver = SignalResolver(client, store, TechnicalAnalyzer(), max_stored_age_seconds=MAX_AGE, clock=clock)
    return resolver.resolve("BTCUSDT", "1h", klines, DEADLINE), client, store


def test_resolver_the_ai_service_answer_is_not_degraded() -> None:
    resolved, client, store = _resolve(None, 60)

    assert resolved == ResolvedSignal(AI_ANSWER, degraded=False, reason=None)
    assert client.calls == [("BTCUSDT", "1h", 120, DEADLINE)]
    assert store.lookups == 0


def test_resolver_ai_down_uses_the_newest_stored_signal() -> None:
    resolved, _, _ = _resolve(UNREACHABLE, 10 * 60, 7 * 60 + 30, 14 * 60)

    assert resolved.summary == SignalSummary("Short", 0.74, "cache", "stored_signal", "stored-1")
    assert resolved.degraded is True
    assert resolved.reason == "AI service unreachable; using a signal from 7 minutes ago"


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (UNREACHABLE, "AI service unreachable"),
        (CircuitOpenError("ai_service: circuit breaker open", dependency="ai_service"),
         "AI service paused after repeated failures"),
        (DependencyUnavailableError("AI service refused the request: HTTP 401", temporary=False),
         "AI service refused the request"),
    ],
)  # fmt: skip
def test_resolver_reason_says_why_the_ai_service_did_not_answer(error: Exception, why: str) -> None:
    stored, _, _ = _resolve(error, 120)
    technical, _, _ = _resolve(error)

    assert stored.reason == f"{why}; using a signal from 2 minutes ago"
    assert technical.reason == f"{why}; no signal from the last 15 minutes; using technical analysis only"


def test_resolver_a_signal_exactly_fifteen_minutes_old_is_used() -> None:
    resolved, _, _ = _resolve(UNREACHABLE, MAX_AGE)

    assert resolved.summary.origin == "stored_signal"
    assert resolved.reason == "AI service unreachable; using a signal from 15 minutes ago"


def test_resolver_a_signal_older_than_fifteen_minutes_is_not_used() -> None:
    resolved, _, store = _resolve(UNREACHABLE, MAX_AGE + 1)

    assert store.lookups == 1
    assert resolved.summary.origin == "local_technical"
    assert resolved.degraded is True


def test_resolver_ignores_stored_signals_of_another_symbol_or_timeframe() -> None:
    clock = FakeClock()
    store = LatestStore()
    store.save(_record(clock, 60, analysis_id="eth", symbol="ETHUSDT"))
    store.save(_record(clock, 60, analysis_id="4h", timeframe="4h"))
    resolver = SignalResolver(
        FakeSignalClient(UNREACHABLE), store, TechnicalAnalyzer(), max_stored_age_seconds=MAX_AGE, clock=clock
    )

    assert resolver.resolve("BTCUSDT", "1h", KLINES, DEADLINE).summary.origin == "local_technical"


def test_resolver_store_down_falls_back_to_technical() -> None:
    resolved, _, _ = _resolve(UNREACHABLE, 60, store_down=True)

    assert (resolved.summary.source, resolved.summary.origin, resolved.summary.analysis_id) == (
        "technical",
        "local_technical",
        None,
    )
    assert resolved.degraded is True
    assert resolved.reason == "AI service unreachable; stored signals unavailable too; using technical analysis only"


@pytest.mark.parametrize("kind", ["up", "down", "flat"])
def test_resolver_technical_signal_is_the_one_the_ai_service_would_compute(kind: str) -> None:
    klines = make_klines(kind, 120)
    resolved, _, _ = _resolve(UNREACHABLE, klines=klines)
    service = AnalysisService(
        AnalysisPolicy(("BTCUSDT",), 300, 60, 0.1, 1000, 3600),
        llm=TechnicalAnalyzer(),
        technical=TechnicalAnalyzer(),
        store=LatestStore(),
        publisher=RecordingPublisher(),
        clock=FakeClock(),
    )
    try:
        expected = service.analyze(AnalysisRequest("BTCUSDT", "1h", kline_rows(klines)), time.monotonic() + 5)
    finally:
        service.pending.close()

    assert (resolved.summary.signal, resolved.summary.confidence) == (expected.signal.value, expected.confidence)
    assert resolved.summary.signal == {"up": "Long", "down": "Short", "flat": "Neutral"}[kind]


@pytest.mark.parametrize(
    ("age", "words"),
    [(0, "less than a minute ago"), (59, "less than a minute ago"), (60, "1 minute ago"), (479, "7 minutes ago")],
)
def test_resolver_reason_tells_the_stored_signal_age_in_minutes(age: float, words: str) -> None:
    resolved, _, _ = _resolve(UNREACHABLE, age)

    assert resolved.reason == f"AI service unreachable; using a signal from {words}"


def test_resolver_too_few_candles_for_the_technical_fallback_is_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="candles: 20 candles given"):
        _resolve(UNREACHABLE, store_down=True, klines=make_klines("up", 20))
