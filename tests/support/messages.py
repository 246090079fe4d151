"""A recording fake of the realtime message ports (``ChannelPublisher`` and ``UserNotifier``)."""

from __future__ import annotations

from typing import Any

from tradecore.domain.realtime import MessageType


class RecordingPublisher:
    """Records what would have been published to channels (``messages``) or sent to users
    (``notifications``), as ``(channel or user id, message type, data)``."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, MessageType, dict[str, Any]]] = []
        self.notifications: list[tuple[str, MessageType, dict[str, Any]]] = []

    def publish(self, channel: str, message_type: MessageType, data: dict[str, Any]) -> None:
        self.messages.append((channel, message_type, data))

    def notify(self, user_id: str, message_type: MessageType, data: dict[str, Any]) -> None:
        self.notifications.append((user_id, message_type, data))
