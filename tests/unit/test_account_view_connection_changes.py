"""The account view follows the user's connection: connecting another key or removing it drops the
cached snapshot on every instance, so the view never shows an account the user no longer holds."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.account_fakes import FakeCache, FakeMarket
from tests.support.accounts import ContextCipher, FakeDirectory, FakePaperAccounts, InMemoryConnectionStore
from tests.support.auth import FakeClock, auth_container
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.users import Principal, Role
from tradecore.errors import ConflictError

SECRET = "user-secret-0123456789abcdef"
USER = Principal(user_id="u-1", role=Role.TRADER, token_id="t-1", issued_at=0.0, expires_at=0)


@pytest.fixture
def container(make_settings: Callable[..., Settings]) -> Container:
    clock = FakeClock()
    directory = FakeDirectory()
    directory.add_key("KEY-one", SECRET)
    directory.add_key("KEY-two", SECRET)
    settings = make_settings(binance_testnet=True, binance_api_key="market-key", binance_api_secret="market-secret")
    return auth_container(
        settings,
        clock=clock,
        connection_store=InMemoryConnectionStore(),
        secret_cipher=ContextCipher(),
        exchange_directory=directory,
        paper_accounts=FakePaperAccounts(directory),
        account_state=FakeCache(clock),
        exchange=FakeMarket({}),
    )


def test_removing_the_connection_drops_the_cached_account(container: Container) -> None:
    container.connection_service.connect(USER, "KEY-one", SECRET)
    assert container.account_service.view(USER).source.value == "exchange"
    container.connection_service.delete(USER)
    with pytest.raises(ConflictError, match="PUT /api/exchange/connection"):
        container.account_service.view(USER)


def test_connecting_another_key_drops_the_cached_account(container: Container) -> None:
    container.connection_service.connect(USER, "KEY-one", SECRET)
    container.account_service.view(USER)
    container.connection_service.connect(USER, "KEY-two", SECRET)
    assert container.account_service.view(USER).source.value == "exchange"


def test_a_cache_outage_does_not_fail_a_stored_connection_change(container: Container) -> None:
    container.connection_service.connect(USER, "KEY-one", SECRET)
    container.account_state.down = True
    assert container.connection_service.delete(USER).removed
    assert container.connection_store.get(USER.user_id) is None
