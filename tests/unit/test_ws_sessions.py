"""Ending a user's WebSocket sessions when their tokens are revoked (issue 9, item 2i).

In-memory fakes for the registry and the ``@connections`` sender: one connection's failed close
must not leave the user's other connections open, and a connection whose token is revoked must
not receive another message even when its close fails.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from tests.support.auth import add_user, auth_container
from tradecore.config import Settings
from tradecore.domain.realtime import Connection, MessageType
from tradecore.domain.users import Role
from tradecore.errors import AuthenticationError, DependencyUnavailableError
from tradecore.services.realtime.fanout import Fanout


class MemoryRegistry:
    """The ConnectionRegistry port in a dict; ``failing_removals`` fail that many times each."""

    def __init__(self) -> None:
        self.items: dict[str, Connection] = {}
        self.failing_removals: dict[str, int] = {}

    def add(self, connection_id: str, user_id: str, role: Role, token_id: str = "") -> None:
        self.items[connection_id] = Connection(connection_id, user_id, role, token_id)

    def remove(self, connection_id: str) -> None:
        if self.failing_removals.get(connection_id, 0) > 0:
            self.failing_removals[connection_id] -= 1
            raise DependencyUnavailableError("DynamoDB busy (remove connection)", dependency="dynamodb")
        self.items.pop(connection_id, None)

    def get(self, connection_id: str) -> Connection | None:
        return self.items.get(connection_id)

    def subscribers(self, channel: str) -> list[str]:
        return [cid for cid, connection in self.items.items() if channel in connection.channels]

    def of_user(self, user_id: str, token_id: str | None = None, channel: str | None = None) -> list[str]:
        return [
            cid
            for cid, connection in self.items.items()
            if connection.user_id == user_id
            and (token_id is None or connection.token_id == token_id)
            and (channel is None or channel in connection.channels)
        ]


class FlakyCloser:
    """Records sends and closes; ``failing_closes`` fail that many times each (-1: always)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.closed: list[str] = []
        self.close_attempts: dict[str, int] = {}
        self.failing_closes: dict[str, int] = {}

    def send(self, connection_id: str, message_type: MessageType, data: dict[str, Any], trace_id: str | None) -> bool:
        self.sent.append((connection_id, message_type.value))
        return True

    def close(self, connection_id: str) -> None:
        self.close_attempts[connection_id] = self.close_attempts.get(connection_id, 0) + 1
        remaining = self.failing_closes.get(connection_id, 0)
        if remaining:
            self.failing_closes[connection_id] = remaining - 1
            raise DependencyUnavailableError("WebSocket disconnect failed", dependency="websocket")
        self.closed.append(connection_id)


def _alice_on(registry: MemoryRegistry, *connection_ids: str, opened_with: str = "t-1") -> None:
    for connection_id in connection_ids:
        registry.add(connection_id, "alice", Role.TRADER, opened_with)
        registry.items[connection_id] = replace(registry.items[connection_id], channels=frozenset({"signals"}))


def _fanout(registry: MemoryRegistry, sender: FlakyCloser) -> Fanout:
    return Fanout(registry, sender, retry_delays=(0, 0), sleep=lambda _: None)


