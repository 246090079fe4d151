"""Fan-out (issue 14, item 2): messages per second from one ``Fanout`` to 1,000 connections.

Each figure counts one message to one connection as one (a tick to 1,000 subscribers is 1,000
messages):
- ``fanout.fake_2ms.messages_per_s``: a fake ``@connections`` whose every post takes 2 ms (API
  Gateway's management API from the same Region), so the figure measures the pool and the cache,
  not a server. Target ≥ 5,000/s (the issue's figure for one worker).
- ``fanout.signed_poster.messages_per_s``: the stream task's real poster (signed aiohttp posts over
  HTTP) to a management API stub in another process that answers every post after 2 ms: what one
  worker's own CPU sustains when the other side is API Gateway, not this machine. Target ≥ 5,000/s.
- ``fanout.local_gateway.{signed,boto3}.messages_per_s``: 1,000 real ``websockets`` clients on the
  local gateway, each reading every message, posted to by the stream task's poster and by the
  functions' boto3 sender. Clients, gateway and sender share this machine's cores, so these are a
  floor, not API Gateway's figure.
The subscriber list comes from an in-memory registry (read once per 2 s window: the cache). Setup
(connections) is not timed. ``BENCH_FANOUT_CLIENTS`` changes N.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

from bench.result import Result

CLIENTS = int(os.environ.get("BENCH_FANOUT_CLIENTS", "1000"))
POST_LATENCY = 0.002
MESSAGES = 10
CHANNEL = "prices:BTCUSDT"


def _fake_rate() -> tuple[float, int]:
    from tests.support.fanout import CountingRegistry, ScriptedSender
    from tradecore.domain.realtime import MessageType
    from tradecore.services.realtime.fanout import Fanout

    registry, sender = CountingRegistry(), ScriptedSender(latency=POST_LATENCY)
    registry.subscribe(CHANNEL, *(f"c-{n:05d}" for n in range(CLIENTS)))
    fanout = Fanout(registry, sender)
    fanout.publish(CHANNEL, MessageType.PRICE_UPDATE, {"price": "0"})  # warm: threads started, list cached
    started = time.perf_counter()
    for n in range(MESSAGES):
        fanout.publish(CHANNEL, MessageType.PRICE_UPDATE, {"price": str(97_000 + n)})
    elapsed = time.perf_counter() - started
    fanout.shutdown()
    if len(sender.delivered) != CLIENTS * (MESSAGES + 1):
        raise RuntimeError(f"fake fan-out lost messages: {len(sender.delivered)}")
    return CLIENTS * MESSAGES / elapsed, sum(registry.reads.values())


def _test_credentials() -> None:
    for name, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing"}.items():  # fmt: skip
        os.environ.setdefault(name, value)  # neither the gateway nor the stub checks signatures; botocore signs


def _stub_api(port: int) -> None:
    """A management API that answers every post with 200 after 2 ms (run in its own process)."""
    from aiohttp import web

    async def post(request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(POST_LATENCY)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/dev/@connections/{connection_id}", post)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def _signed_poster_rate() -> float:
    import multiprocessing

    from tests.support.servers import free_port
    from tradecore.adapters.aws.signed_poster import SignedConnectionPoster
    from tradecore.domain.realtime import MessageType

    _test_credentials()
    port = free_port()
    stub = multiprocessing.get_context("spawn").Process(target=_stub_api, args=(port,), daemon=True)
    stub.start()
    poster = SignedConnectionPoster(f"http://127.0.0.1:{port}/dev", "us-east-1")
    ids = [f"c-{n:05d}=" for n in range(CLIENTS)]
    try:
        deadline = time.monotonic() + 30
        while poster.post(ids[:1], MessageType.PRICE_UPDATE, {"price": "0"}, None).delivered != 1:
            if time.monotonic() > deadline:
                raise RuntimeError("the management API stub did not start")
            time.sleep(0.1)
        poster.post(ids, MessageType.PRICE_UPDATE, {"price": "0"}, None)  # warm: the connection pool
        started = time.perf_counter()
        delivered = sum(
            poster.post(ids, MessageType.PRICE_UPDATE, {"price": str(97_000 + n)}, "t").delivered
            for n in range(MESSAGES)
        )
        elapsed = time.perf_counter() - started
    finally:
        poster.shutdown()
        stub.terminate()
    if delivered != CLIENTS * MESSAGES:
        raise RuntimeError(f"signed poster lost messages: {delivered}")
    return delivered / elapsed


def _gateway_rate(signed: bool) -> float:
    import websockets

    from tests.support.devstack import running_local_stack
    from tests.support.fanout import CountingRegistry
    from tradecore.adapters.aws.connections import ApiGatewayMessageSender
    from tradecore.adapters.aws.signed_poster import SignedConnectionPoster
    from tradecore.domain.realtime import MessageType
    from tradecore.services.realtime.fanout import Fanout

    _test_credentials()
    registry = CountingRegistry()
    with running_local_stack() as stack:
        poster = SignedConnectionPoster(stack.core_url, "us-east-1") if signed else None
        fanout = Fanout(registry, ApiGatewayMessageSender(stack.core_url, "us-east-1"), poster=poster)

        async def open_one(gate: asyncio.Semaphore) -> tuple[websockets.ClientConnection, str]:
            async with gate:  # a few handshakes at a time: each runs the $connect handler
                socket = await websockets.connect(stack.ws_url + "?token=good", max_queue=None, open_timeout=60)
                await socket.send(json.dumps({"action": "whoami"}))
                whoami = json.loads(await socket.recv())
                return socket, str(whoami["event"]["requestContext"]["connectionId"])

        async def read_all(socket: websockets.ClientConnection) -> None:
            for _ in range(MESSAGES):
                await socket.recv()

        async def scenario() -> float:
            gate = asyncio.Semaphore(16)
            opened = await asyncio.gather(*(open_one(gate) for _ in range(CLIENTS)))
            registry.subscribe(CHANNEL, *(connection_id for _, connection_id in opened))
            readers = [asyncio.create_task(read_all(socket)) for socket, _ in opened]
            started = time.perf_counter()
            for n in range(MESSAGES):
                await asyncio.to_thread(fanout.publish, CHANNEL, MessageType.PRICE_UPDATE, {"price": str(n)})
            await asyncio.wait_for(asyncio.gather(*readers), 300)
            elapsed = time.perf_counter() - started
            await asyncio.gather(*(socket.close() for socket, _ in opened))
            return CLIENTS * MESSAGES / elapsed

        try:
            return asyncio.run(scenario())
        finally:
            fanout.shutdown()


def run() -> list[Result]:
    fake_rate, reads = _fake_rate()
    signed_rate = _signed_poster_rate()
    gateway_signed, gateway_boto3 = _gateway_rate(signed=True), _gateway_rate(signed=False)
    return [
        Result(
            "fanout.fake_2ms.messages_per_s",
            round(fake_rate),
            "msg/s",
            target=5000,
            better="higher",
            note=f"{CLIENTS} connections, 2 ms per post, 32 threads; {reads} registry read(s) for {MESSAGES + 1} ticks",
        ),
        Result(
            "fanout.signed_poster.messages_per_s",
            round(signed_rate),
            "msg/s",
            target=5000,
            better="higher",
            note=f"the stream task's poster (SigV4-signed aiohttp posts, 128 in flight) to {CLIENTS} connections of "
            f"a stub management API in another process answering after 2 ms; {MESSAGES} messages",
        ),
        Result(
            "fanout.local_gateway.signed.messages_per_s",
            round(gateway_signed),
            "msg/s",
            note=f"{CLIENTS} websockets clients on the local gateway, the stream task's signed aiohttp poster; "
            f"clients, gateway and poster on one {os.cpu_count()}-core machine",
        ),
        Result(
            "fanout.local_gateway.messages_per_s",
            round(gateway_boto3),
            "msg/s",
            note="same, through the functions' boto3 sender over 32 threads",
        ),
    ]
