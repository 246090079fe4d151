"""Read ``template.yaml`` as plain dicts and describe what the local stack must run.

One public entry point, :meth:`SamTemplate.load`, then questions about the system: its functions
(with ``Globals`` merged as SAM merges them), HTTP routes per API, WebSocket routes, schedules,
DynamoDB tables and SQS queues. Intrinsics stay as dicts (``{"Ref": ...}``) until a
:class:`~devstack.intrinsics.Resolver` evaluates them against local names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.intrinsics import NO_VALUE, Resolver, TemplateError, load_yaml

__all__ = [
    "DEFAULT_TEMPLATE",
    "FunctionSpec",
    "HttpRoute",
    "QueueSpec",
    "SamTemplate",
    "ScheduleSpec",
    "TableSpec",
    "TemplateError",
    "WebSocketRoute",
    "referenced_resources",
]

DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
IMPLICIT_HTTP_API = "ServerlessHttpApi"  # what SAM names the API of an HttpApi event without ApiId
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)[.}]")


@dataclass(frozen=True)
class FunctionSpec:
    """One ``AWS::Serverless::Function`` with ``Globals.Function`` merged in."""

    logical_id: str
    handler: str
    runtime: str | None
    memory_size: int | None
    timeout: int | None
    environment: dict[str, Any]  # raw values: strings or intrinsic dicts
    events: dict[str, dict[str, Any]]
    policies: list[Any]
    properties: dict[str, Any] = field(repr=False)

    @property
    def module(self) -> str:
        """The handler's module, e.g. ``trade.app`` (importable with ``functions/`` on the path)."""
        return self.handler.rpartition(".")[0]

    @property
    def attribute(self) -> str:
        """The callable's name in :attr:`module`, e.g. ``handler``."""
        return self.handler.rpartition(".")[2]


@dataclass(frozen=True)
class HttpRoute:
    api: str  # logical id of the HTTP API
    method: str  # upper case; ANY matches every method
    path: str  # e.g. /api/positions/{symbol}/close
    function: str
    handler: str

    @property
    def route_key(self) -> str:
        """API Gateway's ``routeKey``: ``"GET /api/health"``."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class WebSocketRoute:
    api: str
    route_key: str  # $connect, $disconnect, $default or an action name
    function: str
    handler: str


@dataclass(frozen=True)
class ScheduleSpec:
    function: str
    handler: str
    event: str  # the event's name in the function's Events
    expression: str  # rate(...) or cron(...)
    enabled: bool

    @property
    def rate_seconds(self) -> int | None:
        """The period of a ``rate(...)`` expression in seconds; ``None`` for ``cron(...)``."""
        match = _RATE.match(self.expression)
        if match is None:
            return None
        return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


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


def _merge_globals(defaults: Any, own: Any) -> Any:
    """SAM's Globals rule: maps merge (the resource wins), lists add up, scalars are replaced."""
    if isinstance(defaults, dict) and isinstance(own, dict) and not _is_intrinsic(own):
        merged = dict(defaults)
        for key, value in own.items():
            merged[key] = _merge_globals(defaults[key], value) if key in defaults else value
        return merged
    if isinstance(defaults, list) and isinstance(own, list):
        return defaults + own
    return own


def _is_intrinsic(value: dict[str, Any]) -> bool:
    if len(value) != 1:
        return False
    key = next(iter(value))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