def test_end_sessions_one_failed_close_does_not_stop_the_others(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN three connections of alice, the middle one's close failing on every attempt
    registry, sender = MemoryRegistry(), FlakyCloser()
    _alice_on(registry, "c-1", "c-stuck", "c-3")
    sender.failing_closes["c-stuck"] = -1

    # WHEN her sessions end
    report = _fanout(registry, sender).end_sessions("alice")

    # THEN the others are closed, the stuck one was tried a bounded number of times, all are unregistered
    assert sorted(sender.closed) == ["c-1", "c-3"]
    assert sender.close_attempts["c-stuck"] == 3
    assert registry.items == {}
    assert (report.ended, report.failed) == (2, ("c-stuck",))
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    assert [m["WebSocketSessionsNotEnded"] for m in emitted if "WebSocketSessionsNotEnded" in m] == [[1.0]]


def test_end_sessions_a_connection_whose_close_failed_gets_no_further_message() -> None:
    registry, sender = MemoryRegistry(), FlakyCloser()
    _alice_on(registry, "c-stuck")
    sender.failing_closes["c-stuck"] = -1
    fanout = _fanout(registry, sender)

    fanout.end_sessions("alice")
    fanout.publish("signals", MessageType.AI_SIGNAL, {"signal": "Long"})
    fanout.notify("alice", MessageType.TRADE_EXECUTED, {"symbol": "BTCUSDT"})

    assert sender.sent == []


def test_end_sessions_retries_a_transient_close_and_removal() -> None:
    registry, sender = MemoryRegistry(), FlakyCloser()
    _alice_on(registry, "c-1", "c-2")
    sender.failing_closes["c-1"] = 2
    registry.failing_removals["c-2"] = 2

    report = _fanout(registry, sender).end_sessions("alice")

    assert sorted(sender.closed) == ["c-1", "c-2"]
    assert registry.items == {}
    assert (report.ended, report.failed) == (2, ())


def test_end_sessions_a_removal_that_keeps_failing_still_closes_the_connection() -> None:
    # a closed connection gets nothing more: API Gateway answers Gone, and fan-out forgets it
    registry, sender = MemoryRegistry(), FlakyCloser()
    _alice_on(registry, "c-1", "c-2")
    registry.failing_removals["c-1"] = 99

    report = _fanout(registry, sender).end_sessions("alice")

    assert sorted(sender.closed) == ["c-1", "c-2"]
    assert (report.ended, report.failed) == (1, ("c-1",))


def test_end_sessions_with_a_token_ends_only_that_tokens_connections() -> None:
    registry, sender = MemoryRegistry(), FlakyCloser()
    _alice_on(registry, "c-laptop", opened_with="t-laptop")
    _alice_on(registry, "c-phone", opened_with="t-phone")
    registry.add("c-bob", "bob", Role.TRADER, "t-laptop")

    report = _fanout(registry, sender).end_sessions("alice", "t-laptop")

    assert sender.closed == ["c-laptop"]
    assert set(registry.items) == {"c-phone", "c-bob"}
    assert report.ended == 1


def test_end_sessions_reports_a_registry_it_cannot_read() -> None:
    class DownRegistry(MemoryRegistry):
        def of_user(self, user_id: str, token_id: str | None = None, channel: str | None = None) -> list[str]:
            raise DependencyUnavailableError("DynamoDB unavailable", dependency="dynamodb")

    report = _fanout(DownRegistry(), FlakyCloser()).end_sessions("alice")

    assert report.ended == 0
    assert not report.complete


def test_connect_refuses_a_token_revoked_while_it_was_being_registered(
    make_settings: Callable[..., Settings],
) -> None:
    # GIVEN a logout that lands between the token check and the registration of a new connection
    registry, sender = MemoryRegistry(), FlakyCloser()
    container = auth_container(
        make_settings(), sessions=_fanout(registry, sender), connection_registry=registry, message_sender=sender
    )
    token = container.token_service.issue(add_user(container, Role.TRADER))
    tokens, register = container.token_service, registry.add

    def add_after_logout(connection_id: str, user_id: str, role: Role, token_id: str = "") -> None:
        tokens.revoke(tokens.verify(token))  # ends the sessions it can find: not this one yet
        register(connection_id, user_id, role, token_id)

    registry.add = add_after_logout  # type: ignore[method-assign]

    # WHEN the connection is registered THEN it is refused and forgotten, so no fan-out finds it
    with pytest.raises(AuthenticationError):
        container.realtime.connect("c-late", token)
    assert registry.items == {}


def test_revocation_through_the_token_service_survives_a_failed_close(make_settings: Callable[..., Settings]) -> None:
    registry, sender = MemoryRegistry(), FlakyCloser()
    container = auth_container(
        make_settings(), sessions=_fanout(registry, sender), connection_registry=registry, message_sender=sender
    )
    user = add_user(container, Role.TRADER)
    token = container.token_service.issue(user)
    container.realtime.connect("c-1", token)
    container.realtime.connect("c-2", token)
    sender.failing_closes["c-1"] = -1

    container.token_service.revoke_all_before(user.user_id, time.time() + 1)

    assert sender.closed == ["c-2"]
    assert registry.items == {}


def test_notify_reaches_only_the_users_connections_subscribed_to_the_messages_channel() -> None:
    registry = MemoryRegistry()
    for connection_id, user_id, channels in [
        ("c-trades", "alice", {"trades"}),
        ("c-account", "alice", {"account"}),
        ("c-prices", "alice", {"prices:BTCUSDT"}),
        ("c-bob", "bob", {"trades", "account"}),
    ]:
        registry.items[connection_id] = Connection(connection_id, user_id, Role.TRADER, "t", frozenset(channels))
    sender = FlakyCloser()
    fanout = _fanout(registry, sender)

    fanout.notify("alice", MessageType.TRADE_EXECUTED, {"id": "t-1"})
    fanout.notify("alice", MessageType.ORDER_UPDATE, {"id": "t-1"})
    fanout.notify("alice", MessageType.ACCOUNT_UPDATE, {"stale": True})

    assert sender.sent == [
        ("c-trades", "trade_executed"),
        ("c-trades", "order_update"),
        ("c-account", "account_update"),
    ]
