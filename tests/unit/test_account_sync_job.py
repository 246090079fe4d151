"""The scheduled account sync on fakes: every connected user's account read from the exchange (the
shared cache refreshed), stored as a snapshot and pushed as ``account_update`` with GET /api/account's
body; one user's failure never stops the others; at most ``concurrency`` reads at a time; counts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from jobs import app as jobs_app
from tests.support.account_fakes import FakeCache, FakeExchange, FakeExchanges, FakeMarket, balance
from tests.support.auth import FakeClock
from tests.support.messages import RecordingPublisher
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.accounts import AccountSnapshot, ConnectionStatus, ExchangeConnection, KeyPermissions, Network
from tradecore.domain.realtime import MessageType
from tradecore.errors import DependencyUnavailableError
from tradecore.services.accounts.account_view import AccountService, AccountView
from tradecore.services.jobs.account_sync_job import AccountSyncJob, AccountSyncRun

T0 = datetime(2026, 11, 25, tzinfo=UTC)


def connection(user_id: str) -> ExchangeConnection:
    return ExchangeConnection(
        user_id, Network.SIMULATOR, "key", b"secret", True, KeyPermissions(can_trade=True),
        ConnectionStatus.ACTIVE, T0, T0,
    )  # fmt: skip


class Listing:
    def __init__(self, *user_ids: str) -> None:
        self.user_ids = list(user_ids)
        self.down = False

    def all_connections(self) -> list[ExchangeConnection]:
        if self.down:
            raise DependencyUnavailableError("MongoDB is unavailable (fake)", dependency="mongodb")
        return [connection(user_id) for user_id in self.user_ids]


class Snapshots:
    def __init__(self) -> None:
        self.stored: list[tuple[str, AccountSnapshot]] = []
        self.down = False

    def add(self, user_id: str, snapshot: AccountSnapshot) -> None:
        if self.down:
            raise DependencyUnavailableError("MongoDB is unavailable (fake)", dependency="mongodb")
        self.stored.append((user_id, snapshot))


class BrokenExchange(FakeExchange):
    def get_balances(self) -> dict[str, Any]:
        raise RuntimeError("bug in one account's client")


class Rig:
    def __init__(self, *user_ids: str) -> None:
        self.clock = FakeClock()
        self.cache = FakeCache(self.clock)
        self.exchanges = FakeExchanges({u: FakeExchange({"USDT": balance("USDT", "100.5")}) for u in user_ids})
        self.accounts = AccountService(
            self.exchanges, self.cache, self.cache, lambda: FakeMarket({"BTCUSDT": "50000"}),  # type: ignore[arg-type]  # balances only
            network=Network.SIMULATOR, cache_seconds=300, refresh_seconds=30, clock=self.clock,
        )  # fmt: skip
        self.listing = Listing(*user_ids)
        self.snapshots = Snapshots()
        self.notifier = RecordingPublisher()

    def job(self, concurrency: int = 4) -> AccountSyncJob:
        return AccountSyncJob(self.listing, self.accounts, self.snapshots, self.notifier, concurrency=concurrency)


def test_account_sync_job_caches_stores_and_pushes_every_connected_users_account() -> None:
    rig = Rig("u-1", "u-2")
    run = rig.job().run()

    assert run == AccountSyncRun(users=2, synced=2)
    assert sorted(user for user, _ in rig.snapshots.stored) == ["u-1", "u-2"]
    snapshot = dict(rig.snapshots.stored)["u-1"]
    assert (snapshot.equity_usdt, snapshot.as_of.timestamp()) == (Decimal("100.5"), rig.clock())
    assert rig.cache.get("u-1") == snapshot  # the cache every instance reads was refreshed
    user, message_type, data = sorted(rig.notifier.notifications, key=lambda n: n[0])[0]
    assert (user, message_type, data["reason"]) == ("u-1", MessageType.ACCOUNT_UPDATE, "sync")
    assert data["balances"] == [{"asset": "USDT", "free": "100.5", "locked": "0"}]
    assert (data["equity_usdt"], data["source"]) == ("100.5", "exchange")


def test_account_sync_job_one_users_failure_never_stops_the_others() -> None:
    rig = Rig("u-1", "u-2", "u-3", "u-4")
    rig.exchanges.accounts["u-2"] = BrokenExchange({})
    del rig.exchanges.accounts["u-3"]  # listed, but the account is gone: skipped, as GET /api/account says
    run = rig.job().run()

    assert run == AccountSyncRun(users=4, synced=2, skipped=1, failed=1)
    assert sorted(user for user, _ in rig.snapshots.stored) == ["u-1", "u-4"]
    assert sorted(user for user, _, _ in rig.notifier.notifications) == ["u-1", "u-4"]


def test_account_sync_job_still_pushes_when_the_snapshot_cannot_be_stored() -> None:
    rig = Rig("u-1")
    rig.snapshots.down = True
    run = rig.job().run()
    assert run == AccountSyncRun(users=1, synced=1, snapshots_unstored=1)
    assert len(rig.notifier.notifications) == 1
    assert rig.cache.get("u-1") is not None


def test_account_sync_job_connections_unlisted_is_an_error_for_the_next_tick() -> None:
    rig = Rig("u-1")
    rig.listing.down = True
    with pytest.raises(DependencyUnavailableError):
        rig.job().run()
    assert rig.notifier.notifications == []


class SlowReads:
    """Counts reads in flight at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = self.most = 0

    def sync(self, user_id: str) -> AccountView:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        time.sleep(0.02)
        with self.lock:
            self.in_flight -= 1
        raise DependencyUnavailableError("Binance is unavailable (fake)", dependency="binance")


def test_account_sync_job_reads_at_most_concurrency_accounts_at_once() -> None:
    rig, reads = Rig(*(f"u-{i}" for i in range(12))), SlowReads()
    run = AccountSyncJob(rig.listing, reads, rig.snapshots, rig.notifier, concurrency=3).run()
    assert run == AccountSyncRun(users=12, failed=12)
    assert reads.most == 3


def test_account_sync_runs_through_its_real_handler(
    make_settings: Callable[..., Settings], load_event: Callable[[str], dict[str, Any]], lambda_context: Any
) -> None:
    rig = Rig("u-1", "u-2")
    rig.exchanges.accounts["u-2"] = BrokenExchange({})
    container = bootstrap(
        make_settings(), connection_listing=rig.listing, account_service=rig.accounts,
        account_snapshots=rig.snapshots, user_notifier=rig.notifier,
    )  # fmt: skip
    jobs_app.use_container(container)
    try:
        result = jobs_app.account_sync(load_event("jobs_account_sync"), lambda_context)
    finally:
        jobs_app.use_container(None)
    counts = {"users": 2, "synced": 1, "skipped": 0, "failed": 1, "snapshots_unstored": 0}
    assert result == {"job": "account_sync", **counts}
    assert [user for user, _ in rig.snapshots.stored] == ["u-1"]
