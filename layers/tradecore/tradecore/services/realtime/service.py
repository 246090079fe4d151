"""WebSocket use cases: connect (token check), disconnect, subscriptions and ping."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from tradecore.domain.realtime import Action, MessageType, apply_action, validate_channels
from tradecore.errors import AuthenticationError, ConflictError, InvalidInputError, TradecoreError
from tradecore.observability import current_trace_id, logger
from tradecore.ports import ConnectionRegistry, MessageSender, TokenVerifier

MAX_MESSAGE_BYTES = 128 * 1024
# Compare-and-set rounds per frame: only frames of the same connection compete, so a few suffice.
SUBSCRIBE_ATTEMPTS = 5


class RealtimeService:
    def __init__(
        self, registry: ConnectionRegistry, sender: MessageSender, tokens: TokenVerifier, *, symbols: Collection[str]
    ) -> None:
        """``symbols``: the platform's TRADING_SYMBOLS, the only ones with market channels."""
        self._registry = registry
        self._sender = sender
        self._tokens = tokens
        self._symbols = frozenset(symbols)

    def connect(self, connection_id: str, token: str | None) -> str:
        """Register the connection of a valid token's user; ``AuthenticationError`` otherwise."""
        if not token:
            raise AuthenticationError("A token is required: connect with ?token=<JWT>")
        principal = self._tokens.verify(token)
        self._registry.add(connection_id, principal.user_id, principal.role, principal.token_id)
        # A revocation between the check and the registration ended the sessions it could find,
        # not this one: check again now that the connection is findable, and forget it if revoked.
        try:
            self._tokens.verify(token)
        except AuthenticationError:
            self._registry.remove(connection_id)
            raise
        logger.info("websocket connected", extra={"connection_id": connection_id})
        return principal.user_id

    def disconnect(self, connection_id: str) -> None:
        self._registry.remove(connection_id)
        logger.info("websocket disconnected", extra={"connection_id": connection_id})

    def handle_message(self, connection_id: str, body: str | None) -> None:
        """Apply one client message; a bad one is answered with an ``error`` message, never raised."""
        try:
            self._apply(connection_id, _parse(body))
        except TradecoreError as exc:
            self._sender.send(
                connection_id, MessageType.ERROR, {"code": exc.code, "message": exc.message}, current_trace_id()
            )

    def _apply(self, connection_id: str, message: dict[str, Any]) -> None:
        action = message.get("action")
        if action == Action.PING:
            self._sender.send(connection_id, MessageType.PONG, {}, current_trace_id())
            return
        if action not in (Action.SUBSCRIBE, Action.UNSUBSCRIBE):
            raise InvalidInputError("action: expected one of subscribe, unsubscribe, ping")
        # unsubscribing from a symbol that is no longer traded must still work
        symbols = self._symbols if action == Action.SUBSCRIBE else None
        self._update_channels(connection_id, Action(action), validate_channels(message.get("channels"), symbols))

    def _update_channels(self, connection_id: str, action: Action, requested: list[str]) -> None:
        """Read, apply the frame (cap included), write back only if nothing changed meanwhile."""
        for _ in range(SUBSCRIBE_ATTEMPTS):
            current = self._registry.subscriptions(connection_id)
            if current is None:
                raise AuthenticationError("This connection is not registered; reconnect")
            updated = apply_action(current.channels, action, requested)
            if updated == current.channels:
                return
            try:
                self._registry.set_channels(connection_id, sorted(updated), expected_version=current.version)
            except ConflictError:
                continue  # another frame of this connection wrote first: apply ours to its result
            return
        raise ConflictError("channels: subscriptions are changing concurrently; try again")


def _parse(body: str | None) -> dict[str, Any]:
    if body is None or len(body.encode()) > MAX_MESSAGE_BYTES:
        raise InvalidInputError("body: a JSON object of at most 128 KB is required")
    try:
        message = json.loads(body)
    except json.JSONDecodeError:
        raise InvalidInputError("body: not valid JSON") from None
    if not isinstance(message, dict):
        raise InvalidInputError("body: a JSON object is required")
    return message
