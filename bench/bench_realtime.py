"""Real time (issue 14, benchmarks): N connected clients on the local stack, ticks and user events timed.

``python -m devstack`` (gateway, every function in its worker, ``python -m stream``, the simulator)
with ``CLIENTS`` websockets clients of the demo user, each subscribed to ``prices:BTCUSDT``:
- tick to client: the simulator's market is paused (manual clock) before the clients subscribe,
  then ``/sim/price`` prints a trade at a recognisable price; the wall time before that call to the
  moment each client reads the ``price_update`` carrying that price is one delivery.
  ``TICKS`` ticks ``TICK_GAP`` s apart (more than the worker's 100 ms per-channel throttle), p50/p99
  over every delivery. Path: simulator trade stream → stream worker → Fanout → @connections POST
  to the local gateway → client socket.
- worker memory: the RSS of the ``python -m stream`` child, sampled every 0.5 s (max reported).
- fan-out rate: deliveries of one tick to all clients over the time the last client took.
- user-data event to client: one more client of the demo user subscribed to ``trades``; the demo
  user's connection is replaced (``PUT /api/exchange/connection``) by a simulator account whose key
  this bench holds; MARKET orders are placed directly on the simulator with that key
  (python-binance), timed from before the order call to the first ``order_update`` or
  ``trade_executed`` the client reads. Path: simulator user data stream → stream worker's user side
  → trade journal → Fanout.notify → gateway → client.
Clients, gateway, functions, stream worker and simulator share this machine's cores.
``BENCH_REALTIME_CLIENTS`` changes N (default the issue's 1,000). The market is paused before the
clients subscribe: a first run of 1,000 with the market live delivered no timed tick within 20 s (the
live market's ticks queue in the worker's one publisher thread: 10 ticks/s x 1,000 posts is far
beyond what the local gateway accepts, and nothing drops the stale ones).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.result import Result, median, percentile
from tests.support.devstack import descendants as _descendants

CLIENTS = int(os.environ.get("BENCH_REALTIME_CLIENTS", "1000"))
TICKS = 20
TICK_GAP = 0.3
TICK_WAIT = 20.0  # seconds a tick may take to reach every client before the rest count as lost
USER_EVENTS = 12
DEMO_LOGIN = {"email": "demo@tradecore.local", "password": "demo-password-123"}  # the stack's printed demo user
SYMBOL = "BTCUSDT"


def _stream_pid(root: int) -> int | None:
    for pid in _descendants(root):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"-m" in argv and argv[argv.index(b"-m") + 1 : argv.index(b"-m") + 2] == [b"stream"]:
            return pid
    return None


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Client:
    """One socket; every message timestamped on arrival and handed to whoever waits for it."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.inbox: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.socket:
            self.inbox.put_nowait((time.time(), json.loads(raw)))

    async def first(self, wanted: Any, timeout: float) -> float | None:
        """Arrival time of the first message for which ``wanted(message)`` holds, or None."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                arrived, message = await asyncio.wait_for(self.inbox.get(), left)
            except TimeoutError:
                return None
            if wanted(message):
                return arrived
        return None

    def drain(self) -> None:
        while not self.inbox.empty():
            self.inbox.get_nowait()


async def _open(ws_url: str, token: str, channels: list[str], count: int) -> list[Client]:
    import websockets

    gate = asyncio.Semaphore(16)  # a few handshakes at a time: each runs the $connect handler

    async def one() -> Client:
        async with gate:
            socket = await websockets.connect(f"{ws_url}?token={token}", max_queue=None, open_timeout=120)
            await socket.send(json.dumps({"action": "subscribe", "channels": channels}))
            return Client(socket)

    return list(await asyncio.gather(*(one() for _ in range(count))))


def _is_price(price: Decimal) -> Any:
    def wanted(message: dict[str, Any]) -> bool:
        return message.get("type") == "price_update" and Decimal(str(message["data"].get("price"))) == price

    return wanted


def _is_user_event(message: dict[str, Any]) -> bool:
    return message.get("type") in ("order_update", "trade_executed")


async def _ticks(http: Any, sim: str, clients: list[Client]) -> tuple[list[float], list[float], int]:
    """Delivery latencies (ms), per-tick fan-out rates (msg/s), deliveries lost."""
    latencies: list[float] = []
    rates: list[float] = []
    lost = 0
    for index in range(TICKS + 2):  # the first two warm the path (subscriber cache, pools)
        for client in clients:
            client.drain()
        price = Decimal(61_000 + index * 7)
        sent = time.time()
        answer = await asyncio.to_thread(http.post, f"{sim}/sim/price", json={"symbol": SYMBOL, "price": str(price)})
        answer.raise_for_status()
        price = Decimal(answer.json()["price"])
        arrivals = await asyncio.gather(*(client.first(_is_price(price), TICK_WAIT) for client in clients))
        got = [arrived for arrived in arrivals if arrived is not None]
        if index >= 2:
            lost += len(clients) - len(got)
            latencies += [(arrived - sent) * 1000 for arrived in got]
            if got:
                rates.append(len(got) / max(max(got) - sent, 1e-6))
        await asyncio.sleep(TICK_GAP)
    return latencies, rates, lost


async def _user_events(http: Any, sim: str, core: str, ws_url: str, token: str) -> tuple[list[float], float]:
    """Order-to-client latencies (ms), and the seconds until the stream worker followed the new key."""
    from binance.client import Client as Binance

    account = http.post(f"{sim}/sim/accounts", json={"balances": {"USDT": "100000000"}}, timeout=10)
    account.raise_for_status()
    key, secret = account.json()["apiKey"], account.json()["secretKey"]
    headers = {"Authorization": f"Bearer {token}"}
    http.put(f"{core}/api/exchange/connection", json={"api_key": key, "api_secret": secret}, headers=headers,
             timeout=30).raise_for_status()  # fmt: skip
    binance = Binance(key, secret, ping=False)
    binance.API_URL = f"{sim}/api"
    (client,) = await _open(ws_url, token, ["trades"], 1)

    def place() -> None:
        binance.create_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity="0.001")

    started = time.monotonic()  # the worker reads the connected accounts every 30 s: wait for it
    while True:
        if time.monotonic() - started > 90:
            raise TimeoutError("no user event reached the client within 90 s of connecting the key")
        await asyncio.to_thread(place)
        if await client.first(_is_user_event, 2.0) is not None:
            break
    followed = time.monotonic() - started
    samples: list[float] = []
    for _ in range(USER_EVENTS):
        await asyncio.sleep(0.7)  # the previous order's later events arrive, then are dropped
        client.drain()
        sent = time.time()
        await asyncio.to_thread(place)
        arrived = await client.first(_is_user_event, 10.0)
        if arrived is not None:
            samples.append((arrived - sent) * 1000)
    await client.socket.close()
    return samples, followed


async def _scenario(devstack: Any) -> dict[str, Any]:
    import requests

    http = requests.Session()
    sim = f"http://127.0.0.1:{devstack.ports['EXCHANGE_SIM_PORT']}"
    limits = {"request_weight_per_minute": 10_000_000, "orders_per_10s": 100_000, "reset": True}
    http.post(f"{sim}/sim/limits", json=limits, timeout=10).raise_for_status()
    login = http.post(f"{devstack.core_url}/api/auth/login", json=DEMO_LOGIN, timeout=30)
    login.raise_for_status()
    token = login.json()["access_token"]
    rss: list[float] = []

    async def sample_rss() -> None:
        stream_pid = None
        while True:  # the stream task may start after the stack answers its health check
            stream_pid = stream_pid or _stream_pid(devstack.process.pid)
            if stream_pid is not None and (value := _rss_mb(stream_pid)) is not None:
                rss.append(value)
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample_rss())
    # paused before any client subscribes: the live market's own ticks would queue up in the worker's
    # publisher ahead of the timed ones whenever the fan-out is slower than 10 ticks/s x N
    http.post(f"{sim}/sim/clock", json={"mode": "manual"}, timeout=10).raise_for_status()
    opening = time.monotonic()
    clients = await _open(devstack.ws_url, token, [f"prices:{SYMBOL}"], CLIENTS)
    opened = time.monotonic() - opening
    await asyncio.sleep(1.0)
    latencies, rates, lost = await _ticks(http, sim, clients)
    try:
        user, followed = await _user_events(http, sim, devstack.core_url, devstack.ws_url, token)
    except TimeoutError:  # reported as no samples, the tick figures kept
        user, followed = [], float("nan")
    sampler.cancel()
    await asyncio.gather(*(client.socket.close() for client in clients), return_exceptions=True)
    return {
        "latencies": latencies, "rates": rates, "lost": lost, "rss": rss, "opened": opened, "user": user,
        "followed": followed, "load": os.getloadavg()[0],
    }  # fmt: skip


def run() -> list[Result]:
    from tests.support.devstack import running_devstack_process

    with (
        tempfile.TemporaryDirectory(prefix="realtime-bench-") as folder,
        running_devstack_process(Path(folder) / "data", timeout=120) as devstack,
    ):
        got = asyncio.run(_scenario(devstack))
    lat, rss, user = got["latencies"] or [float("nan")], got["rss"], got["user"] or [float("nan")]
    setup = (
        f"N={CLIENTS} websockets clients of the demo user on python -m devstack (opened in "
        f"{got['opened']:.0f} s); {TICKS} /sim/price ticks {TICK_GAP} s apart, "
        f"market paused; {len(lat)} deliveries, {got['lost']} lost (> {TICK_WAIT:g} s); path: simulator → "
        f"stream worker → Fanout → @connections → local gateway → client; clients, stack and simulator on "
        f"{os.cpu_count()} CPUs, 1-min load {got['load']:.1f} after the run"
    )
    slow = "" if not lat or percentile(lat, 99) <= 100 else (
        f"; misses the target here: {CLIENTS} local sockets, the local @connections endpoint and the clients "
        f"share {os.cpu_count()} cores with the worker (the fan-out rate below is the bound); API Gateway does not"
    )  # fmt: skip
    return [
        Result("realtime.tick_to_client.p50", median(lat), "ms", note=setup),
        Result("realtime.tick_to_client.p99", percentile(lat, 99), "ms", target=100.0, note=f"same run{slow}"),
        Result(
            "realtime.fanout.local_stack.messages_per_s",
            round(median(got["rates"])) if got["rates"] else 0,
            "msg/s",
            target=5000,
            better="higher",
            note=f"median over {len(got['rates'])} ticks of deliveries / time to the last client; "
            "one stream worker through the local gateway, bounded by the gateway's @connections handling and the "
            "clients' reads on the same cores (bench fanout: the same Fanout reaches its target with a 2 ms sender)",
        ),
        Result(
            "realtime.stream_worker.rss",
            max(rss) if rss else float("nan"),
            "MB",
            target=150.0,
            note=f"max VmRSS of python -m stream over {len(rss)} samples (0.5 s apart) during the run",
        ),
        Result(
            "realtime.user_event_to_client.p99",
            percentile(user, 99),
            "ms",
            note=f"{len(user)} MARKET orders placed directly on the simulator with the user's key → first "
            f"order_update/trade_executed at the user's trades client (p50 {median(user):.0f} ms); the worker "
            f"followed the newly connected key after {got['followed']:.0f} s"
            if got["user"]
            else "no order_update/trade_executed reached the trades client within 90 s of connecting the key "
            "(orders placed every ~2 s on the simulator); cause not investigated",
        ),
    ]
