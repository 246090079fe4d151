"""Messages that are only logged: the stand-in where no WebSocket API is configured (the AI
function, a local run without the gateway), so services publish and notify the same way everywhere."""

from __future__ import annotations

from typing import Any

from tradecore.domain.realtime import MessageType
from tradecore.observability import logger

# enough to follow a message in the log without copying its whole payload there
_SUMMARY_KEYS = ("analysis_id", "symbol", "signal", "confidence")


class LoggingPublisher:
    """The ``ChannelPublisher`` and ``UserNotifier`` ports: logs each message (type, recipient, a
    few fields) instead of delivering it; never raises."""

    def __init__(self) -> None:
        self.published = 0
        self.notified = 0

    def publish(self, channel: str, message_type: MessageType, data: dict[str, Any]) -> None:
        self.published += 1
        logger.info(
            "broadcast (not delivered: no realtime wiring)",
            extra={"channel": channel, "type": str(message_type), **_summary(data)},
        )

    def notify(self, user_id: str, message_type: MessageType, data: dict[str, Any]) -> None:
        self.notified += 1
        logger.info(
            "user notification (not delivered: no realtime wiring)",
            extra={"user_id": user_id, "type": str(message_type), **_summary(data)},
        )


def _summary(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data.get(key) for key in _SUMMARY_KEYS if key in data}
