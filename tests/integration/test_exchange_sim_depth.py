# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""The simulator's partial book depth streams, in Binance's format, through python-binance."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.exchange_sim_fixtures import SimServer, sim_server  # noqa: F401


async def _messages(sim_server: SimServer, streams: list[str], advance_ms: int, count: int) -> list[dict[str, Any]]:
    from binance import AsyncClient, BinanceSocketManager

    client = AsyncClient()
    manager = BinanceSocketManager(client)
    manager.STREAM_URL = sim_server.url.replace("http://", "ws://") + "/"
    try:
        socket = manager.multiplex_socket(streams)
        socket.TIMEOUT = 0.3
        async with socket as stream:
            await asyncio.sleep(0.2)  # let the subscription settle before the market moves
            await asyncio.to_thread(sim_server.admin, "POST", "/sim/clock", {"advance_ms": advance_ms})
            return [await asyncio.wait_for(stream.recv(), timeout=10) for _ in range(count)]
    finally:
        await client.close_connection()


@pytest.mark.parametrize(("stream", "levels"), [("btcusdt@depth10@100ms", 10), ("ethusdt@depth5", 5)])
def test_partial_depth_stream_sends_the_top_levels(sim_server: SimServer, stream: str, levels: int) -> None:
    [message] = asyncio.run(_messages(sim_server, [stream], 1000, 1))

    assert message["stream"] == stream
    book = message["data"]
    assert set(book) == {"lastUpdateId", "bids", "asks"}  # Binance's partial depth payload
    bids = [Decimal(price) for price, _ in book["bids"]]
    asks = [Decimal(price) for price, _ in book["asks"]]
    assert (len(bids), len(asks)) == (levels, levels)
    assert bids == sorted(bids, reverse=True)
    assert asks == sorted(asks)
    assert bids[0] < asks[0]


def test_partial_depth_streams_follow_their_update_speed_in_market_time(sim_server: SimServer) -> None:
    # GIVEN five seconds of market time, a trade every 250 ms
    streams = ["solusdt@trade", "solusdt@depth10@100ms", "solusdt@depth10"]
    tick_ms = sim_server.admin("GET", "/sim/clock")["tick_ms"]

    async def scenario() -> list[dict[str, Any]]:
        from binance import AsyncClient, BinanceSocketManager

        client = AsyncClient()
        manager = BinanceSocketManager(client)
        manager.STREAM_URL = sim_server.url.replace("http://", "ws://") + "/"
        got: list[dict[str, Any]] = []
        try:
            socket = manager.multiplex_socket(streams)
            socket.TIMEOUT = 0.3
            async with socket as stream:
                await asyncio.sleep(0.2)
                await asyncio.to_thread(sim_server.admin, "POST", "/sim/clock", {"advance_ms": 5000})
                while True:
                    try:
                        got.append(await asyncio.wait_for(stream.recv(), timeout=1.0))
                    except TimeoutError:
                        return got
        finally:
            await client.close_connection()

    messages = asyncio.run(scenario())

    counts = {name: sum(1 for m in messages if m.get("stream") == name) for name in streams}
    trades = counts["solusdt@trade"]
    assert trades == 5000 // tick_ms
    # one snapshot per trade at most, and never two within 100 ms (resp. 1 s) of market time
    assert counts["solusdt@depth10@100ms"] == min(trades, 50)
    assert counts["solusdt@depth10"] == -(-5000 // max(1000, tick_ms))
