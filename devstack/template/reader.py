"""Read ``template.yaml`` as plain dicts and describe what the local stack must run.

One public entry point, :meth:`SamTemplate.load`, then questions about the system: its functions
(with ``Globals`` merged as SAM merges them), HTTP APIs and routes, WebSocket APIs and routes,
schedules, DynamoDB tables and SQS queues. Intrinsics stay as dicts (``{"Ref": ...}``) until a
:class:`~devstack.template.intrinsics.Resolver` evaluates them against local names. What the local stack
cannot understand raises :class:`TemplateError` naming the resource and the property.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from devstack.template.apis import http_api_spec, websocket_stage
from devstack.template.intrinsics import NO_VALUE, Resolver, TemplateError, load_yaml
from devstack.template.specs import (
    FunctionSpec,
    HttpApiSpec,
    HttpRoute,
    QueueSpec,
    ScheduleSpec,
    TableSpec,
    WebSocketApiSpec,
    WebSocketRoute,
    rate_seconds,
    referenced_resources,
)
from devstack.template.stores import read_queues, read_tables

__all__ = [
    "DEFAULT_TEMPLATE",
    "ROOT",
    "FunctionSpec",
    "HttpApiSpec",
    "HttpRoute",
    "QueueSpec",
    "SamTemplate",
    "ScheduleSpec",
    "TableSpec",
    "TemplateError",
    "WebSocketApiSpec",
    "WebSocketRoute",
    "rate_seconds",
    "referenced_resources",
]

ROOT = Path(__file__).resolve().parents[2]  # devstack/template/reader.py -> the repository
DEFAULT_TEMPLATE = ROOT / "template.yaml"
IMPLICIT_HTTP_API = "ServerlessHttpApi"  # what SAM names the API of an HttpApi event without ApiId
_ANY_METHOD = ("ANY", "*", "X-AMAZON-APIGATEWAY-ANY-METHOD")


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
        self.mappings: dict[str, Any] = dict(self.document.get("Mappings") or {})
        self.parameters: dict[str, dict[str, Any]] = dict(self.document.get("Parameters") or {})
        self.outputs: dict[str, dict[str, Any]] = dict(self.document.get("Outputs") or {})
        self.globals: dict[str, Any] = dict(self.document.get("Globals") or {})

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

    def with_parameters(self, values: Mapping[str, str], source: str) -> SamTemplate:
        """This template with ``values`` as its parameters' defaults, as a deploy with those
        parameter overrides would see it; raise :class:`TemplateError` starting with ``source``
        for a name the template does not declare or a value outside its ``AllowedValues``."""
        if not values:
            return self
        parameters = {name: dict(spec) for name, spec in self.parameters.items()}
        for name, value in values.items():
            if name not in parameters:
                raise TemplateError(f"{source}: {name} is not a parameter of the template")
            allowed = [str(choice) for choice in parameters[name].get("AllowedValues") or []]
            if allowed and value not in allowed:
                raise TemplateError(f"{source}: {name}={value!r} is not one of {allowed}")
            parameters[name]["Default"] = value
        return SamTemplate({**self.document, "Parameters": parameters}, self.path)

    def resolver(
        self,
        parameters: Mapping[str, Any] | None = None,
        refs: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> Resolver:
        """A :class:`Resolver` over the parameter defaults updated with ``parameters``."""
        values = self.parameter_defaults() | dict(parameters or {})
        return Resolver.over(values, refs, attributes, conditions=self.conditions, mappings=self.mappings)

    # ------------------------------------------------------------------------------- functions
    def functions(self) -> dict[str, FunctionSpec]:
        """Logical id -> :class:`FunctionSpec` for every serverless function, Globals merged;
        raise :class:`TemplateError` for a Handler without a module or a non-integer Timeout/MemorySize."""
        defaults = self.globals.get("Function") or {}
        specs = {}
        for name, resource in self.resources_of_type("AWS::Serverless::Function").items():
            where = f"Resources.{name}.Properties"
            props = _merge_globals(defaults, resource.get("Properties") or {})
            handler = str(props.get("Handler", ""))
            if "." not in handler:
                raise TemplateError(f"{where}.Handler: expected '<module>.<callable>', got {handler!r}")
            specs[name] = FunctionSpec(
                logical_id=name,
                handler=handler,
                runtime=props.get("Runtime"),
                memory_size=_int(props.get("MemorySize", 128), f"{where}.MemorySize"),
                timeout=_int(props.get("Timeout", 3), f"{where}.Timeout"),
                environment=dict((props.get("Environment") or {}).get("Variables") or {}),
                events=dict(props.get("Events") or {}),
                policies=list(props.get("Policies") or []),
                properties=props,
                code_uri=str(props.get("CodeUri", "functions/")),
            )
        return specs

    def function_environment(self, logical_id: str, resolver: Resolver) -> dict[str, str]:
        """The function's environment variables resolved to strings (``AWS::NoValue`` dropped)."""
        where = f"Resources.{logical_id}.Properties.Environment.Variables"
        variables = self.functions()[logical_id].environment.items()
        values = {key: resolver.resolve(value, f"{where}.{key}") for key, value in variables}
        return {key: _as_env_string(value) for key, value in values.items() if value not in (None, NO_VALUE)}

    def _events_of_type(self, *event_types: str) -> Iterator[tuple[FunctionSpec, str, dict[str, Any]]]:
        for function in self.functions().values():
            for event_name, event in function.events.items():
                if (event or {}).get("Type") in event_types:
                    yield function, event_name, dict(event.get("Properties") or {})

    # ---------------------------------------------------------------------------------- routes
    def http_apis(self) -> list[str]:
        """Logical ids of the HTTP APIs: those routes point at (incl. SAM's implicit one) and those declared."""
        return sorted(self.http_api_specs())

    def http_api_specs(self) -> dict[str, HttpApiSpec]:
        """Logical id -> stage and (unresolved) CORS of every HTTP API, ``Globals.HttpApi`` applied."""
        defaults = self.globals.get("HttpApi") or {}
        names = {route.api for route in self.http_routes()} | set(self.resources_of_type("AWS::Serverless::HttpApi"))
        return {name: http_api_spec(name, self.resources.get(name) or {}, defaults) for name in sorted(names)}

    def http_routes(self, api: str | None = None) -> list[HttpRoute]:
        """Every ``HttpApi`` event as a route, optionally only those of the API ``api``."""
        routes = []
        for function, _, props in self._events_of_type("HttpApi"):
            api_id = props.get("ApiId")
            api_name = next(iter(referenced_resources(api_id)), IMPLICIT_HTTP_API) if api_id else IMPLICIT_HTTP_API
            method = str(props.get("Method", "ANY")).upper()
            method = "ANY" if method in _ANY_METHOD else method
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

    def websocket_api_specs(self) -> dict[str, WebSocketApiSpec]:
        """Logical id -> route selection, stage and route key -> function of every WebSocket API."""
        specs = {}
        stages = self.resources_of_type("AWS::ApiGatewayV2::Stage")
        for api, expression in self.websocket_apis().items():
            if not expression.startswith("$request.body."):
                raise TemplateError(f"Resources.{api}.Properties.RouteSelectionExpression: only $request.body.<field>")
            routes = {route.route_key: route.function for route in self.websocket_routes(api)}
            specs[api] = WebSocketApiSpec(api, expression, websocket_stage(api, stages, self.parameters), routes)
        return specs

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
        """Every ``Schedule`` / ``ScheduleV2`` event of every function, with its rule name and Input."""
        found = []
        for function, event_name, props in self._events_of_type("Schedule", "ScheduleV2"):
            expression = props.get("Schedule") or props.get("ScheduleExpression")
            if not isinstance(expression, str):
                where = f"Resources.{function.logical_id}.Properties.Events.{event_name}.Properties.Schedule"
                raise TemplateError(f"{where}: expected rate(...) or cron(...)")
            enabled = props.get("Enabled", True) is not False and props.get("State", "ENABLED") != "DISABLED"
            target_input = props.get("Input") or (props.get("Target") or {}).get("Input")
            name = str(props.get("Name") or "")
            found.append(
                ScheduleSpec(function.logical_id, function.handler, event_name, expression, enabled, name, target_input)
            )
        return found

    # ------------------------------------------------------------------------------ data stores
    def tables(self) -> dict[str, TableSpec]:
        """Logical id -> :class:`TableSpec` for every ``AWS::DynamoDB::Table``."""
        return read_tables(self.resources_of_type("AWS::DynamoDB::Table"))

    def queues(self) -> dict[str, QueueSpec]:
        """Logical id -> :class:`QueueSpec` for every ``AWS::SQS::Queue``."""
        return read_queues(self.resources_of_type("AWS::SQS::Queue"))


def _int(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TemplateError(f"{where}: expected an integer, got {value!r}") from None


def _as_env_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
