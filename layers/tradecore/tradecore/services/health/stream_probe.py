"""The stream task's health, read from its heartbeat in the ServiceStateTable.

The stream task beats every few seconds; any instance answering ``/api/health`` reads the last
beat. A beat older than ``max_age_seconds``, none at all, or a store that cannot be read makes the
component ``degraded``, never ``down``: without live prices a trader can still trade by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tradecore.domain.health import ComponentHealth, HealthStatus
from tradecore.errors import TradecoreError
from tradecore.ports.stream import StreamHeartbeat


class StreamHeartbeatProbe:
    """``stream``: ok while the heartbeat is fresh."""

    name = "stream"

    def __init__(
        self,
        heartbeat: StreamHeartbeat,
        *,
        component: str = "stream",
        max_age_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._heartbeat = heartbeat
        self._component = component
        self._max_age = max_age_seconds
        self._clock = clock  # wall-clock epoch seconds, as the beats are recorded

    def check(self) -> ComponentHealth:
        try:
            last = self._heartbeat.last_beat(self._component)
        except TradecoreError as exc:
            return ComponentHealth(self.name, HealthStatus.DEGRADED, f"heartbeat unreadable: {exc.message}")
        if last is None:
            return ComponentHealth(self.name, HealthStatus.DEGRADED, "no heartbeat recorded")
        age = round(max(0.0, self._clock() - last), 1)
        info = {"last_beat_age_seconds": age}
        if age > self._max_age:
            return ComponentHealth(self.name, HealthStatus.DEGRADED, f"no heartbeat for {age:.0f} s", info)
        return ComponentHealth(self.name, HealthStatus.OK, None, info)
