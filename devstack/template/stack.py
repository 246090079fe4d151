"""What the local stack serves, read once from ``template.yaml`` (through :class:`SamTemplate`).

The template's parameters take the values ``sam deploy`` would give them: their defaults, over
those the ``parameter_overrides`` of ``samconfig.toml``'s default profile (next to the template),
over those the local overrides (``DEVSTACK_PARAMETER_OVERRIDES``).

:class:`Stack` is a snapshot of the template's specs, so the gateway, scheduler and runner look
functions and routes up in dicts instead of re-reading the template per request. Anything the
template says that the local stack cannot understand raises
:class:`~devstack.template.intrinsics.TemplateError` naming the resource and the property, at start,
rather than a confusing failure on the first request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devstack.template.reader import (
    DEFAULT_TEMPLATE,
    FunctionSpec,
    HttpApiSpec,
    HttpRoute,
    SamTemplate,
    ScheduleSpec,
    WebSocketApiSpec,
)
from devstack.template.samconfig import SAMCONFIG_NAME, read_parameter_overrides


@dataclass(frozen=True)
class Stack:
    """Everything the local stack serves, read from one template."""

    template: SamTemplate
    functions: dict[str, FunctionSpec]
    http_apis: dict[str, HttpApiSpec]
    http_routes: list[HttpRoute]
    websocket_apis: dict[str, WebSocketApiSpec]
    schedules: list[ScheduleSpec]

    @classmethod
    def of(cls, template: SamTemplate) -> Stack:
        """The specs of ``template``; raise TemplateError naming what the local stack cannot run."""
        return cls(
            template=template,
            functions=template.functions(),
            http_apis=template.http_api_specs(),
            http_routes=template.http_routes(),
            websocket_apis=template.websocket_api_specs(),
            schedules=template.schedules(),
        )


def read_stack(path: Path | str = DEFAULT_TEMPLATE, overrides: Mapping[str, str] | None = None) -> Stack:
    """Parse the template at ``path``, apply samconfig.toml's default profile and then ``overrides``
    to its parameters, and read its specs; raise TemplateError naming what is wrong (and where)."""
    samconfig = Path(path).with_name(SAMCONFIG_NAME)
    template = SamTemplate.load(path).with_parameters(read_parameter_overrides(samconfig), str(samconfig))
    return Stack.of(template.with_parameters(overrides or {}, "DEVSTACK_PARAMETER_OVERRIDES"))
