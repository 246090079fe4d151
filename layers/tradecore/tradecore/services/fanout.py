"""Fan-out: the broadcaster the platform hands messages to (AI signals, prices, trades, status).

Delivery is best effort and never raises into the caller: a failed broadcast must not fail an
analysis or a trade. Connections that API Gateway reports gone are forgotten on the spot.
"""

from __future__ import annotations

from typing import Any

from tradecore.domain.realtime import MessageType
from tradecore.errors import TradecoreError
from tradecore.observability import current_trace_id, logger
from tradecore.ports import ConnectionRegistry, MessageSender


class Fanout:
    def __init__(self, registry: ConnectionRegistry, sender: MessageSender) -> None:
        self._registry = registry
        self._sender = sender

    def publish(self, channel: str, message_type: str, data: dict[str, Any]) -> None:
        """Send to every subscriber of ``channel``."""
        self._deliver(lambda: self._registry.subscribers(channel), MessageType(message_type), data)

    def send_to_user(self, user_id: str, message_type: str, data: dict[str, Any]) -> None:
        """Send to every open connection of one user (trades, account updates)."""
        self._deliver(lambda: self._registry.of_user(user_id), MessageType(message_type), data)

    def _deliver(self, recipients: Any, message_type: MessageType, data: dict[str, Any]) -> int:
        delivered = 0
        try:
            for connection_id in recipients():
                if self._sender.send(connection_id, message_type, data, current_trace_id()):
                    delivered += 1
                else:
                    self._registry.remove(connection_id)
        except TradecoreError as exc:
            logger.warning("broadcast incomplete", extra={"type": message_type.value, "error": exc.message})
        return delivered
