"""/api/exchange/connection through the trade function's real handler, on fakes: every route x
{anonymous, viewer, trader, admin, another user}, each caller only ever sees or changes their own
connection, and the secret is in no response and no log line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import LogCapture
from tests.support.accounts import ContextCipher, FakeDirectory, FakePaperAccounts, InMemoryConnectionStore
from tests.support.auth import FakeClock, add_user, api_event, auth_container
from trade import app as trade_app
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.accounts import Network
from tradecore.domain.users import Role
from tradecore.services.accounts.connections import ConnectionService

SECRET = "Zq8secretOfTheTraderNeverShown"
EVENTS = {"PUT": "trade_exchange_connection_put", "GET": "trade_exchange_connection_get"}
EVENTS["DELETE"] = "trade_exchange_connection_delete"
Invoke = Callable[..., tuple[int, dict[str, Any]]]


class World:
    def __init__(self, network: Network) -> None:
        self.store = InMemoryConnectionStore()
        self.directory = FakeDirectory()
        self.paper = FakePaperAccounts(self.directory)
        self.network = network

    def service(self, clock: FakeClock) -> ConnectionService:
        return ConnectionService(
            self.store,
            ContextCipher(),
            self.directory,
            self.paper,
            network=self.network,
            mainnet_enabled=self.network is Network.MAINNET,
            paper_usdt=Decimal("10000"),
            egress_ip="203.0.113.7" if self.network is Network.MAINNET else None,
            clock=clock,
        )


@pytest.fixture(params=[Network.TESTNET])
def world(request: pytest.FixtureRequest) -> World:
    return World(request.param)


@pytest.fixture
def container(make_settings: Callable[..., Settings], world: World) -> Iterator[Container]:
    clock = FakeClock()
    container = auth_container(make_settings(), clock=clock, connection_service=world.service(clock))
    trade_app.app.state.container = container
    yield container
    trade_app.app.state.container = None


@pytest.fixture
def tokens(container: Container, world: World) -> dict[str, str]:
    tokens = {}
    for name in ("viewer", "trader", "admin", "other"):
        user = add_user(container, Role.TRADER if name == "other" else Role(name))
        tokens[name] = container.token_service.issue(user)
    world.directory.add_key("KEYforTHEtrader0001", SECRET, can_withdraw=False)
    world.directory.add_key("KEYforTHEother00002", "other-secret-000000", can_withdraw=False)
    return tokens


@pytest.fixture
def invoke(load_event: Callable[[str], dict[str, Any]], lambda_context: Any) -> Invoke:
    def call(method: str, token: str | None, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        event = api_event(load_event(EVENTS[method]), token=token, body=body)
        response = trade_app.handler(event, lambda_context)
        return response["statusCode"], json.loads(response["body"])

    return call


def _connect(invoke: Invoke, token: str, key: str = "KEYforTHEtrader0001", secret: str = SECRET) -> tuple[int, Any]:
    return invoke("PUT", token, {"api_key": key, "api_secret": secret})


@pytest.mark.parametrize(
    ("caller", "status"),
    [(None, 401), ("viewer", 403), ("trader", 200), ("admin", 200), ("other", 200)],
    ids=["anonymous", "viewer", "trader", "admin", "another-user"],
)
def test_put_connection_per_caller(
    tokens: dict[str, str], invoke: Invoke, world: World, caller: str | None, status: int
) -> None:
    answered, body = _connect(invoke, tokens[caller] if caller else "")
    assert answered == status, body
    if status == 200:
        assert (body["key_hint"], body["network"], body["mode"], body["status"]) == (
            "…0001",
            "testnet",
            "testnet",
            "active",
        )
        assert SECRET not in json.dumps(body)
    else:
        assert world.store.puts == 0


@pytest.mark.parametrize(
    ("caller", "status"),
    [(None, 401), ("viewer", 404), ("trader", 200), ("admin", 404), ("other", 200)],
    ids=["anonymous", "viewer", "trader", "admin", "another-user"],
)
def test_get_connection_shows_only_the_callers_own(
    tokens: dict[str, str], invoke: Invoke, caller: str | None, status: int
) -> None:
    assert _connect(invoke, tokens["trader"])[0] == 200
    assert _connect(invoke, tokens["other"], "KEYforTHEother00002", "other-secret-000000")[0] == 200

    answered, body = invoke("GET", tokens[caller] if caller else None)

    assert answered == status, body
    if caller == "trader":
        assert body["key_hint"] == "…0001"
    if caller == "other":
        assert body["key_hint"] == "…0002"
    if status == 404:
        assert "PUT /api/exchange/connection" in body["error"]["message"]


@pytest.mark.parametrize(
    ("caller", "status"),
    [(None, 401), ("viewer", 403), ("trader", 200), ("admin", 404), ("other", 404)],
    ids=["anonymous", "viewer", "trader", "admin", "another-user"],
)
def test_delete_connection_removes_only_the_callers_own(
    tokens: dict[str, str], invoke: Invoke, world: World, container: Container, caller: str | None, status: int
) -> None:
    assert _connect(invoke, tokens["trader"])[0] == 200
    trader = container.token_service.verify(tokens["trader"]).user_id

    answered, body = invoke("DELETE", tokens[caller] if caller else None)

    assert answered == status, body
    assert (trader in world.store.connections) is (caller != "trader")
    if status == 200:
        assert body["removed"] is True
        assert "Open orders stay on the exchange" in body["message"]


def test_a_refused_key_is_422_with_the_exchanges_reason_nothing_stored_nothing_logged(
    tokens: dict[str, str], invoke: Invoke, world: World, log_capture: LogCapture
) -> None:
    status, body = _connect(invoke, tokens["trader"], secret="not-the-right-secret")
    assert status == 422
    assert body["error"]["code"] == "exchange_key_refused"
    assert "Signature for this request is not valid." in body["error"]["message"]
    assert world.store.puts == 0
    assert "not-the-right-secret" not in log_capture.text


def test_the_exchange_down_while_connecting_is_503_and_nothing_is_stored(
    tokens: dict[str, str], invoke: Invoke, world: World
) -> None:
    world.directory.down = True
    status, body = _connect(invoke, tokens["trader"])
    assert (status, body["error"]["code"]) == (503, "dependency_unavailable")
    assert world.store.puts == 0


def test_a_malformed_body_is_422_and_does_not_echo_the_secret(tokens: dict[str, str], invoke: Invoke) -> None:
    status, body = invoke("PUT", tokens["trader"], {"api_key": "bad key!", "api_secret": SECRET})
    assert status == 422
    assert SECRET not in json.dumps(body)


@pytest.mark.parametrize("world", [Network.MAINNET], indirect=True)
def test_mainnet_refuses_a_withdrawal_enabled_key_and_shows_the_egress_ip(
    tokens: dict[str, str], invoke: Invoke, world: World
) -> None:
    world.directory.add_key("KEYthatMAYwithdraw03", "withdraw-secret-0000", can_withdraw=True)
    status, body = _connect(invoke, tokens["trader"], "KEYthatMAYwithdraw03", "withdraw-secret-0000")
    assert (status, body["error"]["code"]) == (422, "withdrawal_enabled_key")
    assert world.store.puts == 0

    status, body = _connect(invoke, tokens["trader"])
    assert (status, body["mode"], body["egress_ip"]) == (200, "live", "203.0.113.7")


@pytest.mark.parametrize("world", [Network.SIMULATOR], indirect=True)
def test_on_the_simulator_get_opens_a_paper_account_on_first_use(
    tokens: dict[str, str], invoke: Invoke, world: World
) -> None:
    status, body = invoke("GET", tokens["viewer"])
    assert (status, body["paper"], body["mode"], body["network"]) == (200, True, "paper", "simulator")
    assert world.paper.opened == [Decimal("10000")]
