"""GET /api/account end to end through the trade function's real handler: SecantusDB (users and
exchange connections), moto server (KMS, the ServiceStateTable), the exchange simulator over
sockets. Two users get paper accounts on first use; one trades directly on the simulator; each
still sees only their own balances, and no secret reaches a response or a log line. A second
container instance answers from the same cache entry until an invalidation (a trade's) drops it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import LogCapture
from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.accounts_world import accounts_settings, trade_container
from tests.support.auth import FastPasswordHasher, add_user, api_event
from trade import app as trade_app
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.users import Role

Invoke = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def settings(
    mongo_settings: Settings, moto_server: str, sim_server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    return accounts_settings(mongo_settings, moto_server, sim_server.url, monkeypatch)


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    with trade_container(settings) as container:
        yield container


@pytest.fixture
def invoke(load_event: Callable[[str], dict[str, Any]], lambda_context: Any) -> Invoke:
    def call(token: str, query: str = "") -> tuple[int, dict[str, Any]]:
        response = trade_app.handler(api_event(load_event("trade_account"), token=token, query=query), lambda_context)
        return response["statusCode"], json.loads(response["body"])

    return call


def _held(body: dict[str, Any]) -> dict[str, Decimal]:
    return {row["asset"]: Decimal(row["free"]) + Decimal(row["locked"]) for row in body["balances"]}


def test_two_paper_accounts_each_see_only_their_own_balances_after_one_trades_on_the_simulator(
    container: Container, invoke: Invoke, sim_server: SimServer, log_capture: LogCapture
) -> None:
    from binance.client import Client

    # GIVEN two traders whose first account view opens a paper account each (10,000 USDT)
    sim_server.set_price("BTCUSDT", "50000")
    alice, bob = (add_user(container, Role.TRADER) for _ in range(2))
    tokens = {user.user_id: container.token_service.issue(user) for user in (alice, bob)}
    answers = [invoke(tokens[user.user_id]) for user in (alice, bob)]
    for status, body in answers:
        assert (status, body["source"], body["mode"], body["network"]) == (200, "exchange", "paper", "simulator")
        assert _held(body) == {"USDT": Decimal("10000")}

    # WHEN alice buys 0.01 BTC directly on the simulator with her own key (not through the platform)
    connection = container.connection_store.get(alice.user_id)
    assert connection is not None
    secret = container.secret_cipher.decrypt(connection.secret_ciphertext, user_id=alice.user_id)
    client = Client(connection.api_key, secret, ping=False)
    client.API_URL = sim_server.url + "/api"
    client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")

    # THEN the cache still answers until a refresh reads through; then alice holds BTC, bob does not
    status, cached = invoke(tokens[alice.user_id])
    assert (status, cached["source"], _held(cached)) == (200, "cache", {"USDT": Decimal("10000")})
    status, refreshed = invoke(tokens[alice.user_id], "refresh=true")
    assert (status, refreshed["source"]) == (200, "exchange")
    held = _held(refreshed)
    assert Decimal("0.0099") <= held["BTC"] <= Decimal("0.01")  # less any commission paid in BTC
    assert held["USDT"] <= Decimal("10000") - Decimal("0.01") * Decimal("50000")
    assert Decimal(refreshed["equity_usdt"]) == held["USDT"] + held["BTC"] * Decimal("50000")
    status, other = invoke(tokens[bob.user_id], "refresh=true")
    assert (status, _held(other)) == (200, {"USDT": Decimal("10000")})

    # and the secret is in no response and no log line
    assert secret not in json.dumps([answers, cached, refreshed, other])
    assert secret not in log_capture.text


def test_a_second_instance_answers_from_the_shared_entry_until_a_trade_invalidates_it(
    container: Container, settings: Settings, invoke: Invoke
) -> None:
    # GIVEN a trader whose account this instance (the handler's container) has read and cached
    trader = add_user(container, Role.TRADER)
    principal = container.token_service.verify(token := container.token_service.issue(trader))
    assert invoke(token)[1]["source"] == "exchange"

    # WHEN another container instance (its own bootstrap, same table) is asked
    other = bootstrap(settings, password_hasher=FastPasswordHasher())
    assert other.account_service.view(principal).source.value == "cache"

    # THEN an invalidation there (as after a trade) makes this instance read the exchange again
    other.account_service.invalidate(trader.user_id)
    assert invoke(token)[1]["source"] == "exchange"
