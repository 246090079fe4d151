"""Test-only HTTP handlers for the local stack's tests: echo the event, fail, or time out."""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

SEEN_ENV = (
    "ENVIRONMENT",
    "CONNECTIONS_TABLE",
    "TRADE_OUTBOX_QUEUE_URL",
    "WEBSOCKET_MANAGEMENT_URL",
    "LOG_MODE",
    "AI_SERVICE_URL",
    "ONLY_ECHO",
    "AWS_LAMBDA_FUNCTION_NAME",
    "EVENT_LOG_DIR",
)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event["rawPath"].endswith("/binary"):
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/octet-stream"},
            "body": base64.b64encode(bytes(range(256))).decode(),
            "isBase64Encoded": True,
        }
    if event["rawPath"].endswith("/plain"):
        return {"hello": "world"}
    body = {
        "event": event,
        "env": {name: os.environ.get(name) for name in SEEN_ENV},
        "remaining_ms": context.get_remaining_time_in_millis(),
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
    }
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "x-echo": "1", "access-control-allow-origin": "*"},
        "cookies": ["a=1; Path=/", "b=2; Path=/"],
        "body": json.dumps(body),
    }


def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    time.sleep(30)
    return {"statusCode": 200, "body": "too late"}


def fail(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("the handler failed on purpose")
