"""Health of a service: its own state plus each dependency, checked in parallel.

The answer is bounded in time: each probe has its own short timeout (MongoDB's server
selection timeout, for instance), and probes run concurrently so one slow dependency does not
add to another's wait. ``/api/health`` also reads the health monitor's flags (three failed checks
in a row, :mod:`tradecore.services.health.flags`) in the same parallel round, so it tells what
users were told; a flag makes the service at least ``degraded``, never ``down`` on its own (only a
live check of a critical component does).
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from tradecore.domain.health import ComponentHealth, HealthStatus, worst
from tradecore.domain.service_state import ComponentStatus
from tradecore.errors import TradecoreError
from tradecore.observability import logger
from tradecore.ports import ComponentStatusState, Exchange, HealthProbe


@dataclass(frozen=True)
class HealthReport:
    service: str
    status: HealthStatus
    components: tuple[ComponentHealth, ...]
    checked_at: datetime
    flags: tuple[ComponentStatus, ...] = ()  # the health monitor's records, when read

    @property
    def http_status(self) -> int:
        return 503 if self.status is HealthStatus.DOWN else 200

    def with_flags(self, flags: Sequence[ComponentStatus]) -> HealthReport:
        """This report with the monitor's records: a flagged component makes it at least degraded."""
        flagged = [HealthStatus.DEGRADED for flag in flags if flag.flagged]
        return replace(self, status=worst([self.status, *flagged]), flags=tuple(flags))

    def as_dict(self) -> dict[str, Any]:
        body = {
            "service": self.service,
            "status": self.status.value,
            "checked_at": self.checked_at.isoformat(),
            "components": {component.name: component.as_dict() for component in self.components},
        }
        if self.flags:
            body["monitor"] = {flag.component: _flag_dict(flag) for flag in self.flags}
        return body


def _flag_dict(flag: ComponentStatus) -> dict[str, Any]:
    body: dict[str, Any] = {"status": flag.status.value, "consecutive_failures": flag.consecutive_failures}
    if flag.detail:
        body["detail"] = flag.detail
    if flag.checked_at is not None:
        body["checked_at"] = datetime.fromtimestamp(flag.checked_at, UTC).isoformat()
    return body


def _safe_check(probe: HealthProbe) -> ComponentHealth:
    try:
        return probe.check()
    except Exception as exc:  # noqa: BLE001 - a broken probe is a down component, not a 500
        return ComponentHealth(probe.name, HealthStatus.DOWN, f"check failed: {type(exc).__name__}")


def check_health(
    service: str,
    probes: Sequence[HealthProbe],
    critical: frozenset[str],
    *,
    timeout_seconds: float = 1.8,
    flags: ComponentStatusState | None = None,
    clock: Callable[[], float] = time.time,
) -> HealthReport:
    """Run every probe; the service is ``down`` when a critical one is down, else the worst of the rest.

    A non-critical component that is down makes the service ``degraded``, not ``down``. A probe
    that has not answered within ``timeout_seconds`` counts as down, so the answer never hangs.
    With ``flags``, the monitor's records of the probed components are read in the same round (a
    store that fails or does not answer in time leaves them out). ``clock``: wall-clock seconds.
    """
    pool = ThreadPoolExecutor(max_workers=max(1, len(probes) + (flags is not None)))
    # each probe runs in a copy of this context, so its log lines keep the request's trace id
    futures = [pool.submit(contextvars.copy_context().run, _safe_check, probe) for probe in probes]
    names = [probe.name for probe in probes]
    flags_read = None if flags is None else pool.submit(contextvars.copy_context().run, flags.component_statuses, names)
    pending: list[Future[Any]] = [*futures, *([flags_read] if flags_read is not None else [])]
    wait(pending, timeout=timeout_seconds)
    pool.shutdown(wait=False)  # a stuck probe finishes in the background; nobody waits for it
    components = tuple(
        future.result() if future.done() else ComponentHealth(probe.name, HealthStatus.DOWN, "no answer in time")
        for probe, future in zip(probes, futures, strict=True)
    )
    statuses = []
    for component in components:
        if component.status is HealthStatus.DOWN and component.name not in critical:
            statuses.append(HealthStatus.DEGRADED)
        else:
            statuses.append(component.status)
    report = HealthReport(service, worst(statuses), components, datetime.fromtimestamp(clock(), UTC))
    return report if flags_read is None else report.with_flags(_read_flags(flags_read, names))


def _read_flags(read: Future[dict[str, ComponentStatus]], names: Sequence[str]) -> list[ComponentStatus]:
    if not read.done():
        logger.warning("health flags not read in time")
        return []
    try:
        found = read.result()
    except Exception as exc:  # noqa: BLE001 - the live checks still answer without the flags
        logger.warning("health flags unreadable", extra={"error": type(exc).__name__})
        return []
    return [found[name] for name in names if name in found]


class HealthCheck:
    """A service's health, computed at most once per ``ttl_seconds`` per instance.

    Health endpoints are public: without this, every call would ping MongoDB, the AI service and
    the exchange (spending the exchange's request weight).
    """

    def __init__(
        self,
        service: str,
        probes: Sequence[HealthProbe],
        critical: frozenset[str],
        *,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        flags: ComponentStatusState | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._service, self._probes, self._critical = service, tuple(probes), critical
        self._ttl, self._clock = ttl_seconds, clock
        self._flags, self._wall_clock = flags, wall_clock
        self._last: tuple[float, HealthReport] | None = None
        self._lock = threading.Lock()

    def report(self) -> HealthReport:
        with self._lock:
            if self._last is not None and self._clock() - self._last[0] < self._ttl:
                return self._last[1]
            report = check_health(
                self._service, self._probes, self._critical, flags=self._flags, clock=self._wall_clock
            )
            self._last = (self._clock(), report)
            return report


class ConfigProbe:
    """Configuration sanity: what is missing or risky, never the values themselves."""

    name = "config"

    def __init__(self, settings: Any, required_secrets: Sequence[str]) -> None:
        self._settings = settings
        self._required = required_secrets

    def check(self) -> ComponentHealth:
        missing = [name.upper() for name in self._required if getattr(self._settings, name) is None]
        info: dict[str, Any] = {
            "environment": self._settings.environment.value,
            "exchange_mode": self._settings.exchange_mode.value,
        }
        if missing:
            return ComponentHealth(self.name, HealthStatus.DEGRADED, "not set: " + ", ".join(missing), info)
        return ComponentHealth(self.name, HealthStatus.OK, None, info)


class ExchangeProbe:
    """The exchange answers a ping (no retries: health must answer quickly)."""

    name = "binance"

    def __init__(self, exchange: Exchange, mode: str) -> None:
        self._exchange = exchange
        self._mode = mode

    def check(self) -> ComponentHealth:
        started = time.perf_counter()
        try:
            self._exchange.ping()
        except TradecoreError as exc:
            return ComponentHealth(self.name, HealthStatus.DOWN, exc.message, {"mode": self._mode})
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return ComponentHealth(self.name, HealthStatus.OK, None, {"mode": self._mode, "latency_ms": latency_ms})
