"""Builds the OpenAPI document of a set of routes, as every HTTP app serves it.

On top of FastAPI's document: the components that :mod:`tradecore.http_responses` points at (the
error envelope, the health report), ``X-Request-ID`` on every response, and FastAPI's own 422
shape (which this platform never answers) replaced by the error envelope, so no route can
document a body it does not send. Imported only when a document is built, never at cold start.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import BaseRoute

from tradecore.domain.health import HealthStatus
from tradecore.http_responses import ERROR_SCHEMA, HEALTH_SCHEMA
from tradecore.observability import TRACE_HEADER

_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable reason, e.g. validation_error, conflict, rate_limited")
    message: str = Field(description="For people; never a secret, a stack trace or a vendor's internals")
    trace_id: str = Field(description="The request's X-Request-ID: quote it when reporting a problem")


class ErrorBody(BaseModel):
    """Every refusal and failure, whatever the route."""

    error: ErrorDetail


class ComponentHealthBody(BaseModel):
    """One dependency; components add their own facts (e.g. ``breaker``, ``depth``, ``configured``)."""

    model_config = ConfigDict(extra="allow")

    status: HealthStatus
    detail: str | None = None


def _absent_when_unset(schema: dict[str, Any]) -> None:
    # no "default" in the document: generated clients (openapi-typescript) read a default as "always sent"
    schema.pop("default", None)


class MonitorFlagBody(BaseModel):
    """The scheduled health monitor's record of one component: three failed checks in a row flag it."""

    status: HealthStatus
    consecutive_failures: int
    detail: str | None = None
    checked_at: str | None = Field(default=None, description="ISO 8601, UTC: the monitor's last check")


class HealthBody(BaseModel):
    service: str
    status: HealthStatus = Field(description="the worst of the components (a non-critical one down: degraded)")
    checked_at: str = Field(description="ISO 8601, UTC")
    components: dict[str, ComponentHealthBody]
    monitor: dict[str, MonitorFlagBody] | None = Field(
        default=None,
        description="the health monitor's flags, where it has checked (a flag: at least degraded); absent otherwise",
        json_schema_extra=_absent_when_unset,
    )


def _component_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for name, model in ((ERROR_SCHEMA, ErrorBody), (HEALTH_SCHEMA, HealthBody)):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    return schemas


def openapi_document(*, title: str, version: str, description: str, routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes`` (FastAPI's, completed as the module docstring says)."""
    document = get_openapi(title=title, version=version, description=description, routes=routes)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(_component_schemas())
    error_ref = {"$ref": "#/components/schemas/" + ERROR_SCHEMA}
    trace_header = {
        "description": "The request's trace id (the caller's X-Request-ID when well formed, else a new one)",
        "schema": {"type": "string"},
    }
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    if media.get("schema", {}).get("$ref") == _FASTAPI_422:
                        media["schema"] = dict(error_ref)
                response.setdefault("headers", {})[TRACE_HEADER] = trace_header
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return document
