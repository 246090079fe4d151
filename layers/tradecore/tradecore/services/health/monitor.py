"""The scheduled health monitor: check every dependency, remember it, tell users what changed.

Each component's status is kept in the shared service state (so every function instance and the
dashboard read the same answer); a change is published to the ``status`` channel as a
``service_status`` message.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradecore.domain.realtime import MessageType
from tradecore.domain.service_state import ComponentStatus
from tradecore.observability import logger
from tradecore.ports import ChannelPublisher, ComponentStatusState, HealthProbe
from tradecore.services.health.service import HealthReport, check_health

STATUS_CHANNEL = "status"


def monitor_health(
    probes: Sequence[HealthProbe],
    state: ComponentStatusState,
    publisher: ChannelPublisher,
    *,
    critical: frozenset[str],
) -> HealthReport:
    """Run the probes, record each status, publish the components whose status changed."""
    report = check_health("platform", probes, critical)
    previous = state.component_statuses([component.name for component in report.components])
    changed = []
    for component in report.components:
        before = previous.get(component.name)
        was = before.status.value if before is not None else None
        state.save_component_status(ComponentStatus(component.name, component.status, component.detail or ""))
        if was != component.status.value:
            changed.append({"component": component.name, "status": component.status.value, "was": was})
    if changed:
        logger.warning("service status changed", extra={"changes": changed})
        publisher.publish(
            STATUS_CHANNEL, MessageType.SERVICE_STATUS, {"overall": report.status.value, "changes": changed}
        )
    return report


class HealthMonitor:
    """The scheduled job's probes, critical set, state and publisher, composed once in wiring."""

    def __init__(
        self,
        probes: Sequence[HealthProbe],
        state: ComponentStatusState,
        publisher: ChannelPublisher,
        *,
        critical: frozenset[str],
    ) -> None:
        self._probes, self._state, self._publisher, self._critical = tuple(probes), state, publisher, critical

    def run(self) -> HealthReport:
        return monitor_health(self._probes, self._state, self._publisher, critical=self._critical)
