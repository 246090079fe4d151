"""events/: one realistic sample per route of template.yaml, and none for a route that does not exist."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from devstack.template.reader import HttpRoute, SamTemplate

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
TEMPLATE = SamTemplate.load()
EVENTS = {path.name: json.loads(path.read_text()) for path in sorted(EVENTS_DIR.glob("*.json"))}
HTTP_EVENTS = {name: event for name, event in EVENTS.items() if event.get("version") == "2.0"}
WS_EVENTS = {name: event for name, event in EVENTS.items() if "eventType" in event.get("requestContext", {})}
SCHEDULED_EVENTS = {name: event for name, event in EVENTS.items() if event.get("detail-type") == "Scheduled Event"}


def _path_pattern(route: HttpRoute) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(route.path)) + "$")


def test_every_sample_event_is_an_api_gateway_or_eventbridge_event() -> None:
    unknown = set(EVENTS) - set(HTTP_EVENTS) - set(WS_EVENTS) - set(SCHEDULED_EVENTS)
    assert not unknown


@pytest.mark.parametrize("route", TEMPLATE.http_routes(), ids=lambda r: r.route_key)
def test_every_http_route_has_a_sample_event(route: HttpRoute) -> None:
    assert any(event["routeKey"] == route.route_key for event in HTTP_EVENTS.values()), route.route_key


@pytest.mark.parametrize("name", sorted(HTTP_EVENTS))
def test_http_events_match_a_declared_route_in_api_gateway_v2_shape(name: str) -> None:
    event: dict[str, Any] = HTTP_EVENTS[name]
    routes = {route.route_key: route for route in TEMPLATE.http_routes()}
    assert event["routeKey"] in routes, f"{name}: {event['routeKey']} is not in template.yaml"
    route = routes[event["routeKey"]]
    context = event["requestContext"]
    assert context["routeKey"] == event["routeKey"]
    assert context["http"]["method"] == route.method
    assert context["http"]["path"] == event["rawPath"]
    assert _path_pattern(route).match(event["rawPath"]), f"{name}: {event['rawPath']} does not fit {route.path}"
    assert context["stage"] == "$default"  # the HTTP APIs use the default stage: no base path to strip
    if "body" in event:
        json.loads(event["body"])


def test_every_websocket_route_has_a_sample_event() -> None:
    sampled = {event["requestContext"]["routeKey"] for event in WS_EVENTS.values()}
    assert sampled == {route.route_key for route in TEMPLATE.websocket_routes()}


@pytest.mark.parametrize("name", sorted(WS_EVENTS))
def test_websocket_messages_carry_the_action_their_route_selects(name: str) -> None:
    context = WS_EVENTS[name]["requestContext"]
    assert context["connectionId"]
    if context["eventType"] == "MESSAGE":
        action = json.loads(WS_EVENTS[name]["body"])["action"]
        declared = {route.route_key for route in TEMPLATE.websocket_routes()}
        expected = action if action in declared else "$default"
        assert context["routeKey"] == expected


def test_every_schedule_has_a_sample_scheduled_event() -> None:
    sampled = {
        function
        for event in SCHEDULED_EVENTS.values()
        for function in {s.function for s in TEMPLATE.schedules()}
        if f"rule/tradecore-dev-{function}Schedule-" in event["resources"][0]
    }
    assert sampled == {s.function for s in TEMPLATE.schedules()}
    for event in SCHEDULED_EVENTS.values():
        assert (event["source"], event["detail"]) == ("aws.events", {})
