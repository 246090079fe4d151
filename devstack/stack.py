"""What the local stack needs from ``template.yaml``: functions, API routes, schedules, data stores.

:func:`read_stack` turns the template into plain specs. Anything it cannot understand raises
:class:`~devstack.intrinsics.TemplateError` naming the resource and the property, at start, rather
than a confusing failure on the first request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.intrinsics import TemplateError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = ROOT / "template.yaml"
WEBSOCKET_ROUTE_SELECTION = "$request.body.action"


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str  # "<package>.app.<callable>", relative to CodeUri
    code_uri: str
    timeout: int  # seconds
    memory: int  # MB
    environment: dict[str, Any]  # unresolved: Globals + the function's own variables

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def package(self) -> str:
        return self.handler.split(".", 1)[0]


@dataclass(frozen=True)
class HttpRoute:
    api: str
    method: str  # GET, POST, ..., or ANY
    path: str  # "/api/positions/{symbol}/close", "/{proxy+}" or "$default"
    function: str

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class HttpApiSpec:
    logical_id: str
    stage: str = "$default"
    cors: dict[str, Any] | None = None


@dataclass(frozen=True)
class WebSocketApiSpec:
    logical_id: str
    route_selection_expression: str
    stage: str
    routes: dict[str, str]  # route key -> function logical id


@dataclass(frozen=True)
class ScheduleSpec:
    function: str
    name: str
    expression: str
    enabled: bool = True
    input: str | None = None  # constant JSON sent instead of the scheduled event


@dataclass
class Stack:
    """Everything the local stack serves, read from one template."""

    template: dict[str, Any]
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    http_apis: dict[str, HttpApiSpec] = field(default_factory=dict)
    http_routes: list[HttpRoute] = field(default_factory=list)
    websocket_apis: dict[str, WebSocketApiSpec] = field(default_factory=dict)
    schedules: list[ScheduleSpec] = field(default_factory=list)

    def resources_of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {
            name: resource
            for name, resource in self.template.get("Resources", {}).items()
            if resource.get("Type") == kind
        }


def load_template(path: Path | str = DEFAULT_TEMPLATE) -> dict[str, Any]:
    """The template as a dict with intrinsics in long form; raise TemplateError when unreadable."""
    from devstack.template import SamTemplate

    return SamTemplate.load(path).document


def read_stack(document: dict[str, Any]) -> Stack:
    """The specs the gateway, scheduler and runner need; raise TemplateError naming what is wrong."""
    from devstack.template import SamTemplate

    template = SamTemplate(document)
    stack = Stack(template=document)
    for name, function in template.functions().items():
        where = f"Resources.{name}.Properties"
        if function.handler.count(".") < 1:
            raise TemplateError(f"{where}.Handler: expected '<module>.<callable>', got {function.handler!r}")
        stack.functions[name] = FunctionSpec(
            logical_id=name,
            handler=function.handler,
            code_uri=str(function.properties.get("CodeUri", "functions/")),
            timeout=_int(function.timeout if function.timeout is not None else 3, f"{where}.Timeout"),
            memory=_int(function.memory_size if function.memory_size is not None else 128, f"{where}.MemorySize"),
            environment=function.environment,
        )
        for event_name, event in function.events.items():
            _read_schedule_input(stack, name, event_name, event or {})
    globals_http = (document.get("Globals") or {}).get("HttpApi") or {}
    for route in template.http_routes():
        method = "ANY" if route.method in ("*", "X-AMAZON-APIGATEWAY-ANY-METHOD") else route.method
        stack.http_routes.append(HttpRoute(route.api, method, route.path, route.function))
    for api in sorted(
        {route.api for route in stack.http_routes} | set(stack.resources_of_type("AWS::Serverless::HttpApi"))
    ):
        resource = template.resources.get(api) or {}
        if resource and resource.get("Type") != "AWS::Serverless::HttpApi":
            raise TemplateError(f"Resources.{api}: routes point at it, but it is not an AWS::Serverless::HttpApi")
        stack.http_apis[api] = _read_http_api(api, resource.get("Properties") or {}, globals_http)
    for api, expression in template.websocket_apis().items():
        if not expression.startswith("$request.body."):
            raise TemplateError(f"Resources.{api}.Properties.RouteSelectionExpression: only $request.body.<field>")
        routes = {route.route_key: route.function for route in template.websocket_routes(api)}
        stack.websocket_apis[api] = WebSocketApiSpec(api, expression, _stage_of(stack, api), routes)
    return stack


def _read_schedule_input(stack: Stack, function: str, event_name: str, event: dict[str, Any]) -> None:
    kind, props = event.get("Type"), event.get("Properties") or {}
    if kind not in ("Schedule", "ScheduleV2"):
        return
    expression = props.get("Schedule") or props.get("ScheduleExpression")
    if not isinstance(expression, str):
        where = f"Resources.{function}.Properties.Events.{event_name}.Properties.Schedule"
        raise TemplateError(f"{where}: expected rate(...) or cron(...)")
    enabled = props.get("Enabled", True) is not False and props.get("State", "ENABLED") != "DISABLED"
    target_input = props.get("Input") or (props.get("Target") or {}).get("Input")
    name = str(props.get("Name") or f"{function}{event_name}")
    stack.schedules.append(ScheduleSpec(function, name, expression, enabled, target_input))


def _read_http_api(name: str, props: dict[str, Any], defaults: dict[str, Any]) -> HttpApiSpec:
    cors = props.get("CorsConfiguration", defaults.get("CorsConfiguration"))
    if cors is True:
        cors = {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
    if cors is not None and cors is not False and not isinstance(cors, dict):
        raise TemplateError(f"Resources.{name}.Properties.CorsConfiguration: expected true or a mapping")
    stage = props.get("StageName", defaults.get("StageName", "$default"))
    return HttpApiSpec(
        logical_id=name,
        stage=stage if isinstance(stage, str) else "$default",
        cors=cors if isinstance(cors, dict) else None,
    )


def _stage_of(stack: Stack, api: str) -> str:
    for stage in stack.resources_of_type("AWS::ApiGatewayV2::Stage").values():
        props = stage.get("Properties") or {}
        if props.get("ApiId") == {"Ref": api}:
            name = props.get("StageName")
            if isinstance(name, dict) and "Ref" in name:
                parameter = (stack.template.get("Parameters") or {}).get(name["Ref"]) or {}
                name = parameter.get("Default", "$default")
            return str(name)
    return "$default"


def _int(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TemplateError(f"{where}: expected an integer, got {value!r}") from None
