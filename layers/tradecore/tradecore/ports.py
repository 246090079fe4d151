"""The interfaces the services need; adapters implement them, tests fake them.

Services import only these Protocols, never an adapter or a vendor SDK.
"""

from __future__ import annotations

from typing import Any, Protocol

from tradecore.domain.health import ComponentHealth
from tradecore.domain.realtime import MessageType


class HealthProbe(Protocol):
    """Checks one dependency; must answer within its own short timeout and never raise."""

    name: str

    def check(self) -> ComponentHealth: ...


class SchemaInfo(Protocol):
    def schema_version(self) -> int: ...


class Principal(Protocol):
    """Who a verified token speaks for."""

    @property
    def user_id(self) -> str: ...
    @property
    def role(self) -> Any: ...


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The token's principal; ``AuthenticationError`` if missing, expired, tampered or revoked."""
        ...


class ConnectionRegistry(Protocol):
    """Open WebSocket connections and their channel subscriptions."""

    def add(self, connection_id: str, user_id: str, role: str) -> None: ...
    def remove(self, connection_id: str) -> None: ...
    def get(self, connection_id: str) -> dict[str, Any] | None: ...
    def set_channels(self, connection_id: str, channels: list[str]) -> None: ...
    def subscribers(self, channel: str) -> list[str]: ...
    def of_user(self, user_id: str) -> list[str]: ...


class MessageSender(Protocol):
    """Posts one message to one connection; ``False`` when the connection is gone."""

    def send(
        self, connection_id: str, message_type: MessageType, data: dict[str, Any], trace_id: str | None
    ) -> bool: ...
