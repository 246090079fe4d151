"""The WebSocket API (``/ws``) and its management API (``/@connections/{id}``).

``$connect`` runs before the handshake completes: a non-2xx ``statusCode`` (or a function error,
500) refuses the upgrade with that status. Messages are routed by the template's route selection
expression, falling back to ``$default``; a body the function returns is sent back (two-way
route). ``$disconnect`` runs after the connection is gone. AWS's limits apply: 128 KB per
message (larger closes with 1009), binary frames unsupported (1003), idle timeout and maximum
connection time (1001). The management API answers 410 ``GoneException`` for unknown or closed
connections, so ``boto3.client("apigatewaymanagementapi")`` behaves as against AWS.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from devstack.gateway.events.http import request_id
from devstack.gateway.events.websocket import (
    ConnectionInfo,
    connect_event,
    connection_id,
    disconnect_event,
    message_event,
    select_route,
)
from devstack.local.resources import LocalResources
from devstack.local.settings import DevstackSettings
from devstack.template.reader import WebSocketApiSpec

log = logging.getLogger("devstack.websocket")
WS_PATH = "/ws"


@dataclass
class Connection:
    info: ConnectionInfo
    socket: web.WebSocketResponse
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    last_client_activity: float = field(default_factory=time.monotonic)


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _aws_error(status: int, error_type: str, message: str) -> web.Response:
    body = json.dumps({"message": message or None}).encode()
    return web.Response(
        status=status, body=body, content_type="application/json", headers={"x-amzn-ErrorType": error_type}
    )


class WebSocketGateway:
    """Connections of one WebSocket API, keyed by connection id."""

    def __init__(self, api: WebSocketApiSpec, resources: LocalResources, settings: DevstackSettings, runtime: Any):
        self.api = api
        self.api_id = resources.api_ids[api.logical_id]
        self.settings = settings
        self.runtime = runtime
        self.connections: dict[str, Connection] = {}

    def install(self, app: web.Application) -> None:
        app.router.add_get(WS_PATH, self.handle_socket)
        for prefix in ("", "/{stage}"):
            app.router.add_route("*", prefix + "/@connections/{connection_id}", self.handle_management)

    # --- the client side ---------------------------------------------------------------------
    async def handle_socket(self, request: web.Request) -> web.StreamResponse:
        info = ConnectionInfo(
            connection_id=connection_id(),
            api_id=self.api_id,
            stage=self.api.stage,
            domain_name=request.host,
            source_ip=request.remote or "127.0.0.1",
            user_agent=request.headers.get("User-Agent", ""),
        )
        refused = await self._connect(info, request)
        if refused is not None:
            return refused
        protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
        socket = web.WebSocketResponse(
            max_msg_size=self.settings.ws_max_message_bytes, autoping=True, protocols=protocols[:1]
        )
        await socket.prepare(request)
        connection = Connection(info, socket)
        self.connections[info.connection_id] = connection
        log.info("connected %s from %s", info.connection_id, info.source_ip)
        watchdog = asyncio.get_running_loop().create_task(self._watchdog(connection))
        try:
            await self._receive(connection)
        finally:
            watchdog.cancel()
            self.connections.pop(info.connection_id, None)
            code = socket.close_code or WSCloseCode.ABNORMAL_CLOSURE
            reason = getattr(socket, "_close_reason", "") or ""
            await self._invoke_route("$disconnect", disconnect_event(info, int(code), str(reason), request_id()))
            log.info("disconnected %s (%s)", info.connection_id, code)
        return socket

    async def _connect(self, info: ConnectionInfo, request: web.Request) -> web.Response | None:
        if "$connect" not in self.api.routes:
            return None
        event = connect_event(info, request.headers.items(), request.query_string, request_id())
        outcome = await self.runtime.invoke(self.api.routes["$connect"], event)
        if outcome.timed_out:
            return web.Response(status=504)
        if outcome.error is not None:
            return web.Response(status=500)
        result = outcome.result
        status = int(result.get("statusCode", 200)) if isinstance(result, dict) else 200
        if not 200 <= status < 300:
            log.info("$connect refused %s with %s", info.connection_id, status)
            return web.Response(status=status)
        return None

    async def _receive(self, connection: Connection) -> None:
        socket = connection.socket
        async for message in socket:
            connection.last_client_activity = time.monotonic()
            connection.info.last_active_at = int(time.time() * 1000)
            if message.type == WSMsgType.TEXT:
                task = asyncio.get_running_loop().create_task(self._on_message(connection, message.data))
                connection.tasks.add(task)
                task.add_done_callback(connection.tasks.discard)
            elif message.type == WSMsgType.BINARY:
                await socket.close(code=WSCloseCode.UNSUPPORTED_DATA, message=b"Binary frames are not supported")
            elif message.type == WSMsgType.ERROR:
                log.info("connection %s: bad frame: %s", connection.info.connection_id, socket.exception())
                break

    async def _on_message(self, connection: Connection, body: str) -> None:
        info = connection.info
        route = select_route(body, self.api.route_selection_expression, self.api.routes)
        req_id = request_id()
        if route is None:
            await self._send(
                connection, {"message": "Forbidden", "connectionId": info.connection_id, "requestId": req_id}
            )
            return
        outcome = await self._invoke_route(route, message_event(info, route, body, req_id))
        if outcome is None:
            return
        if not outcome.ok:
            await self._send(
                connection,
                {"message": "Internal server error", "connectionId": info.connection_id, "requestId": req_id},
            )
        elif isinstance(outcome.result, dict) and outcome.result.get("body") is not None:
            body_out = outcome.result["body"]
            await self._send(connection, body_out if isinstance(body_out, str) else json.dumps(body_out))

    async def _invoke_route(self, route: str, event: dict[str, Any]) -> Any:
        if route not in self.api.routes:
            return None
        outcome = await self.runtime.invoke(self.api.routes[route], event)
        if not outcome.ok:
            log.error("%s route failed: %s", route, "timeout" if outcome.timed_out else outcome.error)
        return outcome

    @staticmethod
    async def _send(connection: Connection, data: str | dict[str, Any]) -> None:
        text = data if isinstance(data, str) else json.dumps(data)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await connection.socket.send_str(text)

    async def _watchdog(self, connection: Connection) -> None:
        """Close idle connections and those past the maximum lifetime, like API Gateway (1001)."""
        opened = time.monotonic()
        while not connection.socket.closed:
            now = time.monotonic()
            idle_left = connection.last_client_activity + self.settings.ws_idle_seconds - now
            life_left = opened + self.settings.ws_max_seconds - now
            if min(idle_left, life_left) <= 0:
                await connection.socket.close(code=WSCloseCode.GOING_AWAY, message=b"Going away")
                return
            await asyncio.sleep(min(idle_left, life_left, 1.0))

    # --- the management API ------------------------------------------------------------------
    async def handle_management(self, request: web.Request) -> web.Response:
        connection = self.connections.get(request.match_info["connection_id"])
        if connection is None or connection.socket.closed:
            return _aws_error(410, "GoneException", "")
        if request.method == "POST":
            data = await request.read()
            if len(data) > self.settings.ws_max_message_bytes:
                return _aws_error(413, "PayloadTooLargeException", "Message too long")
            try:
                await connection.socket.send_str(data.decode())
            except UnicodeDecodeError:
                await connection.socket.send_bytes(data)
            except (ConnectionError, RuntimeError):
                return _aws_error(410, "GoneException", "")
            return web.Response(status=200)
        if request.method == "GET":
            info = connection.info
            body = {
                "connectedAt": _iso(info.connected_at),
                "identity": {"sourceIp": info.source_ip, "userAgent": info.user_agent},
                "lastActiveAt": _iso(info.last_active_at),
            }
            return web.json_response(body)
        if request.method == "DELETE":
            await connection.socket.close(code=WSCloseCode.GOING_AWAY, message=b"Going away")
            return web.Response(status=204)
        return _aws_error(403, "ForbiddenException", "Forbidden")

    async def close_all(self) -> None:
        for connection in list(self.connections.values()):
            with contextlib.suppress(Exception):
                await connection.socket.close(code=WSCloseCode.GOING_AWAY, message=b"Going away")
