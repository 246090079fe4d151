"""Fan-out: the broadcaster the platform hands messages to (AI signals, prices, trades, status).

Delivery is best effort and never raises into the caller: a failed broadcast must not fail an
analysis or a trade. Connections that API Gateway reports gone are forgotten on the spot.
"""

from __future__ import annotations

from typing import Any

from tradecore.domain.realtime import PER_USER_CHANNELS, MessageType
from tradecore.errors import TradecoreError
from tradecore.observability import current_trace_id, logger
from tradecore.ports import ConnectionRegistry, MessageSender


class Fanout:
    def __init__(self, registry: ConnectionRegistry, sender: MessageSender) -> None:
        self._registry = registry
        self._sender = sender

    def publish(self, channel: str, message_type: str, data: dict[str, Any]) -> None:
        """Send to every subscriber of ``channel`` (never a per-user channel: see ``send_to_user``)."""
        if channel in PER_USER_CHANNELS:
            logger.error("refused to broadcast a per-user channel to everyone", extra={"channel": channel})
            return
        self._deliver(lambda: self._registry.subscribers(channel), MessageType(message_type), data)

    def send_to_user(self, user_id: str, message_type: str, data: dict[str, Any]) -> None:
        """Send to every open connection of one user (trades, account updates)."""
        self._deliver(lambda: self._registry.of_user(user_id), MessageType(message_type), data)

    def end_sessions(self, user_id: str, token_id: str | None = None) -> int:
        """Close the user's connections (only those opened with ``token_id`` when given).

        Called when tokens are revoked (logout, password or role change, deactivation), so a
        revoked user stops receiving messages at once. Best effort: returns how many were closed.
        """
        closed = 0
        try:
            for connection_id in self._registry.of_user(user_id):
                connection = self._registry.get(connection_id) or {}
                if token_id is not None and connection.get("token_id") != token_id:
                    continue
                self._sender.close(connection_id)
                self._registry.remove(connection_id)
                closed += 1
        except Exception as exc:  # noqa: BLE001 - the revocation itself already stands
            logger.warning("ending sessions incomplete", extra={"error": type(exc).__name__})
        return closed

    def _deliver(self, recipients: Any, message_type: MessageType, data: dict[str, Any]) -> int:
        try:
            connection_ids = recipients()
        except TradecoreError as exc:
            logger.warning("broadcast skipped", extra={"type": message_type.value, "error": exc.message})
            return 0
        delivered = 0
        for connection_id in connection_ids:
            # one connection's trouble (throttling, a forbidden post, a failed cleanup) must not
            # cost the other subscribers their message
            try:
                if self._sender.send(connection_id, message_type, data, current_trace_id()):
                    delivered += 1
                else:
                    self._registry.remove(connection_id)
            except Exception as exc:  # noqa: BLE001 - best effort per connection, logged
                logger.warning(
                    "broadcast to one connection failed",
                    extra={"connection_id": connection_id, "type": message_type.value, "error": type(exc).__name__},
                )
        return delivered
