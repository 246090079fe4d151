"""Users' exchange connections while MongoDB is down: ConnectionService on the copied store, with
fakes. The copy answers when the store cannot; a removed or replaced key never comes back from it;
a change the copy cannot follow is refused before anything changes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from tests.support.accounts import ContextCipher, FakeDirectory, FakePaperAccounts, InMemoryConnectionStore
from tradecore.domain.accounts import ExchangeConnection, Network
from tradecore.domain.users import Principal, Role
from tradecore.errors import ConflictError, DependencyUnavailableError
from tradecore.services.accounts.connection_copy import CopiedConnectionStore
from tradecore.services.accounts.connections import ConnectionService

NOW = 1_900_000_000.0
SECRET = "s3cret-of-the-user-0123456789"
USER = Principal(user_id="user-1", role=Role.TRADER, token_id="t", issued_at=NOW, expires_at=int(NOW) + 3600)


def _down(what: str) -> DependencyUnavailableError:
    return DependencyUnavailableError(f"{what} is unavailable", dependency=what.lower())


class DownableStore(InMemoryConnectionStore):
    """The MongoDB store: every call raises while ``down``."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.reads = 0

    def get(self, user_id: str) -> ExchangeConnection | None:
        self.reads += 1
        if self.down:
            raise _down("MongoDB")
        return super().get(user_id)

    def put(self, connection: ExchangeConnection) -> None:
        if self.down:
            raise _down("MongoDB")
        super().put(connection)

    def delete(self, user_id: str) -> bool:
        if self.down:
            raise _down("MongoDB")
        return super().delete(user_id)


class FakeCopy:
    """The ServiceStateTable copy, ordered by version as the adapter is (a removal marks ``None``)."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[int, ExchangeConnection | None]] = {}
        self.down = False
        self.writes = 0

    def get(self, user_id: str) -> tuple[bool, ExchangeConnection | None]:
        if self.down:
            raise _down("DynamoDB")
        item = self.items.get(user_id)
        return (False, None) if item is None else (True, item[1])

    def keep(self, connection: ExchangeConnection, *, ttl_seconds: int) -> bool:
        return self._write(connection.user_id, connection.created_at, connection)

    def forget(self, user_id: str, *, as_of: datetime, ttl_seconds: int) -> bool:
        return self._write(user_id, as_of, None)

    def _write(self, user_id: str, instant: datetime, connection: ExchangeConnection | None) -> bool:
        if self.down:
            raise _down("DynamoDB")
        self.writes += 1
        version = int(instant.timestamp() * 1000)
        if user_id in self.items and self.items[user_id][0] > version:
            return False
        self.items[user_id] = (version, connection)
        return True


class World:
    def __init__(self, network: Network = Network.TESTNET) -> None:
        self.now = NOW
        self.store, self.copy = DownableStore(), FakeCopy()
        self.copied = CopiedConnectionStore(self.store, self.copy, refresh_seconds=3600, clock=lambda: self.now)
        self.directory = FakeDirectory()
        self.directory.add_key("KEY-one", SECRET)
        self.directory.add_key("KEY-two", SECRET)
        self.service = ConnectionService(
            self.copied, ContextCipher(), self.directory, FakePaperAccounts(self.directory),  # type: ignore[arg-type]
            network=network, mainnet_enabled=False, paper_usdt=Decimal("10000"), clock=lambda: self.now,
        )  # fmt: skip


def test_connection_copy_store_down_answers_with_the_copy() -> None:
    world = World()
    world.service.connect(USER, "KEY-one", SECRET)
    world.store.down = True

    exchange = world.service.exchange_for(USER.user_id)

    assert exchange.credentials.api_key == "KEY-one"  # type: ignore[attr-defined]
    assert world.store.reads == 1  # the store was asked first


def test_connection_copy_holds_the_ciphertext_never_the_secret() -> None:
    world = World()
    world.service.connect(USER, "KEY-one", SECRET)

    _, copied = world.copy.get(USER.user_id)

    assert copied == world.store.connections[USER.user_id]
    assert copied is not None
    assert SECRET.encode() not in copied.secret_ciphertext


def test_connection_copy_store_down_without_a_copy_is_unavailable() -> None:
    world = World()
    world.store.connections[USER.user_id] = _stored(world)  # stored before copies existed
    world.store.down = True

    with pytest.raises(DependencyUnavailableError, match="MongoDB"):
        world.service.exchange_for(USER.user_id)


def test_connection_copy_store_and_copy_down_is_the_store_outage() -> None:
    world = World()
    world.service.connect(USER, "KEY-one", SECRET)
    world.store.down = world.copy.down = True

    with pytest.raises(DependencyUnavailableError, match="MongoDB"):
        world.service.exchange_for(USER.user_id)


def test_connection_copy_removed_key_never_comes_back() -> None:
    world = World()
    world.service.connect(USER, "KEY-one", SECRET)
    world.service.delete(USER)
    world.store.down = True

    with pytest.raises(ConflictError, match="No exchange account is connected"):
        world.service.exchange_for(USER.user_id)


def test_connection_copy_a_read_racing_a_removal_cannot_restore_the_key() -> None:
    # GIVEN a read of the store that saw the key just before it was removed on another instance
    world = World()
    world.service.connect(USER, "KEY-one", SECRET)
    raced = world.store.connections[USER.user_id]
    world.now += 60
    world.service.delete(USER)
    # WHEN that read's copy arrives after the removal
    assert world.copy.keep(raced, ttl_seconds=60) is False
    world.store.down = True
    # THEN the copy still says removed
    with pytest.raises(ConflictError):
        world.service.exchange_for(USER.user_id)


def test_connection_copy_replaced_key_is_the_one_the_copy_serves() -> None:
    world = World()
    world.service.connect(USER, "KEY-one", SECRET)
    world.now += 60
    world.service.connect(USER, "KEY-two", SECRET)
    world.store.down = True

    assert world.service.exchange_for(USER.user_id).credentials.api_key == "KEY-two"  # type: ignore[attr-defined]


def test_connection_copy_down_refuses_a_removal_and_changes_nothing() -> None:
    world = World()
    world.service.connect(USER, "KEY-one", SECRET)
    world.copy.down = True

    with pytest.raises(DependencyUnavailableError, match="nothing was changed"):
        world.service.delete(USER)

    assert USER.user_id in world.store.connections


def test_connection_copy_refreshed_once_per_window_and_when_the_record_changes() -> None:
    world = World()
    world.service.connect(USER, "KEY-one", SECRET)
    writes = world.copy.writes

    for _ in range(3):
        world.service.exchange_for(USER.user_id)
    assert world.copy.writes == writes  # the copy just written is fresh

    world.now += 3601
    world.service.exchange_for(USER.user_id)
    assert world.copy.writes == writes + 1


def test_connection_copy_outage_does_not_fail_a_read_the_store_answers() -> None:
    world = World()
    world.store.connections[USER.user_id] = _stored(world)
    world.copy.down = True

    assert world.service.exchange_for(USER.user_id).credentials.api_key == "KEY-one"  # type: ignore[attr-defined]


def _stored(world: World) -> ExchangeConnection:
    """KEY-one as a connect on another instance stored it (its copy not taken here)."""
    other = World()
    other.service.connect(USER, "KEY-one", SECRET)
    return other.store.connections[USER.user_id]
