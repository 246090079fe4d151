"""The AI service client over httpx.MockTransport: headers, body, retries on a fake clock, the
deadline, refusals and unreadable answers, and that the token never reaches a log line."""

from __future__ import annotations

import json

import pytest

from tests.support.fake_ai_service import ANSWER, KLINES, TOKEN, Behaviour, World, make_world
from tradecore.adapters.http.ai_client import AI_SERVICE_BREAKER
from tradecore.domain.trades import SignalSummary
from tradecore.errors import DependencyUnavailableError
from tradecore.observability import request_context


@pytest.fixture
def world() -> World:
    return make_world()


def test_ai_client_sends_the_service_token_the_trace_id_and_kline_arrays(world: World) -> None:
    with request_context("trace-abc-123"):
        summary = world.call()

    assert summary == SignalSummary("Long", 0.82, "llm", "ai_service", "an-1")
    (request,) = world.service.requests
    assert (request.method, str(request.url)) == ("POST", "http://ai.internal:8000/ai/analyze")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["X-Request-ID"] == "trace-abc-123"
    body = json.loads(request.content)
    assert (body["symbol"], body["timeframe"], len(body["candles"])) == ("BTCUSDT", "1h", 60)
    first = KLINES[0]
    assert body["candles"][0] == [first.open_time, "100.0000", "100.4000", "99.6000", "100.0000", "1000.000",
                                  first.close_time]  # fmt: skip


def test_ai_client_without_a_bound_trace_sends_a_fresh_request_id(world: World) -> None:
    world.call()
    world.call()

    ids = [request.headers["X-Request-ID"] for request in world.service.requests]
    assert all(ids)
    assert ids[0] != ids[1]


def test_ai_client_source_says_what_the_service_said(world: World) -> None:
    world.service.default = dict(ANSWER, source="cache", signal="Short", confidence=0.71)

    assert world.call() == SignalSummary("Short", 0.71, "cache", "ai_service", "an-1")


def test_ai_client_attempts_now_then_after_one_then_three_seconds(world: World) -> None:
    world.service.script.extend([503, "unreachable"])

    assert world.call().signal == "Long"
    assert world.clock.sleeps == [1.0, 3.0]
    assert world.service.times == [0.0, 1.0, 4.0]


@pytest.mark.parametrize("failure", [429, 500, 502, 503, 504, "timeout", "unreachable"])
def test_ai_client_retries_temporary_failures(world: World, failure: Behaviour) -> None:
    world.service.script.append(failure)

    assert world.call().analysis_id == "an-1"
    assert len(world.service.requests) == 2


def test_ai_client_waits_at_least_the_retry_after_of_a_429(world: World) -> None:
    world.service.script.append(429)  # Retry-After: 2, longer than the scheduled 1 s

    world.call()

    assert world.clock.sleeps == [2.0]


def test_ai_client_exhausted_attempts_are_a_temporary_unavailability(world: World) -> None:
    world.service.default = 503

    with pytest.raises(DependencyUnavailableError, match="AI service unavailable: HTTP 503") as caught:
        world.call()

    assert caught.value.temporary is True
    assert caught.value.dependency == "ai_service"
    assert len(world.service.requests) == 3


def test_ai_client_each_attempt_timeout_is_capped_by_the_deadline(world: World) -> None:
    world.service.default = "timeout"

    with pytest.raises(DependencyUnavailableError, match="timed out"):
        world.call(seconds=35.0)

    # 30 s (the setting), 1 s wait, then the 4 s left; no third attempt: the deadline has passed
    assert world.service.read_timeouts() == [30.0, 4.0]
    assert world.clock.sleeps == [1.0]


def test_ai_client_starts_no_attempt_the_deadline_cannot_fit(world: World) -> None:
    world.service.default = 503

    with pytest.raises(DependencyUnavailableError):
        world.call(seconds=3.5)  # attempts at 0 and +1; +4 would start after the deadline

    assert world.service.times == [0.0, 1.0]
    assert world.service.read_timeouts() == [3.5, 2.5]


def test_ai_client_too_close_to_the_deadline_sends_nothing_and_blames_no_one(world: World) -> None:
    with pytest.raises(DependencyUnavailableError, match="not asked"):
        world.call(seconds=0.5)

    assert world.service.requests == []
    assert world.store.load(AI_SERVICE_BREAKER).failures == 0


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_ai_client_a_refusal_is_not_retried_logged_without_the_token(
    world: World, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    world.service.default = status

    with pytest.raises(
        DependencyUnavailableError, match=f"refused the request: HTTP {status} \\(code_{status}\\)"
    ) as caught:
        world.call()

    assert caught.value.temporary is False
    assert len(world.service.requests) == 1
    assert [r.levelname for r in caplog.records if r.getMessage() == "AI service refused the request"] == ["ERROR"]
    assert TOKEN not in caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    assert world.store.load(AI_SERVICE_BREAKER).failures == 0  # it answered: not a failure of the service


@pytest.mark.parametrize(
    "answer", [{"signal": "Maybe"}, dict(ANSWER, confidence=1.5), dict(ANSWER, source="oracle"), "not_an_object"]
)
def test_ai_client_an_unreadable_answer_is_a_refusal(world: World, answer: Behaviour) -> None:
    world.service.default = answer

    with pytest.raises(DependencyUnavailableError, match="unreadable answer") as caught:
        world.call()

    assert caught.value.temporary is False


def test_ai_client_retries_are_logged_without_the_token(world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.service.script.extend([503, "timeout"])

    world.call()

    retries = [r.__dict__["attempt"] for r in caplog.records if r.getMessage() == "AI service call failed, retrying"]
    assert retries == [1, 2]
    assert TOKEN not in caplog.text + "".join(str(record.__dict__) for record in caplog.records)
