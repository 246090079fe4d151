"""The core health rule: AI down degrades, MongoDB down is 503 (the monitor: test_health_flags.py)."""

from __future__ import annotations

import threading

from tradecore.domain.health import ComponentHealth, HealthStatus
from tradecore.errors import DependencyUnavailableError
from tradecore.services.health.service import ExchangeProbe, HealthCheck, check_health


class Probe:
    def __init__(self, name: str, status: HealthStatus) -> None:
        self.name = name
        self.status = status

    def check(self) -> ComponentHealth:
        return ComponentHealth(self.name, self.status)


class BrokenProbe:
    name = "binance"

    def check(self) -> ComponentHealth:
        raise RuntimeError("probe bug")


CRITICAL = frozenset({"mongodb"})


def test_a_non_critical_dependency_down_degrades_but_stays_200() -> None:
    report = check_health("core", [Probe("mongodb", HealthStatus.OK), Probe("ai", HealthStatus.DOWN)], CRITICAL)
    assert report.status is HealthStatus.DEGRADED
    assert report.http_status == 200
    assert report.as_dict()["components"]["ai"] == {"status": "down"}


def test_mongodb_down_makes_the_service_down_and_503() -> None:
    report = check_health("core", [Probe("mongodb", HealthStatus.DOWN), Probe("ai", HealthStatus.OK)], CRITICAL)
    assert (report.status, report.http_status) == (HealthStatus.DOWN, 503)


def test_a_probe_that_raises_is_reported_down_not_raised() -> None:
    report = check_health("core", [Probe("mongodb", HealthStatus.OK), BrokenProbe()], CRITICAL)
    assert report.as_dict()["components"]["binance"]["status"] == "down"
    assert report.status is HealthStatus.DEGRADED


class StuckProbe:
    name = "ai"

    def __init__(self) -> None:
        self.release = threading.Event()

    def check(self) -> ComponentHealth:
        self.release.wait(10)
        return ComponentHealth(self.name, HealthStatus.OK)


def test_a_probe_that_does_not_answer_in_time_is_down_and_does_not_hold_the_report() -> None:
    stuck = StuckProbe()
    report = check_health("core", [Probe("mongodb", HealthStatus.OK), stuck], CRITICAL, timeout_seconds=0.2)
    stuck.release.set()
    assert report.as_dict()["components"]["ai"] == {"status": "down", "detail": "no answer in time"}
    assert report.status is HealthStatus.DEGRADED


class PingExchange:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def ping(self) -> None:
        if self.error:
            raise self.error


def test_exchange_probe_reports_the_mode_and_the_failure() -> None:
    healthy = ExchangeProbe(PingExchange(), "testnet").check()  # type: ignore[arg-type]
    assert (healthy.status, healthy.info["mode"]) == (HealthStatus.OK, "testnet")
    down = PingExchange(DependencyUnavailableError("Binance is unavailable", dependency="binance"))
    failing = ExchangeProbe(down, "mainnet").check()  # type: ignore[arg-type]
    assert (failing.status, failing.detail) == (HealthStatus.DOWN, "Binance is unavailable")


def test_health_check_reuses_a_fresh_report_then_checks_again() -> None:
    now = [100.0]
    mongodb = Probe("mongodb", HealthStatus.OK)
    health = HealthCheck("core", [mongodb], CRITICAL, ttl_seconds=5, clock=lambda: now[0])
    assert health.report().status is HealthStatus.OK
    mongodb.status = HealthStatus.DOWN
    now[0] += 4
    assert health.report().status is HealthStatus.OK  # within the TTL: the same answer
    now[0] += 2
    assert health.report().status is HealthStatus.DOWN
