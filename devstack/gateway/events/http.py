"""HTTP API (payload format 2.0): route matching, the event AWS sends, and the response mapping.

The event follows AWS's documented shape: header names lower-cased and repeated values joined with
commas, the ``cookie`` header moved to ``cookies``, repeated query parameters comma-joined, keys
such as ``cookies``/``queryStringParameters``/``pathParameters``/``body`` present only when they
have content, and bodies base64-encoded unless they are text.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from devstack.template.intrinsics import ACCOUNT_ID
from devstack.template.reader import HttpRoute

_TEXT_TYPES = re.compile(r"^text/|json|xml|javascript|x-www-form-urlencoded|graphql|yaml", re.IGNORECASE)
_PATH_VARIABLE = re.compile(r"\{(\w+)(\+?)\}")


@dataclass(frozen=True)
class CompiledRoute:
    route: HttpRoute
    pattern: re.Pattern[str] | None  # None for $default
    priority: tuple[int, int, int]


class RouteTable:
    """The routes of one listener, matched the way API Gateway picks the most specific route."""

    def __init__(self, routes: Iterable[HttpRoute]) -> None:
        compiled = [self._compile(route) for route in routes]
        self.routes = sorted(compiled, key=lambda c: c.priority)

    @staticmethod
    def _compile(route: HttpRoute) -> CompiledRoute:
        if route.path == "$default":
            return CompiledRoute(route, None, (2, 0, 1))
        greedy = 0
        pattern = ""
        for static, name, plus in _split_path(route.path):
            pattern += re.escape(static)
            if name:
                greedy |= bool(plus)
                pattern += f"(?P<{name}>.+)" if plus else f"(?P<{name}>[^/]+)"
        statics = route.path.count("/") - len(_PATH_VARIABLE.findall(route.path))
        return CompiledRoute(route, re.compile(f"^{pattern}$"), (greedy, -statics, route.method == "ANY"))

    def match(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]] | None:
        """The route for ``method path`` and its path parameters, or None (the gateway's 404)."""
        for compiled in self.routes:
            if compiled.route.method not in (method, "ANY"):
                continue
            if compiled.pattern is None:
                return compiled.route, {}
            found = compiled.pattern.match(path)
            if found:
                return compiled.route, found.groupdict()
        return None


def _split_path(path: str) -> list[tuple[str, str, str]]:
    parts, last = [], 0
    for found in _PATH_VARIABLE.finditer(path):
        parts.append((path[last : found.start()], found.group(1), found.group(2)))
        last = found.end()
    parts.append((path[last:], "", ""))
    return parts


def request_id() -> str:
    """An id shaped like API Gateway's (``JKJaXmPLvHcESHA=``)."""
    return base64.b64encode(secrets.token_bytes(11)).decode()


def is_text(content_type: str | None) -> bool:
    return bool(content_type) and bool(_TEXT_TYPES.search(content_type or ""))


def build_http_event(
    *,
    route: HttpRoute,
    path_parameters: dict[str, str],
    method: str,
    raw_path: str,
    path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    source_ip: str,
    api_id: str,
    stage: str,
    req_id: str,
) -> dict[str, Any]:
    """The payload 2.0 event API Gateway would hand the function for this request."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    host = joined.get("host", "127.0.0.1")
    joined.setdefault("x-forwarded-for", source_ip)
    joined.setdefault("x-forwarded-proto", "http")
    joined.setdefault("x-forwarded-port", host.rsplit(":", 1)[1] if ":" in host else "80")
    joined.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}")
    epoch_ms = time.time_ns() // 1_000_000
    domain = host.split(":", 1)[0]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": domain.split(".", 1)[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": req_id,
            "routeKey": route.route_key,
            "stage": stage,
            "time": _request_time(epoch_ms // 1000),
            "timeEpoch": epoch_ms,
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    query = _joined_query(raw_query)
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        if is_text(joined.get("content-type")) and _is_utf8(body):
            event["body"] = body.decode()
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


@functools.lru_cache(maxsize=4)
def _request_time(epoch_seconds: int) -> str:
    """``requestContext.time`` (``12/Mar/2020:19:03:58 +0000``); formatted once per second."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _joined_query(raw_query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def map_lambda_response(result: Any) -> HttpResponse:
    """Turn a handler's return value into the HTTP response, as API Gateway (payload 2.0) does.

    A dict with ``statusCode`` is used as given; anything else is JSON-encoded as a 200 body.
    Raise ValueError when the value cannot be a response (API Gateway answers 502 then).
    """
    if not (isinstance(result, dict) and "statusCode" in result):
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("content-type", "application/json")], text.encode())
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        raise ValueError(f"statusCode is not an integer: {result['statusCode']!r}") from None
    headers: list[tuple[str, str]] = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(value)) for value in values)
    headers.extend(("set-cookie", str(cookie)) for cookie in result.get("cookies") or [])
    raw = result.get("body")
    body: bytes
    if raw is None:
        body = b""
    elif result.get("isBase64Encoded"):
        body = base64.b64decode(str(raw))
    else:
        body = (raw if isinstance(raw, str) else json.dumps(raw)).encode()
    return HttpResponse(status, headers, body)
