# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""The stream worker against the exchange simulator's real streams (python-binance over a socket):
bursts of trades become at most ten price updates a second per symbol, the newest price last;
candles reach their channel, and each closed candle is analysed once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tests.integration.exchange_sim_fixtures import SimServer, sim_server  # noqa: F401
from tradecore.adapters.binance.streams import BinanceMarketStream
from tradecore.config import Settings
from tradecore.domain.market_events import CandleTick
from tradecore.domain.realtime import MessageType
from tradecore.services.realtime.stream_worker import StreamPolicy, StreamWorker

SYMBOLS = ("BTCUSDT", "ETHUSDT")


class TimedPublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[float, str, MessageType, dict[str, Any]]] = []

    def publish(self, channel: str, message_type: MessageType, data: dict[str, Any]) -> None:
        self.sent.append((time.monotonic(), channel, message_type, data))

    def on(self, channel: str) -> list[tuple[float, dict[str, Any]]]:
        return [(at, data) for at, ch, _, data in self.sent if ch == channel]


class NoHeartbeat:
    def beat(self, component: str, at: float) -> None: ...
    def last_beat(self, component: str) -> float | None:
        return None


def most_in_any_window(times: list[float], window: float) -> int:
    return max((sum(1 for t in times if start <= t < start + window) for start in times), default=0)


def test_stream_worker_on_simulator_throttles_prices_and_streams_candles(
    sim_server: SimServer, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(binance_simulator_url=sim_server.url, trading_symbols=list(SYMBOLS))
    publisher = TimedPublisher()
    analysed: list[CandleTick] = []
    policy = StreamPolicy(SYMBOLS, candle_intervals=("1m",), analysis_timeframes=("1m",), heartbeat_seconds=60)
    stream = BinanceMarketStream(settings, read_timeout_seconds=0.3)
    worker = StreamWorker(policy, stream, publisher, NoHeartbeat(), analysed.append)

    def advance(ms: int) -> None:
        sim_server.admin("POST", "/sim/clock", {"advance_ms": ms})

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        for _ in range(100):  # until the subscription is live
            await asyncio.to_thread(advance, 500)
            await asyncio.sleep(0.1)
            if publisher.on("prices:BTCUSDT"):
                break
        for _ in range(30):  # ~1.5 s of bursts: 150 s of market, two minutes closed at least
            await asyncio.to_thread(advance, 5_000)
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # the held newest prices go out
        stop.set()
        await asyncio.wait_for(running, 10)

    asyncio.run(asyncio.wait_for(scenario(), 60))

    for symbol in SYMBOLS:
        prices = publisher.on(f"prices:{symbol}")
        assert len(prices) >= 5
        # ten a second at most (5 % slack for the hand-off to the publishing thread)
        assert most_in_any_window([at for at, _ in prices], 0.95) <= 10
        times = [data["time"] for _, data in prices]
        assert times == sorted(times)  # never an older price after a newer one
        last_trade = sim_server.admin("GET", f"/api/v3/ticker/price?symbol={symbol}")["price"]
        assert Decimal(prices[-1][1]["price"]) == Decimal(last_trade)  # the newest price won
        candles = [data for _, data in publisher.on(f"candles:{symbol}:1m")]
        assert any(c["closed"] for c in candles)
        assert any(not c["closed"] for c in candles)
    ticks = analysed
    per_key = [(t.symbol, t.candle.open_time) for t in ticks]
    assert len(per_key) == len(set(per_key))  # each closed candle analysed once
    assert {t.symbol for t in ticks} == set(SYMBOLS)
    assert all(t.closed and t.interval == "1m" for t in ticks)
