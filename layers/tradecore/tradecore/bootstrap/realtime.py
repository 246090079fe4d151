"""Realtime wiring: the WebSocket connection registry, the @connections sender, fan-out.

Without a WebSocket API (``WEBSOCKET_MANAGEMENT_URL`` unset) messages to channels and to users are
only logged and no session can be ended, so nothing here needs API Gateway.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.adapters.logging_publisher import LoggingPublisher
    from tradecore.ports import (
        ChannelPublisher,
        ConnectionRegistry,
        MessagePoster,
        MessageSender,
        SessionTerminator,
        UserNotifier,
    )
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

        return DynamoConnectionRegistry(self.settings.connections_table, self.settings.aws_region, clock=self.clock)

    @cached_property
    def message_sender(self) -> MessageSender:
        from tradecore.adapters.aws.connections import ApiGatewayMessageSender
        from tradecore.errors import ConfigurationError

        if not self.settings.websocket_management_url:
            raise ConfigurationError("WEBSOCKET_MANAGEMENT_URL is not set")
        return ApiGatewayMessageSender(self.settings.websocket_management_url, self.settings.aws_region)

    @cached_property
    def channel_publisher(self) -> ChannelPublisher:
        """Messages to every subscriber of a channel (signals, prices, status)."""
        return self.fanout if self.settings.websocket_management_url else self.logging_publisher

    @cached_property
    def user_notifier(self) -> UserNotifier:
        """Messages to one user's connections (trades, orders, account)."""
        return self.fanout if self.settings.websocket_management_url else self.logging_publisher

    @cached_property
    def logging_publisher(self) -> LoggingPublisher:
        """The stand-in that only logs, where there is no WebSocket API to deliver through."""
        from tradecore.adapters.logging_publisher import LoggingPublisher

        return LoggingPublisher()

    @cached_property
    def session_terminator(self) -> SessionTerminator | None:
        """Closes the WebSocket connections of revoked tokens; ``None`` without a WebSocket API."""
        return self.fanout if self.settings.websocket_management_url else None

    @cached_property
    def fanout(self) -> Fanout:
        """Delivery over the WebSocket API: one object publishes, notifies and ends sessions."""
        from tradecore.services.realtime.fanout import Fanout

        return Fanout(self.connection_registry, self.message_sender, poster=self.message_poster)

    @cached_property
    def message_poster(self) -> MessagePoster | None:
        """One message to many connections: ``None`` = the fan-out's own pool of threads over the
        boto3 sender; ``WEBSOCKET_POSTER=async`` (the stream task) = signed aiohttp posts."""
        from tradecore.config import WebSocketPoster

        if self.settings.websocket_poster is not WebSocketPoster.ASYNC or not self.settings.websocket_management_url:
            return None
        from tradecore.adapters.aws.signed_poster import SignedConnectionPoster

        return SignedConnectionPoster(self.settings.websocket_management_url, self.settings.aws_region)

    @cached_property
    def realtime(self) -> RealtimeService:
        from tradecore.services.realtime.service import RealtimeService

        return RealtimeService(
            self.connection_registry,
            self.message_sender,
            self.token_service,
            symbols=self.settings.trading_symbols,
        )
