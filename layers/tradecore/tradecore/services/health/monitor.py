"""The scheduled health monitor: check every dependency, remember it, tell users what changed.

Each component's status is kept in the shared service state (so every function instance and the
dashboard read the same answer); a change is pushed to WebSocket subscribers of ``status`` as a
``service_status`` message.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradecore.observability import logger
from tradecore.ports import Broadcaster, HealthProbe, ServiceState
from tradecore.services.health.service import HealthReport, check_health

STATE_PK = "health"
STATUS_CHANNEL = "status"


def monitor_health(
    probes: Sequence[HealthProbe], state: ServiceState, broadcaster: Broadcaster, *, critical: frozenset[str]
) -> HealthReport:
    """Run the probes, record each status, broadcast the components whose status changed."""
    report = check_health("platform", probes, critical)
    previous = state.get_many([(STATE_PK, component.name) for component in report.components])
    changed = []
    for component in report.components:
        before = previous.get((STATE_PK, component.name), {}).get("status")
        state.put(STATE_PK, component.name, {"status": component.status.value, "detail": component.detail or ""})
        if before != component.status.value:
            changed.append({"component": component.name, "status": component.status.value, "was": before})
    if changed:
        logger.warning("service status changed", extra={"changes": changed})
        broadcaster.publish(STATUS_CHANNEL, "service_status", {"overall": report.status.value, "changes": changed})
    return report


class HealthMonitor:
    """The scheduled job's probes, critical set, state and broadcaster, composed once in wiring."""

    def __init__(
        self, probes: Sequence[HealthProbe], state: ServiceState, broadcaster: Broadcaster, *, critical: frozenset[str]
    ) -> None:
        self._probes, self._state, self._broadcaster, self._critical = tuple(probes), state, broadcaster, critical

    def run(self) -> HealthReport:
        return monitor_health(self._probes, self._state, self._broadcaster, critical=self._critical)
