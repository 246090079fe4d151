"""ConnectionService with fakes: what is validated before anything is stored, mainnet's extra
refusals, paper accounts on first use, and the decrypted-credentials cache."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.support.accounts import ContextCipher, FakeDirectory, FakePaperAccounts, InMemoryConnectionStore
from tradecore.domain.accounts import ApiCredentials, ExchangeConnection, KeyPermissions, Network, TradingMode
from tradecore.domain.users import Principal, Role
from tradecore.errors import (
    ConflictError,
    DependencyUnavailableError,
    ExchangeKeyRefusedError,
    ForbiddenError,
    NotFoundError,
    OperationalError,
    WithdrawalEnabledKeyError,
)
from tradecore.services.accounts.connections import ConnectionService

NOW = 1_900_000_000.0
SECRET = "s3cret-of-the-user-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def _principal(user_id: str = "user-1") -> Principal:
    return Principal(user_id=user_id, role=Role.TRADER, token_id="t", issued_at=NOW, expires_at=int(NOW) + 3600)


class World:
    def __init__(self, network: Network = Network.SIMULATOR, **kwargs: Any) -> None:
        self.store = InMemoryConnectionStore()
        self.cipher = ContextCipher()
        self.directory = FakeDirectory()
        self.paper = FakePaperAccounts(self.directory)
        self.clock = Clock()
        self.service = ConnectionService(
            self.store,
            self.cipher,
            self.directory,
            self.paper,
            network=network,
            mainnet_enabled=kwargs.pop("mainnet_enabled", network is Network.MAINNET),
            paper_usdt=Decimal("10000"),
            clock=self.clock,
            **kwargs,
        )


def test_connect_stores_only_the_ciphertext_and_answers_the_key_hint() -> None:
    world = World(Network.TESTNET)
    world.directory.add_key("KEY-abcd", SECRET)

    view = world.service.connect(_principal(), "KEY-abcd", SECRET)

    stored = world.store.connections["user-1"]
    assert SECRET.encode() not in stored.secret_ciphertext
    assert world.cipher.decrypt(stored.secret_ciphertext, user_id="user-1") == SECRET
    assert (view.network, view.mode, view.key_hint, view.paper) == (
        Network.TESTNET,
        TradingMode.TESTNET,
        "…abcd",
        False,
    )
    assert SECRET not in repr(view)


def test_a_key_the_exchange_refuses_is_not_stored_and_the_reason_is_told() -> None:
    world = World(Network.TESTNET)
    world.directory.add_key("KEY-abcd", SECRET)

    with pytest.raises(ExchangeKeyRefusedError) as refused:
        world.service.connect(_principal(), "KEY-abcd", "a wrong secret")

    assert refused.value.status == 422
    assert "Signature for this request is not valid." in refused.value.message
    assert world.store.puts == 0


def test_the_exchange_down_while_connecting_is_503_and_nothing_is_stored() -> None:
    world = World(Network.TESTNET)
    world.directory.add_key("KEY-abcd", SECRET)
    world.directory.down = True

    with pytest.raises(DependencyUnavailableError):
        world.service.connect(_principal(), "KEY-abcd", SECRET)

    assert world.store.puts == 0


@pytest.mark.parametrize("can_withdraw", [True, None], ids=["withdraw-enabled", "unknown"])
def test_mainnet_refuses_a_key_that_may_withdraw(can_withdraw: bool | None) -> None:
    world = World(Network.MAINNET)
    world.directory.add_key("KEY-abcd", SECRET, can_withdraw=can_withdraw)

    with pytest.raises(WithdrawalEnabledKeyError) as refused:
        world.service.connect(_principal(), "KEY-abcd", SECRET)

    assert refused.value.status == 422
    assert refused.value.code == "withdrawal_enabled_key"
    assert world.store.puts == 0


def test_mainnet_accepts_a_trade_only_key_and_keeps_its_permissions() -> None:
    world = World(Network.MAINNET, egress_ip="203.0.113.7")
    world.directory.add_key("KEY-abcd", SECRET, can_withdraw=False)

    view = world.service.connect(_principal(), "KEY-abcd", SECRET)

    assert view.mode is TradingMode.LIVE
    assert view.permissions == KeyPermissions(can_trade=True, can_withdraw=False)
    assert view.egress_ip == "203.0.113.7"


def test_a_mainnet_deployment_that_has_not_enabled_mainnet_refuses_to_connect() -> None:
    world = World(Network.MAINNET, mainnet_enabled=False)
    world.directory.add_key("KEY-abcd", SECRET, can_withdraw=False)

    with pytest.raises(ForbiddenError):
        world.service.connect(_principal(), "KEY-abcd", SECRET)
    assert world.store.puts == 0


def test_the_simulator_opens_a_paper_account_on_first_use_once() -> None:
    world = World(Network.SIMULATOR)

    first = world.service.exchange_for("user-1")
    again = world.service.exchange_for("user-1")

    assert world.paper.opened == [Decimal("10000")]
    assert world.store.connections["user-1"].paper is True
    assert first.credentials == again.credentials
    assert first.get_balances()  # the paper key is one the exchange knows


def test_get_on_the_simulator_shows_the_paper_account() -> None:
    view = World(Network.SIMULATOR).service.get(_principal())
    assert (view.paper, view.mode) == (True, TradingMode.PAPER)


def test_without_a_connection_outside_the_simulator_the_answer_says_how_to_connect() -> None:
    world = World(Network.TESTNET)

    with pytest.raises(ConflictError) as conflict:
        world.service.exchange_for("user-1")
    with pytest.raises(NotFoundError):
        world.service.get(_principal())

    assert "PUT /api/exchange/connection" in conflict.value.message
    assert world.paper.opened == []


def test_credentials_are_decrypted_once_per_ttl_and_never_after_the_key_is_replaced() -> None:
    world = World(Network.TESTNET, credentials_ttl_seconds=300)
    world.directory.add_key("KEY-aaaa", SECRET)
    world.directory.add_key("KEY-bbbb", "another secret")
    world.service.connect(_principal(), "KEY-aaaa", SECRET)

    world.service.exchange_for("user-1")
    world.service.exchange_for("user-1")
    assert world.cipher.decrypts == 1
    world.clock.now += 301
    world.service.exchange_for("user-1")
    assert world.cipher.decrypts == 2

    # another instance replaces the key: the stored ciphertext changed, so the cache is bypassed
    other = ConnectionService(
        world.store,
        world.cipher,
        world.directory,
        None,
        network=Network.TESTNET,
        mainnet_enabled=False,
        paper_usdt=Decimal(1),
        clock=world.clock,
    )
    other.connect(_principal(), "KEY-bbbb", "another secret")
    assert world.service.exchange_for("user-1").credentials.api_key == "KEY-bbbb"


def test_a_deleted_connection_is_not_used_and_delete_says_orders_stay() -> None:
    world = World(Network.TESTNET)
    world.directory.add_key("KEY-aaaa", SECRET)
    world.service.connect(_principal(), "KEY-aaaa", SECRET)
    world.service.exchange_for("user-1")

    answer = world.service.delete(_principal())

    assert answer.removed is True
    assert "Open orders stay on the exchange" in answer.message
    with pytest.raises(ConflictError):
        world.service.exchange_for("user-1")
    with pytest.raises(NotFoundError):
        world.service.delete(_principal())


def test_a_connection_of_another_network_is_refused() -> None:
    world = World(Network.SIMULATOR)
    world.service.exchange_for("user-1")  # paper account on the simulator
    testnet = ConnectionService(
        world.store,
        world.cipher,
        world.directory,
        None,
        network=Network.TESTNET,
        mainnet_enabled=False,
        paper_usdt=Decimal(1),
        clock=world.clock,
    )

    with pytest.raises(ConflictError, match="simulator"):
        testnet.exchange_for("user-1")


def test_users_never_share_credentials() -> None:
    world = World(Network.SIMULATOR)
    one = world.service.exchange_for("user-1")
    two = world.service.exchange_for("user-2")
    assert one.credentials.api_key != two.credentials.api_key


def test_a_paper_secret_that_no_longer_decrypts_gets_a_new_paper_account_on_the_simulator_only() -> None:
    # GIVEN a stored paper connection whose ciphertext the (local, restarted) KMS cannot decrypt
    world = World(Network.SIMULATOR)
    world.service.exchange_for("user-1")
    stale = world.store.connections["user-1"]
    world.store.connections["user-1"] = dataclasses.replace(stale, secret_ciphertext=b"from a forgotten key")

    exchange = world.service.exchange_for("user-1")

    assert world.paper.opened == [Decimal("10000")] * 2
    assert exchange.credentials.api_key == world.store.connections["user-1"].api_key != stale.api_key


def test_a_real_key_that_no_longer_decrypts_is_an_operational_error() -> None:
    world = World(Network.TESTNET)
    world.directory.add_key("KEY-aaaa", SECRET)
    world.service.connect(_principal(), "KEY-aaaa", SECRET)
    stored = world.store.connections["user-1"]
    world.store.connections["user-1"] = dataclasses.replace(stored, secret_ciphertext=b"from a forgotten key")

    with pytest.raises(OperationalError):
        world.service.exchange_for("user-1")


class _RacingStore(InMemoryConnectionStore):
    """Another instance stores its paper connection for the user just before ours is stored."""

    def __init__(self, rival: Callable[[], None]) -> None:
        super().__init__()
        self._rival: Callable[[], None] | None = rival

    def _race(self) -> None:
        rival, self._rival = self._rival, None
        if rival is not None:
            rival()

    def put(self, connection: ExchangeConnection) -> None:
        self._race()
        super().put(connection)

    def add(self, connection: ExchangeConnection) -> bool:
        self._race()
        return super().add(connection)


def test_two_first_uses_at_once_end_with_one_paper_account_both_use() -> None:
    world = World(Network.SIMULATOR)
    rival = ConnectionService(
        world.store,
        world.cipher,
        world.directory,
        world.paper,
        network=Network.SIMULATOR,
        mainnet_enabled=False,
        paper_usdt=Decimal("10000"),
        clock=world.clock,
    )
    rival_first: list[Any] = []
    racing = _RacingStore(lambda: rival_first.append(rival.exchange_for("user-1")))
    rival._store = racing
    ours = ConnectionService(
        racing,
        world.cipher,
        world.directory,
        world.paper,
        network=Network.SIMULATOR,
        mainnet_enabled=False,
        paper_usdt=Decimal("10000"),
        clock=world.clock,
    )

    mine = ours.exchange_for("user-1")  # the rival's first use happens while ours stores its account
    theirs = rival.exchange_for("user-1")

    # every use, the rival's first included, trades the one stored account: none went to an orphan
    stored = _stored_credentials(racing, world.cipher, "user-1")
    assert rival_first[0].credentials == mine.credentials == theirs.credentials == stored


def _stored_credentials(store: InMemoryConnectionStore, cipher: ContextCipher, user_id: str) -> ApiCredentials:
    stored = store.connections[user_id]
    return ApiCredentials(stored.api_key, cipher.decrypt(stored.secret_ciphertext, user_id=user_id))


def test_the_keys_permissions_are_kept_and_an_ending_trading_permission_is_warned_about() -> None:
    # the simulator serves apiRestrictions as mainnet does: a key without an IP whitelist stops trading
    world = World(Network.SIMULATOR)
    ends = datetime.fromtimestamp(NOW, UTC) + timedelta(days=3)
    world.directory.accounts["KEY-abcd"] = (
        SECRET,
        KeyPermissions(can_trade=True, can_withdraw=False, ip_restricted=False, trading_expires_at=ends),
    )

    view = world.service.connect(_principal(), "KEY-abcd", SECRET)

    assert view.permissions.ip_restricted is False
    assert view.permissions.trading_expires_at == ends
    assert view.warning is not None
    assert "unless it is restricted to trusted IPs" in view.warning
