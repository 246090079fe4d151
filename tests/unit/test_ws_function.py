"""The WebSocket function through its real handler: connect with a token, subscribe, ping, fan-out.

DynamoDB is moto (the ConnectionsTable built from the template's own definition); posting to
connections is a recording fake, since moto never reports a connection gone (DESIGN.md §8).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.auth import add_user, auth_container
from tests.support.connections import TABLE, RecordingSender, create_connections_table
from tradecore.adapters.aws.connections import DynamoConnectionRegistry
from tradecore.config import Settings
from tradecore.domain.realtime import MessageType
from tradecore.domain.users import Role
from tradecore.errors import DependencyUnavailableError
from tradecore.services.realtime.fanout import Fanout
from ws import app as ws_app


@pytest.fixture
def ws(aws: None, make_settings: Callable[..., Settings]) -> Any:
    create_connections_table()
    sender = RecordingSender()
    registry = DynamoConnectionRegistry(TABLE, "us-east-1")
    container = auth_container(
        make_settings(connections_table=TABLE), connection_registry=registry, message_sender=sender
    )
    ws_app.use_container(container)
    yield container, registry, sender
    ws_app.use_container(None)


def _connect(load_event: Callable[[str], dict[str, Any]], token: str | None, connection_id: str) -> dict[str, Any]:
    event = load_event("ws_connect")
    event["queryStringParameters"] = {"token": token} if token is not None else None
    event["requestContext"]["connectionId"] = connection_id
    return ws_app.handler(event, None)


def _message(load_event: Callable[[str], dict[str, Any]], body: str, connection_id: str) -> dict[str, Any]:
    event = load_event("ws_message")
    event["body"] = body
    event["requestContext"]["connectionId"] = connection_id
    return ws_app.handler(event, None)


def _channels(registry: DynamoConnectionRegistry, connection_id: str) -> list[str]:
    connection = registry.get(connection_id)
    assert connection is not None
    return sorted(connection.channels)


def test_connect_needs_a_valid_token(ws: Any, load_event: Callable[[str], dict[str, Any]]) -> None:
    container, registry, _ = ws
    assert _connect(load_event, None, "c-none")["statusCode"] == 401
    assert _connect(load_event, "not.a.jwt", "c-bad")["statusCode"] == 401
    assert registry.get("c-none") is None
    assert registry.get("c-bad") is None

    user = add_user(container, Role.TRADER)
    token = container.token_service.issue(user)
    assert _connect(load_event, token, "c-ok")["statusCode"] == 200
    stored = registry.get("c-ok")
    assert stored is not None
    assert stored.user_id == user.user_id
    assert stored.channels == frozenset()


def test_subscribe_ping_and_fan_out(ws: Any, load_event: Callable[[str], dict[str, Any]]) -> None:
    container, registry, sender = ws
    token = container.token_service.issue(add_user(container, Role.VIEWER))
    _connect(load_event, token, "c-1")
    _connect(load_event, token, "c-2")

    _message(load_event, json.dumps({"action": "subscribe", "channels": ["prices:BTCUSDT", "signals"]}), "c-1")
    _message(load_event, json.dumps({"action": "subscribe", "channels": ["signals"]}), "c-2")
    _message(load_event, json.dumps({"action": "unsubscribe", "channels": ["signals"]}), "c-2")
    assert _channels(registry, "c-1") == ["prices:BTCUSDT", "signals"]
    assert _channels(registry, "c-2") == []

    _message(load_event, json.dumps({"action": "ping"}), "c-2")
    assert sender.sent[-1] == ("c-2", "pong", {})

    fanout = Fanout(registry, sender)
    fanout.publish("signals", MessageType.AI_SIGNAL, {"symbol": "BTCUSDT", "signal": "Long"})
    assert [sent[0] for sent in sender.sent if sent[1] == "ai_signal"] == ["c-1"]


def test_a_gone_connection_is_forgotten_on_fan_out(ws: Any, load_event: Callable[[str], dict[str, Any]]) -> None:
    container, registry, sender = ws
    _connect(load_event, container.token_service.issue(add_user(container, Role.VIEWER)), "c-gone")
    _message(load_event, json.dumps({"action": "subscribe", "channels": ["signals"]}), "c-gone")
    sender.gone.add("c-gone")
    Fanout(registry, sender).publish("signals", MessageType.AI_SIGNAL, {"signal": "Short"})
    assert registry.get("c-gone") is None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps(["subscribe"]), "JSON object"),
        (json.dumps({"action": "dance"}), "action"),
        (json.dumps({"action": "subscribe", "channels": ["prices:btc usdt"]}), "unknown channel"),
        (json.dumps({"action": "subscribe", "channels": []}), "non-empty"),
        ("x" * (129 * 1024), "128 KB"),
    ],
)
def test_bad_messages_get_an_error_message_and_change_nothing(
    ws: Any, load_event: Callable[[str], dict[str, Any]], body: str, fragment: str
) -> None:
    container, registry, sender = ws
    _connect(load_event, container.token_service.issue(add_user(container, Role.VIEWER)), "c-x")
    assert _message(load_event, body, "c-x")["statusCode"] == 200
    connection_id, message_type, data = sender.sent[-1]
    assert (connection_id, message_type) == ("c-x", "error")
    assert fragment in data["message"]
    assert _channels(registry, "c-x") == []


def test_disconnect_removes_the_connection(ws: Any, load_event: Callable[[str], dict[str, Any]]) -> None:
    container, registry, _ = ws
    _connect(load_event, container.token_service.issue(add_user(container, Role.VIEWER)), "TXAnzc9goAMCJqA=")
    assert ws_app.handler(load_event("ws_disconnect"), None)["statusCode"] == 200
    assert registry.get("TXAnzc9goAMCJqA=") is None


class FlakySender(RecordingSender):
    def __init__(self) -> None:
        super().__init__()
        self.attempted: set[str] = set()

    def send(self, connection_id: str, message_type: MessageType, data: dict[str, Any], trace_id: str | None) -> bool:
        self.attempted.add(connection_id)
        if connection_id.startswith("c-throttled"):
            raise DependencyUnavailableError("throttled", dependency="websocket")
        return super().send(connection_id, message_type, data, trace_id)


def test_one_failing_connection_does_not_stop_the_broadcast(
    ws: Any, load_event: Callable[[str], dict[str, Any]]
) -> None:
    container, registry, _ = ws
    token = container.token_service.issue(add_user(container, Role.VIEWER))
    connections = ("c-throttled-1", "c-fine", "c-throttled-2")
    for connection_id in connections:
        _connect(load_event, token, connection_id)
        _message(load_event, json.dumps({"action": "subscribe", "channels": ["signals"]}), connection_id)
    sender = FlakySender()
    Fanout(registry, sender).publish("signals", MessageType.AI_SIGNAL, {"signal": "Long"})
    assert sender.attempted == set(connections)
    assert [sent[0] for sent in sender.sent] == ["c-fine"]
    assert registry.get("c-throttled-1") is not None  # a busy connection is not a gone one


def test_per_user_channels_are_never_broadcast_to_everyone(
    ws: Any, load_event: Callable[[str], dict[str, Any]]
) -> None:
    container, registry, sender = ws
    alice = add_user(container, Role.TRADER, email="alice@example.com")
    bob = add_user(container, Role.TRADER, email="bob@example.com")
    _connect(load_event, container.token_service.issue(alice), "c-alice")
    _connect(load_event, container.token_service.issue(bob), "c-bob")
    for connection_id in ("c-alice", "c-bob"):
        _message(load_event, json.dumps({"action": "subscribe", "channels": ["trades"]}), connection_id)
    fanout = Fanout(registry, sender)

    fanout.publish("trades", MessageType.TRADE_EXECUTED, {"user": "alice", "symbol": "BTCUSDT"})
    assert not [sent for sent in sender.sent if sent[1] == "trade_executed"]

    fanout.notify(alice.user_id, MessageType.TRADE_EXECUTED, {"symbol": "BTCUSDT"})
    assert [sent[0] for sent in sender.sent if sent[1] == "trade_executed"] == ["c-alice"]


def test_revoking_tokens_closes_the_connections_they_opened(
    aws: None, make_settings: Callable[..., Settings], load_event: Callable[[str], dict[str, Any]]
) -> None:
    # GIVEN revocation wired to the WebSocket fan-out, as bootstrap does with a WebSocket API
    create_connections_table()
    registry, sender = DynamoConnectionRegistry(TABLE, "us-east-1"), RecordingSender()
    container = auth_container(
        make_settings(connections_table=TABLE),
        sessions=Fanout(registry, sender),
        connection_registry=registry,
        message_sender=sender,
    )
    ws_app.use_container(container)
    try:
        user = add_user(container, Role.TRADER)
        laptop, phone = container.token_service.issue(user), container.token_service.issue(user)
        _connect(load_event, laptop, "c-laptop")
        _connect(load_event, phone, "c-phone")

        # WHEN one token is revoked (logout) THEN only its connection is closed
        container.token_service.revoke(container.token_service.verify(laptop))
        assert sender.closed == ["c-laptop"]
        assert registry.get("c-laptop") is None
        assert registry.get("c-phone") is not None

        # WHEN every token is revoked (password change, deactivation) THEN every connection goes
        container.token_service.revoke_all_before(user.user_id, time.time() + 1)
        assert sender.closed == ["c-laptop", "c-phone"]
        assert registry.get("c-phone") is None
    finally:
        ws_app.use_container(None)
