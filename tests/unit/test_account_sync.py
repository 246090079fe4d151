"""The stream task's 30 s account sync on fakes: only users subscribed to ``account``, each once, of
this shard; GET /api/account's body in ``account_update``; the user's refresh slot left alone;
one user's failure sparing the others; a registry outage skipping the round; the cadence on a fake
clock; and at most ``concurrency`` exchange reads at a time."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.support.account_fakes import FakeCache, FakeExchange, FakeExchanges, FakeMarket, balance
from tests.support.auth import FakeClock
from tests.support.messages import RecordingPublisher
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.accounts import AccountSnapshot, Network
from tradecore.domain.realtime import Connection, MessageType
from tradecore.domain.users import Principal, Role
from tradecore.errors import ConflictError, DependencyUnavailableError
from tradecore.services.accounts.account_view import AccountService, AccountView, ViewSource
from tradecore.services.realtime import account_sync as account_sync_module
from tradecore.services.realtime.account_sync import AccountSync, SyncRound
from tradecore.services.realtime.user_stream_worker import shard_of


class FakeRegistry:
    def __init__(self, *connections: tuple[str, str, set[str]]) -> None:
        self.connections = {
            cid: Connection(cid, user_id, Role.TRADER, channels=frozenset(channels))
            for cid, user_id, channels in connections
        }
        self.down = False

    def subscribers(self, channel: str) -> list[str]:
        if self.down:
            raise DependencyUnavailableError("dynamodb down", dependency="dynamodb")
        return [cid for cid, c in self.connections.items() if channel in c.channels]

    def get(self, connection_id: str) -> Connection | None:
        return self.connections.get(connection_id)


class FakeReads:
    """``AccountService.sync`` answering a fixed snapshot, or raising what ``failures`` says."""

    def __init__(self, failures: dict[str, Exception] | None = None, delay: float = 0.0) -> None:
        self.failures = failures or {}
        self.delay = delay
        self.reads: list[str] = []
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()

    def sync(self, user_id: str) -> AccountView:
        with self._lock:
            self.reads.append(user_id)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            if user_id in self.failures:
                raise self.failures[user_id]
            snapshot = AccountSnapshot({}, Decimal(0), datetime(2026, 11, 25, tzinfo=UTC), Network.SIMULATOR)
            return AccountView(snapshot, ViewSource.EXCHANGE)
        finally:
            with self._lock:
                self.in_flight -= 1


def _notified(messages: RecordingPublisher) -> list[str]:
    assert {kind for _, kind, _ in messages.notifications} <= {MessageType.ACCOUNT_UPDATE}
    return sorted(user_id for user_id, _, _ in messages.notifications)


def test_account_sync_reads_only_users_subscribed_to_account_once_each() -> None:
    registry = FakeRegistry(
        ("c1", "u1", {"account", "prices:BTCUSDT"}), ("c2", "u1", {"account"}),  # two tabs: one read
        ("c3", "u2", {"prices:BTCUSDT", "trades"}), ("c4", "u3", {"account"}),
    )  # fmt: skip
    reads, messages = FakeReads(), RecordingPublisher()
    sync = AccountSync(registry, reads, messages)
    assert sync.users() == ["u1", "u3"]
    assert asyncio.run(sync.sync_once()) == SyncRound(synced=2)
    assert sorted(reads.reads) == ["u1", "u3"]
    assert _notified(messages) == ["u1", "u3"]


def test_account_sync_keeps_to_its_shard() -> None:
    users = [f"user-{n}" for n in range(12)]
    registry = FakeRegistry(*((f"c-{u}", u, {"account"}) for u in users))
    shards = [
        AccountSync(registry, FakeReads(), RecordingPublisher(), shard_index=i, shard_count=3).users() for i in range(3)
    ]
    assert sorted(u for shard in shards for u in shard) == sorted(users)  # every user exactly once
    for index, shard in enumerate(shards):
        assert all(shard_of(u, 3) == index for u in shard)
    assert all(shards)  # 12 users over 3 shards: the hash spreads them


def test_account_sync_sends_the_body_of_get_api_account() -> None:
    clock = FakeClock(1_795_600_000.0)
    cache, exchanges = FakeCache(clock), FakeExchanges()
    exchanges.accounts["u1"] = FakeExchange({"USDT": balance("USDT", "100", "0.5"), "BTC": balance("BTC", "0.1")})
    service = AccountService(
        exchanges, cache, cache, lambda: FakeMarket({"BTCUSDT": "50000"}), network=Network.SIMULATOR,  # type: ignore[arg-type]  # reads balances only
        cache_seconds=300, refresh_seconds=10, clock=clock,
    )  # fmt: skip
    messages = RecordingPublisher()
    asyncio.run(AccountSync(FakeRegistry(("c1", "u1", {"account"})), service, messages).sync_once())
    assert messages.notifications == [
        (
            "u1",
            MessageType.ACCOUNT_UPDATE,
            {
                "reason": "sync",
                "balances": [
                    {"asset": "BTC", "free": "0.1", "locked": "0"},
                    {"asset": "USDT", "free": "100", "locked": "0.5"},
                ],
                "equity_usdt": "5100.5",
                "unpriced": [],
                "as_of": "2026-11-25T09:46:40+00:00",
                "source": "exchange",
                "network": "simulator",
                "mode": "paper",
            },
        )
    ]
    # the sync filled the shared cache and left the user's own refresh=true slot free
    assert "u1" in cache.items
    assert cache.windows == {}
    principal = Principal(user_id="u1", role=Role.TRADER, token_id="t", issued_at=0.0, expires_at=0)
    assert service.view(principal, refresh=True).source is ViewSource.EXCHANGE


def test_account_sync_failure_of_one_user_spares_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(account_sync_module.logger, "warning", lambda msg, extra: warnings.append((msg, extra)))
    registry = FakeRegistry(*((f"c{n}", f"u{n}", {"account"}) for n in range(1, 5)))
    reads = FakeReads({
        "u1": RuntimeError("bug"),
        "u2": DependencyUnavailableError("exchange unreachable", dependency="binance"),
        "u3": ConflictError("no exchange connection"),
    })  # fmt: skip
    messages = RecordingPublisher()
    assert asyncio.run(AccountSync(registry, reads, messages).sync_once()) == SyncRound(synced=1, skipped=1, failed=2)
    assert _notified(messages) == ["u4"]
    # the dependency down is logged once for the round, with its reason
    assert warnings == [("accounts not synced", {"failed": 2, "reasons": ["RuntimeError", "exchange unreachable"]})]


def test_account_sync_skips_the_round_when_the_registry_is_down() -> None:
    registry, reads, messages = FakeRegistry(("c1", "u1", {"account"})), FakeReads(), RecordingPublisher()
    registry.down = True
    assert asyncio.run(AccountSync(registry, reads, messages).sync_once()) == SyncRound()
    assert reads.reads == []
    assert messages.notifications == []


def test_account_sync_runs_a_round_every_interval_on_a_fake_clock() -> None:
    clock, sleeps = FakeClock(1000.0), []
    round_seconds = iter([5.0, 5.0, 40.0, 1.0])  # the third round overruns the interval

    class TimedReads(FakeReads):
        def sync(self, user_id: str) -> AccountView:
            clock.advance(next(round_seconds))
            return super().sync(user_id)

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)
        if len(sleeps) == 4:
            raise asyncio.CancelledError

    reads, messages = TimedReads(), RecordingPublisher()
    sync = AccountSync(FakeRegistry(("c1", "u1", {"account"})), reads, messages, clock=clock, sleep=sleep)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(sync.run())
    assert sleeps == [25.0, 25.0, 0.0, 29.0]  # start to start every 30 s; a slow round is followed at once
    assert len(messages.notifications) == 4


def test_account_sync_bounds_concurrent_exchange_reads() -> None:
    registry = FakeRegistry(*((f"c{n}", f"u{n}", {"account"}) for n in range(20)))
    reads, messages = FakeReads(delay=0.02), RecordingPublisher()
    assert asyncio.run(AccountSync(registry, reads, messages, concurrency=3).sync_once()) == SyncRound(synced=20)
    assert 2 <= reads.most_in_flight <= 3
    assert len(_notified(messages)) == 20


def test_account_sync_wiring_takes_the_shard_and_interval_from_settings(
    make_settings: Callable[..., Settings],
) -> None:
    registry, reads, messages = FakeRegistry(), FakeReads(), RecordingPublisher()
    container = bootstrap(
        make_settings(stream_shard_index=1, stream_shard_count=2, account_sync_seconds=45),
        connection_registry=registry, account_service=reads, user_notifier=messages,
    )  # fmt: skip
    sync = container.account_sync
    assert (sync.shard_index, sync.shard_count, sync.interval_seconds) == (1, 2, 45)
    assert (sync.registry, sync.accounts, sync.notifier) == (registry, reads, messages)


def test_account_sync_failure_in_the_stream_task_is_contained() -> None:
    from stream.__main__ import _account_sync

    class Broken:
        async def run(self) -> None:
            raise RuntimeError("sync loop broke")

    class Container:
        account_sync = Broken()

    asyncio.run(_account_sync(Container()))  # logged; the market side's task is not torn down
