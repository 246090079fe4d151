"""A user's "analyze now" on bootstrap() with fakes of the exchange and the AI service, the request
window and answer cache on the ServiceStateTable (moto), one injected clock: the per-user window
(USER_ANALYZE_PER_MINUTE, shared by instances, 429 with Retry-After), the shared answer for the same
symbol, timeframes and last closed candle (ANALYSIS_CACHE_TTL_CORE), and the labelled technical
fallback when the AI service cannot answer. Also the AI client's whole-answer call."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pytest

from tests.support.auth import FakeClock, create_service_state_table
from tests.support.fake_ai_service import ANSWER, KLINES, make_world
from tests.support.market_fakes import FakeMarketData
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.analysis_answer import AnalysisAnswer
from tradecore.domain.orders import Kline
from tradecore.domain.signals import Signal, Source
from tradecore.domain.users import Principal, Role
from tradecore.errors import CircuitOpenError, DependencyUnavailableError, InvalidInputError, RateLimitedError

TABLE = "unit-analyze-state"
ALICE = Principal(user_id="u-alice", role=Role.TRADER, token_id="t-1", issued_at=0.0, expires_at=0)
BOB = Principal(user_id="u-bob", role=Role.TRADER, token_id="t-2", issued_at=0.0, expires_at=0)


@dataclass
class FakeAnalysisClient:
    """The AI service: answers Long, or fails like the real client when ``failure`` is set."""

    failure: DependencyUnavailableError | None = None
    calls: list[tuple[str, str, int, tuple[str, ...]]] = field(default_factory=list)

    def analysis(
        self, symbol: str, timeframe: str, candles: Sequence[Kline], deadline: float,
        timeframes: Mapping[str, Sequence[Kline]] | None = None,
    ) -> AnalysisAnswer:  # fmt: skip
        self.calls.append((symbol, timeframe, len(candles), tuple(timeframes or {})))
        if self.failure is not None:
            raise self.failure
        return AnalysisAnswer(
            analysis_id=f"an-{len(self.calls)}", symbol=symbol, timeframe=timeframe, signal=Signal.LONG,
            confidence=0.81, reasoning="trend up", source=Source.LLM, model_version="gpt-4o-mini",
            candle_time=candles[-1].open_time, timestamp="2026-11-25T13:00:00+00:00",
        )  # fmt: skip


@dataclass
class World:
    clock: FakeClock
    market: FakeMarketData
    ai: FakeAnalysisClient
    first: Container
    second: Container


@pytest.fixture
def world(aws: None, make_settings: Callable[..., Settings]) -> World:
    create_service_state_table(table_name=TABLE)
    clock, market, ai = FakeClock(), FakeMarketData(), FakeAnalysisClient()
    settings = make_settings(service_state_table=TABLE, trading_symbols=["BTCUSDT", "ETHUSDT"])

    def instance() -> Container:
        return bootstrap(settings, clock=clock, exchange=market, analysis_client=ai)

    return World(clock, market, ai, instance(), instance())


def test_analyze_asks_the_ai_service_with_200_candles_of_each_timeframe(world: World) -> None:
    outcome = world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h", ["4h", "1h", "15m"])
    assert (outcome.origin, outcome.degraded, outcome.answer.analysis_id) == ("ai_service", False, "an-1")
    assert world.ai.calls == [("BTCUSDT", "1h", 200, ("15m", "4h"))]
    assert sorted(call[2] for call in world.market.calls) == ["15m", "1h", "4h"]


def test_the_same_question_within_2_minutes_is_answered_once_for_every_instance(world: World) -> None:
    asked = world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h")
    world.clock.advance(119)
    again = world.second.analyze_now.analyze(BOB, "BTCUSDT", "1h")
    assert (again.origin, again.answer) == ("cache", asked.answer)
    assert len(world.ai.calls) == 1
    world.second.analyze_now.analyze(BOB, "BTCUSDT", "1h", ["4h"])  # other timeframes: another question
    world.second.analyze_now.analyze(BOB, "ETHUSDT", "1h")
    world.clock.advance(1)
    assert world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h").origin == "ai_service"
    assert len(world.ai.calls) == 4


def test_a_new_closed_candle_is_a_new_question(world: World) -> None:
    world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h")
    world.market.shift_ms = 3_600_000  # the next hour's candle has closed
    assert world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h").origin == "ai_service"
    assert len(world.ai.calls) == 2


def test_the_11th_request_in_a_minute_is_refused_until_the_window_ends(world: World) -> None:
    for n in range(10):
        (world.first if n % 2 else world.second).analyze_now.analyze(ALICE, "BTCUSDT", "1h")
        world.clock.advance(2)
    with pytest.raises(RateLimitedError) as refused:
        world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h")
    assert refused.value.retry_after == 40  # the window opened 20 s ago
    calls = len(world.market.calls)
    assert world.second.analyze_now.analyze(BOB, "BTCUSDT", "1h").origin == "cache"  # Bob's own window
    assert len(world.market.calls) == calls + 1  # the refusal fetched nothing
    world.clock.advance(40)
    assert world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h").origin == "cache"


def test_bad_requests_take_no_slot_and_fetch_nothing(world: World) -> None:
    six = ["1m", "3m", "5m", "15m", "30m", "4h"]
    bad = [("DOGEUSDT", "1h", [], "symbol"), ("BTCUSDT", "2m", [], "timeframe"),
           ("BTCUSDT", "1h", ["7m"], "timeframes"), ("BTCUSDT", "1h", six, "timeframes")]  # fmt: skip
    for symbol, timeframe, extra, name in bad:
        with pytest.raises(InvalidInputError) as caught:
            world.first.analyze_now.analyze(ALICE, symbol, timeframe, extra)
        assert caught.value.details["field"] == name
    assert world.market.calls == []
    for _ in range(10):
        world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h")  # all ten slots are still there


@pytest.mark.parametrize(
    ("failure", "why"),
    [
        (DependencyUnavailableError("down", dependency="ai_service"), "AI service unreachable"),
        (CircuitOpenError("open", dependency="ai_service"), "AI service paused after repeated failures"),
        (DependencyUnavailableError("422", dependency="ai_service", temporary=False), "AI service refused"),
    ],
)
def test_ai_down_answers_technical_analysis_labelled_and_not_kept(world: World, failure, why: str) -> None:
    world.ai.failure = failure
    outcome = world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h", ["4h"])
    assert (outcome.origin, outcome.degraded, outcome.answer.source) == ("local_technical", True, Source.TECHNICAL)
    assert outcome.reason is not None
    assert outcome.reason.startswith(why)
    assert outcome.answer.signal is Signal.LONG  # the steady uptrend of the fake candles
    assert (outcome.answer.analysis_id, outcome.answer.timeframes) == (None, ("4h",))
    world.ai.failure = None
    assert world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h", ["4h"]).origin == "ai_service"


def test_exchange_down_is_503_and_the_ai_service_is_not_asked(world: World) -> None:
    world.market.down = True
    with pytest.raises(DependencyUnavailableError):
        world.first.analyze_now.analyze(ALICE, "BTCUSDT", "1h")
    assert world.ai.calls == []


# ----------------------------------------------------------------------------- the AI client


def test_ai_client_analysis_sends_every_timeframe_and_returns_the_whole_answer() -> None:
    ai = make_world()
    ai.service.default = {**ANSWER, "reasoning": "higher highs", "candle_time": 7, "timestamp": "2026-11-25T13:00:00Z"}
    answer = ai.client.analysis("BTCUSDT", "1h", KLINES, ai.clock.now + 60, {"4h": KLINES[:10]})
    sent = json.loads(ai.service.requests[0].content)
    assert (len(sent["candles"]), list(sent["timeframes"]), len(sent["timeframes"]["4h"])) == (60, ["4h"], 10)
    assert sent["candles"][0][1] == format(KLINES[0].open, "f")
    assert (answer.analysis_id, answer.signal, answer.reasoning, answer.candle_time) == ("an-1", Signal.LONG,
                                                                                         "higher highs", 7)  # fmt: skip


def test_ai_client_analysis_refuses_an_unreadable_answer_without_retrying() -> None:
    ai = make_world()
    ai.service.default = {**ANSWER, "confidence": 1.5}
    with pytest.raises(DependencyUnavailableError) as caught:
        ai.client.analysis("BTCUSDT", "1h", KLINES, ai.clock.now + 60)
    assert caught.value.temporary is False
    assert len(ai.service.requests) == 1
