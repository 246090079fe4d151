"""The stream worker's order book (``book:<SYMBOL>``, coalesced to 100 ms) and its backfill of the
candles that closed while the stream was down (fetched once after a reconnect, passed on once, the
newest of an analysis timeframe analysed once)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.unit.test_stream_worker import (
    MINUTE_MS,
    T0,
    FakeClock,
    FakeSource,
    RecordingHeartbeat,
    RecordingPublisher,
    candle,
)
from tradecore.domain.market_events import BookTick, CandleTick, MarketEvent, StreamConnected
from tradecore.domain.orders import Kline
from tradecore.domain.realtime import MessageType
from tradecore.services.realtime import backfill
from tradecore.services.realtime.backfill import CandleGaps, fetch_missed
from tradecore.services.realtime.stream_worker import StreamPolicy, StreamWorker

POLICY = StreamPolicy(symbols=("BTCUSDT",), candle_intervals=("1m",), analysis_timeframes=("1m",))


def book(update_id: int, best_bid: str = "100", symbol: str = "BTCUSDT") -> BookTick:
    bids = tuple((Decimal(best_bid) - i, Decimal(1)) for i in range(10))
    asks = tuple((Decimal(best_bid) + 1 + i, Decimal(2)) for i in range(10))
    return BookTick(symbol, bids, asks, update_id)


def kline(open_time: int, close: str = "1") -> Kline:
    c = Decimal(close)
    return Kline(open_time, c, c, c, c, Decimal(1), open_time + MINUTE_MS - 1, c, 1)


class FakeHistory:
    """The exchange's 1m klines from ``first`` to ``last`` open time (the last one in progress)."""

    def __init__(self, first: int, last: int, *, fail: bool = False) -> None:
        self.klines = [kline(t, str(1 + (t - first) // MINUTE_MS)) for t in range(first, last + 1, MINUTE_MS)]
        self.asked: list[tuple[str, str, int | None]] = []
        self.fail = fail

    def get_klines(
        self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[Kline]:
        self.asked.append((symbol, interval, start_ms))
        if self.fail:
            raise ConnectionError("exchange unreachable")
        return [k for k in self.klines if start_ms is None or k.open_time >= start_ms][:limit]


# --- the order book ------------------------------------------------------------------------------
def test_book_update_first_snapshot_sent_at_once_with_ten_levels() -> None:
    w = StreamWorker(POLICY, FakeSource([]), RecordingPublisher(), RecordingHeartbeat(), print, clock=FakeClock())

    [sent] = w.on_event(book(1))

    assert (sent.channel, sent.message_type) == ("book:BTCUSDT", MessageType.BOOK_UPDATE)
    assert len(sent.data["bids"]) == len(sent.data["asks"]) == 10
    assert sent.data["bids"][0] == ["100", "1"]


def test_book_update_at_most_every_100ms_newest_wins_older_dropped() -> None:
    clock = FakeClock()
    w = StreamWorker(POLICY, FakeSource([]), RecordingPublisher(), RecordingHeartbeat(), print, clock=clock)
    assert w.on_event(book(1, "100"))
    clock.advance(0.03)
    assert w.on_event(book(3, "103")) == []  # held
    assert w.on_event(book(2, "102")) == []  # older than the held one: dropped
    clock.advance(0.05)
    assert w.flush_due() == []  # 80 ms since the last one
    clock.advance(0.021)

    [due] = w.flush_due()

    assert (due.data["last_update_id"], due.data["bids"][0][0]) == (3, "103")


def test_book_update_symbol_outside_the_platform_is_ignored() -> None:
    w = StreamWorker(POLICY, FakeSource([]), RecordingPublisher(), RecordingHeartbeat(), print, clock=FakeClock())
    assert w.on_event(book(1, symbol="DOGEUSDT")) == []


def test_candle_update_closed_candle_passed_on_once() -> None:
    w = StreamWorker(POLICY, FakeSource([]), RecordingPublisher(), RecordingHeartbeat(), print, clock=FakeClock())
    assert w.on_event(candle("1m", T0, "1", closed=True, at=T0 + MINUTE_MS))
    assert w.on_event(candle("1m", T0, "1", closed=True, at=T0 + MINUTE_MS + 5)) == []


# --- what the gap missed -------------------------------------------------------------------------
def test_fetch_missed_returns_the_closes_after_the_last_one_seen() -> None:
    gaps = CandleGaps()
    gaps.note(candle("1m", T0, "1", closed=True, at=T0 + MINUTE_MS))
    history = FakeHistory(T0, T0 + 5 * MINUTE_MS)  # T0+5 is in progress at the exchange

    missed = fetch_missed(history, gaps)

    assert history.asked == [("BTCUSDT", "1m", T0 + 1)]
    assert [t.candle.open_time for t in missed] == [T0 + i * MINUTE_MS for i in (1, 2, 3, 4)]
    assert all(t.closed and t.time_ms == t.candle.close_time for t in missed)


def test_fetch_missed_from_the_candle_in_progress_when_none_closed() -> None:
    gaps = CandleGaps()
    gaps.note(candle("1m", T0 + MINUTE_MS, "1", closed=False, at=T0 + MINUTE_MS + 10))
    history = FakeHistory(T0, T0 + 3 * MINUTE_MS)

    missed = fetch_missed(history, gaps)

    assert [t.candle.open_time for t in missed] == [T0 + MINUTE_MS, T0 + 2 * MINUTE_MS]


def test_fetch_missed_nothing_followed_asks_nothing() -> None:
    history = FakeHistory(T0, T0 + 3 * MINUTE_MS)
    assert fetch_missed(history, CandleGaps()) == []
    assert history.asked == []


def test_fetch_missed_pages_through_a_long_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backfill, "PAGE", 3)
    gaps = CandleGaps()
    gaps.note(candle("1m", T0, "1", closed=True, at=T0 + MINUTE_MS))
    history = FakeHistory(T0, T0 + 6 * MINUTE_MS)

    missed = fetch_missed(history, gaps)

    assert [t.candle.open_time for t in missed] == [T0 + i * MINUTE_MS for i in range(1, 6)]
    assert [start for _, _, start in history.asked] == [T0 + 1, T0 + 2 * MINUTE_MS + 1, T0 + 4 * MINUTE_MS + 1]


def run_worker(events: list[MarketEvent], history: FakeHistory) -> tuple[RecordingPublisher, list[CandleTick]]:
    publisher, analysed = RecordingPublisher(), list[CandleTick]()
    w = StreamWorker(POLICY, FakeSource(events), publisher, RecordingHeartbeat(), analysed.append, history=history)

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(w.run(stop))
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.wait_for(running, 5)

    asyncio.run(scenario())
    return publisher, analysed


def test_run_after_a_reconnect_passes_on_missed_closes_once_and_analyses_the_newest() -> None:
    # GIVEN a connection that saw T0 close, dropped, and a new one whose first close is T0+3 (already fetched)
    events: list[MarketEvent] = [
        StreamConnected(),
        candle("1m", T0, "1", closed=False, at=T0 + 10),
        candle("1m", T0, "1", closed=True, at=T0 + MINUTE_MS),
        StreamConnected(),
        candle("1m", T0 + 3 * MINUTE_MS, "4", closed=True, at=T0 + 4 * MINUTE_MS),
        candle("1m", T0 + 4 * MINUTE_MS, "5", closed=False, at=T0 + 4 * MINUTE_MS + 10),
    ]
    history = FakeHistory(T0, T0 + 4 * MINUTE_MS)

    publisher, analysed = run_worker(events, history)

    assert len(history.asked) == 1  # the first connection had nothing to catch up on
    closes = [d["open_time"] for c, _, d in publisher.sent if c == "candles:BTCUSDT:1m" and d["closed"]]
    assert closes == [T0 + i * MINUTE_MS for i in range(4)]  # in order, each once
    assert [t.candle.open_time for t in analysed] == [T0, T0 + 3 * MINUTE_MS]  # stale T0+1, T0+2 skipped
    assert publisher.sent[-1][2]["open_time"] == T0 + 4 * MINUTE_MS  # the stream goes on after


def test_run_when_the_backfill_fails_the_stream_goes_on() -> None:
    events: list[MarketEvent] = [
        candle("1m", T0, "1", closed=True, at=T0 + MINUTE_MS),
        StreamConnected(),
        candle("1m", T0 + 3 * MINUTE_MS, "4", closed=True, at=T0 + 4 * MINUTE_MS),
    ]
    history = FakeHistory(T0, T0 + 4 * MINUTE_MS, fail=True)

    publisher, analysed = run_worker(events, history)

    assert len(history.asked) == 1
    closes = [d["open_time"] for c, _, d in publisher.sent if c == "candles:BTCUSDT:1m"]
    assert closes == [T0, T0 + 3 * MINUTE_MS]
    assert [t.candle.open_time for t in analysed] == [T0, T0 + 3 * MINUTE_MS]
