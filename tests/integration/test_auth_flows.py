"""Auth end to end through the real handler: SecantusDB (users), moto server (service state),
real argon2id hashing, real logs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pymongo
import pytest

from auth import app as auth_app
from tests.conftest import LogCapture
from tests.support.auth import api_event, create_service_state_table
from tests.support.servers import MongoServer
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.users import Role
from tradecore.errors import RateLimitedError

PASSWORD = "a long enough passphrase"
NEW_PASSWORD = "another long passphrase"
Invoke = Callable[..., tuple[int, dict[str, Any], dict[str, str]]]


@pytest.fixture
def state_settings(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Callable[[Settings], Settings]:
    """Point boto3 at the moto server and give the test a ServiceStateTable of its own."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)

    def with_table(settings: Settings) -> Settings:
        name = f"state-{uuid.uuid4().hex[:10]}"
        create_service_state_table(table_name=name)
        return settings.model_copy(update={"service_state_table": name})

    return with_table


@pytest.fixture
def container(mongo_settings: Settings, state_settings: Callable[[Settings], Settings]) -> Iterator[Container]:
    container = bootstrap(state_settings(mongo_settings))
    container.migrate()  # the unique email index
    auth_app.app.state.container = container
    yield container
    auth_app.app.state.container = None


@pytest.fixture
def invoke(load_event: Callable[[str], dict[str, Any]], lambda_context: Any) -> Invoke:
    def call(name: str, **changes: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        response = auth_app.handler(api_event(load_event(name), **changes), lambda_context)
        body = json.loads(response["body"]) if response.get("body") else {}
        return response["statusCode"], body, response["headers"]

    return call


def test_auth_full_flow_and_no_secret_in_any_log_line(
    container: Container, invoke: Invoke, log_capture: LogCapture
) -> None:
    # GIVEN a fresh installation: register (first user → admin), log in, change the password
    status, registered, _ = invoke("auth_register")
    assert (status, registered["user"]["role"]) == (201, "admin")
    status, session, _ = invoke("auth_login")
    assert status == 200
    old_token = session["access_token"]
    assert invoke("auth_me", token=old_token)[1]["email"] == "trader@example.com"
    status, changed, _ = invoke("auth_password", token=old_token)
    assert status == 200
    new_token = changed["access_token"]
    failed = invoke("auth_login", body={"email": "trader@example.com", "password": PASSWORD})

    # THEN the old token and password are dead, the new ones work, and logout revokes
    assert failed[0] == 401
    assert invoke("auth_me", token=old_token)[0] == 401
    assert invoke("auth_me", token=registered["access_token"])[0] == 401
    assert invoke("auth_login", body={"email": "trader@example.com", "password": NEW_PASSWORD})[0] == 200
    assert invoke("auth_logout", token=new_token)[0] == 204
    assert invoke("auth_me", token=new_token)[0] == 401

    # AND no log line carries a password, a hash, or a token (or a token's signature alone)
    stored = container.mongo.db.users.find_one({"email": "trader@example.com"})
    assert stored["password_hash"].startswith("$argon2id$")
    text = log_capture.text
    assert "user registered" in text
    assert "password changed" in text
    tokens = [registered["access_token"], old_token, new_token]
    forbidden = [PASSWORD, NEW_PASSWORD, stored["password_hash"], "$argon2", *tokens]
    forbidden += [token.rsplit(".", 1)[1] for token in tokens]
    leaked = [value[:12] + "..." for value in forbidden if value in text]
    assert not leaked, f"secrets in logs: {leaked}"
    assert all(record.get("trace_id") for record in log_capture.records())


def test_auth_duplicate_email_is_409_through_the_unique_index(container: Container, invoke: Invoke) -> None:
    assert invoke("auth_register")[0] == 201
    status, body, _ = invoke("auth_register", body={"email": "TRADER@example.com", "password": PASSWORD})

    assert (status, body["error"]["code"]) == (409, "conflict")
    assert container.mongo.db.users.count_documents({}) == 1


def test_auth_brute_force_is_429_on_every_instance(container: Container, invoke: Invoke) -> None:
    invoke("auth_register")
    wrong = {"email": "trader@example.com", "password": "not the password at all"}
    statuses = [invoke("auth_login", body=wrong)[0] for _ in range(5)]

    status, _, headers = invoke("auth_login")

    assert statuses == [401] * 5
    assert status == 429
    assert 0 < int(headers["retry-after"]) <= 900
    # another function instance (its own container and clients) sees the same lock
    other_instance = bootstrap(container.settings)
    with pytest.raises(RateLimitedError):
        other_instance.auth_service.login("trader@example.com", PASSWORD)


def test_auth_registration_with_mongodb_stopped_is_503_and_writes_nothing(
    private_mongo_server: MongoServer,
    make_settings: Callable[..., Settings],
    state_settings: Callable[[Settings], Settings],
    invoke: Invoke,
) -> None:
    settings = state_settings(make_settings(mongodb_uri=private_mongo_server.uri, mongodb_database="auth_down"))
    container = bootstrap(settings)
    container.migrate()
    issued = container.token_service.issue(
        container.auth_service.create_user("early@example.com", PASSWORD, Role.ADMIN)
    )
    auth_app.app.state.container = container
    try:
        private_mongo_server.stop()

        status, body, _ = invoke("auth_register")
        me_status, me, _ = invoke("auth_me", token=issued)
    finally:
        auth_app.app.state.container = None
        private_mongo_server.start()

    assert (status, body["error"]["code"]) == (503, "dependency_unavailable")
    assert "Registration is unavailable" in body["error"]["message"]
    # a token issued before the outage still authenticates (verification never needs MongoDB)
    assert (me_status, me["source"]) == (200, "token")
    client: pymongo.MongoClient = pymongo.MongoClient(private_mongo_server.uri, serverSelectionTimeoutMS=5000)
    try:
        assert [user["email"] for user in client.auth_down.users.find()] == ["early@example.com"]
    finally:
        client.close()
