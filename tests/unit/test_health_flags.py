"""The health monitor's three-strikes rule: a component is flagged after three failed checks in a
row (one ``service_status`` broadcast), stays flagged without repeating it, and one success clears
it (one more broadcast); ``/api/health`` reads the same flags; the job runs through its real handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobs import app as jobs_app
from tests.support.auth import InMemoryServiceState
from tests.support.messages import RecordingPublisher
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.health import ComponentHealth, HealthStatus
from tradecore.domain.realtime import MessageType
from tradecore.domain.service_state import ComponentStatus
from tradecore.http_openapi import HealthBody
from tradecore.services.health.flags import next_status
from tradecore.services.health.monitor import HealthMonitor
from tradecore.services.health.service import HealthCheck

CRITICAL = frozenset({"mongodb"})
NOW = 1_764_000_000.0  # a fixed instant: the monitor reads only the injected clock


class Probe:
    def __init__(self, name: str, status: HealthStatus = HealthStatus.OK, detail: str | None = None) -> None:
        self.name, self.status, self.detail = name, status, detail

    def check(self) -> ComponentHealth:
        return ComponentHealth(self.name, self.status, self.detail)


class BrokenState(InMemoryServiceState):
    def component_statuses(self, components: Any) -> dict[str, ComponentStatus]:
        raise RuntimeError("DynamoDB unreachable")


def monitor(probes: list[Probe], state: InMemoryServiceState, publisher: RecordingPublisher) -> HealthMonitor:
    return HealthMonitor(probes, state, publisher, critical=CRITICAL, clock=lambda: NOW)


def test_monitor_flags_a_component_after_three_failed_checks_and_broadcasts_once() -> None:
    state, publisher = InMemoryServiceState(), RecordingPublisher()
    ai = Probe("ai", HealthStatus.DOWN, "unreachable: ConnectError")
    job = monitor([Probe("mongodb"), ai], state, publisher)

    job.run()
    job.run()
    assert publisher.messages == []  # two failures are not an outage yet
    assert (state.statuses["ai"].status, state.statuses["ai"].consecutive_failures) == (HealthStatus.OK, 2)

    report = job.run()
    assert state.statuses["ai"] == ComponentStatus("ai", HealthStatus.DOWN, "unreachable: ConnectError", 3, NOW)
    ((channel, message_type, data),) = publisher.messages
    assert (channel, message_type) == ("status", MessageType.SERVICE_STATUS)
    assert data == {
        "overall": "degraded",
        "changes": [{"component": "ai", "status": "down", "was": "ok", "consecutive_failures": 3,
                     "detail": "unreachable: ConnectError"}],
    }  # fmt: skip
    assert report.as_dict()["monitor"]["ai"]["status"] == "down"

    job.run()
    job.run()
    assert len(publisher.messages) == 1  # still flagged: nothing new to tell
    assert state.statuses["ai"].consecutive_failures == 5


def test_monitor_one_success_clears_the_flag_with_another_broadcast() -> None:
    state, publisher = InMemoryServiceState(), RecordingPublisher()
    ai = Probe("ai", HealthStatus.DOWN)
    job = monitor([Probe("mongodb"), ai], state, publisher)
    for _ in range(3):
        job.run()

    ai.status = HealthStatus.OK
    report = job.run()

    assert len(publisher.messages) == 2
    assert publisher.messages[-1][2] == {
        "overall": "ok",
        "changes": [{"component": "ai", "status": "ok", "was": "down", "consecutive_failures": 0}],
    }
    assert state.statuses["ai"] == ComponentStatus("ai", HealthStatus.OK, "", 0, NOW)
    assert report.status is HealthStatus.OK


def test_monitor_a_success_between_failures_starts_the_count_again() -> None:
    state, publisher = InMemoryServiceState(), RecordingPublisher()
    ai = Probe("ai", HealthStatus.DOWN)
    job = monitor([ai], state, publisher)
    for status in (HealthStatus.DOWN, HealthStatus.DOWN, HealthStatus.OK, HealthStatus.DOWN, HealthStatus.DOWN):
        ai.status = status
        job.run()
    assert publisher.messages == []
    assert state.statuses["ai"].consecutive_failures == 2


def test_monitor_counts_degraded_checks_as_failures_and_keeps_their_status() -> None:
    state, publisher = InMemoryServiceState(), RecordingPublisher()
    job = monitor([Probe("stream", HealthStatus.DEGRADED, "no heartbeat for 95 s")], state, publisher)
    for _ in range(3):
        job.run()
    assert state.statuses["stream"].status is HealthStatus.DEGRADED
    assert publisher.messages[0][2]["changes"][0]["status"] == "degraded"


def test_monitor_mongodb_flagged_down_makes_the_broadcast_overall_down() -> None:
    state, publisher = InMemoryServiceState(), RecordingPublisher()
    job = monitor([Probe("mongodb", HealthStatus.DOWN), Probe("ai")], state, publisher)
    for _ in range(3):
        job.run()
    assert publisher.messages[0][2]["overall"] == "down"


def test_next_status_keeps_a_flag_recorded_before_failures_were_counted() -> None:
    legacy = ComponentStatus("ai", HealthStatus.DOWN, "timeout")  # consecutive_failures 0: an older record
    record = next_status(legacy, ComponentHealth("ai", HealthStatus.DOWN, "timeout"), now=NOW)
    assert (record.status, record.consecutive_failures) == (HealthStatus.DOWN, 4)


def test_core_health_shows_the_monitor_flags_and_is_degraded_by_them() -> None:
    state = InMemoryServiceState()
    state.save_component_status(ComponentStatus("ai", HealthStatus.DOWN, "unreachable", 3, NOW))
    # the live check already sees the AI back, but users were told it is down until the monitor clears it
    health = HealthCheck("core", [Probe("mongodb"), Probe("ai")], CRITICAL, ttl_seconds=0, flags=state)
    body = health.report().as_dict()
    assert body["status"] == "degraded"
    assert body["components"]["ai"] == {"status": "ok"}
    assert body["monitor"]["ai"] == {
        "status": "down", "consecutive_failures": 3, "detail": "unreachable", "checked_at": "2025-11-24T16:00:00+00:00",
    }  # fmt: skip
    # the published OpenAPI schema describes the section (the dashboard's types come from it)
    documented = HealthBody.model_validate(body)
    assert documented.monitor is not None
    assert documented.monitor["ai"].consecutive_failures == 3


def test_core_health_answers_from_its_own_probes_when_the_flags_cannot_be_read() -> None:
    health = HealthCheck("core", [Probe("mongodb"), Probe("ai")], CRITICAL, ttl_seconds=0, flags=BrokenState())
    body = health.report().as_dict()
    assert (body["status"], "monitor" in body) == ("ok", False)


def test_the_scheduled_job_flags_through_its_real_handler(
    make_settings: Callable[..., Settings], load_event: Callable[[str], dict[str, Any]], lambda_context: Any
) -> None:
    state, publisher = InMemoryServiceState(), RecordingPublisher()
    container = bootstrap(
        make_settings(), clock=lambda: NOW, service_state=state, channel_publisher=publisher,
        mongo_probe=Probe("mongodb", HealthStatus.DOWN), ai_health_probe=Probe("ai"),
        exchange_probe=Probe("binance"), llm_analyzer=Probe("openai"), stream_health_probe=Probe("stream"),
    )  # fmt: skip
    jobs_app.use_container(container)
    try:
        results = [jobs_app.health_monitor(load_event("jobs_health_monitor"), lambda_context) for _ in range(3)]
    finally:
        jobs_app.use_container(None)
    assert set(results[-1]["components"]) == {"mongodb", "ai", "binance", "openai", "stream"}
    assert [result["monitor"]["mongodb"]["status"] for result in results] == ["ok", "ok", "down"]
    assert results[-1]["status"] == "down"
    assert [data["overall"] for _, _, data in publisher.messages] == ["down"]
    # /api/health of the same container reads the flag the job wrote
    assert container.core_health.report().as_dict()["monitor"]["mongodb"]["status"] == "down"
