"""The local gateway over real sockets: payload 2.0 events, environments, failures, CORS."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventV2Model

from tests.support.devstack import StackHandle, running_local_stack

ORIGIN = "http://localhost:3000"


@pytest.fixture(scope="module")
def local_stack() -> Iterator[StackHandle]:
    with running_local_stack() as handle:
        yield handle


def _echo(local_stack: StackHandle, method: str, path: str, **kwargs: object) -> tuple[requests.Response, dict]:
    response = requests.request(method, local_stack.core_url + path, timeout=10, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 201, response.text
    return response, response.json()


def test_gateway_builds_payload_v2_event(local_stack: StackHandle) -> None:
    _, echoed = _echo(
        local_stack,
        "POST",
        "/api/echo/a/b?x=1&x=2&empty=",
        data=b'{"hello": "world"}',
        headers={"Content-Type": "application/json", "Cookie": "s=1; t=2", "X-Multi": "a", "User-Agent": "t/1"},
    )
    event = echoed["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /api/echo/{proxy+}"
    assert event["rawPath"] == "/api/echo/a/b"
    assert event["rawQueryString"] == "x=1&x=2&empty="
    assert event["queryStringParameters"] == {"x": "1,2", "empty": ""}
    assert event["pathParameters"] == {"proxy": "a/b"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "a"
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/api/echo/a/b",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "t/1",
    }
    assert context["routeKey"] == event["routeKey"]
    assert context["stage"] == "$default"
    assert len(context["apiId"]) == 10
    assert context["requestId"]
    # Powertools parses it, as it would parse AWS's
    parsed = APIGatewayProxyEventV2Model.model_validate(event)
    assert parsed.requestContext.http.method == "POST"
    assert APIGatewayProxyEventV2(event).path_parameters == {"proxy": "a/b"}


def test_gateway_base64_encodes_binary_bodies_and_decodes_binary_responses(local_stack: StackHandle) -> None:
    _, echoed = _echo(
        local_stack,
        "PUT",
        "/api/echo/upload",
        data=bytes([0, 255, 1]),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert echoed["event"]["isBase64Encoded"] is True
    assert echoed["event"]["body"] == "AP8B"
    response = requests.get(local_stack.core_url + "/api/echo/binary", timeout=10)
    assert response.content == bytes(range(256))


def test_gateway_maps_status_headers_and_cookies(local_stack: StackHandle) -> None:
    response, _ = _echo(local_stack, "GET", "/api/items/42")
    assert response.headers["x-echo"] == "1"
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.headers["apigw-requestid"]
    plain = requests.get(local_stack.core_url + "/api/echo/plain", timeout=10)
    assert plain.status_code == 200
    assert plain.json() == {"hello": "world"}


def test_function_sees_its_own_environment_with_local_resources(local_stack: StackHandle) -> None:
    _, echo = _echo(local_stack, "GET", "/api/items/1")
    env = echo["env"]
    port = local_stack.settings.ports["CORE_API_PORT"]
    assert env["CONNECTIONS_TABLE"] == "tradecore-local-connections"
    assert env["TRADE_OUTBOX_QUEUE_URL"].endswith("/123456789012/tradecore-local-TradeOutboxQueue")
    assert env["WEBSOCKET_MANAGEMENT_URL"] == f"http://127.0.0.1:{port}/dev"
    assert env["AI_SERVICE_URL"] == local_stack.ai_url
    assert env["LOG_MODE"] == "verbose"
    assert env["ONLY_ECHO"] == "yes"
    assert echo["function_name"] == "EchoFunction"
    assert 0 < echo["remaining_ms"] <= 3000
    # the AI function shares the handler but not EchoFunction's own variables
    ai = requests.post(local_stack.ai_url + "/ai/analyze", json={}, timeout=10).json()
    assert ai["env"]["ONLY_ECHO"] is None
    assert ai["function_name"] == "AiEchoFunction"


def test_handler_error_is_502_and_timeout_is_504_and_gateway_keeps_serving(local_stack: StackHandle) -> None:
    failed = requests.post(local_stack.core_url + "/api/fail", timeout=10)
    assert failed.status_code == 502
    assert failed.json() == {"message": "Internal Server Error"}
    slow = requests.get(local_stack.core_url + "/api/slow", timeout=10)
    assert slow.status_code == 504
    assert requests.get(local_stack.core_url + "/api/items/1", timeout=10).status_code == 201


def test_unknown_route_is_the_gateways_404(local_stack: StackHandle) -> None:
    for method, path in (("GET", "/api/nothing"), ("DELETE", "/api/items/1"), ("GET", "/ai/analyze")):
        response = requests.request(method, local_stack.core_url + path, timeout=10)
        assert response.status_code == 404
        assert response.json() == {"message": "Not Found"}
        assert response.headers["x-devstack-origin"] == "gateway"


def test_cors_preflight_answered_by_gateway_and_headers_replaced(local_stack: StackHandle) -> None:
    preflight = requests.options(
        local_stack.core_url + "/api/items/1",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-max-age"] == "600"
    response, _ = _echo(local_stack, "GET", "/api/items/1", headers={"Origin": ORIGIN})
    assert response.headers["access-control-allow-origin"] == ORIGIN  # not the function's "*"
    assert response.headers["access-control-expose-headers"] == "x-request-id"
    foreign, _ = _echo(local_stack, "GET", "/api/items/1", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers


def test_invalid_json_body_still_reaches_the_function(local_stack: StackHandle) -> None:
    _, echoed = _echo(
        local_stack, "POST", "/api/echo/x", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert echoed["event"]["body"] == "{not json"
    assert json.loads(json.dumps(echoed["event"]))["isBase64Encoded"] is False
