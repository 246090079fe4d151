"""WebSocket message contract (DESIGN.md §4): channels clients subscribe to, and message types.

Clients send ``{"action": "subscribe"|"unsubscribe"|"ping", "channels": [...]}``; the server sends
``{"type", "data", "trace_id"}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tradecore.domain.users import Role
from tradecore.errors import InvalidInputError

# Per connection, over all its frames: every publish to a channel costs one @connections post per
# subscriber, and the connection item must stay small.
MAX_CHANNELS_PER_CONNECTION = 50
_SYMBOL = re.compile(r"^[A-Z0-9]{5,20}$")
_GLOBAL = ("signals", "trades", "account", "status")
# Binance's kline intervals (the keys of domain.candles.TIMEFRAME_MS, which imports numpy: not on
# the WebSocket function's cold start path; a test keeps the two equal)
CANDLE_INTERVALS = frozenset(
    {"1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"}
)
# API Gateway's WebSocket frame limit (DESIGN.md §7): a larger message is refused, never sent.
MAX_FRAME_BYTES = 32 * 1024
# A subscription to these means "mine": their messages go to one user's connections only.
PER_USER_CHANNELS = frozenset({"trades", "account"})


class MessageType(StrEnum):
    PRICE_UPDATE = "price_update"
    CANDLE_UPDATE = "candle_update"
    BOOK_UPDATE = "book_update"
    AI_SIGNAL = "ai_signal"
    TRADE_SIGNAL = "trade_signal"
    TRADE_EXECUTED = "trade_executed"
    ORDER_UPDATE = "order_update"
    ACCOUNT_UPDATE = "account_update"
    SERVICE_STATUS = "service_status"
    ERROR = "error"
    PONG = "pong"


# Which of a user's own channels each per-user message belongs to: only their connections that
# subscribed to it receive it (a dashboard tab showing prices only does not get trade messages).
_USER_CHANNEL_OF = {
    MessageType.TRADE_EXECUTED: "trades",
    MessageType.ORDER_UPDATE: "trades",
    MessageType.ACCOUNT_UPDATE: "account",
}


def user_channel(message_type: MessageType) -> str | None:
    """The per-user channel of ``message_type``; None for a message every connection of the user gets."""
    return _USER_CHANNEL_OF.get(message_type)


class Action(StrEnum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    PING = "ping"


@dataclass(frozen=True)
class Subscriptions:
    """A connection's channels and the version they were read at (for a compare-and-set write)."""

    channels: frozenset[str]
    version: int


@dataclass(frozen=True)
class Connection:
    """One open WebSocket connection, as the connection registry knows it.

    ``token_id`` is the id of the token that opened it (revoking that token ends it; empty for
    connections registered before tokens had ids). ``channels_version`` is bumped by every change of
    ``channels``, so concurrent frames can compare-and-set. Times are epoch seconds; the registry may
    forget the connection after ``expires_at`` (API Gateway ends every connection after 2 hours).
    """

    connection_id: str
    user_id: str
    role: Role
    token_id: str = ""
    channels: frozenset[str] = frozenset()
    channels_version: int = 0
    connected_at: int = 0
    expires_at: int = 0

    @property
    def subscriptions(self) -> Subscriptions:
        return Subscriptions(self.channels, self.channels_version)


@dataclass(frozen=True)
class SessionsEnded:
    """What ending a user's sessions achieved: ``failed`` connections may still be open or registered.

    ``complete`` is False when the user's connections could not even be listed.
    """

    ended: int
    failed: tuple[str, ...] = ()
    complete: bool = True


def validate_channel(channel: Any, symbols: Collection[str] | None) -> str:
    """``prices:<SYMBOL>``, ``book:<SYMBOL>``, ``candles:<SYMBOL>:<interval>``, or a global channel.

    Market channels exist only for ``symbols`` (the platform's ``TRADING_SYMBOLS``); with ``None``
    any well-formed symbol passes (unsubscribing from a symbol no longer traded must still work).
    """
    if not isinstance(channel, str):
        raise InvalidInputError("channels: each channel must be a string")
    if channel in _GLOBAL:
        return channel
    kind, _, rest = channel.partition(":")
    symbol, _, interval = rest.partition(":")
    well_formed = (kind in ("prices", "book") and not interval) or (kind == "candles" and interval in CANDLE_INTERVALS)
    if well_formed and _SYMBOL.match(symbol) and (symbols is None or symbol in symbols):
        return channel
    raise InvalidInputError(f"channels: unknown channel {channel[:40]!r}")


def validate_channels(channels: Any, symbols: Collection[str] | None) -> list[str]:
    """The distinct channels of one frame, sorted; ``InvalidInputError`` if any is unknown."""
    if not isinstance(channels, list) or not channels:
        raise InvalidInputError("channels: a non-empty list is required")
    if len(channels) > MAX_CHANNELS_PER_CONNECTION:
        raise InvalidInputError(f"channels: at most {MAX_CHANNELS_PER_CONNECTION} per connection")
    return sorted({validate_channel(channel, symbols) for channel in channels})


def apply_action(current: frozenset[str], action: Action, requested: Iterable[str]) -> frozenset[str]:
    """The channels after a subscribe/unsubscribe; ``InvalidInputError`` past the per-connection cap."""
    if action is Action.UNSUBSCRIBE:
        return current - set(requested)
    updated = current | set(requested)
    if len(updated) > MAX_CHANNELS_PER_CONNECTION:
        raise InvalidInputError(
            f"channels: at most {MAX_CHANNELS_PER_CONNECTION} per connection "
            f"(this one has {len(current)}; unsubscribe from some first)"
        )
    return updated


def envelope(message_type: MessageType, data: dict[str, Any], trace_id: str | None) -> dict[str, Any]:
    return {"type": message_type.value, "data": data, "trace_id": trace_id}


def frame(message_type: MessageType, data: dict[str, Any], trace_id: str | None) -> bytes:
    """The message as it goes over the wire (JSON of :func:`envelope`; Decimals and times as strings).

    One encoding for the size check and the post, so what was measured is what is sent.
    """
    return json.dumps(envelope(message_type, data, trace_id), default=str).encode()


@dataclass(frozen=True)
class DeliveryReport:
    """What one message to many connections achieved: ``gone`` connections no longer exist at API
    Gateway; ``failed`` ones could not be reached twice (throttled, forbidden, network) and may
    still be open."""

    delivered: int
    gone: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
