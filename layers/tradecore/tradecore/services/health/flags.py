"""The health monitor's three-strikes rule: when a component counts as degraded, and when it is back.

One failed check is not an outage (a cold start, a dropped packet): a component is flagged only
after ``FAILURES_TO_FLAG`` failed checks in a row, and the flag is then the failing check's own
status (``degraded``, or ``down``). One successful check clears it. A check fails when it is not
``ok``: the stream task's stale heartbeat and OpenAI's open breaker report ``degraded``, never ``down``.
"""

from __future__ import annotations

from tradecore.domain.health import ComponentHealth, HealthStatus
from tradecore.domain.service_state import ComponentStatus

FAILURES_TO_FLAG = 3  # the spec: "3 failed health checks -> degraded"


def next_status(
    previous: ComponentStatus | None, observed: ComponentHealth, *, now: float, failures_to_flag: int = FAILURES_TO_FLAG
) -> ComponentStatus:
    """The record after one more check of a component whose last record was ``previous``."""
    if observed.status is HealthStatus.OK:
        return ComponentStatus(observed.name, HealthStatus.OK, "", 0, now)
    before = 0 if previous is None else previous.consecutive_failures
    if previous is not None and previous.flagged:
        before = max(before, failures_to_flag)  # a record written before the count existed stays flagged
    failures = before + 1
    status = observed.status if failures >= failures_to_flag else HealthStatus.OK
    return ComponentStatus(observed.name, status, observed.detail or "", failures, now)


def flag_change(previous: ComponentStatus | None, current: ComponentStatus) -> dict[str, object] | None:
    """What to tell users when the flag went up or came down (None when it did not)."""
    was_flagged = previous is not None and previous.flagged
    if current.flagged == was_flagged:
        return None
    change: dict[str, object] = {
        "component": current.component,
        "status": current.status.value,
        "was": HealthStatus.OK.value if previous is None else previous.status.value,
        "consecutive_failures": current.consecutive_failures,
    }
    if current.detail:
        change["detail"] = current.detail
    return change
