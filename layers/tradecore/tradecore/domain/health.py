"""Health of the platform's components, as reported by ``/api/health`` and ``/ai/health``."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class HealthStatus(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


_RANK = {HealthStatus.OK: 0, HealthStatus.DEGRADED: 1, HealthStatus.DOWN: 2}


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    status: HealthStatus
    detail: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status.value}
        if self.detail:
            body["detail"] = self.detail
        body.update(self.info)
        return body


def worst(statuses: list[HealthStatus]) -> HealthStatus:
    """The overall status: the worst of its parts (ok when there are none)."""
    return max(statuses, key=_RANK.__getitem__, default=HealthStatus.OK)
