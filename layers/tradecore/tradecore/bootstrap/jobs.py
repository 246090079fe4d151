"""Jobs wiring: per-user reconciliation (the service, its reports, the queue that fans it out)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.ports import TradeStore, UserNotifier
    from tradecore.ports.accounts import ConnectionListing
    from tradecore.ports.jobs import ReconcileQueue, ReconciliationReportStore
    from tradecore.services.accounts.connections import ConnectionService
    from tradecore.services.jobs.reconcile_fanout import ReconcileFanout
    from tradecore.services.jobs.reconciler import Reconciler


class JobsWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by the trading, accounts, realtime and user-stream wiring

        @property
        def trade_store(self) -> TradeStore: ...
        @property
        def connection_service(self) -> ConnectionService: ...
        @property
        def connection_listing(self) -> ConnectionListing: ...
        @property
        def user_notifier(self) -> UserNotifier: ...

    @cached_property
    def reconciliation_reports(self) -> ReconciliationReportStore:
        from tradecore.adapters.mongo.reconciliation_reports import MongoReconciliationReports

        return MongoReconciliationReports(self.mongo)

    @cached_property
    def reconcile_queue(self) -> ReconcileQueue:
        from tradecore.adapters.aws.reconcile_queue import SqsReconcileQueue
        from tradecore.errors import ConfigurationError

        if not self.settings.reconcile_queue_url:
            raise ConfigurationError("RECONCILE_QUEUE_URL is not set")
        return SqsReconcileQueue(self.settings.reconcile_queue_url, self.settings.aws_region)

    @cached_property
    def reconciler(self) -> Reconciler:
        """One user's records made to agree with the exchange (the worker's, and the chaos test's)."""
        from tradecore.domain.accounts import Network
        from tradecore.services.jobs.reconciler import ReconcilePolicy, Reconciler

        s = self.settings
        policy = ReconcilePolicy(symbols=tuple(s.trading_symbols), mode=Network(s.exchange_mode.value).mode)
        return Reconciler(
            self.trade_store, self.connection_service, self.reconciliation_reports, self.user_notifier, policy,
            clock=self.clock,
        )  # fmt: skip

    @cached_property
    def reconcile_fanout(self) -> ReconcileFanout:
        from tradecore.domain.accounts import Network
        from tradecore.services.jobs.reconcile_fanout import ReconcileFanout

        network = Network(self.settings.exchange_mode.value)
        return ReconcileFanout(self.connection_listing, self.reconcile_queue, network)
