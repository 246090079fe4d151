"""The local API Gateway: every HTTP API route of the template, the WebSocket API, @connections.

Each HTTP API listens on its own port (core on ``CORE_API_PORT`` = 8080, AI on ``AI_API_PORT`` =
8000); the WebSocket API (``/ws``) and its management API (``/@connections/{id}``) share the core
port. A request becomes a payload 2.0 event (:mod:`devstack.gateway.events.http`) handed to the function's
real ``handler`` in a worker process with the function's own environment (:mod:`devstack.runtime.workers`,
whose docstring explains the design). Failures answer like API Gateway and never stop the gateway:
no route 404 ``{"message":"Not Found"}``, handler error or invalid response 502
``{"message":"Internal Server Error"}``, timeout 504, body over 10 MB 413.

An outage on demand (browser tests, demos): while a file ``<data dir>/faults/<ApiLogicalId>``
exists (``touch .data/faults/AiHttpApi``), every route of that API answers 503
``{"message":"Service Unavailable"}``, as API Gateway does when its integration is unavailable.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from devstack.gateway.cors import CorsPolicy
from devstack.gateway.events.http import HttpResponse, RouteTable, build_http_event, map_lambda_response, request_id
from devstack.local.resources import LocalResources
from devstack.local.settings import DevstackSettings
from devstack.runtime.functions import FunctionRuntime
from devstack.runtime.workers import Invocation
from devstack.template.reader import HttpRoute
from devstack.template.stack import Stack

log = logging.getLogger("devstack.gateway")
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # HTTP API payload limit
GATEWAY_ORIGIN_HEADER = "x-devstack-origin"  # marks answers the gateway made itself (not the function)


class PortInUseError(RuntimeError):
    """A port the stack needs is taken; the message names the variable that changes it."""

    def __init__(self, port: int, variable: str) -> None:
        super().__init__(f"port {port} is already in use; set {variable} to another port")
        self.port, self.variable = port, variable


def gateway_error(status: int, message: str, req_id: str) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps({"message": message}).encode(),
        content_type="application/json",
        headers={"apigw-requestid": req_id, GATEWAY_ORIGIN_HEADER: "gateway"},
    )


class HttpListener:
    """The routes of the HTTP API(s) on one port, as an aiohttp handler."""

    def __init__(self, routes: list[HttpRoute], stack: Stack, resources: LocalResources, runtime: FunctionRuntime):
        self.table = RouteTable(routes)
        self.runtime = runtime
        self.resources = resources
        # CorsConfiguration may hold intrinsics (the allowed origin is a parameter): resolve them
        self.cors = {
            api: CorsPolicy(resources.resolve(spec.cors, f"Resources.{api}.Properties.CorsConfiguration"))
            for api, spec in stack.http_apis.items()
            if spec.cors is not None
        }
        self.stages = {api: spec.stage for api, spec in stack.http_apis.items()}
        self._apis = sorted({route.api for route in routes})
        self._faults = resources.settings.data_dir / "faults"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        req_id = request_id()
        started = time.perf_counter()
        lowered = {k.lower(): v for k, v in request.headers.items()}
        method = request.method.upper()
        match = self.table.match(method, request.path)
        cors = self._cors_for(match[0].api if match else None)
        if cors is not None and CorsPolicy.is_preflight(method, lowered):
            return web.Response(status=204, headers=[*cors.preflight(lowered), ("apigw-requestid", req_id)])
        if match is None:
            return gateway_error(404, "Not Found", req_id)
        route, path_parameters = match
        if (self._faults / route.api).exists():
            log.info("%s %s -> 503 (%s is faulted: %s)", method, request.path, route.api, self._faults / route.api)
            return gateway_error(503, "Service Unavailable", req_id)
        body = await request.read()
        event = build_http_event(
            route=route,
            path_parameters=path_parameters,
            method=method,
            raw_path=request.raw_path.split("?", 1)[0],
            path=request.path,
            raw_query=request.query_string,
            headers=request.headers.items(),
            body=body,
            source_ip=request.remote or "127.0.0.1",
            api_id=self.resources.api_ids[route.api],
            stage=self.stages.get(route.api, "$default"),
            req_id=req_id,
        )
        outcome = await self.runtime.invoke(route.function, event, req_id)
        response = self._respond(outcome, route, req_id)
        if isinstance(response, web.Response) and cors is not None:
            headers = cors.apply(lowered.get("origin"), list(response.headers.items()))
            response = web.Response(status=response.status, body=response.body, headers=_multi(headers))
        trace = response.headers.get("X-Request-ID", "")  # the function's trace id: its log lines carry it
        log.info(
            "%s %s -> %s (%s, %.1f ms, handler %.1f ms)%s",
            method,
            request.path,
            response.status,
            route.function,
            (time.perf_counter() - started) * 1000,
            outcome.duration_ms,
            f"  trace={trace[:8]}" if trace else "",
        )
        return response

    def _respond(self, outcome: Invocation, route: HttpRoute, req_id: str) -> web.Response:
        if outcome.timed_out:
            log.warning("%s timed out after %ss", route.function, self.runtime.function(route.function).timeout)
            return gateway_error(504, "Endpoint request timed out", req_id)
        if outcome.error is not None:
            log.error(
                "%s failed: %s: %s", route.function, outcome.error.get("errorType"), outcome.error.get("errorMessage")
            )
            return gateway_error(502, "Internal Server Error", req_id)
        try:
            mapped: HttpResponse = map_lambda_response(outcome.result)
        except ValueError as exc:
            log.error("%s returned an invalid response: %s", route.function, exc)
            return gateway_error(502, "Internal Server Error", req_id)
        headers = [(k, v) for k, v in mapped.headers if k.lower() not in ("content-length", "transfer-encoding")]
        headers.append(("apigw-requestid", req_id))
        return web.Response(status=mapped.status, body=mapped.body, headers=_multi(headers))

    def _cors_for(self, api: str | None) -> CorsPolicy | None:
        if api is not None:
            return self.cors.get(api)
        return next((self.cors[name] for name in self._apis if name in self.cors), None)


def _multi(headers: list[tuple[str, str]]) -> CIMultiDict[str]:
    return CIMultiDict(headers)


class Gateway:
    """Every listener of the local API Gateway; start() binds them, stop() releases them."""

    def __init__(
        self, stack: Stack, resources: LocalResources, settings: DevstackSettings, runtime: FunctionRuntime
    ) -> None:
        self.stack, self.resources, self.settings, self.runtime = stack, resources, settings, runtime
        self._runners: list[web.AppRunner] = []
        self.websocket: Any = None

    def listeners(self) -> dict[int, tuple[str, list[HttpRoute]]]:
        """port -> (the variable that sets it, its routes)."""
        by_port: dict[int, tuple[str, list[HttpRoute]]] = {}
        for api in self.stack.http_apis:
            port = self.settings.api_port(api)
            variable = self.settings.port_variable(api)
            by_port.setdefault(port, (variable, []))[1].extend(r for r in self.stack.http_routes if r.api == api)
        if self.stack.websocket_apis:
            by_port.setdefault(self.settings.ports["CORE_API_PORT"], ("CORE_API_PORT", []))
        return by_port

    async def start(self) -> None:
        from devstack.gateway.websocket import WebSocketGateway

        core_port = self.settings.ports["CORE_API_PORT"]
        for port, (variable, routes) in self.listeners().items():
            app = web.Application(client_max_size=MAX_REQUEST_BYTES, handler_args={"max_field_size": 16384})
            if port == core_port and self.stack.websocket_apis:
                api = next(iter(self.stack.websocket_apis.values()))
                self.websocket = WebSocketGateway(api, self.resources, self.settings, self.runtime)
                self.websocket.install(app)
            listener = HttpListener(routes, self.stack, self.resources, self.runtime)
            app.router.add_route("*", "/{tail:.*}", listener.handle)
            runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
            await runner.setup()
            try:
                await web.TCPSite(runner, "127.0.0.1", port, reuse_address=True).start()
            except OSError as exc:
                await runner.cleanup()
                await self.stop()
                raise PortInUseError(port, variable) from exc
            self._runners.append(runner)

    async def stop(self) -> None:
        if self.websocket is not None:
            await self.websocket.close_all()
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()
