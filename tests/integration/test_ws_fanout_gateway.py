"""Fan-out through the local gateway's ``@connections`` with the real sender and real clients.

moto's management API never answers Gone (DESIGN.md §8); the local gateway does, so the stale
connection's removal runs through botocore's real ``GoneException``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
import websockets

from tests.support.auth import FakeClock
from tests.support.devstack import StackHandle, running_local_stack
from tests.support.fanout import CountingRegistry
from tradecore.adapters.aws.connections import ApiGatewayMessageSender
from tradecore.adapters.aws.signed_poster import SignedConnectionPoster
from tradecore.domain.realtime import MessageType
from tradecore.services.realtime.fanout import Fanout

CLIENTS = 40


@pytest.fixture(scope="module")
def local_stack() -> Iterator[StackHandle]:
    with running_local_stack() as handle:
        yield handle


async def _connection_id(socket: websockets.ClientConnection) -> str:
    await socket.send(json.dumps({"action": "whoami"}))
    return str(json.loads(await asyncio.wait_for(socket.recv(), 10))["event"]["requestContext"]["connectionId"])


@pytest.mark.parametrize("poster", ["boto3-threads", "signed-aiohttp"])
def test_fanout_reaches_each_channels_clients_and_forgets_a_closed_one(local_stack: StackHandle, poster: str) -> None:
    registry = CountingRegistry()
    signed = SignedConnectionPoster(local_stack.core_url, "us-east-1") if poster == "signed-aiohttp" else None
    sender = ApiGatewayMessageSender(local_stack.core_url, "us-east-1")
    fanout = Fanout(registry, sender, clock=FakeClock(), poster=signed)

    async def scenario() -> tuple[list[dict], list[dict], str]:
        # a connection that closed without API Gateway's $disconnect reaching the registry
        async with websockets.connect(local_stack.ws_url + "?token=good") as gone:
            stale = await _connection_id(gone)
        btc = [await websockets.connect(local_stack.ws_url + "?token=good") for _ in range(CLIENTS)]
        eth = await websockets.connect(local_stack.ws_url + "?token=good")
        registry.subscribe("prices:BTCUSDT", stale, *[await _connection_id(socket) for socket in btc])
        registry.subscribe("prices:ETHUSDT", await _connection_id(eth))

        await asyncio.to_thread(fanout.publish, "prices:BTCUSDT", MessageType.PRICE_UPDATE, {"price": "97000.5"})
        received = [json.loads(await asyncio.wait_for(socket.recv(), 10)) for socket in btc]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(eth.recv(), 0.3)  # another channel's client gets nothing
        await asyncio.to_thread(fanout.publish, "prices:ETHUSDT", MessageType.PRICE_UPDATE, {"price": "3500"})
        other = [json.loads(await asyncio.wait_for(eth.recv(), 10))]
        for socket in [*btc, eth]:
            await socket.close()
        return received, other, stale

    received, other, stale = asyncio.run(scenario())
    fanout.shutdown()

    assert len(received) == CLIENTS
    assert all(m["type"] == "price_update" and m["data"] == {"price": "97000.5"} for m in received)
    assert [(m["type"], m["data"]) for m in other] == [("price_update", {"price": "3500"})]
    assert registry.removed == [stale]  # the 410 removed it from the registry
