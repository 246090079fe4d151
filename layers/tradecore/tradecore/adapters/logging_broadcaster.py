"""A broadcaster that only logs: the stand-in until the realtime fan-out is wired to the AI function."""

from __future__ import annotations

from typing import Any

from tradecore.observability import logger


class LoggingBroadcaster:
    """Logs each message (type, channel, a few fields) instead of delivering it; never raises."""

    def __init__(self) -> None:
        self.published = 0

    def publish(self, channel: str, message_type: str, data: dict[str, Any]) -> None:
        self.published += 1
        summary: dict[str, Any] = {
            key: data.get(key) for key in ("analysis_id", "symbol", "signal", "confidence") if key in data
        }
        logger.info(
            "broadcast (not delivered: no realtime wiring)", extra={"channel": channel, "type": message_type, **summary}
        )
