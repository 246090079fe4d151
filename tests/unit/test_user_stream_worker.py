"""Which accounts this stream task follows: its shard of the active connections on the deployment's
network, secrets decrypted once per ciphertext, and a stable shard whatever the listing order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime

import pytest

from tests.support.accounts import ContextCipher
from tradecore.domain.accounts import ApiCredentials, ConnectionStatus, ExchangeConnection, KeyPermissions, Network
from tradecore.domain.user_events import AccountEvent, UserEvent
from tradecore.errors import DependencyUnavailableError
from tradecore.services.realtime.user_stream_worker import UserStreamWorker, shard_of

T0 = datetime(2026, 11, 25, tzinfo=UTC)


class Listing:
    def __init__(self, cipher: ContextCipher) -> None:
        self.cipher = cipher
        self.connections: list[ExchangeConnection] = []
        self.down = False

    def add(self, user_id: str, *, network: Network = Network.SIMULATOR, key: str | None = None,
            status: ConnectionStatus = ConnectionStatus.ACTIVE) -> None:  # fmt: skip
        self.connections = [c for c in self.connections if c.user_id != user_id]
        self.connections.append(ExchangeConnection(
            user_id=user_id, network=network, api_key=key or f"key-{user_id}",
            secret_ciphertext=self.cipher.encrypt(f"secret-{user_id}-{key}", user_id=user_id), paper=True,
            permissions=KeyPermissions(can_trade=True, can_withdraw=False), status=status, created_at=T0,
            verified_at=T0,
        ))  # fmt: skip

    def all_connections(self) -> list[ExchangeConnection]:
        if self.down:
            raise DependencyUnavailableError("MongoDB is unavailable (fake)", dependency="mongodb")
        return list(self.connections)


class FakeStream:
    def __init__(self, events: list[UserEvent]) -> None:
        self.events_to_send = events
        self.sets: list[dict[str, ApiCredentials]] = []

    def set_accounts(self, accounts: Mapping[str, ApiCredentials]) -> None:
        self.sets.append(dict(accounts))

    async def events(self) -> AsyncIterator[UserEvent]:
        for event in self.events_to_send:
            yield event
        await asyncio.sleep(0.05)  # let the refresh run once


def _worker(
    listing: Listing, cipher: ContextCipher, stream: FakeStream | None = None, **shard: int
) -> UserStreamWorker:
    return UserStreamWorker(listing, cipher, stream or FakeStream([]), lambda event: None, Network.SIMULATOR, **shard)


def test_user_stream_worker_follows_active_connections_of_its_network() -> None:
    cipher = ContextCipher()
    listing = Listing(cipher)
    listing.add("u-1")
    listing.add("u-2", network=Network.TESTNET)
    listing.add("u-3", status=ConnectionStatus.INVALID)
    assert _worker(listing, cipher).accounts() == {"u-1": ApiCredentials("key-u-1", "secret-u-1-None")}


def test_user_stream_worker_decrypts_each_secret_once_and_again_when_replaced() -> None:
    cipher = ContextCipher()
    listing = Listing(cipher)
    listing.add("u-1")
    worker = _worker(listing, cipher)
    worker.accounts()
    worker.accounts()
    assert cipher.decrypts == 1
    listing.add("u-1", key="new")
    assert worker.accounts()["u-1"] == ApiCredentials("new", "secret-u-1-new")
    assert cipher.decrypts == 2


def test_user_stream_worker_skips_a_secret_that_does_not_decrypt() -> None:
    cipher = ContextCipher()
    listing = Listing(cipher)
    listing.add("u-1")
    listing.add("u-2")
    listing.connections[1] = listing.connections[1].__class__(
        **{**listing.connections[1].__dict__, "secret_ciphertext": b"garbage"}
    )
    assert set(_worker(listing, cipher).accounts()) == {"u-1"}


def test_user_stream_worker_shards_split_users_once_each_whatever_the_order() -> None:
    cipher = ContextCipher()
    listing = Listing(cipher)
    users = [f"user-{n}" for n in range(60)]
    for user in users:
        listing.add(user)
    shards = [set(_worker(listing, cipher, shard_index=i, shard_count=3).accounts()) for i in range(3)]
    listing.connections.reverse()
    again = [set(_worker(listing, cipher, shard_index=i, shard_count=3).accounts()) for i in range(3)]
    assert shards == again
    assert sorted(u for shard in shards for u in shard) == sorted(users)
    assert all(shard for shard in shards)


def test_user_stream_worker_shard_of_is_stable_across_processes() -> None:
    # SHA-256 based: these values hold in every process (Python's str hash is salted per process)
    assert [shard_of(u, 4) for u in ("alice", "bob", "u-1")] == [3, 2, 1]
    assert shard_of("anyone", 1) == 0
    assert {shard_of(f"u{n}", 4) for n in range(40)} == {0, 1, 2, 3}


def test_user_stream_worker_run_refreshes_the_accounts_and_applies_events_in_order() -> None:
    cipher = ContextCipher()
    listing = Listing(cipher)
    listing.add("u-1")
    events: list[UserEvent] = [AccountEvent("u-1", ("BTC",), 1), AccountEvent("u-1", ("USDT",), 2)]
    stream = FakeStream(events)
    applied: list[UserEvent] = []
    worker = UserStreamWorker(listing, cipher, stream, applied.append, Network.SIMULATOR, refresh_seconds=60)
    asyncio.run(worker.run())
    assert applied == events
    assert stream.sets == [{"u-1": ApiCredentials("key-u-1", "secret-u-1-None")}]


def test_user_stream_worker_store_down_keeps_the_last_set() -> None:
    cipher = ContextCipher()
    listing = Listing(cipher)
    listing.down = True
    stream = FakeStream([])
    worker = UserStreamWorker(listing, cipher, stream, lambda e: None, Network.SIMULATOR, refresh_seconds=60)
    asyncio.run(worker.run())
    assert stream.sets == []  # nothing replaced the accounts already followed


@pytest.mark.parametrize("count", [1, 2, 5])
def test_user_stream_worker_shard_is_within_range(count: int) -> None:
    assert all(0 <= shard_of(f"u{n}", count) < count for n in range(50))
