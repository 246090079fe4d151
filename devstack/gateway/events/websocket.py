"""The events API Gateway sends a WebSocket API's function: CONNECT, MESSAGE, DISCONNECT."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl


def connection_id() -> str:
    """An id shaped like API Gateway's (``L0SM9cOFvHcCIhw=``)."""
    return base64.b64encode(secrets.token_bytes(11)).decode()


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _request_time(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


@dataclass
class ConnectionInfo:
    """What API Gateway knows about one connection."""

    connection_id: str
    api_id: str
    stage: str
    domain_name: str
    source_ip: str
    user_agent: str
    connected_at: int = field(default_factory=_now_ms)  # epoch ms
    last_active_at: int = field(default_factory=_now_ms)


def _context(info: ConnectionInfo, route_key: str, event_type: str, req_id: str) -> dict[str, Any]:
    now = _now_ms()
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": req_id,
        "requestTime": _request_time(now),
        "messageDirection": "IN",
        "stage": info.stage,
        "connectedAt": info.connected_at,
        "requestTimeEpoch": now,
        "identity": {"userAgent": info.user_agent, "sourceIp": info.source_ip},
        "requestId": req_id,
        "domainName": info.domain_name,
        "connectionId": info.connection_id,
        "apiId": info.api_id,
    }


def _header_maps(headers: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for raw_name, value in headers:
        name = str(raw_name)  # plain str: multidict's istr keys would push the IPC encoder off its fast path
        multi.setdefault(name, []).append(value)
        single[name] = value
    return single, multi


def connect_event(
    info: ConnectionInfo, headers: Iterable[tuple[str, str]], raw_query: str, req_id: str
) -> dict[str, Any]:
    """``$connect``: headers as sent (original case), query string, eventType CONNECT."""
    single, multi = _header_maps(headers)
    single.setdefault("X-Forwarded-For", info.source_ip)
    multi.setdefault("X-Forwarded-For", [info.source_ip])
    event: dict[str, Any] = {
        "headers": single,
        "multiValueHeaders": multi,
        "requestContext": _context(info, "$connect", "CONNECT", req_id),
        "isBase64Encoded": False,
    }
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = value
        multi_query.setdefault(key, []).append(value)
    if query:
        event["queryStringParameters"] = query
        event["multiValueQueryStringParameters"] = multi_query
    return event


def message_event(info: ConnectionInfo, route_key: str, body: str, req_id: str) -> dict[str, Any]:
    """A client message routed to ``route_key``."""
    context = _context(info, route_key, "MESSAGE", req_id)
    context["messageId"] = base64.b64encode(secrets.token_bytes(11)).decode()
    return {"requestContext": context, "body": body, "isBase64Encoded": False}


def disconnect_event(info: ConnectionInfo, status_code: int, reason: str, req_id: str) -> dict[str, Any]:
    """``$disconnect``: with the close code and reason API Gateway reports."""
    context = _context(info, "$disconnect", "DISCONNECT", req_id)
    context["disconnectStatusCode"] = status_code
    context["disconnectReason"] = reason
    headers = {"Host": info.domain_name, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    return {
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }


def select_route(body: str, expression: str, routes: Iterable[str]) -> str | None:
    """The route key for a message by ``$request.body.<path>``, else ``$default``, else None."""
    known = set(routes)
    try:
        value: Any = json.loads(body)
        for part in expression.removeprefix("$request.body.").split("."):
            value = value[part] if isinstance(value, dict) else None
    except ValueError:
        value = None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value) in known:
        return str(value)
    return "$default" if "$default" in known else None
