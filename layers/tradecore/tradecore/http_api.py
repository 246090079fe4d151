"""The FastAPI app every HTTP function starts from, and the Lambda entry point around it.

One place maps the error taxonomy to HTTP (``{"error": {"code", "message", "trace_id"}}``),
binds the trace id for the request and returns it as ``X-Request-ID``. An unexpected exception
becomes a 500 with no internals in the body; the details go to the log only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from aws_lambda_powertools.metrics import MetricUnit
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from mangum import Mangum
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from tradecore.bootstrap import Container, bootstrap
from tradecore.config import get_settings
from tradecore.errors import InternalError, RateLimitedError, TradecoreError
from tradecore.observability import TRACE_HEADER, current_trace_id, logger, metrics, request_context

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "trace_id": current_trace_id()}}
    return JSONResponse(status_code=status, content=body, headers=headers)


async def _tradecore_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, TradecoreError)  # noqa: S101 - registered for this type only
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitedError) else None
    message = exc.message
    if exc.status >= 500:
        logger.error("request failed", extra={"code": exc.code, "error": exc.message})
        if exc.status == 500:
            message = type(exc).default_message  # the detail is for operators: it stays in the log
    else:
        logger.info("request refused", extra={"code": exc.code, "status": exc.status})
    return error_response(exc.status, exc.code, message, headers)


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
        problems.append(f"{location or 'body'}: {error.get('msg', 'invalid')}")
    return error_response(422, "validation_error", "; ".join(problems) or "The request is not valid")


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    code = _STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, dict(exc.headers or {}))


async def _unexpected_error(_: Request, exc: Exception) -> Response:
    logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
    internal = InternalError()
    return error_response(internal.status, internal.code, internal.message)


def _record_request_metrics(status: int, started: float) -> None:
    """The spec's core metrics: request rate, response time, error rate (EMF, flushed per invocation)."""
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ResponseTime", unit=MetricUnit.Milliseconds, value=(time.perf_counter() - started) * 1000)
    if status >= 500:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    elif status >= 400:
        metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=1)


class PlatformApp(FastAPI):
    """FastAPI whose OpenAPI document is :func:`tradecore.http_openapi.openapi_document`'s: the
    error envelope and every status the routes declare, built on the first request for it."""

    def openapi(self) -> dict[str, Any]:
        if not self.openapi_schema:
            from tradecore.http_openapi import openapi_document  # only the document's request pays

            self.openapi_schema = openapi_document(
                title=self.title, version=self.version, description=self.description, routes=self.routes
            )
        return self.openapi_schema


def create_app(
    service: str,
    *,
    container_factory: Callable[[], Container] = bootstrap,
    openapi_url: str | None = None,
    description: str = "",
) -> FastAPI:
    """A FastAPI app with the platform's error mapping and trace-id middleware.

    Settings are validated here, at import (cold start), so a misconfigured function refuses to
    start with a message naming the variable instead of failing its first request. The app serves
    its OpenAPI document at ``openapi_url`` only when given one (a path the gateway routes to it);
    no interactive docs, which no gateway route would reach.
    """
    get_settings()
    app = PlatformApp(
        title=f"tradecore {service}",
        version="1.0.0",
        description=description,
        redirect_slashes=False,
        openapi_url=openapi_url,
        docs_url=None,
        redoc_url=None,
    )
    app.state.container_factory = container_factory
    app.state.container = None

    @app.middleware("http")
    async def bind_trace_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        with request_context(request.headers.get(TRACE_HEADER)) as trace_id:
            try:
                response = await call_next(request)
            except Exception as exc:  # noqa: BLE001 - last resort; mapped to a clean 500
                response = await _unexpected_error(request, exc)
            response.headers[TRACE_HEADER] = trace_id
            _record_request_metrics(response.status_code, started)
            return response

    app.add_exception_handler(TradecoreError, _tradecore_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    return app


def get_container(request: Request) -> Container:
    """FastAPI dependency: the container of this app, built on first use and then reused."""
    state = request.app.state
    if state.container is None:
        state.container = state.container_factory()
    container: Container = state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def _ensure_event_loop() -> None:
    """Mangum runs each invocation on the thread's current event loop. Lambda always has one; a
    host that called ``asyncio.run`` (which unsets it) or a worker thread may not, so set one."""
    try:
        if not asyncio.get_event_loop().is_closed():
            return
    except RuntimeError:
        pass
    asyncio.set_event_loop(asyncio.new_event_loop())


def lambda_entry(app: FastAPI) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler for ``app``: Mangum for API Gateway, with EMF metrics flushed."""
    adapter = Mangum(app, lifespan="off")

    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        _ensure_event_loop()
        result: dict[str, Any] = adapter(event, context)
        return result

    return handler
