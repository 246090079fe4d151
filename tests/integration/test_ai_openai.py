"""The OpenAI analyzer through the real SDK against a local OpenAI-compatible server.

Structured success, each failure (429, 500, timeout, malformed output) ending in the technical
answer, retries bounded by the deadline, the circuit breaker, and a single upstream call for
100 identical concurrent requests through the real Lambda handler.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ai import app as ai_app
from tests.support.ai_events import analyze_body, analyze_event, invoke
from tests.support.breaker import InMemoryBreakerStore
from tests.support.fake_analysis import FakeAnalysisStore
from tests.support.fake_openai import MODEL, FakeOpenAI
from tests.support.messages import RecordingPublisher
from tradecore.adapters.openai.analyzer import OpenAIAnalyzer
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.errors import DependencyUnavailableError


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(slow_seconds=1.0).start()
    yield server
    server.close()


@pytest.fixture
def ai_settings(make_settings: Callable[..., Settings], fake_openai: FakeOpenAI) -> Settings:
    fake_openai.reset()
    return make_settings(
        openai_api_key="sk-test-fake-openai-key-000000",
        openai_base_url=fake_openai.base_url,
        ai_timeout_seconds=0.4,
        ai_retry_delays_seconds="0.05,0.1",
        ai_min_attempt_seconds=0.1,
        ai_deadline_margin_seconds=0.05,
    )


@pytest.fixture
def container(ai_settings: Settings) -> Iterator[Container]:
    container = bootstrap(
        ai_settings,
        analysis_store=FakeAnalysisStore(),
        channel_publisher=RecordingPublisher(),
        breaker_store=InMemoryBreakerStore(),
    )
    ai_app.app.state.container = container
    yield container
    container.analysis_service.pending.close()
    ai_app.app.state.container = None


def _analyze(load_event: Callable[[str], dict[str, Any]], context: Any, **body: Any) -> tuple[int, dict[str, Any]]:
    status, answer, _ = invoke(ai_app, analyze_event(load_event("ai_analyze"), analyze_body(**body)), context)
    return status, answer


def test_structured_success_is_an_llm_signal_with_tokens(
    container: Container, fake_openai: FakeOpenAI, load_event: Any, lambda_context: Any
) -> None:
    fake_openai.signal, fake_openai.confidence = "Short", 0.77
    status, body = _analyze(load_event, lambda_context)
    fake_openai.signal, fake_openai.confidence = "Long", 0.81
    assert status == 200
    assert (body["source"], body["signal"], body["confidence"], body["model_version"]) == ("llm", "Short", 0.77, MODEL)
    stored = container.analysis_store.records[body["analysis_id"]]
    assert stored.tokens == 458
    request = fake_openai.requests[0]
    assert request["response_format"]["type"] == "json_schema"
    assert '"rsi_14"' in request["messages"][1]["content"]


@pytest.mark.parametrize(
    ("script", "calls", "reason"),
    [
        (("429", "429", "429"), 3, "RateLimitError"),
        (("500", "500", "500"), 3, "InternalServerError"),
        (("slow", "slow", "slow"), 3, "APITimeoutError"),
        (("malformed",), 1, "malformed output"),
        (("bad_schema",), 1, "malformed output"),
    ],
)
def test_failures_fall_back_to_technical(
    container: Container,
    fake_openai: FakeOpenAI,
    load_event: Any,
    lambda_context: Any,
    caplog: pytest.LogCaptureFixture,
    script: tuple[str, ...],
    calls: int,
    reason: str,
) -> None:
    fake_openai.reset(*script, default="500")
    status, body = _analyze(load_event, lambda_context)
    assert status == 200
    assert (body["source"], body["signal"], body["model_version"]) == ("technical", "Long", "technical-v1")
    assert fake_openai.calls == calls
    logged = [str(getattr(record, "reason", "")) for record in caplog.records]
    assert any(reason in line for line in logged), logged  # the reason is logged


def test_a_retry_can_rescue_the_call(
    container: Container, fake_openai: FakeOpenAI, load_event: Any, lambda_context: Any
) -> None:
    fake_openai.reset("429", "500")
    status, body = _analyze(load_event, lambda_context)
    assert (status, body["source"], fake_openai.calls) == (200, "llm", 3)


def test_attempts_stop_when_the_deadline_cannot_fit_another(ai_settings: Settings, fake_openai: FakeOpenAI) -> None:
    from tests.unit.test_technical_analyzer import _view

    fake_openai.reset(default="slow")
    analyzer = OpenAIAnalyzer(ai_settings, InMemoryBreakerStore())
    started = time.monotonic()
    with pytest.raises(DependencyUnavailableError):
        analyzer.analyze(_view({"1h": "up"}), deadline=started + 0.5)
    # one 0.4 s attempt; the next (after 0.05 s) would start with < 0.1 s left
    assert fake_openai.calls == 1


def test_breaker_opens_after_repeated_failures_and_health_says_so(
    ai_settings: Settings, fake_openai: FakeOpenAI, load_event: Any, lambda_context: Any
) -> None:
    from tests.unit.test_technical_analyzer import _view

    fake_openai.reset(default="500")
    analyzer = OpenAIAnalyzer(ai_settings.model_copy(update={"ai_retry_delays_seconds": []}), InMemoryBreakerStore())
    for _ in range(5):
        with pytest.raises(DependencyUnavailableError):
            analyzer.analyze(_view({"1h": "up"}), time.monotonic() + 5)
    with pytest.raises(DependencyUnavailableError, match="circuit breaker open"):
        analyzer.analyze(_view({"1h": "up"}), time.monotonic() + 5)
    assert fake_openai.calls == 5
    health = analyzer.check()
    assert (health.status.value, health.info["breaker"], health.info["configured"]) == ("degraded", "open", True)
    assert health.info["last_outcome"] == "InternalServerError (HTTP 500)"


@pytest.fixture
def patient_container(ai_settings: Settings) -> Iterator[Container]:
    """The same wiring with a generous OpenAI timeout: 100 threads on 2 cores must not turn the
    one slow upstream call into a timeout and a retry (that would be a second call)."""
    settings = ai_settings.model_copy(update={"ai_timeout_seconds": 10.0})
    container = bootstrap(
        settings,
        analysis_store=FakeAnalysisStore(),
        channel_publisher=RecordingPublisher(),
        breaker_store=InMemoryBreakerStore(),
    )
    ai_app.app.state.container = container
    yield container
    container.analysis_service.pending.close()
    ai_app.app.state.container = None


def test_hundred_identical_concurrent_requests_make_one_upstream_call(
    patient_container: Container, fake_openai: FakeOpenAI, load_event: Any, lambda_context: Any
) -> None:
    container = patient_container
    fake_openai.reset()
    fake_openai.delay = 0.3  # everyone arrives while the first call is in flight
    event = analyze_event(load_event("ai_analyze"), analyze_body())
    # Mangum runs each invocation on the thread's event loop: give every worker thread one
    with ThreadPoolExecutor(
        max_workers=100, initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop())
    ) as pool:
        answers = list(pool.map(lambda _: invoke(ai_app, event, lambda_context), range(100)))
    assert {status for status, _, _ in answers} == {200}
    assert fake_openai.calls == 1
    assert len({body["analysis_id"] for _, body, _ in answers}) == 1
    assert len(container.analysis_store.records) == 1
    newer = analyze_event(load_event("ai_analyze"), analyze_body(count=81))
    status, body, _ = invoke(ai_app, newer, lambda_context)
    assert (status, body["source"], fake_openai.calls) == (200, "llm", 2)


def test_health_reports_the_last_call(
    container: Container, fake_openai: FakeOpenAI, load_event: Any, lambda_context: Any
) -> None:
    _analyze(load_event, lambda_context)
    _, body, _ = invoke(ai_app, load_event("ai_health"), lambda_context)
    openai = body["components"]["openai"]
    assert (openai["configured"], openai["last_outcome"], openai["breaker"]) == (True, "ok", "closed")
    assert openai["last_call_at"] is not None
