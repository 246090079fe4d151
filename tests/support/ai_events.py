"""Building ``/ai/analyze`` API Gateway events from the sample event, and calling the handler."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import TEST_SERVICE_TOKEN
from tests.support.candles import HOUR_MS, START_MS, make_candles


def analyze_body(count: int = 80, kind: str = "up", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"symbol": "BTCUSDT", "timeframe": "1h", "candles": make_candles(kind, count)}
    body.update(changes)
    return body


def four_hour_candles(count: int = 60, kind: str = "up") -> list[dict[str, object]]:
    return make_candles(kind, count, step_ms=4 * HOUR_MS, start_ms=START_MS - count * 4 * HOUR_MS)


def analyze_event(
    template: dict[str, Any], body: Any, *, token: str | None = TEST_SERVICE_TOKEN, request_id: str | None = None
) -> dict[str, Any]:
    event = json.loads(json.dumps(template))
    event["body"] = body if isinstance(body, str) else json.dumps(body)
    headers = {k: v for k, v in event["headers"].items() if k not in ("authorization", "x-request-id")}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    if request_id is not None:
        headers["x-request-id"] = request_id
    event["headers"] = headers
    return event


def invoke(module: Any, event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = module.handler(event, context)
    body = json.loads(response["body"]) if response.get("body") else {}
    return response["statusCode"], body, response["headers"]
