"""WebSocket use cases: connect (token check), disconnect, subscriptions and ping."""

from __future__ import annotations

import json
from typing import Any

from tradecore.domain.realtime import Action, MessageType, validate_channels
from tradecore.errors import AuthenticationError, InvalidInputError, TradecoreError
from tradecore.observability import current_trace_id, logger
from tradecore.ports import ConnectionRegistry, MessageSender, TokenVerifier

MAX_MESSAGE_BYTES = 128 * 1024


class RealtimeService:
    def __init__(self, registry: ConnectionRegistry, sender: MessageSender, tokens: TokenVerifier) -> None:
        self._registry = registry
        self._sender = sender
        self._tokens = tokens

    def connect(self, connection_id: str, token: str | None) -> str:
        """Register the connection of a valid token's user; ``AuthenticationError`` otherwise."""
        if not token:
            raise AuthenticationError("A token is required: connect with ?token=<JWT>")
        principal = self._tokens.verify(token)
        self._registry.add(connection_id, principal.user_id, principal.role.value, principal.token_id)
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
        requested = validate_channels(message.get("channels"))
        connection = self._registry.get(connection_id)
        if connection is None:
            raise AuthenticationError("This connection is not registered; reconnect")
        current = set(connection.get("channels", []))
        updated = current | set(requested) if action == Action.SUBSCRIBE else current - set(requested)
        self._registry.set_channels(connection_id, sorted(updated))


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
