"""WebSocket API: ``$connect`` / ``$disconnect`` / messages, dispatched on ``requestContext.routeKey``.

Mangum does not handle WebSocket events, so this module dispatches them itself. A refused
``$connect`` returns a non-2xx status, which makes API Gateway refuse the connection.
"""

from __future__ import annotations

import json
from typing import Any

from tradecore.bootstrap import ContainerSlot
from tradecore.config import get_settings
from tradecore.errors import TradecoreError
from tradecore.observability import bind_user, logger, metrics, request_context

get_settings()  # validate at cold start: a misconfigured function refuses to start
_slot = ContainerSlot()
container = _slot.get
use_container = _slot.use  # tests and the local stack build their own through ``bootstrap``


def _status(code: int, message: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"statusCode": code}
    if message:
        response["body"] = json.dumps({"message": message})
    return response


def on_connect(event: dict[str, Any], connection_id: str) -> dict[str, Any]:
    token = (event.get("queryStringParameters") or {}).get("token")
    user_id = container().realtime.connect(connection_id, token)
    bind_user(user_id)
    metrics.add_metric(name="WebSocketConnections", unit="Count", value=1)
    return _status(200)


def on_disconnect(_: dict[str, Any], connection_id: str) -> dict[str, Any]:
    container().realtime.disconnect(connection_id)
    return _status(200)


def on_message(event: dict[str, Any], connection_id: str) -> dict[str, Any]:
    container().realtime.handle_message(connection_id, event.get("body"))
    return _status(200)


ROUTES = {"$connect": on_connect, "$disconnect": on_disconnect}


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event.get("requestContext", {})
    route = request.get("routeKey", "$default")
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    with request_context(headers.get("x-request-id") or request.get("requestId")):
        try:
            return ROUTES.get(route, on_message)(event, request["connectionId"])
        except TradecoreError as exc:
            logger.info("websocket request refused", extra={"route": route, "code": exc.code})
            return _status(exc.status, exc.message)
        except Exception:  # noqa: BLE001 - last resort: a clean 500, details in the log only
            logger.exception("websocket handler failed", extra={"route": route})
            return _status(500, "Internal error")
