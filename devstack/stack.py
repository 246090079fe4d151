"""What the local stack serves, read once from ``template.yaml`` (through :class:`SamTemplate`).

:class:`Stack` is a snapshot of the template's specs, so the gateway, scheduler and runner look
functions and routes up in dicts instead of re-reading the template per request. Anything the
template says that the local stack cannot understand raises
:class:`~devstack.intrinsics.TemplateError` naming the resource and the property, at start,
rather than a confusing failure on the first request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devstack.template import (
    DEFAULT_TEMPLATE,
    FunctionSpec,
    HttpApiSpec,
    HttpRoute,
    SamTemplate,
    ScheduleSpec,
    WebSocketApiSpec,
)


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


def read_stack(path: Path | str = DEFAULT_TEMPLATE) -> Stack:
    """Parse the template at ``path`` and read its specs; raise TemplateError naming what is wrong."""
    return Stack.of(SamTemplate.load(path))
