"""Fan-out (issue 14, item 2): messages per second from one ``Fanout`` to 1,000 connections.

Two figures, both counting one message to one connection as one (a tick to 1,000 subscribers is
1,000 messages):
- ``fanout.fake_2ms.messages_per_s``: a fake ``@connections`` whose every post takes 2 ms (API
  Gateway's management API from the same Region), so the figure measures the pool and the cache,
  not a server. Target ≥ 5,000/s (the issue's figure for one worker).
- ``fanout.local_gateway.messages_per_s``: 1,000 real ``websockets`` clients on the local
  gateway, posted to through the real ``ApiGatewayMessageSender`` (boto3, signed requests), each
  client reading every message. Client, gateway and sender share this machine's cores, so this is
  a floor, not API Gateway's figure.
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


def _gateway_rate() -> float:
    import websockets

    from tests.support.devstack import running_local_stack
    from tests.support.fanout import CountingRegistry
    from tradecore.adapters.aws.connections import ApiGatewayMessageSender
    from tradecore.domain.realtime import MessageType
    from tradecore.services.realtime.fanout import Fanout

    for name, value in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing"}.items():  # fmt: skip
        os.environ.setdefault(name, value)  # the local gateway checks no signature; botocore needs one
    registry = CountingRegistry()
    with running_local_stack() as stack:
        fanout = Fanout(registry, ApiGatewayMessageSender(stack.core_url, "us-east-1"))

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
    gateway_rate = _gateway_rate()
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
            "fanout.local_gateway.messages_per_s",
            round(gateway_rate),
            "msg/s",
            note=f"{CLIENTS} websockets clients on the local gateway, boto3 @connections, one 2-core machine",
        ),
    ]