class SamTemplate:
    """A parsed SAM template; every accessor returns fresh, plain Python values."""

    def __init__(self, document: Mapping[str, Any], path: Path | None = None) -> None:
        self.document = dict(document)
        self.path = path
        self.resources: dict[str, dict[str, Any]] = dict(self.document.get("Resources") or {})
        self.conditions: dict[str, Any] = dict(self.document.get("Conditions") or {})
        self.parameters: dict[str, dict[str, Any]] = dict(self.document.get("Parameters") or {})
        self.outputs: dict[str, dict[str, Any]] = dict(self.document.get("Outputs") or {})

    @classmethod
    def load(cls, path: str | Path = DEFAULT_TEMPLATE) -> SamTemplate:
        """Parse the template at ``path``; raise :class:`TemplateError` if unreadable or not YAML."""
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise TemplateError(f"cannot read {path}: {exc.strerror}") from None
        return cls(load_yaml(text), path)

    # --------------------------------------------------------------------------------- generic
    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Logical id -> resource for every resource of ``resource_type``."""
        return {name: res for name, res in self.resources.items() if res.get("Type") == resource_type}

    def parameter_defaults(self) -> dict[str, Any]:
        """Parameter name -> default value (``""`` when none)."""
        return {name: spec.get("Default", "") for name, spec in self.parameters.items()}

    def resolver(
        self,
        parameters: Mapping[str, Any] | None = None,
        refs: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> Resolver:
        """A :class:`Resolver` over the parameter defaults updated with ``parameters``."""
        values = self.parameter_defaults() | dict(parameters or {})
        mappings = self.document.get("Mappings")
        return Resolver.over(values, refs, attributes, conditions=self.conditions, mappings=mappings)

    # ------------------------------------------------------------------------------- functions
    def functions(self) -> dict[str, FunctionSpec]:
        """Logical id -> :class:`FunctionSpec` for every serverless function, Globals merged."""
        defaults = (self.document.get("Globals") or {}).get("Function") or {}
        specs = {}
        for name, resource in self.resources_of_type("AWS::Serverless::Function").items():
            props = _merge_globals(defaults, resource.get("Properties") or {})
            specs[name] = FunctionSpec(
                logical_id=name,
                handler=str(props.get("Handler", "")),
                runtime=props.get("Runtime"),
                memory_size=props.get("MemorySize"),
                timeout=props.get("Timeout"),
                environment=dict((props.get("Environment") or {}).get("Variables") or {}),
                events=dict(props.get("Events") or {}),
                policies=list(props.get("Policies") or []),
                properties=props,
            )
        return specs

    def function_environment(self, logical_id: str, resolver: Resolver) -> dict[str, str]:
        """The function's environment variables resolved to strings (``AWS::NoValue`` dropped)."""
        where = f"Resources.{logical_id}.Properties.Environment.Variables"
        variables = self.functions()[logical_id].environment.items()
        values = {key: resolver.resolve(value, f"{where}.{key}") for key, value in variables}
        return {key: _as_env_string(value) for key, value in values.items() if value not in (None, NO_VALUE)}

    def _events_of_type(self, event_type: str) -> Iterator[tuple[FunctionSpec, str, dict[str, Any]]]:
        for function in self.functions().values():
            for event_name, event in function.events.items():
                if event.get("Type") == event_type:
                    yield function, event_name, dict(event.get("Properties") or {})

    # ---------------------------------------------------------------------------------- routes
    def http_apis(self) -> list[str]:
        """Logical ids of the HTTP APIs that have routes (including SAM's implicit one)."""
        return sorted({route.api for route in self.http_routes()})

    def http_routes(self, api: str | None = None) -> list[HttpRoute]:
        """Every ``HttpApi`` event as a route, optionally only those of the API ``api``."""
        routes = []
        for function, _, props in self._events_of_type("HttpApi"):
            api_id = props.get("ApiId")
            api_name = next(iter(referenced_resources(api_id)), IMPLICIT_HTTP_API) if api_id else IMPLICIT_HTTP_API
            method = str(props.get("Method", "ANY")).upper()
            route = HttpRoute(
                api_name, method, str(props.get("Path", "$default")), function.logical_id, function.handler
            )
            if api is None or route.api == api:
                routes.append(route)
        return routes

    def websocket_apis(self) -> dict[str, str]:
        """Logical id -> route selection expression of every WebSocket API."""
        return {
            name: str(res["Properties"].get("RouteSelectionExpression", "$request.body.action"))
            for name, res in self.resources_of_type("AWS::ApiGatewayV2::Api").items()
            if res.get("Properties", {}).get("ProtocolType") == "WEBSOCKET"
        }

    def websocket_routes(self, api: str | None = None) -> list[WebSocketRoute]:
        """Every WebSocket route with the function its integration invokes."""
        functions = self.functions()
        apis = self.websocket_apis()
        integrations = self.resources_of_type("AWS::ApiGatewayV2::Integration")
        routes = []
        for name, res in self.resources_of_type("AWS::ApiGatewayV2::Route").items():
            props = res.get("Properties") or {}
            api_name = next(iter(referenced_resources(props.get("ApiId")) & set(apis)), None)
            if api_name is None or (api is not None and api_name != api):
                continue
            targets = referenced_resources(props.get("Target")) & set(integrations)
            if not targets:
                raise TemplateError(f"route {name} has no integration target")
            uri = integrations[targets.pop()]["Properties"].get("IntegrationUri")
            invoked = referenced_resources(uri) & set(functions)
            if len(invoked) != 1:
                raise TemplateError(f"route {name}: cannot tell which function its integration invokes")
            function = invoked.pop()
            routes.append(WebSocketRoute(api_name, str(props["RouteKey"]), function, functions[function].handler))
        return routes

    def schedules(self) -> list[ScheduleSpec]:
        """Every ``Schedule`` / ``ScheduleV2`` event of every function."""
        found = []
        for event_type, key in (("Schedule", "Schedule"), ("ScheduleV2", "ScheduleExpression")):
            for function, event_name, props in self._events_of_type(event_type):
                enabled = props.get("Enabled", props.get("State", "ENABLED") != "DISABLED")
                found.append(
                    ScheduleSpec(function.logical_id, function.handler, event_name, str(props[key]), bool(enabled))
                )
        return found

    # ------------------------------------------------------------------------------ data stores
    def tables(self) -> dict[str, TableSpec]:
        """Logical id -> :class:`TableSpec` for every ``AWS::DynamoDB::Table``."""
        specs = {}
        for name, res in self.resources_of_type("AWS::DynamoDB::Table").items():
            props = res.get("Properties") or {}
            partition, sort = _key_schema(props.get("KeySchema") or [])
            ttl = props.get("TimeToLiveSpecification") or {}
            specs[name] = TableSpec(
                logical_id=name,
                partition_key=partition,
                sort_key=sort,
                attribute_types={a["AttributeName"]: a["AttributeType"] for a in props.get("AttributeDefinitions", [])},
                indexes={
                    index["IndexName"]: _key_schema(index["KeySchema"])
                    for index in props.get("GlobalSecondaryIndexes") or []
                },
                ttl_attribute=ttl.get("AttributeName") if ttl.get("Enabled") else None,
                billing_mode=props.get("BillingMode"),
                encrypted=bool((props.get("SSESpecification") or {}).get("SSEEnabled")),
                point_in_time_recovery=bool(
                    (props.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled")
                ),
                properties=props,
            )
        return specs

    def queues(self) -> dict[str, QueueSpec]:
        """Logical id -> :class:`QueueSpec` for every ``AWS::SQS::Queue``."""
        specs = {}
        for name, res in self.resources_of_type("AWS::SQS::Queue").items():
            props = res.get("Properties") or {}
            redrive = props.get("RedrivePolicy") or {}
            dead_letter = referenced_resources(redrive.get("deadLetterTargetArn"))
            specs[name] = QueueSpec(
                logical_id=name,
                dead_letter_queue=next(iter(dead_letter), None),
                max_receive_count=redrive.get("maxReceiveCount"),
                visibility_timeout=props.get("VisibilityTimeout"),
                retention_seconds=props.get("MessageRetentionPeriod"),
                encrypted=bool(props.get("SqsManagedSseEnabled") or props.get("KmsMasterKeyId")),
                fifo=bool(props.get("FifoQueue")),
                properties=props,
            )
        return specs


def _key_schema(schema: list[dict[str, str]]) -> tuple[str, str | None]:
    keys = {item["KeyType"]: item["AttributeName"] for item in schema}
    if "HASH" not in keys:
        raise TemplateError("a key schema has no HASH key")
    return keys["HASH"], keys.get("RANGE")


def _as_env_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
