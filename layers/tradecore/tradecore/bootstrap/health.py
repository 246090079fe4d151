"""Health wiring: which probes each health answer is composed of, composed once here.

``/api/health`` and ``/ai/health`` answer callers (the core's also reads the monitor's flags); the
monitor records every component, flags three failures in a row and publishes flags raised or cleared.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.adapters.openai.analyzer import OpenAIAnalyzer
    from tradecore.ports import ChannelPublisher, HealthProbe
    from tradecore.ports.stream import StreamHeartbeat
    from tradecore.services.analysis.service import AnalysisService
    from tradecore.services.health.monitor import HealthMonitor
    from tradecore.services.health.service import HealthCheck

# without MongoDB a service is down; without anything else it is degraded
CRITICAL_COMPONENTS = frozenset({"mongodb"})


class HealthWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by AnalysisWiring, ExchangeWiring, RealtimeWiring and StreamWiring

        @property
        def llm_analyzer(self) -> OpenAIAnalyzer: ...
        @property
        def analysis_service(self) -> AnalysisService: ...
        @property
        def exchange_probe(self) -> HealthProbe: ...
        @property
        def channel_publisher(self) -> ChannelPublisher: ...
        @property
        def stream_heartbeat(self) -> StreamHeartbeat: ...

    @cached_property
    def ai_health_probe(self) -> HealthProbe:
        from tradecore.adapters.http.health import HttpHealthProbe

        return HttpHealthProbe("ai", self.settings.ai_service_url.rstrip("/") + "/ai/health")

    @cached_property
    def stream_health_probe(self) -> HealthProbe:
        """The stream task's heartbeat (it beats every 10 s; three missed beats is degraded)."""
        from tradecore.services.health.stream_probe import StreamHeartbeatProbe

        return StreamHeartbeatProbe(self.stream_heartbeat, max_age_seconds=30.0, clock=self.clock)

    @cached_property
    def core_health(self) -> HealthCheck:
        """``/api/health``: MongoDB (critical), the AI service, the exchange, the stream task's
        heartbeat, configuration; plus the monitor's flags of those components."""
        from tradecore.services.health.service import HealthCheck

        probes = [
            self.mongo_probe,
            self.ai_health_probe,
            self.exchange_probe,
            self.stream_health_probe,
            self.config_probe("jwt_secret", "inter_service_token"),
        ]
        return HealthCheck(
            "core",
            probes,
            CRITICAL_COMPONENTS,
            ttl_seconds=self.settings.health_cache_seconds,
            flags=self.service_state,
            wall_clock=self.clock,
        )

    @cached_property
    def ai_health(self) -> HealthCheck:
        """``/ai/health``: MongoDB (critical), OpenAI (configured, last call, breaker), the analysis
        queue, configuration. Internal, so not cached."""
        from tradecore.services.health.service import HealthCheck

        probes = [
            self.mongo_probe,
            self.llm_analyzer,
            self.analysis_service.pending,
            self.config_probe("inter_service_token"),
        ]
        return HealthCheck("ai", probes, CRITICAL_COMPONENTS, ttl_seconds=0)

    @cached_property
    def health_monitor(self) -> HealthMonitor:
        """The scheduled monitor: MongoDB, the AI service, the exchange, OpenAI (its shared breaker)
        and the stream task's heartbeat; three failures in a row flag a component."""
        from tradecore.services.health.monitor import HealthMonitor

        probes = [
            self.mongo_probe,
            self.ai_health_probe,
            self.exchange_probe,
            self.llm_analyzer,
            self.stream_health_probe,
        ]
        return HealthMonitor(
            probes, self.service_state, self.channel_publisher, critical=CRITICAL_COMPONENTS, clock=self.clock
        )

    def config_probe(self, *required_secrets: str) -> HealthProbe:
        from tradecore.services.health.service import ConfigProbe

        return ConfigProbe(self.settings, required_secrets)
