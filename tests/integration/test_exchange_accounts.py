"""Users' own exchange accounts over real sockets against the simulator: a client per account from
the directory, key permissions through python-binance, paper accounts, refused keys."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.servers import free_port
from tradecore.adapters.binance.directory import BinanceExchangeDirectory
from tradecore.adapters.binance.exchange import BinanceExchange
from tradecore.adapters.binance.paper_accounts import SimulatorPaperAccounts
from tradecore.config import Settings
from tradecore.domain.accounts import ApiCredentials
from tradecore.errors import DependencyUnavailableError, ExchangeAuthError


@pytest.fixture
def settings(sim_server: SimServer, make_settings: Callable[..., Settings]) -> Settings:
    # no operator keys: account clients must not need them
    return make_settings(binance_simulator_url=sim_server.url, binance_retry_base_seconds=0.01)


@pytest.fixture
def directory(settings: Settings) -> BinanceExchangeDirectory:
    return BinanceExchangeDirectory(settings, BinanceExchange(settings))


def _credentials(sim_server: SimServer, balances: dict[str, str]) -> ApiCredentials:
    return ApiCredentials(*sim_server.new_account(balances))


def test_two_accounts_see_only_their_own_balances_after_one_trades_on_the_simulator(
    sim_server: SimServer, directory: BinanceExchangeDirectory, binance_client: Callable[..., object]
) -> None:
    alice = _credentials(sim_server, {"USDT": "1000"})
    bob = _credentials(sim_server, {"USDT": "2000"})
    sim_server.set_price("BTCUSDT", "50000")
    client = binance_client(key=alice.api_key, secret=alice.api_secret)
    client.order_market_buy(symbol="BTCUSDT", quantity="0.01")  # type: ignore[attr-defined]

    alice_balances = directory.for_account(alice).get_balances()
    bob_balances = directory.for_account(bob).get_balances()

    assert alice_balances["BTC"].free > 0
    assert alice_balances["USDT"].free < Decimal("1000")
    assert "BTC" not in bob_balances or bob_balances["BTC"].total == 0
    assert bob_balances["USDT"].free == Decimal("2000")


def test_key_permissions_follow_the_simulators_knob(sim_server: SimServer, directory: BinanceExchangeDirectory) -> None:
    alice = _credentials(sim_server, {"USDT": "1"})
    exchange = directory.for_account(alice)
    before = exchange.get_key_permissions()
    assert (before.can_trade, before.can_withdraw, before.ip_restricted) == (True, False, False)
    assert before.trading_expires_at is not None  # no IP whitelist: Binance ends trading after 30 days

    sim_server.admin("POST", f"/sim/accounts/{alice.api_key}/permissions", {"withdrawals_enabled": True})
    assert exchange.get_key_permissions().can_withdraw is True
    sim_server.admin("POST", f"/sim/accounts/{alice.api_key}/permissions", {"ip_restricted": True})
    after = exchange.get_key_permissions()
    assert (after.ip_restricted, after.trading_expires_at) == (True, None)


@pytest.mark.parametrize("method", ["get_balances", "get_key_permissions"])
def test_an_unknown_key_or_a_wrong_secret_is_an_exchange_auth_error(
    sim_server: SimServer, directory: BinanceExchangeDirectory, method: str
) -> None:
    real = _credentials(sim_server, {"USDT": "1"})
    for wrong, code in ((ApiCredentials("unknown-key", "x"), -2015), (ApiCredentials(real.api_key, "wrong"), -1022)):
        with pytest.raises(ExchangeAuthError) as caught:
            getattr(directory.for_account(wrong), method)()
        assert caught.value.exchange_code == code


def test_a_paper_account_opens_with_the_initial_usdt_and_nothing_else(
    settings: Settings, directory: BinanceExchangeDirectory
) -> None:
    credentials = SimulatorPaperAccounts(settings).open(Decimal("10000"))
    balances = directory.for_account(credentials).get_balances()
    held = {asset: balance.total for asset, balance in balances.items() if balance.total}
    assert held == {"USDT": Decimal("10000")}
    assert SimulatorPaperAccounts(settings).open(Decimal("10000")).api_key != credentials.api_key


def test_a_paper_account_with_the_simulator_down_is_a_dependency_error(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(binance_simulator_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(DependencyUnavailableError) as caught:
        SimulatorPaperAccounts(settings, timeout_seconds=1.0).open(Decimal("10000"))
    assert caught.value.dependency == "exchange_simulator"


def test_the_container_opens_a_paper_account_and_reaches_it_through_its_own_client(settings: Settings) -> None:
    from tradecore.bootstrap import bootstrap

    container = bootstrap(settings)
    credentials = container.paper_accounts.open(settings.paper_account_usdt)
    account = container.exchange_directory.for_account(credentials)
    assert account.get_balances()["USDT"].free == Decimal("10000")
    assert container.exchange_directory.for_account(credentials) is account
    assert container.exchange_directory.market_data() is container.exchange
