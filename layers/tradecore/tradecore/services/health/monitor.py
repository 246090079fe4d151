"""The scheduled health monitor (every minute): check every dependency, remember it, tell users.

Each component's record is kept in the shared service state (so every function instance and
``/api/health`` read the same answer). Three failed checks in a row flag it, one success clears it
(:mod:`tradecore.services.health.flags`); each flag raised or cleared is one ``service_status``
message on the ``status`` channel, never one per failed check.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from tradecore.domain.realtime import MessageType
from tradecore.observability import logger
from tradecore.ports import ChannelPublisher, ComponentStatusState, HealthProbe
from tradecore.services.health.flags import FAILURES_TO_FLAG, flag_change, next_status
from tradecore.services.health.service import HealthReport, check_health

STATUS_CHANNEL = "status"


class HealthMonitor:
    """The scheduled job's probes, critical set, state, publisher and clock, composed once in wiring."""

    def __init__(
        self,
        probes: Sequence[HealthProbe],
        state: ComponentStatusState,
        publisher: ChannelPublisher,
        *,
        critical: frozenset[str],
        clock: Callable[[], float] = time.time,
        failures_to_flag: int = FAILURES_TO_FLAG,
    ) -> None:
        self._probes, self._state, self._publisher, self._critical = tuple(probes), state, publisher, critical
        self._clock, self._failures_to_flag = clock, failures_to_flag

    def run(self) -> HealthReport:
        """Check, record every component, publish the flags that went up or came down.

        Raises ``DependencyUnavailableError`` when the service state cannot be read or written (no
        flag can change without it; the next minute checks again).
        """
        live = check_health("platform", self._probes, self._critical, clock=self._clock)
        previous = self._state.component_statuses([component.name for component in live.components])
        now = self._clock()
        records, changes = [], []
        for component in live.components:
            before = previous.get(component.name)
            record = next_status(before, component, now=now, failures_to_flag=self._failures_to_flag)
            self._state.save_component_status(record)
            records.append(record)
            if (change := flag_change(before, record)) is not None:
                changes.append(change)
        report = live.with_flags(records)
        if changes:
            logger.warning("service status changed", extra={"changes": changes})
            data = {"overall": report.status.value, "changes": changes}
            self._publisher.publish(STATUS_CHANNEL, MessageType.SERVICE_STATUS, data)
        return report
