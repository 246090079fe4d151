# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""Every stream through python-binance's BinanceSocketManager (STREAM_URL pointed at the simulator)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.integration.exchange_sim_fixtures import SimServer, sim_server  # noqa: F401


async def _first_message(
    sim_server: SimServer, open_socket: Callable[[Any], Any], trigger: Callable[[], Awaitable[None]] | None = None
) -> dict[str, Any]:
    from binance import AsyncClient, BinanceSocketManager

    key, secret = sim_server.new_account()
    client = AsyncClient(key, secret)
    client.API_URL = sim_server.url + "/api"
    manager = BinanceSocketManager(client)
    manager.STREAM_URL = sim_server.url.replace("http://", "ws://") + "/"
    try:
        socket = open_socket((manager, client))
        socket.TIMEOUT = 0.3  # its read loop notices an exit only between reads; a quiet market would stall it
        async with socket as stream:
            await asyncio.sleep(0.2)  # let the subscription settle before the market moves
            if trigger is None:
                await asyncio.to_thread(sim_server.admin, "POST", "/sim/clock", {"advance_ms": 1000})
            else:
                await trigger()
            message: dict[str, Any] = await asyncio.wait_for(stream.recv(), timeout=10)
            return message
    finally:
        await client.close_connection()


@pytest.mark.parametrize(("open_socket", "event"), [
    (lambda mc: mc[0].trade_socket("BTCUSDT"), "trade"),
    (lambda mc: mc[0].kline_socket("BTCUSDT", interval="1m"), "kline"),
    (lambda mc: mc[0].symbol_miniticker_socket("BTCUSDT"), "24hrMiniTicker"),
])  # fmt: skip
def test_market_streams_send_binance_payloads(
    sim_server: SimServer, open_socket: Callable[[Any], Any], event: str
) -> None:
    message = asyncio.run(_first_message(sim_server, open_socket))
    assert message["e"] == event
    assert message["s"] == "BTCUSDT"


def test_book_ticker_stream(sim_server: SimServer) -> None:
    message = asyncio.run(_first_message(sim_server, lambda mc: mc[0].symbol_book_ticker_socket("BTCUSDT")))
    assert message["s"] == "BTCUSDT"
    assert float(message["b"]) < float(message["a"])


def test_combined_stream_wraps_payloads(sim_server: SimServer) -> None:
    message = asyncio.run(
        _first_message(sim_server, lambda mc: mc[0].multiplex_socket(["ethusdt@trade", "ethusdt@kline_1s"]))
    )
    assert message["stream"] in ("ethusdt@trade", "ethusdt@kline_1s")
    assert message["data"]["s"] == "ETHUSDT"


def test_kline_stream_agrees_with_trades(sim_server: SimServer) -> None:
    message = asyncio.run(_first_message(sim_server, lambda mc: mc[0].kline_socket("SOLUSDT", interval="1s")))
    candle = message["k"]
    assert float(candle["l"]) <= float(candle["c"]) <= float(candle["h"])
    assert candle["i"] == "1s"
    assert candle["T"] == candle["t"] + 999


def test_user_data_stream_reports_fill_and_balances(sim_server: SimServer) -> None:
    async def scenario() -> list[dict[str, Any]]:
        from binance import AsyncClient, BinanceSocketManager

        key, secret = sim_server.new_account()
        client = AsyncClient(key, secret)
        client.API_URL = sim_server.url + "/api"
        client.ws_api._url = sim_server.url.replace("http://", "ws://") + "/ws-api/v3"  # user_socket() subscribes here
        try:
            async with BinanceSocketManager(client).user_socket() as stream:
                await client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001")
                return [await asyncio.wait_for(stream.recv(), timeout=10) for _ in range(3)]
        finally:
            await client.close_connection()

    events = asyncio.run(scenario())
    reports = [e for e in events if e["e"] == "executionReport"]
    assert [(r["x"], r["X"]) for r in reports] == [("NEW", "NEW"), ("TRADE", "FILLED")]
    assert reports[1]["N"] == "BTC"
    position = next(e for e in events if e["e"] == "outboundAccountPosition")
    assert {b["a"] for b in position["B"]} == {"BTC", "USDT"}


def test_dropped_streams_close_websocket_api_connections_too(sim_server: SimServer) -> None:
    async def scenario() -> bool:
        import aiohttp

        ws_url = sim_server.url.replace("http://", "ws://") + "/ws-api/v3"
        async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
            await asyncio.sleep(0.1)
            await asyncio.to_thread(sim_server.admin, "POST", "/sim/faults", {"drop_streams": True})
            closing = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
            return (await asyncio.wait_for(ws.receive(), timeout=5)).type in closing

    assert asyncio.run(scenario())


def test_dropped_streams_are_closed_by_the_fault_knob(sim_server: SimServer) -> None:
    async def scenario() -> int:
        import aiohttp

        ws_url = sim_server.url.replace("http://", "ws://") + "/ws/btcusdt@trade"
        async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
            await asyncio.sleep(0.1)
            dropped = await asyncio.to_thread(sim_server.admin, "POST", "/sim/faults", {"drop_streams": True})
            message = await asyncio.wait_for(ws.receive(), timeout=5)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
            return int(dropped["dropped_connections"])

    assert asyncio.run(scenario()) >= 1
