"""Stream wiring, user side: every connected account of this task's shard followed on the exchange's
user data stream, its events applied to the user's trades (the trade flow's journal: MongoDB, or
the outbox while it is down) and told to that user alone (the trade flow's events); and the 30 s
account sync of this shard's users with a dashboard open on ``account``.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.ports.accounts import ConnectionListing, SecretCipher
    from tradecore.ports.realtime import ConnectionRegistry, UserNotifier
    from tradecore.ports.stream import UserDataStream
    from tradecore.services.accounts.account_view import AccountService
    from tradecore.services.realtime.account_sync import AccountSync
    from tradecore.services.realtime.user_events import UserEventHandler
    from tradecore.services.realtime.user_stream_worker import UserStreamWorker
    from tradecore.services.trading.events import TradeEvents
    from tradecore.services.trading.journal import TradeJournal


class UserStreamWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by the accounts, trading and realtime wiring

        @property
        def secret_cipher(self) -> SecretCipher: ...
        @property
        def trade_journal(self) -> TradeJournal: ...
        @property
        def trade_events(self) -> TradeEvents: ...
        @property
        def account_service(self) -> AccountService: ...
        @property
        def connection_registry(self) -> ConnectionRegistry: ...
        @property
        def user_notifier(self) -> UserNotifier: ...

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
        """The trade flow's own journal and events: an order event is recorded and told like a trade."""
        from tradecore.domain.accounts import Network
        from tradecore.services.realtime.user_events import UserEventHandler

        mode = Network(self.settings.exchange_mode.value).mode
        return UserEventHandler(self.trade_journal, self.trade_events, mode, clock=self.clock)

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

    @cached_property
    def account_sync(self) -> AccountSync:
        from tradecore.services.realtime.account_sync import AccountSync

        s = self.settings
        return AccountSync(
            self.connection_registry, self.account_service, self.user_notifier,
            shard_index=s.stream_shard_index, shard_count=s.stream_shard_count,
            interval_seconds=s.account_sync_seconds,
        )  # fmt: skip
