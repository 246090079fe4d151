"""Fakes for fan-out at scale: a registry of channels that counts its reads, and a sender whose posts
can take time, fail a number of times, or answer as a gone connection (thread-safe: posts run in a pool)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from tradecore.domain.realtime import Connection, MessageType, Subscriptions
from tradecore.domain.users import Role
from tradecore.errors import DependencyUnavailableError


class CountingRegistry:
    """The registry port's reads that fan-out uses, counting each channel's reads."""

    def __init__(self) -> None:
        self.channels: dict[str, set[str]] = {}
        self.users: dict[str, str] = {}
        self.reads: Counter[str] = Counter()
        self.removed: list[str] = []
        self.failing = False

    def subscribe(self, channel: str, *connection_ids: str, user: str = "alice") -> None:
        for connection_id in connection_ids:
            self.channels.setdefault(channel, set()).add(connection_id)
            self.users[connection_id] = user

    def subscribers(self, channel: str) -> list[str]:
        self.reads[channel] += 1
        if self.failing:
            raise DependencyUnavailableError("DynamoDB busy (list subscribers)", dependency="dynamodb")
        return sorted(self.channels.get(channel, set()))

    def of_user(self, user_id: str, token_id: str | None = None, channel: str | None = None) -> list[str]:
        return sorted(cid for cid, user in self.users.items() if user == user_id)

    def add(self, connection_id: str, user_id: str, role: Role, token_id: str = "") -> None:
        self.users[connection_id] = user_id

    def get(self, connection_id: str) -> Connection | None:
        return None

    def subscriptions(self, connection_id: str) -> Subscriptions | None:
        return None

    def set_channels(self, connection_id: str, channels: list[str], *, expected_version: int) -> None:
        raise NotImplementedError

    def remove(self, connection_id: str) -> None:
        self.removed.append(connection_id)
        self.users.pop(connection_id, None)
        for members in self.channels.values():
            members.discard(connection_id)


class ScriptedSender:
    """Records every post attempt; ``gone`` answer 410, ``failures[id]`` raise that many times (-1: always)."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.attempts: Counter[str] = Counter()
        self.delivered: list[tuple[str, str]] = []
        self.gone: set[str] = set()
        self.failures: dict[str, int] = {}
        self.in_flight = 0
        self.peak_in_flight = 0
        self._lock = threading.Lock()

    def send(self, connection_id: str, message_type: MessageType, data: dict[str, Any], trace_id: str | None) -> bool:
        with self._lock:
            self.attempts[connection_id] += 1
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            remaining = self.failures.get(connection_id, 0)
            if remaining > 0:
                self.failures[connection_id] = remaining - 1
        try:
            if self.latency:
                time.sleep(self.latency)
            if remaining:
                raise DependencyUnavailableError("WebSocket delivery failed", dependency="websocket")
            if connection_id in self.gone:
                return False
            with self._lock:
                self.delivered.append((connection_id, message_type.value))
            return True
        finally:
            with self._lock:
                self.in_flight -= 1

    def close(self, connection_id: str) -> None:
        return None
