"""The per-API details of the template: an HTTP API's stage and CORS, a WebSocket API's stage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devstack.template.intrinsics import TemplateError
from devstack.template.specs import HttpApiSpec

_CORS_ALL = {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}  # CorsConfiguration: true


def http_api_spec(name: str, resource: Mapping[str, Any], defaults: Mapping[str, Any]) -> HttpApiSpec:
    """Stage and (unresolved) CORS of the HTTP API ``name``; ``resource`` is empty for SAM's implicit
    API, ``defaults`` is ``Globals.HttpApi``. Raise TemplateError when it is not an HTTP API or its
    CorsConfiguration is neither true nor a mapping."""
    if resource and resource.get("Type") != "AWS::Serverless::HttpApi":
        raise TemplateError(f"Resources.{name}: routes point at it, but it is not an AWS::Serverless::HttpApi")
    props = resource.get("Properties") or {}
    cors = props.get("CorsConfiguration", defaults.get("CorsConfiguration"))
    cors = dict(_CORS_ALL) if cors is True else cors
    if cors is not None and cors is not False and not isinstance(cors, dict):
        raise TemplateError(f"Resources.{name}.Properties.CorsConfiguration: expected true or a mapping")
    stage = props.get("StageName", defaults.get("StageName", "$default"))
    return HttpApiSpec(name, stage if isinstance(stage, str) else "$default", cors if isinstance(cors, dict) else None)


def websocket_stage(api: str, stages: Mapping[str, dict[str, Any]], parameters: Mapping[str, Any]) -> str:
    """The name of the ``AWS::ApiGatewayV2::Stage`` (among ``stages``) of ``api`` (a parameter's
    default when it is a ``!Ref``); ``$default`` when it has none."""
    for stage in stages.values():
        props = stage.get("Properties") or {}
        if props.get("ApiId") == {"Ref": api}:
            name = props.get("StageName")
            if isinstance(name, dict) and "Ref" in name:
                name = (parameters.get(name["Ref"]) or {}).get("Default", "$default")
            return str(name)
    return "$default"
