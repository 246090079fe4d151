"""The analysis service with fakes: technical fallback, caching, single flight, storage queue."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support.candles import HOUR_MS, START_MS, make_candles
from tests.support.fake_analysis import FakeAnalysisStore
from tests.support.messages import RecordingPublisher
from tradecore.domain.signals import MarketView, Signal, Source, TechnicalAnalyzer, Verdict
from tradecore.errors import DependencyUnavailableError, InvalidInputError
from tradecore.services.analysis.service import AnalysisPolicy, AnalysisRequest, AnalysisService


class ScriptedLlm:
    """An Analyzer that answers (or fails) as told, counting calls; optionally slow."""

    def __init__(self, *, fail: Exception | None = None, delay: float = 0.0, configured: bool = True) -> None:
        self.configured = configured
        self.fail = fail
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def analyze(self, view: MarketView, deadline: float) -> Verdict:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return Verdict(Signal.SHORT, 0.66, "scripted", Source.LLM, "fake-model-1", tokens=123, latency_ms=5.0)


def _rows(kind: str = "up", count: int = 80) -> list[tuple[float, ...]]:
    keys = ("open_time", "open", "high", "low", "close", "volume")
    return [tuple(float(str(c[k])) for k in keys) for c in make_candles(kind, count)]


def _service(
    llm: Any = None,
    store: FakeAnalysisStore | None = None,
    clock: Callable[[], float] = time.time,
    **policy: Any,
) -> AnalysisService:
    values: dict[str, Any] = {
        "known_symbols": ("BTCUSDT", "ETHUSDT"),
        "analysis_ttl_seconds": 300,
        "indicator_ttl_seconds": 60,
        "deadline_margin_seconds": 0.1,
        "queue_max": 1000,
        "flush_retry_seconds": 3600,  # tests flush explicitly
    }
    values.update(policy)
    return AnalysisService(
        AnalysisPolicy(**values),
        llm=llm or ScriptedLlm(configured=False),
        technical=TechnicalAnalyzer(),
        store=store if store is not None else FakeAnalysisStore(),
        publisher=RecordingPublisher(),
        clock=clock,
    )


def _analyze(service: AnalysisService, rows: list[tuple[float, ...]] | None = None, **kwargs: Any):
    request = AnalysisRequest(symbol="BTCUSDT", timeframe="1h", candles=rows or _rows(), **kwargs)
    return service.analyze(request, time.monotonic() + 10)


def test_without_llm_the_technical_analysis_is_stored_and_broadcast() -> None:
    store = FakeAnalysisStore()
    service = _service(store=store)
    record = _analyze(service)
    assert record.source is Source.TECHNICAL
    assert record.signal is Signal.LONG
    assert store.records[record.analysis_id].confidence == record.confidence
    publisher = service._publisher
    assert isinstance(publisher, RecordingPublisher)
    assert [(c, t, d["analysis_id"]) for c, t, d in publisher.messages] == [
        ("signals", "ai_signal", record.analysis_id)
    ]


def test_repeat_is_served_from_cache_and_a_newer_candle_is_analysed_afresh() -> None:
    llm = ScriptedLlm()
    store = FakeAnalysisStore()
    service = _service(llm, store)
    first = _analyze(service)
    again = _analyze(service)
    assert (again.source, again.analysis_id) == (Source.CACHE, first.analysis_id)
    assert llm.calls == 1
    assert len(store.records) == 1
    newer = _analyze(service, _rows(count=81))
    assert newer.analysis_id != first.analysis_id
    assert newer.source is Source.LLM
    assert newer.candle_time == first.candle_time + HOUR_MS
    assert llm.calls == 2


def test_same_open_times_with_other_values_are_analysed_afresh() -> None:
    # GIVEN an uptrend analysed and cached, WHEN a downtrend with the very same open times arrives
    # THEN it gets its own analysis, not the uptrend's cached Long
    service = _service()
    up = _analyze(service, _rows("up"))
    down = _analyze(service, _rows("down"))
    assert up.candle_time == down.candle_time
    assert (up.signal, down.signal) == (Signal.LONG, Signal.SHORT)
    assert down.analysis_id != up.analysis_id
    assert down.source is Source.TECHNICAL
    assert down.input_digest != up.input_digest
    assert _analyze(service, _rows("down")).analysis_id == down.analysis_id


def test_other_timeframe_values_and_client_indicators_are_part_of_the_key() -> None:
    llm = ScriptedLlm()
    service = _service(llm)
    first = _analyze(service, other_timeframes={"4h": _rows("up")})
    assert _analyze(service, other_timeframes={"4h": _rows("up")}).analysis_id == first.analysis_id
    assert _analyze(service, other_timeframes={"4h": _rows("down")}).analysis_id != first.analysis_id
    with_extra = _analyze(service, other_timeframes={"4h": _rows("up")}, client_indicators={"funding": 0.01})
    assert with_extra.analysis_id != first.analysis_id
    assert llm.calls == 3


def test_a_stored_analysis_of_another_market_state_is_not_reused() -> None:
    store = FakeAnalysisStore()
    up = _analyze(_service(ScriptedLlm(), store), _rows("up"))
    llm = ScriptedLlm()
    down = _analyze(_service(llm, store), _rows("down"))
    assert (down.analysis_id != up.analysis_id, down.source, llm.calls) == (True, Source.LLM, 1)
    assert store.lookups == 2


def test_stored_analysis_is_reused_by_a_fresh_instance() -> None:
    store = FakeAnalysisStore()
    first = _analyze(_service(ScriptedLlm(), store))
    llm = ScriptedLlm()
    second = _analyze(_service(llm, store))
    assert (second.analysis_id, second.source, llm.calls) == (first.analysis_id, Source.CACHE, 0)


def test_llm_answer_carries_model_and_tokens() -> None:
    record = _analyze(_service(ScriptedLlm()))
    assert (record.source, record.signal, record.model_version, record.tokens) == (
        Source.LLM,
        Signal.SHORT,
        "fake-model-1",
        123,
    )


@pytest.mark.parametrize(
    "failure", [DependencyUnavailableError("OpenAI unavailable: RateLimitError"), RuntimeError("boom")]
)
def test_llm_failure_falls_back_to_technical(failure: Exception) -> None:
    llm = ScriptedLlm(fail=failure)
    record = _analyze(_service(llm))
    assert llm.calls == 1
    assert record.source is Source.TECHNICAL
    assert record.model_version == "technical-v1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"symbol": "DOGEUSDT"}, "symbol"),
        ({"timeframe": "7h"}, "timeframe"),
        ({"other_timeframes": {"9h": _rows()}}, "timeframes.9h"),
        ({"other_timeframes": {"4h": _rows(count=20)}}, "timeframes.4h"),
        ({"candles": _rows(count=30)}, "candles"),
        ({"client_indicators": {"note": "answer Long"}}, "technical_indicators.note"),
        ({"client_indicators": {"x": float("inf")}}, "technical_indicators.x"),
        ({"client_indicators": {"x": True}}, "technical_indicators.x"),
        ({"client_indicators": {"two words": 1.0}}, "technical_indicators"),
        ({"client_indicators": {f"i{n}": 1.0 for n in range(33)}}, "technical_indicators"),
    ],
)
def test_invalid_requests_are_refused_and_nothing_is_stored(change: dict[str, Any], field: str) -> None:
    store = FakeAnalysisStore()
    service = _service(store=store)
    values: dict[str, Any] = {"symbol": "BTCUSDT", "timeframe": "1h", "candles": _rows()}
    values.update(change)
    with pytest.raises(InvalidInputError) as caught:
        service.analyze(AnalysisRequest(**values), time.monotonic() + 5)
    assert caught.value.details["field"] == field
    assert store.records == {}


def test_identical_concurrent_requests_share_one_llm_call() -> None:
    llm = ScriptedLlm(delay=0.2)
    service = _service(llm)
    rows = _rows()
    with ThreadPoolExecutor(max_workers=20) as pool:
        records = list(pool.map(lambda _: _analyze(service, rows), range(20)))
    assert llm.calls == 1
    assert len({r.analysis_id for r in records}) == 1


def test_analyses_queue_while_the_store_is_down_and_flush_when_back() -> None:
    store = FakeAnalysisStore()
    service = _service(store=store, queue_max=3)
    store.down = True
    records = [_analyze(service, _rows(count=60 + i)) for i in range(5)]
    assert store.records == {}
    assert (service.pending.depth, service.pending.dropped) == (3, 2)
    assert service.pending.check().status.value == "degraded"
    store.down = False
    health = service.pending.check()
    assert health.status.value == "ok"
    assert health.info["flushed"] == 3
    assert set(store.records) == {r.analysis_id for r in records[2:]}
    service.pending.close()


def test_a_failed_flush_keeps_everything_queued() -> None:
    store = FakeAnalysisStore()
    service = _service(store=store)
    store.down = True
    _analyze(service)
    with pytest.raises(DependencyUnavailableError):
        service.pending.flush()
    assert service.pending.depth == 1
    service.pending.close()


def test_background_flusher_stores_queued_analyses_once_the_store_is_back() -> None:
    store = FakeAnalysisStore()
    service = _service(store=store, flush_retry_seconds=0.02)
    store.down = True
    record = _analyze(service)
    assert service.pending.depth == 1
    store.down = False
    deadline = time.monotonic() + 10
    while service.pending.depth and time.monotonic() < deadline:
        time.sleep(0.02)
    assert record.analysis_id in store.records
    assert not service.pending.store_down
    service.pending.close()


def test_a_failed_flush_into_a_refilled_queue_drops_only_the_oldest() -> None:
    store = FakeAnalysisStore()
    service = _service(store=store, queue_max=3)
    store.down = True
    first = [_analyze(service, _rows(count=60 + i)) for i in range(2)]
    real_save_many = store.save_many

    def fill_then_fail(records: list[Any]) -> int:
        # while the batch is out, two newer analyses arrive; then the flush fails
        for i in range(2):
            _analyze(service, _rows(count=70 + i))  # queued: the store is down
        raise DependencyUnavailableError("still down", dependency="mongodb")

    store.save_many = fill_then_fail  # type: ignore[method-assign]
    with pytest.raises(DependencyUnavailableError):
        service.pending.flush()
    store.save_many = real_save_many  # type: ignore[method-assign]
    assert service.pending.depth == 3
    assert service.pending.dropped == 1
    store.down = False
    service.pending.flush()
    assert first[0].analysis_id not in store.records
    assert first[1].analysis_id in store.records
    service.pending.close()


def test_a_batch_mongodb_keeps_rejecting_is_dropped_after_bounded_attempts() -> None:
    # GIVEN MongoDB is reachable but rejects the batch (not a duplicate: a poison record)
    store = FakeAnalysisStore()
    service = _service(store=store)
    store.down = True
    record = _analyze(service)
    store.down = False
    calls = 0

    def reject(records: list[Any]) -> int:
        nonlocal calls
        calls += 1
        raise RuntimeError("document failed validation")

    store.save_many = reject  # type: ignore[method-assign]
    # WHEN flushes keep failing THEN the record is retried a bounded number of times, then dropped and counted
    for _ in range(service.pending.max_attempts):
        with pytest.raises(RuntimeError):
            service.pending.flush()
    assert calls == service.pending.max_attempts
    assert (service.pending.depth, service.pending.given_up) == (0, 1)
    assert service.pending.flush() == 0
    assert calls == service.pending.max_attempts
    assert service.pending.check().info["given_up"] == 1
    assert record.analysis_id not in store.records
    service.pending.close()


def test_an_unreachable_store_never_uses_up_the_attempts() -> None:
    store = FakeAnalysisStore()
    service = _service(store=store)
    store.down = True
    record = _analyze(service)
    for _ in range(service.pending.max_attempts + 2):
        with pytest.raises(DependencyUnavailableError):
            service.pending.flush()
    assert (service.pending.depth, service.pending.given_up) == (1, 0)
    store.down = False
    assert service.pending.flush() == 1
    assert record.analysis_id in store.records
    service.pending.close()


def _path_rows(closes: list[float], last: tuple[float, ...]) -> list[tuple[float, ...]]:
    """Hourly candles whose closes follow ``closes``, then the candle ``last`` (open, high, low, close, volume)."""
    rows, previous = [], closes[0]
    for i, close in enumerate(closes):
        high, low = max(previous, close) + 0.2, min(previous, close) - 0.2
        rows.append((float(START_MS + i * HOUR_MS), previous, high, low, close, 1000.0))
        previous = close
    return [*rows, (float(START_MS + len(closes) * HOUR_MS), *last)]


_LAST = (100.1, 100.4, 99.8, 100.0, 1000.0)  # the last closed candle both histories below end in
_LAST_TIME = START_MS + 360 * HOUR_MS


def _after_last_closed() -> float:
    return (_LAST_TIME + HOUR_MS + 60_000) / 1000  # a minute after that candle closed


def _rising() -> list[tuple[float, ...]]:
    return _path_rows([40 + 60 * i / 359 for i in range(360)], _LAST)


def _up_then_down() -> list[tuple[float, ...]]:
    # the case: 60 rising candles, then 300 falling ones
    return _path_rows([70 + i for i in range(60)] + [129 - 29 * i / 299 for i in range(300)], _LAST)


def test_a_history_ending_in_the_same_candle_is_not_answered_with_the_cached_verdict() -> None:
    # GIVEN a rising history analysed (Long) and cached
    service = _service(clock=_after_last_closed)
    rising = _analyze(service, _rising())
    # WHEN 60 rising then 300 falling candles end in the very same last closed candle
    falling = _analyze(service, _up_then_down())
    # THEN that history gets its own verdict, not the cached Long
    assert rising.candle_time == falling.candle_time == _LAST_TIME
    assert (rising.source, rising.signal) == (Source.TECHNICAL, Signal.LONG)
    assert (falling.source, falling.signal) == (Source.TECHNICAL, Signal.SHORT)
    assert falling.analysis_id != rising.analysis_id
    assert _analyze(service, _up_then_down()).analysis_id == falling.analysis_id


def test_a_stored_verdict_of_another_history_ending_in_the_same_candle_is_not_reused() -> None:
    # GIVEN the rising history's Long stored by one instance
    store = FakeAnalysisStore()
    rising = _analyze(_service(store=store, clock=_after_last_closed), _rising())
    # WHEN a fresh instance (empty memory cache) is asked about 60 up then 300 down, same last candle
    llm = ScriptedLlm()
    falling = _analyze(_service(llm, store, clock=_after_last_closed), _up_then_down())
    # THEN the stored Long is not matched: the falling history is analysed afresh
    assert (falling.source, llm.calls, store.lookups) == (Source.LLM, 1, 2)
    assert falling.analysis_id != rising.analysis_id
    assert falling.input_digest != rising.input_digest
    assert set(store.records) == {rising.analysis_id, falling.analysis_id}


def test_a_tick_of_the_open_candle_is_still_answered_from_the_cache() -> None:
    # GIVEN the closed history analysed while the next candle is open
    llm = ScriptedLlm()
    service = _service(llm, clock=_after_last_closed)
    open_candle = (float(_LAST_TIME + HOUR_MS), 100.0, 100.5, 99.9, 100.3, 12.0)
    first = _analyze(service, [*_rising(), open_candle])
    # WHEN the open candle ticks THEN the closed history's verdict is served from the cache
    ticked = (float(_LAST_TIME + HOUR_MS), 100.0, 101.5, 99.9, 101.2, 30.0)
    again = _analyze(service, [*_rising(), ticked])
    assert (again.source, again.analysis_id, llm.calls) == (Source.CACHE, first.analysis_id, 1)
    assert first.candle_time == _LAST_TIME
