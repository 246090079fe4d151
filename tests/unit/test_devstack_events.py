"""Pure parts of the local stack: route matching, responses, CORS, cron, WebSocket routing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devstack.gateway.cors import CorsPolicy
from devstack.gateway.events.http import RouteTable, map_lambda_response
from devstack.gateway.events.websocket import select_route
from devstack.local.scheduler import CronSchedule, rate_seconds
from devstack.template.intrinsics import TemplateError
from devstack.template.reader import HttpRoute


def test_route_table_prefers_static_over_parameter_over_greedy() -> None:
    table = RouteTable(
        [
            HttpRoute("Api", "ANY", "/{proxy+}", "Greedy"),
            HttpRoute("Api", "POST", "/api/positions/{symbol}/close", "Close"),
            HttpRoute("Api", "GET", "/api/positions", "List"),
            HttpRoute("Api", "GET", "/api/{thing}", "Param"),
        ]
    )
    assert table.match("GET", "/api/positions")[0].function == "List"  # type: ignore[index]
    assert table.match("POST", "/api/positions/BTCUSDT/close")[1] == {"symbol": "BTCUSDT"}  # type: ignore[index]
    assert table.match("GET", "/api/other")[0].function == "Param"  # type: ignore[index]
    assert table.match("DELETE", "/a/b/c")[0].function == "Greedy"  # type: ignore[index]
    assert RouteTable([HttpRoute("Api", "GET", "/x", "X")]).match("POST", "/x") is None


def test_response_mapping_follows_payload_v2_rules() -> None:
    inferred = map_lambda_response({"ok": True})
    assert (inferred.status, inferred.body) == (200, b'{"ok": true}')
    full = map_lambda_response({"statusCode": 302, "headers": {"Location": "/x"}, "cookies": ["a=1"], "body": ""})
    assert full.status == 302
    assert ("set-cookie", "a=1") in full.headers
    assert map_lambda_response({"statusCode": 200, "body": "AAE=", "isBase64Encoded": True}).body == b"\x00\x01"
    with pytest.raises(ValueError, match="statusCode"):
        map_lambda_response({"statusCode": "abc"})


def test_cors_allows_only_configured_origins() -> None:
    policy = CorsPolicy({"AllowOrigins": ["http://localhost:3000"], "AllowMethods": ["GET"], "MaxAge": 60})
    assert policy.preflight({"origin": "http://evil", "access-control-request-method": "GET"}) == []
    allowed = dict(policy.preflight({"origin": "http://localhost:3000", "access-control-request-method": "GET"}))
    assert allowed["access-control-allow-origin"] == "http://localhost:3000"
    assert (
        dict(policy.apply("http://localhost:3000", [("access-control-allow-origin", "*")]))[
            "access-control-allow-origin"
        ]
        == "http://localhost:3000"
    )


def test_aws_cron_and_rate_expressions() -> None:
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("cron(0 12 * * ? *)") is None
    monday_noon = CronSchedule("cron(0 12 ? * 2 *)", "t").next_after(datetime(2026, 11, 25, tzinfo=UTC))
    assert monday_noon == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # AWS day 2 = Monday
    with pytest.raises(TemplateError, match="cron"):
        CronSchedule("cron(0 12 * *)", "Resources.Job.Events.Tick")


def test_websocket_route_selection_falls_back_to_default() -> None:
    routes = ["$connect", "$default", "subscribe"]
    assert select_route('{"action": "subscribe"}', "$request.body.action", routes) == "subscribe"
    assert select_route('{"action": "other"}', "$request.body.action", routes) == "$default"
    assert select_route("not json", "$request.body.action", routes) == "$default"
    assert select_route('{"action": "x"}', "$request.body.action", ["subscribe"]) is None
