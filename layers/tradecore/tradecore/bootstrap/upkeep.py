"""Upkeep wiring: the scheduled account sync (the stream task's safety net) and the outbox drain
(trade records that waited in SQS while MongoDB was down)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.ports import TradeStore, UserNotifier
    from tradecore.ports.accounts import ConnectionListing
    from tradecore.services.accounts.account_view import AccountService
    from tradecore.services.jobs.account_sync_job import AccountSyncJob, SnapshotHistory
    from tradecore.services.jobs.outbox_drain import OutboxDrain

# exchange reads in flight at once per run: well under the exchange's per-IP weight in a minute
ACCOUNT_SYNC_CONCURRENCY = 8


class UpkeepWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by AccountsWiring, RealtimeWiring, TradingWiring and UserStreamWiring

        @property
        def account_service(self) -> AccountService: ...
        @property
        def user_notifier(self) -> UserNotifier: ...
        @property
        def trade_store(self) -> TradeStore: ...
        @property
        def connection_listing(self) -> ConnectionListing: ...

    @cached_property
    def account_snapshots(self) -> SnapshotHistory:
        from tradecore.adapters.mongo.account_snapshots import MongoAccountSnapshots

        return MongoAccountSnapshots(self.mongo)

    @cached_property
    def account_sync_job(self) -> AccountSyncJob:
        """Every connected user's account, each minute: cached, stored as a snapshot, pushed."""
        from tradecore.services.jobs.account_sync_job import AccountSyncJob

        return AccountSyncJob(
            self.connection_listing,
            self.account_service,
            self.account_snapshots,
            self.user_notifier,
            concurrency=ACCOUNT_SYNC_CONCURRENCY,
        )

    @cached_property
    def outbox_drain(self) -> OutboxDrain:
        from tradecore.services.jobs.outbox_drain import OutboxDrain

        return OutboxDrain(self.trade_store)
