"""Stream wiring, user side: every connected account of this task's shard followed on the exchange's
user data stream, its events applied to the user's trades and told to that user alone.

Without ``TRADE_OUTBOX_QUEUE_URL`` a record the store cannot take is logged as lost (reconciliation
still finds the order on the exchange); the stream goes on.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring
from tradecore.domain.trades import TradeRecord
from tradecore.errors import DependencyUnavailableError

if TYPE_CHECKING:
    from tradecore.ports import AccountCache, ChannelPublisher, TradeOutbox, TradeStore, UserNotifier
    from tradecore.ports.accounts import ConnectionListing, SecretCipher
    from tradecore.ports.stream import UserDataStream
    from tradecore.services.realtime.user_events import UserEventHandler
    from tradecore.services.realtime.user_stream_worker import UserStreamWorker


class _NoOutbox:
    """The outbox of a task that was given none: every put is refused (the journal logs it)."""

    def put(self, trade: TradeRecord) -> None:
        raise DependencyUnavailableError("TRADE_OUTBOX_QUEUE_URL is not set", dependency="sqs")


class UserStreamWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by the accounts, trading and realtime wiring

        @property
        def secret_cipher(self) -> SecretCipher: ...
        @property
        def trade_store(self) -> TradeStore: ...
        @property
        def trade_outbox(self) -> TradeOutbox: ...
        @property
        def account_cache(self) -> AccountCache: ...
        @property
        def user_notifier(self) -> UserNotifier: ...
        @property
        def channel_publisher(self) -> ChannelPublisher: ...

    @cached_property
    def connection_listing(self) -> ConnectionListing:
        from tradecore.adapters.mongo.connection_store import MongoConnectionStore

        return MongoConnectionStore(self.mongo)

    @cached_property
    def user_data_stream(self) -> UserDataStream:
        from tradecore.adapters.binance.user_streams import BinanceUserStreams

        return BinanceUserStreams(self.settings, clock=self.clock)

    @cached_property
    def user_event_handler(self) -> UserEventHandler:
        from tradecore.domain.accounts import Network
        from tradecore.services.realtime.user_events import UserEventHandler
        from tradecore.services.trading.events import TradeEvents
        from tradecore.services.trading.journal import TradeJournal
        from tradecore.services.trading.rendering import trade_body

        outbox = self.trade_outbox if self.settings.trade_outbox_queue_url else _NoOutbox()
        events = TradeEvents(self.user_notifier, self.channel_publisher, self.account_cache, trade_body)
        mode = Network(self.settings.exchange_mode.value).mode
        return UserEventHandler(TradeJournal(self.trade_store, outbox), events, mode, clock=self.clock)

    @cached_property
    def user_stream_worker(self) -> UserStreamWorker:
        from tradecore.domain.accounts import Network
        from tradecore.services.realtime.user_stream_worker import UserStreamWorker

        s = self.settings
        return UserStreamWorker(
            self.connection_listing, self.secret_cipher, self.user_data_stream, self.user_event_handler.handle,
            Network(s.exchange_mode.value), shard_index=s.stream_shard_index, shard_count=s.stream_shard_count,
            refresh_seconds=s.stream_accounts_refresh_seconds,
        )  # fmt: skip
