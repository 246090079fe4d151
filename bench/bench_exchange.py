"""Exchange simulator throughput: signed order requests per second, stream updates per symbol.

Starts the simulator as its own process and drives it over sockets with aiohttp: several
connections each sign and send MARKET orders (HMAC-SHA256, as a Binance client does); then one
WebSocket client counts the messages of one symbol's trade, bookTicker and kline streams.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp

from bench.result import Result
from tests.support.servers import free_port, wait_for_port

KEY, SECRET = "bench-key", "bench-secret"
CONNECTIONS = 8
ORDER_SECONDS = 6.0
STREAM_SECONDS = 4.0


async def _order_connection(host: str, port: int, deadline: float, side: str) -> tuple[int, int]:
    """One keep-alive connection sending signed orders back to back (a lean client, so the
    client's own CPU does not hide the server's rate on a 2-core machine)."""
    reader, writer = await asyncio.open_connection(host, port)
    ok = failed = 0
    secret = SECRET.encode()
    while time.perf_counter() < deadline:
        query = f"symbol=BTCUSDT&side={side}&type=MARKET&quantity=0.0001&timestamp={int(time.time() * 1000)}"
        body = f"{query}&signature={hmac.new(secret, query.encode(), hashlib.sha256).hexdigest()}".encode()
        writer.write(
            b"POST /api/v3/order HTTP/1.1\r\nHost: bench\r\nX-MBX-APIKEY: " + KEY.encode()
            + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body
        )  # fmt: skip
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        if head.startswith(b"HTTP/1.1 200"):
            ok += 1
        else:
            failed += 1
    writer.close()
    return ok, failed


async def _orders(url: str) -> tuple[int, int, float]:
    host, port = url.removeprefix("http://").split(":")
    started = time.perf_counter()
    deadline = started + ORDER_SECONDS
    results = await asyncio.gather(
        *(_order_connection(host, int(port), deadline, "BUY" if i % 2 else "SELL") for i in range(CONNECTIONS))
    )
    return sum(r[0] for r in results), sum(r[1] for r in results), time.perf_counter() - started


async def _streams(url: str) -> float:
    ws_url = url.replace("http://", "ws://") + "/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@kline_1m"
    count = 0
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        started = time.perf_counter()
        while time.perf_counter() - started < STREAM_SECONDS:
            try:
                await asyncio.wait_for(ws.receive(), timeout=1)
                count += 1
            except TimeoutError:
                continue
        return count / (time.perf_counter() - started)


def _with_simulator(tick_ms: int, scenario: Any) -> Any:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.exchange_sim", "--port", str(port), "--data-dir", tempfile.mkdtemp(),
         "--history-minutes", "60", "--tick-ms", str(tick_ms), "--orders-per-10s", "10000000",
         "--weight-per-minute", "100000000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, timeout=30)
        import requests

        requests.post(f"{url}/sim/accounts", json={"api_key": KEY, "api_secret": SECRET,
                      "balances": {"USDT": "100000000", "BTC": "100000"}}, timeout=10)  # fmt: skip
        return asyncio.run(scenario(url))
    finally:
        process.terminate()
        process.wait(timeout=10)


def run() -> list[Result]:
    ok, failed, elapsed = _with_simulator(250, _orders)
    per_symbol = _with_simulator(20, _streams)
    return [
        Result("exchange_sim signed orders/s", ok / elapsed, "req/s", target=500, better="higher",
               note=f"{CONNECTIONS} connections, MARKET orders, HMAC-signed; {failed} failed"),
        Result("exchange_sim stream updates/s per symbol", per_symbol, "msg/s", better="higher",
               note="trade + bookTicker + kline_1m of BTCUSDT at --tick-ms 20"),
    ]  # fmt: skip
