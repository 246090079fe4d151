"""The stream worker's market side: throttled prices, candle updates, one analysis per closed candle."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

from tradecore.domain.market_events import CandleTick, MarketEvent, PriceTick
from tradecore.domain.orders import Kline
from tradecore.domain.realtime import MessageType
from tradecore.services.realtime.stream_worker import Outgoing, StreamPolicy, StreamWorker

MINUTE_MS = 60_000
T0 = 1_795_597_200_000  # a fixed instant: no test reads today's date


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeSource:
    """Yields the given events, then waits forever (as a live stream does)."""

    def __init__(self, events: list[MarketEvent]) -> None:
        self.events_given = events
        self.asked: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    async def events(self, symbols: Sequence[str], intervals: Sequence[str]) -> AsyncIterator[MarketEvent]:
        self.asked = (tuple(symbols), tuple(intervals))
        for event in self.events_given:
            yield event
            await asyncio.sleep(0)
        await asyncio.Event().wait()


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, MessageType, dict[str, Any]]] = []

    def publish(self, channel: str, message_type: MessageType, data: dict[str, Any]) -> None:
        self.sent.append((channel, message_type, data))


class RecordingHeartbeat:
    def __init__(self) -> None:
        self.beats: list[tuple[str, float]] = []

    def beat(self, component: str, at: float) -> None:
        self.beats.append((component, at))

    def last_beat(self, component: str) -> float | None:
        return self.beats[-1][1] if self.beats else None


POLICY = StreamPolicy(symbols=("BTCUSDT", "ETHUSDT"), candle_intervals=("1m", "1h"), analysis_timeframes=("1h",))


def price(symbol: str, value: str, time_ms: int) -> PriceTick:
    return PriceTick(symbol, Decimal(value), time_ms)


def candle(interval: str, open_time: int, close: str, *, closed: bool, at: int, symbol: str = "BTCUSDT") -> CandleTick:
    step = 3_600_000 if interval == "1h" else MINUTE_MS
    k = Kline(open_time, Decimal(close), Decimal(close), Decimal(close), Decimal(close), Decimal(1),
              open_time + step - 1, Decimal(close), 1)  # fmt: skip
    return CandleTick(symbol, interval, k, closed, at)


def worker(clock: FakeClock, on_closed: Any = None, policy: StreamPolicy = POLICY) -> StreamWorker:
    return StreamWorker(policy, FakeSource([]), RecordingPublisher(), RecordingHeartbeat(),
                        on_closed or (lambda tick: None), clock=clock)  # fmt: skip


def prices_of(messages: list[Outgoing]) -> list[str]:
    return [m.data["price"] for m in messages if m.message_type is MessageType.PRICE_UPDATE]


def test_price_update_first_tick_is_sent_at_once() -> None:
    w = worker(FakeClock())

    sent = w.on_event(price("BTCUSDT", "100.5", T0))

    assert sent == [Outgoing("prices:BTCUSDT", MessageType.PRICE_UPDATE,
                             {"symbol": "BTCUSDT", "price": "100.5", "time": T0})]  # fmt: skip


def test_price_update_within_interval_is_held_and_newest_wins() -> None:
    clock = FakeClock()
    w = worker(clock)
    w.on_event(price("BTCUSDT", "100", T0))

    clock.advance(0.03)
    held = w.on_event(price("BTCUSDT", "101", T0 + 30)) + w.on_event(price("BTCUSDT", "102", T0 + 40))
    clock.advance(0.05)
    early = w.flush_due()
    clock.advance(0.021)  # past 100 ms after the first send
    due = w.flush_due()

    assert held == []
    assert early == []
    assert prices_of(due) == ["102"]


def test_price_update_older_price_after_newer_is_dropped() -> None:
    clock = FakeClock()
    w = worker(clock)
    w.on_event(price("BTCUSDT", "105", T0 + 500))

    clock.advance(1.0)  # due again, yet the tick is older than the one already sent
    stale = w.on_event(price("BTCUSDT", "99", T0 + 100))
    clock.advance(1.0)

    assert stale == []
    assert w.flush_due() == []


def test_price_update_at_most_ten_per_second_per_symbol() -> None:
    clock = FakeClock()
    w = worker(clock)
    sent: list[Outgoing] = []
    for i in range(1000):  # a tick every millisecond for one second, two symbols
        clock.advance(0.001)
        sent += w.on_event(price("BTCUSDT", str(100 + i), T0 + i))
        sent += w.on_event(price("ETHUSDT", str(10 + i), T0 + i))
        sent += w.flush_due()

    btc = [m for m in sent if m.channel == "prices:BTCUSDT"]
    eth = [m for m in sent if m.channel == "prices:ETHUSDT"]
    assert 9 <= len(btc) <= 10
    assert 9 <= len(eth) <= 10
    assert [m.data["time"] for m in btc] == sorted(m.data["time"] for m in btc)


def test_price_update_symbols_do_not_hold_each_other() -> None:
    w = worker(FakeClock())

    sent = w.on_event(price("BTCUSDT", "1", T0)) + w.on_event(price("ETHUSDT", "2", T0))

    assert [m.channel for m in sent] == ["prices:BTCUSDT", "prices:ETHUSDT"]


def test_price_update_symbol_outside_the_platform_is_ignored() -> None:
    assert worker(FakeClock()).on_event(price("DOGEUSDT", "1", T0)) == []


def test_candle_update_goes_to_the_interval_channel() -> None:
    sent = worker(FakeClock()).on_event(candle("1m", T0, "100", closed=False, at=T0 + 5))

    assert [(m.channel, m.message_type) for m in sent] == [("candles:BTCUSDT:1m", MessageType.CANDLE_UPDATE)]
    assert sent[0].data["close"] == "100"
    assert sent[0].data["closed"] is False


def test_candle_update_closed_candle_is_sent_at_once_even_within_interval() -> None:
    clock = FakeClock()
    w = worker(clock)
    w.on_event(candle("1m", T0, "100", closed=False, at=T0 + 59_000))
    clock.advance(0.01)

    sent = w.on_event(candle("1m", T0, "101", closed=True, at=T0 + 59_999))
    clock.advance(1.0)

    assert [m.data["closed"] for m in sent] == [True]
    assert w.flush_due() == []  # nothing older follows the final candle


def test_candle_update_of_previous_candle_after_new_one_is_dropped() -> None:
    clock = FakeClock()
    w = worker(clock)
    w.on_event(candle("1m", T0 + MINUTE_MS, "102", closed=False, at=T0 + MINUTE_MS + 1))
    clock.advance(1.0)

    assert w.on_event(candle("1m", T0, "101", closed=False, at=T0 + MINUTE_MS + 2)) == []


def test_should_analyse_once_per_closed_candle_of_analysis_timeframe() -> None:
    w = worker(FakeClock())
    closed = candle("1h", T0, "100", closed=True, at=T0 + 3_600_000)

    assert w.should_analyse(closed) is True
    assert w.should_analyse(closed) is False  # seen again after a reconnect
    assert w.should_analyse(candle("1h", T0 + 3_600_000, "1", closed=False, at=T0 + 3_600_001)) is False
    assert w.should_analyse(candle("1m", T0, "100", closed=True, at=T0 + MINUTE_MS)) is False
    assert w.should_analyse(candle("1h", T0, "100", closed=True, at=T0 + 3_600_000, symbol="ETHUSDT")) is True


def test_policy_intervals_cover_charts_and_analyses_once() -> None:
    policy = StreamPolicy(symbols=("BTCUSDT",), candle_intervals=("1m", "1h"), analysis_timeframes=("1h", "4h"))

    assert policy.intervals == ("1m", "1h", "4h")


def test_run_publishes_analyses_beats_and_stops_promptly() -> None:
    events: list[MarketEvent] = [
        price("BTCUSDT", "100", T0),
        price("BTCUSDT", "101", T0 + 1),  # held: due 100 ms after the first
        candle("1h", T0, "101", closed=True, at=T0 + 3_600_000),
    ]
    source, publisher, heartbeat = FakeSource(events), RecordingPublisher(), RecordingHeartbeat()
    analysed: list[CandleTick] = []
    w = StreamWorker(POLICY, source, publisher, heartbeat, analysed.append, wall_clock=lambda: 1_795_597_200.0)

    async def scenario() -> float:
        stop = asyncio.Event()
        running = asyncio.create_task(w.run(stop))
        for _ in range(100):
            await asyncio.sleep(0.01)
            if len(publisher.sent) >= 3 and analysed:
                break
        loop = asyncio.get_running_loop()
        started = loop.time()
        stop.set()
        await asyncio.wait_for(running, 5)
        return loop.time() - started

    took = asyncio.run(scenario())

    assert source.asked == (("BTCUSDT", "ETHUSDT"), ("1m", "1h"))
    assert [(c, d.get("price")) for c, _, d in publisher.sent if c.startswith("prices:")] == [
        ("prices:BTCUSDT", "100"), ("prices:BTCUSDT", "101"),
    ]  # fmt: skip
    assert any(c == "candles:BTCUSDT:1h" for c, _, _ in publisher.sent)
    assert [t.candle.open_time for t in analysed] == [T0]
    assert heartbeat.beats[0] == ("stream", 1_795_597_200.0)
    assert took < 1.0


def test_run_survives_a_failing_analysis_and_publisher() -> None:
    class BrokenPublisher:
        def publish(self, channel: str, message_type: MessageType, data: dict[str, Any]) -> None:
            raise RuntimeError("boom")

    def failing(tick: CandleTick) -> None:
        raise RuntimeError("analysis down")

    events: list[MarketEvent] = [candle("1h", T0, "1", closed=True, at=T0 + 1), price("BTCUSDT", "1", T0 + 2)]
    w = StreamWorker(POLICY, FakeSource(events), BrokenPublisher(), RecordingHeartbeat(), failing)

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(w.run(stop))
        await asyncio.sleep(0.1)
        assert not running.done()  # still streaming
        stop.set()
        await asyncio.wait_for(running, 5)

    asyncio.run(scenario())


def test_run_a_slow_fan_out_skips_prices_a_newer_one_overtook_but_never_a_closed_candle() -> None:
    # GIVEN a market faster than the fan-out: every price is due (the clock moves 200 ms per event)
    # but one publish takes 30 ms, as when a tick goes to a thousand clients
    clock = FakeClock()

    class FastMarket(FakeSource):
        async def events(self, symbols: Sequence[str], intervals: Sequence[str]) -> AsyncIterator[MarketEvent]:
            for i in range(20):
                clock.advance(0.2)
                yield price("BTCUSDT", str(100 + i), T0 + i)
                if i == 10:
                    yield candle("1m", T0, "110", closed=True, at=T0 + i)
            await asyncio.Event().wait()

    class SlowPublisher(RecordingPublisher):
        def publish(self, channel: str, message_type: MessageType, data: dict[str, Any]) -> None:
            time.sleep(0.03)
            super().publish(channel, message_type, data)

    publisher = SlowPublisher()
    w = StreamWorker(POLICY, FastMarket([]), publisher, RecordingHeartbeat(), lambda tick: None, clock=clock)

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(w.run(stop))
        for _ in range(200):
            await asyncio.sleep(0.01)
            if publisher.sent and publisher.sent[-1][2].get("price") == "119":
                break
        stop.set()
        await asyncio.wait_for(running, 5)

    asyncio.run(scenario())

    # THEN the newest price arrives, the stale ones it overtook in the queue were never sent, prices
    # only move forward, and the closed candle (final) was sent all the same
    prices = [int(d["price"]) for c, _, d in publisher.sent if c == "prices:BTCUSDT"]
    assert prices[-1] == 119
    assert prices == sorted(prices)
    assert len(prices) < 10  # 20 were due; sending them all would take 0.6 s and deliver stale ones
    assert any(c == "candles:BTCUSDT:1m" and d["closed"] for c, _, d in publisher.sent)
