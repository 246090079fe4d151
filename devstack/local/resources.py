"""The local stand-ins for the template's resources, and each function's resolved environment.

``!Ref``/``!GetAtt`` of a table, queue, secret, API or function resolve to the local names, URLs
and ARNs (moto for AWS services, the gateway for APIs). An execute-api URL built with ``!Sub``
(``https://${Api}.execute-api.${AWS::Region}.amazonaws.com/...``) becomes the gateway's local URL,
so ``WEBSOCKET_MANAGEMENT_URL`` and ``AI_SERVICE_URL`` point at this machine.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from devstack.local.settings import DevstackSettings
from devstack.template.intrinsics import ACCOUNT_ID, NO_VALUE, Resolver, TemplateError
from devstack.template.stack import FunctionSpec, Stack

_EXECUTE_API_URL = re.compile(r"(?:https|wss)://([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(/[^\s\"']*)?")
# Template parameters the local stack fixes whatever samconfig.toml says, because local stand-ins
# replace what they point at: the simulator instead of Binance, and (DashboardOrigin) the local
# dashboard's origin for CORS. Every other parameter takes the value `sam deploy` would give it.
LOCAL_PARAMETERS = {"BinanceTestnet": "false", "BinanceMainnetEnabled": "false"}
FIXED_LOCALLY = (*LOCAL_PARAMETERS, "DashboardOrigin")


def local_api_id(logical_id: str) -> str:
    """A stable 10-character API id (like AWS's) for a logical id."""
    digest = int(hashlib.sha256(logical_id.encode()).hexdigest(), 16)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    chars = []
    for _ in range(10):
        digest, index = divmod(digest, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


class LocalResources:
    """Names and endpoints of every resource of the stack as the local stack runs them."""

    def __init__(self, stack: Stack, settings: DevstackSettings, overrides: dict[str, dict[str, Any]] | None = None):
        self.stack = stack
        self.settings = settings
        fixed = sorted(set(settings.parameter_overrides) & set(FIXED_LOCALLY))
        if fixed:
            raise TemplateError(
                f"DEVSTACK_PARAMETER_OVERRIDES: {', '.join(fixed)} is fixed locally (the local stand-in serves it)"
            )
        # logical id -> {"Ref": value, "<Attribute>": value}; the provisioner records real ARNs here
        self.overrides = overrides or {}
        self._resources: dict[str, dict[str, Any]] = stack.template.resources
        self.resolver = Resolver(
            self._ref,
            self._getatt,
            conditions=stack.template.conditions,
            mappings=stack.template.mappings,
            region=settings.region,
            stack_name=settings.stack_name,
        )
        self.api_ids = {name: local_api_id(name) for name in [*stack.http_apis, *stack.websocket_apis]}

    @property
    def aws_endpoint(self) -> str:
        return self.settings.aws_endpoint_url or f"http://127.0.0.1:{self.settings.ports['MOTO_PORT']}"

    def api_url(self, api: str) -> str:
        """The local base URL of an API (WebSocket APIs share the core port)."""
        if api in self.stack.websocket_apis:
            return f"http://127.0.0.1:{self.settings.ports['CORE_API_PORT']}"
        return f"http://127.0.0.1:{self.settings.api_port(api)}"

    def resolve(self, value: Any, where: str) -> Any:
        return self.resolver.resolve(value, where)

    def property(self, logical_id: str, name: str, default: Any = None) -> Any:
        """A resolved property of a resource (``default`` when absent or AWS::NoValue)."""
        props = self._resources[logical_id].get("Properties") or {}
        if name not in props:
            return default
        value = self.resolve(props[name], f"Resources.{logical_id}.Properties.{name}")
        return default if value is NO_VALUE else value

    def physical_name(self, logical_id: str) -> str:
        kind = self._resources[logical_id].get("Type", "")
        explicit = {
            "AWS::DynamoDB::Table": "TableName",
            "AWS::SQS::Queue": "QueueName",
            "AWS::SecretsManager::Secret": "Name",
            "AWS::Serverless::Function": "FunctionName",
        }.get(kind)
        name = self.property(logical_id, explicit) if explicit else None
        if not name:
            name = f"{self.settings.stack_name}-{logical_id}"
            if kind == "AWS::SQS::Queue" and self.property(logical_id, "FifoQueue") in (True, "true"):
                name += ".fifo"
        return str(name)

    def function_environment(self, function: FunctionSpec) -> dict[str, str]:
        """Globals + the function's own variables, resolved, with execute-api URLs made local."""
        env: dict[str, str] = {}
        for name, raw in function.environment.items():
            value = self.resolve(raw, f"Resources.{function.logical_id}.Properties.Environment.Variables.{name}")
            if value is NO_VALUE:
                continue
            if isinstance(value, bool):
                value = str(value).lower()
            if isinstance(value, (dict, list)):
                raise TemplateError(
                    f"Resources.{function.logical_id}.Properties.Environment.Variables.{name}: not a string"
                )
            env[name] = self.localize_urls(str(value))
        return env

    def localize_urls(self, text: str) -> str:
        by_id = {api_id: name for name, api_id in self.api_ids.items()}

        def replace(match: re.Match[str]) -> str:
            api = by_id.get(match.group(1))
            if api is None:
                return match.group(0)
            return self.api_url(api) + (match.group(2) or "")

        return _EXECUTE_API_URL.sub(replace, text)

    # --- Ref / GetAtt ------------------------------------------------------------------------
    def _ref(self, name: str) -> Any:
        if name in self.overrides and "Ref" in self.overrides[name]:
            return self.overrides[name]["Ref"]
        parameters = self.stack.template.parameters
        if name in parameters:
            if name == "DashboardOrigin":
                return f"http://localhost:{self.settings.ports['DASHBOARD_PORT']}"
            return LOCAL_PARAMETERS.get(name, parameters[name].get("Default", ""))
        if name not in self._resources:
            raise TemplateError(f"!Ref {name}: no such parameter or resource")
        kind = self._resources[name].get("Type", "")
        if name in self.api_ids:
            return self.api_ids[name]
        if kind == "AWS::SQS::Queue":
            return f"{self.aws_endpoint}/{ACCOUNT_ID}/{self.physical_name(name)}"
        if kind in ("AWS::SecretsManager::Secret", "AWS::SNS::Topic"):
            return self._arn(name)
        if kind == "AWS::ApiGatewayV2::Stage":
            return str(self.property(name, "StageName", "$default"))
        return self.physical_name(name)

    def _getatt(self, name: str, attribute: str) -> Any:
        if name in self.overrides and attribute in self.overrides[name]:
            return self.overrides[name][attribute]
        if name not in self._resources:
            raise TemplateError(f"!GetAtt {name}.{attribute}: no such resource")
        if attribute == "Arn":
            return self._arn(name)
        if attribute == "StreamArn":
            return f"{self._arn(name)}/stream/local"
        if attribute == "QueueName":
            return self.physical_name(name)
        if attribute == "QueueUrl":
            return self._ref(name)
        if attribute == "ApiEndpoint":
            return self.api_url(name)
        if attribute == "ApiId":
            return self.api_ids.get(name, local_api_id(name))
        return f"{self.physical_name(name)}-{attribute}"

    def _arn(self, name: str) -> str:
        region, kind = self.settings.region, self._resources[name].get("Type", "")
        physical = self.physical_name(name)
        service = {
            "AWS::DynamoDB::Table": f"dynamodb:{region}:{ACCOUNT_ID}:table/{physical}",
            "AWS::SQS::Queue": f"sqs:{region}:{ACCOUNT_ID}:{physical}",
            "AWS::SecretsManager::Secret": f"secretsmanager:{region}:{ACCOUNT_ID}:secret:{physical}",
            "AWS::Serverless::Function": f"lambda:{region}:{ACCOUNT_ID}:function:{physical}",
            "AWS::SNS::Topic": f"sns:{region}:{ACCOUNT_ID}:{physical}",
        }.get(kind, f"local:{region}:{ACCOUNT_ID}:{physical}")
        return f"arn:aws:{service}"
