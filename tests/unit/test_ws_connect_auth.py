"""WebSocket ``$connect``: the token in the query string decides (replaying events/ws_connect.json)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest

from tests.support.auth import FakeClock, add_user, auth_container
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.users import Role
from ws import app as ws_app

# a refused $connect publishes no metric; Powertools warns about the empty flush
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


class RecordingRegistry:
    def __init__(self) -> None:
        self.connections: dict[str, tuple[str, Role]] = {}

    def add(self, connection_id: str, user_id: str, role: Role, token_id: str = "") -> None:
        self.connections[connection_id] = (user_id, role)

    def remove(self, connection_id: str) -> None:
        self.connections.pop(connection_id, None)


class SilentSender:
    def send(self, *_: Any) -> bool:
        return True


@pytest.fixture
def clock() -> FakeClock:
    import time

    return FakeClock(time.time())


@pytest.fixture
def container(make_settings: Callable[..., Settings], clock: FakeClock) -> Iterator[Container]:
    container = auth_container(
        make_settings(), clock=clock, connection_registry=RecordingRegistry(), message_sender=SilentSender()
    )
    ws_app.use_container(container)
    yield container
    ws_app.use_container(None)


@pytest.fixture
def connect(load_event: Callable[[str], dict[str, Any]], lambda_context: Any) -> Callable[..., dict[str, Any]]:
    def call(token: str | None, *, drop_query: bool = False) -> dict[str, Any]:
        event = load_event("ws_connect")
        if drop_query:
            event["queryStringParameters"] = None
            event.pop("multiValueQueryStringParameters", None)
        else:
            event["queryStringParameters"] = {} if token is None else {"token": token}
        response: dict[str, Any] = ws_app.handler(event, lambda_context)
        return response

    return call


def test_ws_connect_with_a_valid_token_is_accepted_and_registered(
    container: Container, connect: Callable[..., dict[str, Any]], load_event: Callable[[str], dict[str, Any]]
) -> None:
    user = add_user(container, Role.TRADER)

    response = connect(container.token_service.issue(user))

    assert response["statusCode"] == 200
    connection_id = load_event("ws_connect")["requestContext"]["connectionId"]
    user_id, role = container.connection_registry.connections[connection_id]
    assert (user_id, role) == (user.user_id, "trader")
    assert role is Role.TRADER  # the registry is handed the role itself, not its spelling


@pytest.mark.parametrize("drop_query", [True, False], ids=["no query string", "no token parameter"])
def test_ws_connect_without_a_token_is_refused(
    container: Container, connect: Callable[..., dict[str, Any]], drop_query: bool
) -> None:
    response = connect(None, drop_query=drop_query)

    assert response["statusCode"] == 401
    assert container.connection_registry.connections == {}


def _expired(container: Container, clock: FakeClock) -> str:
    user = add_user(container, Role.TRADER)
    clock.advance(-25 * 3600)
    token = container.token_service.issue(user)
    clock.advance(25 * 3600)
    return token


def _tampered(container: Container, _: FakeClock) -> str:
    # a viewer's token whose payload claims admin, with the original signature
    header, payload, signature = container.token_service.issue(add_user(container, Role.VIEWER)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "role": "admin"}).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _wrong_secret(container: Container, _: FakeClock) -> str:
    claims = jwt.decode(
        container.token_service.issue(add_user(container, Role.ADMIN)), options={"verify_signature": False}
    )
    return jwt.encode(claims, "an-attacker-secret-that-is-long-enough", algorithm="HS256")


def _revoked(container: Container, _: FakeClock) -> str:
    token = container.token_service.issue(add_user(container, Role.TRADER))
    container.auth_service.logout(container.token_service.verify(token))
    return token


def _user_revoked(container: Container, clock: FakeClock) -> str:
    user = add_user(container, Role.TRADER)
    token = container.token_service.issue(user)
    clock.advance(1)
    container.token_service.revoke_all_before(user.user_id, clock())
    return token


BAD = {
    "expired": _expired,
    "tampered": _tampered,
    "wrong secret": _wrong_secret,
    "revoked by logout": _revoked,
    "revoked by password change": _user_revoked,
}


@pytest.mark.parametrize("make_token", BAD.values(), ids=BAD.keys())
def test_ws_connect_with_a_bad_token_is_refused_with_401(
    container: Container,
    clock: FakeClock,
    connect: Callable[..., dict[str, Any]],
    make_token: Callable[[Container, FakeClock], str],
) -> None:
    response = connect(make_token(container, clock))

    assert response["statusCode"] == 401
    assert "message" in json.loads(response["body"])
    assert container.connection_registry.connections == {}
