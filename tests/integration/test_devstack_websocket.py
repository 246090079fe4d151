"""The local WebSocket API and its management API over real sockets, with real clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
import websockets
import websockets.exceptions
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayWebSocketConnectEventModel,
    APIGatewayWebSocketDisconnectEventModel,
    APIGatewayWebSocketMessageEventModel,
)

from tests.support.devstack import StackHandle, running_local_stack


@pytest.fixture(scope="module")
def event_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ws-events")


@pytest.fixture(scope="module")
def local_stack(event_dir: Path) -> Iterator[StackHandle]:
    with running_local_stack(base_env={"EVENT_LOG_DIR": str(event_dir)}, ws_idle_seconds=2.0) as handle:
        yield handle


def _management(local_stack: StackHandle):
    return boto3.client("apigatewaymanagementapi", endpoint_url=local_stack.core_url, region_name="us-east-1")


async def _whoami(socket: websockets.ClientConnection) -> dict:
    await socket.send(json.dumps({"action": "whoami"}))
    return json.loads(await asyncio.wait_for(socket.recv(), 10))["event"]


def test_post_to_connection_arrives_and_gone_after_close(local_stack: StackHandle) -> None:
    client = _management(local_stack)

    async def scenario() -> str:
        async with websockets.connect(local_stack.ws_url + "?token=good") as socket:
            connection_id = (await _whoami(socket))["requestContext"]["connectionId"]
            await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b'{"type":"pong"}')
            assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"type": "pong"}
            info = await asyncio.to_thread(client.get_connection, ConnectionId=connection_id)
            assert info["Identity"]["SourceIp"] == "127.0.0.1"
            assert info["ConnectedAt"] <= info["LastActiveAt"]
            return connection_id

    connection_id = asyncio.run(scenario())
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=connection_id, Data=b"late")
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId="L0SM9cOFvHcCIhw=", Data=b"never")


def test_connect_refused_by_handler_is_refused(local_stack: StackHandle) -> None:
    async def scenario() -> None:
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with websockets.connect(local_stack.ws_url + "?token=bad"):
                pass
        assert refused.value.response.status_code == 401

    asyncio.run(scenario())


def test_events_have_aws_shapes(local_stack: StackHandle, event_dir: Path) -> None:
    async def scenario() -> dict:
        async with websockets.connect(local_stack.ws_url + "?token=good", user_agent_header="ws-test/1") as socket:
            return await _whoami(socket)

    message = asyncio.run(scenario())
    parsed = APIGatewayWebSocketMessageEventModel.model_validate(message)
    assert parsed.request_context.route_key == "whoami"
    assert message["requestContext"]["stage"] == "dev"
    connection_id = message["requestContext"]["connectionId"]
    assert len(connection_id) == 16
    assert connection_id.endswith("=")
    name = connection_id.replace("/", "_")
    connect = json.loads((event_dir / f"connect-{name}.json").read_text())
    parsed_connect = APIGatewayWebSocketConnectEventModel.model_validate(connect)
    assert parsed_connect.request_context.event_type == "CONNECT"
    assert connect["queryStringParameters"] == {"token": "good"}
    assert connect["headers"]["User-Agent"] == "ws-test/1"
    disconnect_file = event_dir / f"disconnect-{name}.json"
    for _ in range(100):
        if disconnect_file.exists():
            break
        asyncio.run(asyncio.sleep(0.05))
    disconnect = json.loads(disconnect_file.read_text())
    parsed_disconnect = APIGatewayWebSocketDisconnectEventModel.model_validate(disconnect)
    assert parsed_disconnect.request_context.disconnect_status_code == 1000


def test_messages_route_by_action_with_default_fallback(local_stack: StackHandle) -> None:
    async def scenario() -> list[dict]:
        async with websockets.connect(local_stack.ws_url + "?token=good") as socket:
            replies = []
            for frame in ('{"action": "nope"}', "not json", "raise"):
                await socket.send(frame)
                replies.append(json.loads(await asyncio.wait_for(socket.recv(), 10)))
            return replies

    unknown, not_json, failed = asyncio.run(scenario())
    assert unknown == {"echo": '{"action": "nope"}', "route": "$default"}
    assert not_json == {"echo": "not json", "route": "$default"}
    assert failed["message"] == "Internal server error"


def test_oversized_and_binary_frames_close_the_connection_not_the_gateway(local_stack: StackHandle) -> None:
    async def scenario() -> tuple[int | None, int | None]:
        async with websockets.connect(local_stack.ws_url + "?token=good", max_size=None) as big:
            await big.send("x" * (128 * 1024 + 1))
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(big.recv(), 10)
        async with websockets.connect(local_stack.ws_url + "?token=good") as binary:
            await binary.send(b"\x00\x01")
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(binary.recv(), 10)
        return big.close_code, binary.close_code

    big_code, binary_code = asyncio.run(scenario())
    assert big_code == 1009
    assert binary_code == 1003
    assert requests.get(local_stack.core_url + "/api/health", timeout=10).status_code == 201


def test_idle_connection_is_closed_going_away(local_stack: StackHandle) -> None:
    async def scenario() -> int | None:
        async with websockets.connect(local_stack.ws_url + "?token=good") as socket:
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(socket.recv(), 10)
            return socket.close_code

    assert asyncio.run(scenario()) == 1001


def test_delete_connection_closes_it(local_stack: StackHandle) -> None:
    client = _management(local_stack)

    async def scenario() -> None:
        async with websockets.connect(local_stack.ws_url + "?token=good") as socket:
            connection_id = (await _whoami(socket))["requestContext"]["connectionId"]
            await asyncio.to_thread(client.delete_connection, ConnectionId=connection_id)
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(socket.recv(), 10)

    asyncio.run(scenario())


def test_sender_close_treats_gone_as_closed(local_stack: StackHandle) -> None:
    # ending sessions counts a connection API Gateway no longer knows (410) as ended, not failed
    from tradecore.adapters.aws.connections import ApiGatewayMessageSender

    sender = ApiGatewayMessageSender(local_stack.core_url, "us-east-1")

    async def scenario() -> str:
        async with websockets.connect(local_stack.ws_url + "?token=good") as socket:
            connection_id = (await _whoami(socket))["requestContext"]["connectionId"]
            await asyncio.to_thread(sender.close, connection_id)
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                await asyncio.wait_for(socket.recv(), 10)
            return connection_id

    connection_id = asyncio.run(scenario())
    sender.close(connection_id)  # already gone: no error
