"""WebSocket message contract (DESIGN.md §4): channels clients subscribe to, and message types.

Clients send ``{"action": "subscribe"|"unsubscribe"|"ping", "channels": [...]}``; the server sends
``{"type", "data", "trace_id"}``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from tradecore.errors import InvalidInputError

MAX_CHANNELS_PER_CONNECTION = 50
_SYMBOL = re.compile(r"^[A-Z0-9]{5,20}$")
_PER_SYMBOL = ("prices", "candles")
_GLOBAL = ("signals", "trades", "account", "status")
# A subscription to these means "mine": their messages go to one user's connections only.
PER_USER_CHANNELS = frozenset({"trades", "account"})


class MessageType(StrEnum):
    PRICE_UPDATE = "price_update"
    CANDLE_UPDATE = "candle_update"
    AI_SIGNAL = "ai_signal"
    TRADE_SIGNAL = "trade_signal"
    TRADE_EXECUTED = "trade_executed"
    ACCOUNT_UPDATE = "account_update"
    SERVICE_STATUS = "service_status"
    ERROR = "error"
    PONG = "pong"


class Action(StrEnum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    PING = "ping"


def validate_channel(channel: Any) -> str:
    """``prices:BTCUSDT``, ``candles:ETHUSDT``, ``signals``, ``trades``, ``account``, ``status``."""
    if not isinstance(channel, str):
        raise InvalidInputError("channels: each channel must be a string")
    if channel in _GLOBAL:
        return channel
    kind, _, symbol = channel.partition(":")
    if kind in _PER_SYMBOL and _SYMBOL.match(symbol):
        return channel
    raise InvalidInputError(f"channels: unknown channel {channel[:40]!r}")


def validate_channels(channels: Any) -> list[str]:
    if not isinstance(channels, list) or not channels:
        raise InvalidInputError("channels: a non-empty list is required")
    if len(channels) > MAX_CHANNELS_PER_CONNECTION:
        raise InvalidInputError(f"channels: at most {MAX_CHANNELS_PER_CONNECTION} per connection")
    return sorted({validate_channel(channel) for channel in channels})


def envelope(message_type: MessageType, data: dict[str, Any], trace_id: str | None) -> dict[str, Any]:
    return {"type": message_type.value, "data": data, "trace_id": trace_id}
