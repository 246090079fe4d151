"""The stream task's health from its heartbeat: ok within 30 s of a beat, degraded when the beat is
older, missing or unreadable (never down: manual trading works without live prices); and
``/api/health``'s composition includes it."""

from __future__ import annotations

from collections.abc import Callable

from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.health import ComponentHealth, HealthStatus
from tradecore.errors import DependencyUnavailableError
from tradecore.services.health.stream_probe import StreamHeartbeatProbe

NOW = 1_795_597_200.0  # a fixed instant: no test reads today's date


class FakeHeartbeat:
    def __init__(self, at: float | None = None, *, broken: bool = False) -> None:
        self.at = at
        self.broken = broken
        self.read: list[str] = []

    def beat(self, component: str, at: float) -> None:
        self.at = at

    def last_beat(self, component: str) -> float | None:
        self.read.append(component)
        if self.broken:
            raise DependencyUnavailableError("state table unreachable")
        return self.at


class Healthy:
    def __init__(self, name: str) -> None:
        self.name = name

    def check(self) -> ComponentHealth:
        return ComponentHealth(self.name, HealthStatus.OK)


def probe(heartbeat: FakeHeartbeat) -> StreamHeartbeatProbe:
    return StreamHeartbeatProbe(heartbeat, clock=lambda: NOW)


def test_stream_probe_fresh_beat_is_ok_with_its_age() -> None:
    heartbeat = FakeHeartbeat(NOW - 12.04)

    health = probe(heartbeat).check()

    assert (health.name, health.status) == ("stream", HealthStatus.OK)
    assert health.info == {"last_beat_age_seconds": 12.0}
    assert heartbeat.read == ["stream"]


def test_stream_probe_beat_older_than_30_s_is_degraded() -> None:
    health = probe(FakeHeartbeat(NOW - 31)).check()

    assert health.status is HealthStatus.DEGRADED
    assert health.detail == "no heartbeat for 31 s"


def test_stream_probe_no_beat_is_degraded() -> None:
    health = probe(FakeHeartbeat(None)).check()
    assert (health.status, health.detail) == (HealthStatus.DEGRADED, "no heartbeat recorded")


def test_stream_probe_unreadable_store_is_degraded_not_down() -> None:
    health = probe(FakeHeartbeat(broken=True)).check()

    assert health.status is HealthStatus.DEGRADED
    assert health.detail is not None
    assert "unreadable" in health.detail


def test_core_health_includes_the_stream_heartbeat(make_settings: Callable[..., Settings]) -> None:
    def status(heartbeat: FakeHeartbeat) -> tuple[str, str]:
        container = bootstrap(
            make_settings(), clock=lambda: NOW, stream_heartbeat=heartbeat, mongo_probe=Healthy("mongodb"),
            ai_health_probe=Healthy("ai"), exchange_probe=Healthy("binance"),
        )  # fmt: skip
        body = container.core_health.report().as_dict()
        return body["status"], body["components"]["stream"]["status"]

    assert status(FakeHeartbeat(NOW - 5)) == ("ok", "ok")
    assert status(FakeHeartbeat(NOW - 120)) == ("degraded", "degraded")
