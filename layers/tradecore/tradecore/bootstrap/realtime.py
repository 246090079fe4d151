"""Realtime wiring: the WebSocket connection registry, the @connections sender, fan-out.

Without a WebSocket API (``WEBSOCKET_MANAGEMENT_URL`` unset) broadcasts are only logged and no
session can be ended, so nothing here needs API Gateway.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.ports import Broadcaster, ConnectionRegistry, MessageSender, SessionTerminator
    from tradecore.services.auth.tokens import TokenService
    from tradecore.services.realtime.fanout import Fanout
    from tradecore.services.realtime.service import RealtimeService


class RealtimeWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by AuthWiring

        @property
        def token_service(self) -> TokenService: ...

    @cached_property
    def connection_registry(self) -> ConnectionRegistry:
        from tradecore.adapters.aws.connections import DynamoConnectionRegistry

        return DynamoConnectionRegistry(self.settings.connections_table, self.settings.aws_region)

    @cached_property
    def message_sender(self) -> MessageSender:
        from tradecore.adapters.aws.connections import ApiGatewayMessageSender
        from tradecore.errors import ConfigurationError

        if not self.settings.websocket_management_url:
            raise ConfigurationError("WEBSOCKET_MANAGEMENT_URL is not set")
        return ApiGatewayMessageSender(self.settings.websocket_management_url, self.settings.aws_region)

    @cached_property
    def broadcaster(self) -> Broadcaster:
        if not self.settings.websocket_management_url:
            from tradecore.adapters.logging_broadcaster import LoggingBroadcaster

            return LoggingBroadcaster()
        return self.fanout

    @cached_property
    def session_terminator(self) -> SessionTerminator | None:
        """Closes the WebSocket connections of revoked tokens; ``None`` without a WebSocket API."""
        return self.fanout if self.settings.websocket_management_url else None

    @cached_property
    def fanout(self) -> Fanout:
        """Delivery over the WebSocket API: one object publishes and ends sessions."""
        from tradecore.services.realtime.fanout import Fanout

        return Fanout(self.connection_registry, self.message_sender)

    @cached_property
    def realtime(self) -> RealtimeService:
        from tradecore.services.realtime.service import RealtimeService

        return RealtimeService(
            self.connection_registry,
            self.message_sender,
            self.token_service,
            symbols=self.settings.trading_symbols,
        )
