"""The exchange side of users' accounts, without a network: a client signed with the account's own
keys, what a key may do (``apiRestrictions``), the bounded directory of clients, paper accounts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tradecore.adapters.binance import mapping
from tradecore.adapters.binance.directory import BinanceExchangeDirectory
from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.adapters.binance.paper_accounts import SimulatorPaperAccounts
from tradecore.config import Settings
from tradecore.domain.accounts import ApiCredentials, KeyPermissions
from tradecore.errors import ConflictError
from tradecore.ports import Exchange

ALICE = ApiCredentials("alice-key", "alice-secret")


def test_apirestrictions_map_to_key_permissions_with_the_trading_expiry_in_utc() -> None:
    raw = {
        "ipRestrict": False, "enableWithdrawals": True, "enableSpotAndMarginTrading": True,
        "enableReading": True, "tradingAuthorityExpirationTime": 1_767_225_600_000,
    }  # fmt: skip
    assert mapping.key_permissions(raw) == KeyPermissions(
        can_trade=True, can_withdraw=True, ip_restricted=False, trading_expires_at=datetime(2026, 1, 1, tzinfo=UTC)
    )


def test_a_whitelisted_key_that_may_not_trade_has_no_expiry() -> None:
    raw = {"ipRestrict": True, "enableWithdrawals": False, "enableSpotAndMarginTrading": False}
    assert mapping.key_permissions(raw) == KeyPermissions(
        can_trade=False, can_withdraw=False, ip_restricted=True, trading_expires_at=None
    )


class _Client:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def get_account_api_permissions(self) -> dict[str, Any]:
        self.calls.append("get_account_api_permissions")
        return {"ipRestrict": True, "enableWithdrawals": True, "enableSpotAndMarginTrading": True}


def _with_client(exchange: BinanceExchange) -> _Client:
    client = _Client()
    exchange.__dict__["client"] = client  # replaces the cached python-binance client
    return client


def test_the_testnet_has_no_sapi_so_a_key_only_trades_and_nothing_is_asked(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(binance_testnet=True, binance_api_key="k", binance_api_secret="s")
    exchange = BinanceExchange(settings, credentials=ALICE)
    client = _with_client(exchange)
    assert exchange.get_key_permissions() == KeyPermissions(can_trade=True)
    assert client.calls == []


def test_elsewhere_the_permissions_are_the_exchanges_answer(make_settings: Callable[..., Settings]) -> None:
    exchange = BinanceExchange(make_settings(), credentials=ALICE)
    client = _with_client(exchange)
    assert exchange.get_key_permissions().can_withdraw is True
    assert client.calls == ["get_account_api_permissions"]


def test_an_account_client_signs_with_the_accounts_keys_never_the_operators(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(binance_api_key="operator-key", binance_api_secret="operator-secret")
    client = BinanceExchange(settings, credentials=ALICE).client
    assert (client.API_KEY, client.API_SECRET) == ("alice-key", "alice-secret")
    assert BinanceExchange(settings).client.API_KEY == "operator-key"  # the market-data client
    sapi = client.MARGIN_API_URL
    assert sapi == settings.binance_simulator_url.rstrip("/") + "/sapi"  # apiRestrictions on the simulator


class _Built:
    def __init__(self) -> None:
        self.built: list[ApiCredentials] = []

    def __call__(self, credentials: ApiCredentials) -> Exchange:
        self.built.append(credentials)
        return object()  # type: ignore[return-value]  # identity is all the directory handles


def _directory(make_settings: Callable[..., Settings], max_clients: int = 2) -> tuple[BinanceExchangeDirectory, _Built]:
    build = _Built()
    market = object()
    return BinanceExchangeDirectory(make_settings(), market, max_clients=max_clients, build=build), build  # type: ignore[arg-type]


def test_the_directory_reuses_an_accounts_client(make_settings: Callable[..., Settings]) -> None:
    directory, build = _directory(make_settings)
    first = directory.for_account(ALICE)
    assert directory.for_account(ApiCredentials("alice-key", "alice-secret")) is first
    assert build.built == [ALICE]


def test_another_secret_for_the_same_key_never_reaches_the_old_client(make_settings: Callable[..., Settings]) -> None:
    directory, build = _directory(make_settings)
    first = directory.for_account(ALICE)
    assert directory.for_account(ApiCredentials("alice-key", "new-secret")) is not first
    assert len(build.built) == 2


def test_the_directory_is_bounded_and_evicts_the_least_recently_used(make_settings: Callable[..., Settings]) -> None:
    directory, build = _directory(make_settings, max_clients=2)
    bob, carol = ApiCredentials("bob", "b"), ApiCredentials("carol", "c")
    alice_client = directory.for_account(ALICE)
    directory.for_account(bob)
    assert directory.for_account(ALICE) is alice_client  # alice is now the most recent
    directory.for_account(carol)  # evicts bob
    assert directory.for_account(ALICE) is alice_client
    directory.for_account(bob)
    assert build.built == [ALICE, bob, carol, bob]


def test_market_data_is_the_one_shared_client(make_settings: Callable[..., Settings]) -> None:
    market: Any = object()
    directory = BinanceExchangeDirectory(make_settings(), market)
    assert directory.market_data() is market


def test_paper_accounts_exist_only_on_the_simulator(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(binance_testnet=True, binance_api_key="k", binance_api_secret="s")
    with pytest.raises(ConflictError):
        SimulatorPaperAccounts(settings).open(Decimal("10000"))
