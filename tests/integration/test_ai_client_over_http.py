"""The AI service client against the real AI app (functions/ai/app.py) served by uvicorn on
127.0.0.1: a real analysis of simulator-like candles, the trace id reaching the stored analysis,
a wrong token refused (not retried, not held against the service) and a dead port retried."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from ai import app as ai_app
from tests.conftest import TEST_SERVICE_TOKEN
from tests.support.asgi_server import AsgiServer
from tests.support.breaker import InMemoryBreakerStore
from tests.support.fake_analysis import FakeAnalysisStore
from tests.support.klines import make_klines
from tests.support.messages import RecordingPublisher
from tests.support.servers import free_port
from tradecore.adapters.http.ai_client import AI_SERVICE_BREAKER, AiServiceClient
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.breaker import BreakerPhase, BreakerPolicy
from tradecore.errors import DependencyUnavailableError
from tradecore.observability import request_context
from tradecore.resilience import CircuitBreaker


@pytest.fixture
def stored() -> FakeAnalysisStore:
    return FakeAnalysisStore()


@pytest.fixture
def container(make_settings: Callable[..., Settings], stored: FakeAnalysisStore) -> Iterator[Container]:
    container = bootstrap(
        make_settings(),  # no OpenAI key: the AI service answers with its technical analyzer
        analysis_store=stored,
        channel_publisher=RecordingPublisher(),
        breaker_store=InMemoryBreakerStore(),
    )
    ai_app.app.state.container = container
    yield container
    container.analysis_service.pending.close()
    ai_app.app.state.container = None


@pytest.fixture
def ai_server(container: Container) -> Iterator[AsgiServer]:
    with AsgiServer(ai_app.app) as server:
        yield server


def _client(base_url: str, token: str, store: InMemoryBreakerStore) -> AiServiceClient:
    return AiServiceClient(
        base_url,
        token,
        CircuitBreaker(AI_SERVICE_BREAKER, store, BreakerPolicy()),
        timeout_seconds=10.0,
        retry_delays=[0.05, 0.1],
        min_attempt_seconds=0.1,
    )


def test_ai_client_over_http_gets_a_real_analysis_with_our_trace_id(
    ai_server: AsgiServer, stored: FakeAnalysisStore
) -> None:
    client = _client(ai_server.base_url, TEST_SERVICE_TOKEN, InMemoryBreakerStore())
    klines = make_klines("up", 150)

    with request_context("it-trace-ai-client-1"):
        first = client.analyze("BTCUSDT", "1h", klines, time.monotonic() + 10)
    again = client.analyze("BTCUSDT", "1h", klines, time.monotonic() + 10)

    assert (first.signal, first.source, first.origin) == ("Long", "technical", "ai_service")
    assert first.analysis_id is not None
    record = stored.records[first.analysis_id]
    assert (record.symbol, record.timeframe, record.signal.value) == ("BTCUSDT", "1h", first.signal)
    assert record.confidence == first.confidence
    assert record.trace_id == "it-trace-ai-client-1"  # our X-Request-ID reached the AI service
    assert (again.source, again.analysis_id) == ("cache", first.analysis_id)
    client.close()


def test_ai_client_over_http_a_wrong_token_is_refused_once_and_not_held_against_the_service(
    ai_server: AsgiServer, stored: FakeAnalysisStore
) -> None:
    store = InMemoryBreakerStore()
    client = _client(ai_server.base_url, "not-the-service-token", store)

    with pytest.raises(DependencyUnavailableError, match=r"refused the request: HTTP 401 \(unauthorized\)") as caught:
        client.analyze("BTCUSDT", "1h", make_klines("up", 150), time.monotonic() + 10)

    assert caught.value.temporary is False
    assert stored.records == {}
    assert store.load(AI_SERVICE_BREAKER).failures == 0
    client.close()


def test_ai_client_over_http_a_dead_port_is_retried_then_one_breaker_failure() -> None:
    store = InMemoryBreakerStore()
    client = _client(f"http://127.0.0.1:{free_port()}", TEST_SERVICE_TOKEN, store)
    started = time.monotonic()

    with pytest.raises(DependencyUnavailableError, match=r"unreachable \(ConnectError\)") as caught:
        client.analyze("BTCUSDT", "1h", make_klines("up", 150), time.monotonic() + 10)

    assert caught.value.temporary is True
    assert time.monotonic() - started >= 0.15  # waited 0.05 s and 0.1 s between the three attempts
    state = store.load(AI_SERVICE_BREAKER)
    assert (state.phase, state.failures) == (BreakerPhase.CLOSED, 1)
    client.close()
