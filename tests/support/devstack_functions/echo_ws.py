"""Test-only WebSocket handler: refuses $connect without ?token=good, echoes messages."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def _record(event: dict[str, Any]) -> None:
    folder = os.environ.get("EVENT_LOG_DIR")
    if folder:
        context = event["requestContext"]
        name = f"{context['eventType'].lower()}-{context['connectionId'].replace('/', '_')}.json"
        (Path(folder) / name).write_text(json.dumps(event))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    route = event["requestContext"]["routeKey"]
    _record(event)
    if route == "$connect":
        token = (event.get("queryStringParameters") or {}).get("token")
        return {"statusCode": 200} if token == "good" else {"statusCode": 401, "body": "Unauthorized"}
    if route == "$disconnect":
        return {"statusCode": 200}
    if route == "whoami":
        return {"statusCode": 200, "body": json.dumps({"event": event})}
    body = event.get("body") or ""
    if body == "raise":
        raise RuntimeError("message handler failed on purpose")
    return {"statusCode": 200, "body": json.dumps({"echo": body, "route": route})}
