"""POST /api/metrics/frontend through the trade function's real handler, on the container's fakes.

Every logged-in role may report (a viewer's page loads count too); anonymous callers get 401; a body
out of range, incomplete or with an unknown field gets 422; a denylist that cannot be read gets 503
(tokens fail closed). An accepted report leaves as CloudWatch EMF on stdout: PageLoadTime (ms),
WebSocketReconnections (count) and UserActionsPerMinute (a rate over the interval), dimension
``service`` only. Every answer is one the served OpenAPI document lists for the route.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import FakeLambdaContext
from tests.support.auth import InMemoryServiceState, add_user, api_event, auth_container
from tests.support.openapi import check_answer, documented, gateway_event
from trade import app as trade_app
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.service_state import Revocations
from tradecore.domain.users import Role
from tradecore.errors import DependencyUnavailableError

ROUTE = "POST /api/metrics/frontend"
REPORT = {"page_load_ms": 812.5, "ws_reconnections": 2, "user_actions": 30, "interval_seconds": 120}
Invoke = Callable[..., tuple[int, Any, dict[str, str]]]


class DenylistDown(InMemoryServiceState):
    """The service-state table unreachable: no token's revocations can be read."""

    def revocations(self, token_id: str, user_id: str) -> Revocations:
        raise DependencyUnavailableError("ServiceStateTable is unavailable", dependency="dynamodb")


@pytest.fixture
def container(make_settings: Callable[..., Settings]) -> Iterator[Container]:
    container = auth_container(make_settings())
    trade_app.app.state.container = container
    yield container
    trade_app.app.state.container = None


@pytest.fixture
def tokens(container: Container) -> dict[str, str]:
    return {role.value: container.token_service.issue(add_user(container, role)) for role in Role}


@pytest.fixture
def invoke(load_event: Callable[[str], dict[str, Any]], lambda_context: Any) -> Invoke:
    def call(token: str | None, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        event = api_event(load_event("trade_frontend_metrics"), token=token, body=body)
        response = trade_app.handler(event, lambda_context)
        return response["statusCode"], json.loads(response["body"]), response["headers"]

    return call


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The core API's document as the gateway serves it (through the trade function's handler)."""
    response = trade_app.handler(gateway_event("GET /api/openapi.json", content_type=None), FakeLambdaContext())
    served: dict[str, Any] = json.loads(response["body"])
    return served


def _emitted(stdout: str) -> dict[str, tuple[str, Any]]:
    """Metric name -> (unit, value) of the EMF lines printed, checking each carries only ``service``."""
    metrics: dict[str, tuple[str, Any]] = {}
    for line in stdout.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            assert directive["Dimensions"] == [["service"]]
            for metric in directive["Metrics"]:
                metrics[metric["Name"]] = (metric["Unit"], blob[metric["Name"]])
    return metrics


@pytest.mark.parametrize(
    ("caller", "status"),
    [(None, 401), ("viewer", 202), ("trader", 202), ("admin", 202)],
    ids=["anonymous", "viewer", "trader", "admin"],
)
def test_frontend_metrics_route_accepts_every_logged_in_role(
    tokens: dict[str, str], invoke: Invoke, document: dict[str, Any], caller: str | None, status: int
) -> None:
    answered, body, headers = invoke(tokens[caller] if caller else None, REPORT)
    assert answered == status, body
    check_answer(document, ROUTE, answered, body, headers)
    if status == 401:
        assert body["error"]["code"] == "unauthorized"
    else:
        assert body == {"recorded": ["PageLoadTime", "WebSocketReconnections", "UserActionsPerMinute"]}


def test_frontend_metrics_route_records_emf_with_a_per_minute_action_rate(
    tokens: dict[str, str], invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert invoke(tokens["trader"], REPORT)[0] == 202
    emitted = _emitted(capsys.readouterr().out)
    assert emitted["PageLoadTime"] == ("Milliseconds", [812.5])
    assert emitted["WebSocketReconnections"] == ("Count", [2.0])
    assert emitted["UserActionsPerMinute"] == ("Count", [15.0])  # 30 actions in 120 s


def test_frontend_metrics_route_without_a_page_load_records_no_page_load_time(
    tokens: dict[str, str], invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    status, body, _ = invoke(tokens["viewer"], {**REPORT, "page_load_ms": None})
    assert (status, body["recorded"]) == (202, ["WebSocketReconnections", "UserActionsPerMinute"])
    assert "PageLoadTime" not in _emitted(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"page_load_ms": 600_001}, "page_load_ms"),
        ({"page_load_ms": -1}, "page_load_ms"),
        ({"ws_reconnections": -1}, "ws_reconnections"),
        ({"user_actions": 1.5}, "user_actions"),
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"interval_seconds": 3601}, "interval_seconds"),
        ({"user_id": "someone-else"}, "user_id"),
        ({"interval_seconds": None}, "interval_seconds"),
    ],
    ids=["slow-load", "negative-load", "negative-reconnects", "fractional-actions", "zero-interval",
         "long-interval", "unknown-field", "missing-interval"],
)  # fmt: skip
def test_frontend_metrics_route_refuses_a_bad_report_naming_the_field(
    tokens: dict[str, str],
    invoke: Invoke,
    document: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    change: dict[str, Any],
    named: str,
) -> None:
    body = {key: value for key, value in {**REPORT, **change}.items() if value is not None or key == "page_load_ms"}
    capsys.readouterr()
    status, answer, headers = invoke(tokens["trader"], body)
    assert status == 422, answer
    check_answer(document, ROUTE, status, answer, headers)
    assert named in answer["error"]["message"]
    emitted = _emitted(capsys.readouterr().out)
    assert not {"PageLoadTime", "WebSocketReconnections", "UserActionsPerMinute"} & set(emitted)


def test_frontend_metrics_route_with_the_denylist_down_is_503(
    make_settings: Callable[..., Settings], invoke: Invoke, document: dict[str, Any]
) -> None:
    container = auth_container(make_settings(), service_state=DenylistDown())
    token = container.token_service.issue(add_user(container, Role.TRADER))
    trade_app.app.state.container = container
    try:
        status, body, headers = invoke(token, REPORT)
    finally:
        trade_app.app.state.container = None
    assert status == 503, body
    check_answer(document, ROUTE, status, body, headers)


def test_frontend_metrics_route_documents_exactly_the_statuses_these_tests_produce(document: dict[str, Any]) -> None:
    assert sorted(documented(document, ROUTE)) == [202, 401, 422, 503]
