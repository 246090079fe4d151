"""The AI service client and the shared circuit breaker: one failure per exhausted call, open after
five, half-open after 30 s on an injected clock, closed after three successes, one state for every
instance."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.fake_ai_service import ANSWER, KLINES, World, make_world
from tradecore.adapters.http.ai_client import AI_SERVICE_BREAKER
from tradecore.domain.trades import SignalSummary
from tradecore.errors import CircuitOpenError, DependencyUnavailableError


@pytest.fixture
def world() -> World:
    return make_world()


def _fail_calls(world: World, count: int) -> None:
    world.service.default = 503
    for _ in range(count):
        with pytest.raises(DependencyUnavailableError):
            world.call()


def test_ai_client_breaker_counts_one_failure_per_exhausted_call_and_opens_after_five(world: World) -> None:
    _fail_calls(world, 4)
    assert (world.store.load(AI_SERVICE_BREAKER).phase, len(world.service.requests)) == ("closed", 12)

    _fail_calls(world, 1)
    assert world.store.load(AI_SERVICE_BREAKER).phase == "open"

    with pytest.raises(CircuitOpenError, match="ai_service: circuit breaker open"):
        world.call()
    assert len(world.service.requests) == 15  # refused without a request


def test_ai_client_breaker_half_opens_after_30_seconds_and_closes_after_three_successes(world: World) -> None:
    _fail_calls(world, 5)
    world.service.default = dict(ANSWER)
    sent = len(world.service.requests)

    world.wall.advance(29.9)
    with pytest.raises(CircuitOpenError):
        world.call()
    assert len(world.service.requests) == sent

    world.wall.advance(0.1)
    world.call()
    assert world.store.load(AI_SERVICE_BREAKER).phase == "half_open"
    world.call()
    assert world.store.load(AI_SERVICE_BREAKER).phase == "half_open"
    world.call()
    assert world.store.load(AI_SERVICE_BREAKER).phase == "closed"
    assert len(world.service.requests) == sent + 3


def test_ai_client_a_failed_probe_reopens_the_circuit(world: World) -> None:
    _fail_calls(world, 5)
    world.wall.advance(30)

    _fail_calls(world, 1)  # the probe: three attempts, one failure

    assert world.store.load(AI_SERVICE_BREAKER).phase == "open"
    with pytest.raises(CircuitOpenError):
        world.call()


def test_ai_client_two_instances_share_one_breaker_state(world: World) -> None:
    other, other_service = world.another_instance()

    _fail_calls(world, 5)

    with pytest.raises(CircuitOpenError):
        other.analyze("BTCUSDT", "1h", KLINES, world.clock.now + 100)
    assert other_service.requests == []

    world.wall.advance(30)
    successes: list[Callable[[], SignalSummary]] = [
        lambda: other.analyze("BTCUSDT", "1h", KLINES, world.clock.now + 100),
        world.call,
        lambda: other.analyze("BTCUSDT", "1h", KLINES, world.clock.now + 100),
    ]
    world.service.default = dict(ANSWER)
    for call in successes:
        assert call().origin == "ai_service"
    assert world.store.load(AI_SERVICE_BREAKER).phase == "closed"
