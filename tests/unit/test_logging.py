"""Logs: one JSON object per line with the spec's fields, the request's trace id, no secrets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import TEST_JWT_SECRET, TEST_SERVICE_TOKEN, LogCapture
from trade import app as trade_app
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.health import ComponentHealth, HealthStatus
from tradecore.observability import logger, request_context


class ExplodingProbe:
    name = "mongodb"

    def check(self) -> ComponentHealth:
        logger.warning("probe saw", extra={"uri": f"mongodb://app:{TEST_JWT_SECRET}@db", "attempt": 2})
        return ComponentHealth(self.name, HealthStatus.OK)


class Quiet:
    def __init__(self, name: str) -> None:
        self.name = name

    def check(self) -> ComponentHealth:
        return ComponentHealth(self.name, HealthStatus.OK)


@pytest.fixture
def container_with_secrets(make_settings: Callable[..., Settings]) -> Any:
    container = bootstrap(
        make_settings(openai_api_key="sk-unit-test-openai-key"),
        mongo_probe=ExplodingProbe(),
        ai_health_probe=Quiet("ai"),
        exchange_probe=Quiet("binance"),
    )
    trade_app.app.state.container = container
    yield container
    trade_app.app.state.container = None


@pytest.mark.usefixtures("container_with_secrets")
def test_every_line_is_one_json_object_with_the_spec_fields(
    log_capture: LogCapture, load_event: Callable[[str], dict[str, Any]], lambda_context: Any
) -> None:
    event = load_event("api_health")
    response = trade_app.handler(event, lambda_context)
    assert response["statusCode"] == 200

    records = log_capture.records()
    assert records, "the request logged nothing"
    probe_line = next(record for record in records if record["message"] == "probe saw")
    assert set(probe_line) >= {"timestamp", "service", "level", "message", "trace_id", "extra_data"}
    assert probe_line["trace_id"] == event["headers"]["x-request-id"]
    assert probe_line["level"] == "WARNING"
    assert probe_line["extra_data"]["attempt"] == 2


@pytest.mark.usefixtures("container_with_secrets")
def test_no_secret_value_reaches_a_log_line(
    log_capture: LogCapture, load_event: Callable[[str], dict[str, Any]], lambda_context: Any
) -> None:
    trade_app.handler(load_event("api_health"), lambda_context)
    with request_context("t-1"):
        logger.info("config dump", extra={"token": TEST_SERVICE_TOKEN, "nested": {"key": "sk-unit-test-openai-key"}})
    text = log_capture.text
    assert "config dump" in text
    for secret in (TEST_JWT_SECRET, TEST_SERVICE_TOKEN, "sk-unit-test-openai-key"):
        assert secret not in text


def test_user_id_appears_only_when_known(log_capture: LogCapture) -> None:
    from tradecore.observability import bind_user

    with request_context("t-anon"):
        logger.info("anonymous")
    with request_context("t-user"):
        bind_user("user-42")
        logger.info("authenticated")
    anonymous, authenticated = (json.loads(line) for line in log_capture.text.splitlines())
    assert "user_id" not in anonymous
    assert authenticated["user_id"] == "user-42"
    assert authenticated["trace_id"] == "t-user"


USER_API_SECRET = "usr-api-secret-7d1c9e0b4a"


def test_no_users_exchange_secret_reaches_a_log_line(
    make_settings: Callable[..., Settings],
    log_capture: LogCapture,
    load_event: Callable[[str], dict[str, Any]],
    lambda_context: Any,
) -> None:
    # GIVEN a trader and an exchange that knows their key (DEBUG logs, every path of PUT taken)
    from decimal import Decimal

    from tests.support.accounts import ContextCipher, FakeDirectory, InMemoryConnectionStore
    from tests.support.auth import add_user, api_event, auth_container
    from tradecore.domain.accounts import Network
    from tradecore.domain.users import Role
    from tradecore.services.accounts.connections import ConnectionService

    directory = FakeDirectory()
    directory.add_key("KEYofTHEtrader00001", USER_API_SECRET)
    service = ConnectionService(
        InMemoryConnectionStore(),
        ContextCipher(),
        directory,
        None,
        network=Network.TESTNET,
        mainnet_enabled=False,
        paper_usdt=Decimal(1),
    )
    container = auth_container(make_settings(log_level="DEBUG"), connection_service=service)
    trade_app.app.state.container = container
    token = container.token_service.issue(add_user(container, Role.TRADER))
    bodies = [
        {"api_key": "KEYofTHEtrader00001", "api_secret": USER_API_SECRET},  # accepted
        {"api_key": "KEYofTHEtrader00001", "api_secret": USER_API_SECRET + "x"},  # refused by the exchange
        {"api_key": "not a key!", "api_secret": USER_API_SECRET},  # refused by the schema
        {"api_key": "KEYofTHEtrader00001", "api_secret": USER_API_SECRET, "extra": USER_API_SECRET},
    ]
    try:
        # WHEN each is sent to PUT /api/exchange/connection
        answers = [
            trade_app.handler(
                api_event(load_event("trade_exchange_connection_put"), token=token, body=body), lambda_context
            )
            for body in bodies
        ]
    finally:
        trade_app.app.state.container = None

    # THEN the secret is in no response and no log line, whichever way the request ended
    assert [answer["statusCode"] for answer in answers] == [200, 422, 422, 422]
    assert not [answer for answer in answers if USER_API_SECRET in answer["body"]]
    assert log_capture.records(), "the requests logged nothing"
    assert USER_API_SECRET not in log_capture.text
