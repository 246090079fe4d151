"""WebSocket connections, their subscriptions, and the messages that reach them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from tradecore.domain.realtime import Connection, DeliveryReport, MessageType, SessionsEnded, Subscriptions
from tradecore.domain.users import Role


class ConnectionRegistry(Protocol):
    """Open WebSocket connections and their channel subscriptions."""

    def add(self, connection_id: str, user_id: str, role: Role, token_id: str = "") -> None:
        """Register a new connection (no channels yet); ``token_id``: the token that opened it."""
        ...

    def remove(self, connection_id: str) -> None: ...
    def get(self, connection_id: str) -> Connection | None:
        """The connection, or ``None`` when it is not registered."""
        ...

    def subscriptions(self, connection_id: str) -> Subscriptions | None:
        """The connection's channels and their version; ``None`` when it is not registered."""
        ...

    def set_channels(self, connection_id: str, channels: list[str], *, expected_version: int) -> None:
        """Replace the channels only if they are still at ``expected_version`` (compare-and-set);
        ``ConflictError`` when they changed meanwhile or the connection is gone."""
        ...

    def subscribers(self, channel: str) -> list[str]: ...
    def of_user(self, user_id: str, token_id: str | None = None, channel: str | None = None) -> list[str]:
        """The user's connection ids; with ``token_id`` only those opened with that token, with
        ``channel`` only those subscribed to it."""
        ...


class MessageSender(Protocol):
    """Posts one message to one connection; ``False`` when the connection is gone."""

    def send(
        self, connection_id: str, message_type: MessageType, data: dict[str, Any], trace_id: str | None
    ) -> bool: ...

    def close(self, connection_id: str) -> None:
        """Disconnect a client (nothing happens when it is already gone)."""
        ...


class MessagePoster(Protocol):
    """Posts one message to many connections at once; never raises. A post answered as gone is not
    retried (the report lists it); any other failure is retried once, then reported as failed."""

    def post(
        self, connection_ids: Sequence[str], message_type: MessageType, data: dict[str, Any], trace_id: str | None
    ) -> DeliveryReport: ...

    def shutdown(self) -> None:
        """Let the posts under way finish, then release threads and sockets."""
        ...


# What the platform tells users goes through one of three ports, so a service names what it means
# (everyone on a channel, one user, the end of a user's sessions) and never a connection id.


class ChannelPublisher(Protocol):
    """Hands a message to every subscriber of a public channel (prices, signals, status).

    Best effort: never raises, since a message that is lost must not fail the analysis or the job
    that produced it. Per-user channels (``trades``, ``account``) are refused: see :class:`UserNotifier`.
    """

    def publish(self, channel: str, message_type: MessageType, data: dict[str, Any]) -> None: ...


class UserNotifier(Protocol):
    """Hands a message to every open connection of one user (trade executed, order or account
    updates), and to no one else. Best effort: never raises."""

    def notify(self, user_id: str, message_type: MessageType, data: dict[str, Any]) -> None: ...


class SessionTerminator(Protocol):
    """Ends the live sessions (WebSocket connections) a revocation applies to; never raises."""

    def end_sessions(self, user_id: str, token_id: str | None = None) -> SessionsEnded: ...
