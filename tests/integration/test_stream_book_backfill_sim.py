# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""The stream worker against the exchange simulator (python-binance over a socket, REST for the
gap): order books reach ``book:<SYMBOL>`` with ten levels a side, and when the simulator drops every
stream while the market moves on, the worker reconnects and no closed candle is missing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

from tests.integration.exchange_sim_fixtures import SimServer, sim_server  # noqa: F401
from tests.integration.test_stream_worker_sim import NoHeartbeat, TimedPublisher
from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.adapters.binance.streams import BinanceMarketStream
from tradecore.config import Settings
from tradecore.domain.market_events import CandleTick
from tradecore.domain.orders import Kline
from tradecore.domain.realtime import MessageType
from tradecore.services.realtime.stream_worker import StreamPolicy, StreamWorker

SYMBOL = "BNBUSDT"
MINUTE_MS = 60_000


class RecordingHistory:
    """The exchange's klines, noting each read."""

    def __init__(self, exchange: BinanceExchange) -> None:
        self._exchange = exchange
        self.reads = 0

    def get_klines(
        self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[Kline]:
        self.reads += 1
        return self._exchange.get_klines(symbol, interval, limit=limit, start_ms=start_ms, end_ms=end_ms)


def test_stream_worker_on_simulator_books_and_backfills_a_dropped_stream(
    sim_server: SimServer, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(binance_simulator_url=sim_server.url, trading_symbols=[SYMBOL])
    publisher = TimedPublisher()
    analysed: list[CandleTick] = []
    history = RecordingHistory(BinanceExchange(settings))
    policy = StreamPolicy((SYMBOL,), candle_intervals=("1m",), analysis_timeframes=("1m",), heartbeat_seconds=60)
    stream = BinanceMarketStream(settings, read_timeout_seconds=0.3, backoff_base_seconds=2.0)
    worker = StreamWorker(policy, stream, publisher, NoHeartbeat(), analysed.append, history=history)

    def advance(ms: int) -> None:
        sim_server.admin("POST", "/sim/clock", {"advance_ms": ms})

    def closes() -> list[int]:
        return [d["open_time"] for _, d in publisher.on(f"candles:{SYMBOL}:1m") if d["closed"]]

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        for _ in range(100):  # until the subscription is live and a candle has closed
            await asyncio.to_thread(advance, 5_000)
            await asyncio.sleep(0.1)
            if publisher.on(f"book:{SYMBOL}") and closes():
                break
        # WHEN every stream is dropped and three minutes of market pass before the worker is back
        dropped = await asyncio.to_thread(sim_server.admin, "POST", "/sim/faults", {"drop_streams": True})
        assert dropped["dropped_connections"] >= 1
        await asyncio.to_thread(advance, 3 * MINUTE_MS)
        before = len(publisher.sent)
        for _ in range(100):  # until the new connection streams again
            await asyncio.sleep(0.1)
            await asyncio.to_thread(advance, 1_000)
            if any(ch == f"prices:{SYMBOL}" for _, ch, _, _ in publisher.sent[before:]):
                break
        for _ in range(10):  # and on: another minute and a half, streamed
            await asyncio.to_thread(advance, 10_000)
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        stop.set()
        await asyncio.wait_for(running, 10)

    asyncio.run(asyncio.wait_for(scenario(), 90))

    # the book: ten levels a side, best bid below best ask
    books = [data for _, data in publisher.on(f"book:{SYMBOL}")]
    assert books
    assert all(t == MessageType.BOOK_UPDATE for _, ch, t, _ in publisher.sent if ch == f"book:{SYMBOL}")
    assert all(len(b["bids"]) == len(b["asks"]) == 10 for b in books)
    assert Decimal(books[-1]["bids"][0][0]) < Decimal(books[-1]["asks"][0][0])
    # no closed candle missing: every close from the first seen to the last, each once, in order
    seen = closes()
    assert history.reads >= 1  # the gap was fetched
    exchange = BinanceExchange(settings).get_klines(SYMBOL, "1m", limit=1000, start_ms=seen[0], end_ms=seen[-1])
    assert seen == [k.open_time for k in exchange]
    assert len(seen) >= 5  # the three gap minutes are among them
    assert len({t.candle.open_time for t in analysed}) == len(analysed)  # each analysed once at most
