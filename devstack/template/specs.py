"""What :class:`~devstack.template.reader.SamTemplate` says about the system, as plain frozen records,
and the two helpers they share: schedule periods and the logical ids a value refers to.

Values that may hold intrinsics (environment variables, CORS settings) stay unresolved here; the
local stack resolves them against its own resources (:mod:`devstack.local.resources`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)[.}]")


def rate_seconds(expression: str) -> int | None:
    """The period of a ``rate(...)`` expression in seconds; ``None`` for anything else (``cron``)."""
    match = _RATE.match(expression.strip())
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


def referenced_resources(value: Any) -> set[str]:
    """Every logical id (or parameter) ``value`` refers to through Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= referenced_resources(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item.split(".", 1)[0])
            elif key == "Fn::GetAtt":
                found.add((item.split(".", 1) if isinstance(item, str) else item)[0])
            elif key == "Fn::Sub":
                text, variables = (item, {}) if isinstance(item, str) else (item[0], item[1])
                found |= {name for name in _SUB_NAME.findall(text) if name not in variables}
                found |= referenced_resources(variables)
            else:
                found |= referenced_resources(item)
    return found


@dataclass(frozen=True)
class FunctionSpec:
    """One ``AWS::Serverless::Function`` with ``Globals.Function`` merged in."""

    logical_id: str
    handler: str  # "<module>.<callable>", importable from CodeUri
    runtime: str | None
    memory_size: int  # MB; Lambda's default 128
    timeout: int  # seconds; Lambda's default 3
    environment: dict[str, Any]  # raw values: strings or intrinsic dicts
    events: dict[str, dict[str, Any]]
    policies: list[Any]
    properties: dict[str, Any] = field(repr=False)
    code_uri: str = "functions/"

    @property
    def module(self) -> str:
        """The handler's module, e.g. ``trade.app`` (importable with ``functions/`` on the path)."""
        return self.handler.rpartition(".")[0]

    @property
    def attribute(self) -> str:
        """The callable's name in :attr:`module`, e.g. ``handler``."""
        return self.handler.rpartition(".")[2]

    @property
    def package(self) -> str:
        """The top-level package of the handler, e.g. ``trade`` (what hot reload watches)."""
        return self.handler.split(".", 1)[0]


@dataclass(frozen=True)
class HttpRoute:
    api: str  # logical id of the HTTP API
    method: str  # upper case; ANY matches every method
    path: str  # e.g. /api/positions/{symbol}/close, /{proxy+} or $default
    function: str
    handler: str = ""

    @property
    def route_key(self) -> str:
        """API Gateway's ``routeKey``: ``"GET /api/health"``, or ``"$default"``."""
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class HttpApiSpec:
    logical_id: str
    stage: str = "$default"
    cors: dict[str, Any] | None = None  # CorsConfiguration, unresolved; None when CORS is off


@dataclass(frozen=True)
class WebSocketRoute:
    api: str
    route_key: str  # $connect, $disconnect, $default or an action name
    function: str
    handler: str


@dataclass(frozen=True)
class WebSocketApiSpec:
    logical_id: str
    route_selection_expression: str
    stage: str
    routes: dict[str, str]  # route key -> function logical id


@dataclass(frozen=True)
class ScheduleSpec:
    function: str
    handler: str
    event: str  # the event's name in the function's Events
    expression: str  # rate(...) or cron(...)
    enabled: bool
    name: str = ""  # the rule's name: its Name, else "<function><event>"
    input: str | None = None  # constant JSON sent instead of the scheduled event

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", f"{self.function}{self.event}")

    @property
    def rate_seconds(self) -> int | None:
        """The period of a ``rate(...)`` expression in seconds; ``None`` for ``cron(...)``."""
        return rate_seconds(self.expression)


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    partition_key: str
    sort_key: str | None
    attribute_types: dict[str, str]
    indexes: dict[str, tuple[str, str | None]]  # GSI name -> (partition key, sort key)
    ttl_attribute: str | None
    billing_mode: str | None
    encrypted: bool
    point_in_time_recovery: bool
    properties: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    dead_letter_queue: str | None  # logical id of the redrive target
    max_receive_count: int | None
    visibility_timeout: int | None
    retention_seconds: int | None
    encrypted: bool
    fifo: bool
    properties: dict[str, Any] = field(repr=False)
