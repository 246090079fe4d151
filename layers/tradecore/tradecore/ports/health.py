"""Health checks: every probe answers within its own short timeout and never raises."""

from __future__ import annotations

from typing import Protocol

from tradecore.domain.health import ComponentHealth


class HealthProbe(Protocol):
    """Checks one dependency; must answer within its own short timeout and never raise."""

    name: str

    def check(self) -> ComponentHealth: ...


class SchemaInfo(Protocol):
    def schema_version(self) -> int: ...
