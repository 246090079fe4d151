"""A scripted AI service for unit tests of the AI service client: an ``httpx.MockTransport``
handler on a fake monotonic clock (sleeping moves it), and the client wired to a shared in-memory
breaker store, as two Lambda instances would hold it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.auth import FakeClock
from tests.support.breaker import InMemoryBreakerStore
from tests.support.klines import make_klines
from tradecore.adapters.http.ai_client import AI_SERVICE_BREAKER, AiServiceClient
from tradecore.domain.breaker import BreakerPolicy
from tradecore.domain.trades import SignalSummary
from tradecore.resilience import CircuitBreaker

TOKEN = "svc-token-never-logged-5f3a9c"
START = 5_000.0
KLINES = make_klines("up", 60)
ANSWER = {
    "analysis_id": "an-1",
    "symbol": "BTCUSDT",
    "timeframe": "1h",
    "signal": "Long",
    "confidence": 0.82,
    "reasoning": "trend",
    "source": "llm",
    "model_version": "gpt",
}
Behaviour = int | str | dict[str, Any]


class FakeMonotonic:
    """The monotonic clock and the sleep the retry policy uses: sleeping moves the clock."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class FakeAiService:
    """A MockTransport handler answering from a script (then ``default``): a status code, an answer
    body, ``"timeout"`` (takes the whole request timeout, then times out), ``"unreachable"`` or
    ``"not_an_object"`` (a 200 whose body is a JSON list)."""

    clock: FakeMonotonic
    default: Behaviour = field(default_factory=lambda: dict(ANSWER))
    script: deque[Behaviour] = field(default_factory=deque)
    requests: list[httpx.Request] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock.now - START)
        behaviour = self.script.popleft() if self.script else self.default
        if behaviour == "timeout":
            self.clock.now += request.extensions["timeout"]["read"]
            raise httpx.ReadTimeout("read timed out", request=request)
        if behaviour == "unreachable":
            raise httpx.ConnectError("connection refused", request=request)
        if behaviour == "not_an_object":
            return httpx.Response(200, json=[1, 2])
        if isinstance(behaviour, dict):
            return httpx.Response(200, json=behaviour)
        assert isinstance(behaviour, int)
        headers = {"Retry-After": "2"} if behaviour == 429 else {}
        return httpx.Response(
            behaviour, json={"error": {"code": f"code_{behaviour}", "message": "no"}}, headers=headers
        )

    def read_timeouts(self) -> list[float]:
        return [request.extensions["timeout"]["read"] for request in self.requests]


@dataclass
class World:
    clock: FakeMonotonic
    wall: FakeClock
    store: InMemoryBreakerStore
    service: FakeAiService
    client: AiServiceClient

    def call(self, seconds: float = 100.0) -> SignalSummary:
        return self.client.analyze("BTCUSDT", "1h", KLINES, self.clock.now + seconds)

    def another_instance(self) -> tuple[AiServiceClient, FakeAiService]:
        """What a second Lambda instance holds: its own client, breaker object and connection."""
        service = FakeAiService(self.clock)
        return ai_client_for(self.clock, self.wall, self.store, service), service


def ai_client_for(
    clock: FakeMonotonic, wall: FakeClock, store: InMemoryBreakerStore, service: FakeAiService
) -> AiServiceClient:
    breaker = CircuitBreaker(AI_SERVICE_BREAKER, store, BreakerPolicy(5, 30, 3), wall)
    return AiServiceClient(
        "http://ai.internal:8000/",
        TOKEN,
        breaker,
        timeout_seconds=30.0,
        retry_delays=[1.0, 3.0],
        clock_monotonic=clock,
        sleep=clock.sleep,
        min_attempt_seconds=1.0,
        transport=httpx.MockTransport(service),
    )


def make_world() -> World:
    clock, wall, store = FakeMonotonic(), FakeClock(), InMemoryBreakerStore()
    service = FakeAiService(clock)
    return World(clock, wall, store, service, ai_client_for(clock, wall, store, service))
