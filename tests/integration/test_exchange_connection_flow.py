"""/api/exchange/connection end to end through the trade function's real handler: SecantusDB (users
and connections), moto server (KMS, which enforces the user id as encryption context), the exchange
simulator over sockets. The stored document holds ciphertext only; the secret reaches no response
and no log line (at DEBUG); a refused key stores nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import LogCapture
from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.accounts_world import accounts_settings, trade_container
from tests.support.auth import add_user, api_event
from trade import app as trade_app
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.users import Role
from tradecore.errors import OperationalError

EVENTS = {method: f"trade_exchange_connection_{method.lower()}" for method in ("PUT", "GET", "DELETE")}
Invoke = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def container(
    mongo_settings: Settings, moto_server: str, sim_server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    settings = accounts_settings(mongo_settings, moto_server, sim_server.url, monkeypatch, log_level="DEBUG")
    with trade_container(settings) as container:
        yield container


@pytest.fixture
def invoke(load_event: Callable[[str], dict[str, Any]], lambda_context: Any) -> Invoke:
    def call(method: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        event = api_event(load_event(EVENTS[method]), token=token, body=body)
        response = trade_app.handler(event, lambda_context)
        return response["statusCode"], json.loads(response["body"])

    return call


def test_a_connected_key_is_stored_as_ciphertext_only_and_never_shown_or_logged(
    container: Container, invoke: Invoke, sim_server: SimServer, log_capture: LogCapture
) -> None:
    # GIVEN a trader with a key of their own on the simulator
    trader = add_user(container, Role.TRADER)
    token = container.token_service.issue(trader)
    api_key, api_secret = sim_server.new_account({"USDT": "500"})
    answers = []

    # WHEN they connect it, read it back and connect a wrong secret
    answers.append(invoke("PUT", token, {"api_key": api_key, "api_secret": api_secret}))
    answers.append(invoke("GET", token))
    refused = invoke("PUT", token, {"api_key": api_key, "api_secret": "wrong" + api_secret[5:]})

    # THEN the connection shows the key's hint, never the secret
    assert [status for status, _ in answers] == [200, 200]
    for _, body in answers:
        assert (body["key_hint"], body["network"], body["mode"], body["paper"]) == (
            "…" + api_key[-4:],
            "simulator",
            "paper",
            False,
        )
        # the simulator's apiRestrictions, as mainnet's: no IP whitelist, so trading ends in 30 days
        assert (body["permissions"]["can_withdraw"], body["permissions"]["ip_restricted"]) == (False, False)
        assert body["permissions"]["trading_expires_at"] is not None
    # AND a refused key is the exchange's reason, with the first connection left as it was
    assert refused[0] == 422
    assert refused[1]["error"]["code"] == "exchange_key_refused"
    document = container.mongo.db.exchange_connections.find_one({"_id": trader.user_id})
    assert document is not None
    assert document["api_key"] == api_key
    assert isinstance(document["secret_ciphertext"], bytes)
    assert api_secret.encode() not in document["secret_ciphertext"]
    assert api_secret not in json.dumps(document, default=str)
    assert trader.user_id in log_capture.text  # the requests were logged: the check below means something
    for text in (json.dumps([answers, refused]), log_capture.text):
        assert api_secret not in text
        assert api_secret[5:] not in text
    # AND the account the platform trades is the user's own
    assert container.connection_service.exchange_for(trader.user_id).get_balances()["USDT"].free == 500


def test_a_stored_secret_decrypts_for_its_user_only(
    container: Container, invoke: Invoke, sim_server: SimServer
) -> None:
    alice, bob = (add_user(container, Role.TRADER) for _ in range(2))
    api_key, api_secret = sim_server.new_account({"USDT": "1"})
    assert invoke("PUT", container.token_service.issue(alice), {"api_key": api_key, "api_secret": api_secret})[0] == 200
    connection = container.connection_store.get(alice.user_id)
    assert connection is not None

    assert container.secret_cipher.decrypt(connection.secret_ciphertext, user_id=alice.user_id) == api_secret
    with pytest.raises(OperationalError):
        container.secret_cipher.decrypt(connection.secret_ciphertext, user_id=bob.user_id)


def test_viewers_cannot_connect_and_delete_leaves_a_paper_account_next_time(
    container: Container, invoke: Invoke, sim_server: SimServer
) -> None:
    viewer, trader = add_user(container, Role.VIEWER), add_user(container, Role.TRADER)
    api_key, api_secret = sim_server.new_account({"USDT": "1"})
    body = {"api_key": api_key, "api_secret": api_secret}

    assert invoke("PUT", container.token_service.issue(viewer), body)[0] == 403
    assert container.connection_store.get(viewer.user_id) is None
    token = container.token_service.issue(trader)
    assert invoke("PUT", token, body)[0] == 200
    status, removed = invoke("DELETE", token)
    assert (status, removed["removed"]) == (200, True)
    assert "Open orders stay on the exchange" in removed["message"]

    # on the simulator the next read opens a paper account (10,000 USDT) in place of the removed key
    status, shown = invoke("GET", token)
    assert (status, shown["paper"]) == (200, True)
    exchange = container.connection_service.exchange_for(trader.user_id)
    assert exchange.get_balances()["USDT"].free == 10000
