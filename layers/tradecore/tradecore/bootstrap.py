"""The composition root: the one place that builds concrete adapters from Settings.

Everything is built lazily on first use and cached on the container, which a Lambda container
keeps across invocations. Tests pass their own adapters as keyword overrides::

    container = bootstrap(settings, exchange=FakeExchange())
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

from tradecore.config import Settings, get_settings
from tradecore.observability import configure_logging, register_secrets
from tradecore.ports import BreakerStore, Exchange, HealthProbe

# without MongoDB a service is down; without anything else it is degraded
CRITICAL_COMPONENTS = frozenset({"mongodb"})


class Container:
    """Lazily built adapters and services for one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def clock(self) -> Callable[[], float]:
        """Wall-clock seconds: the one clock every time rule reads (tests override it)."""
        return time.time

    @cached_property
    def breaker_store(self) -> BreakerStore:
        """The circuit breakers' shared state, in the service-state table."""
        from tradecore.adapters.aws.breaker_store import DynamoBreakerStore

        return DynamoBreakerStore(self.settings.service_state_table, self.settings.aws_region)

    @cached_property
    def mongo(self) -> Any:
        from tradecore.adapters.mongo.gateway import MongoGateway

        return MongoGateway(self.settings)

    def migrate(self) -> int:
        """Apply pending schema migrations (AI function cold start, local stack start)."""
        from tradecore.adapters.mongo.migrations import run_migrations

        return run_migrations(self.mongo.db, retention_days=self.settings.analysis_retention_days)

    @cached_property
    def mongo_probe(self) -> HealthProbe:
        from tradecore.adapters.mongo.gateway import MongoProbe
        from tradecore.adapters.mongo.migrations import LATEST_VERSION

        return MongoProbe(self.mongo, LATEST_VERSION)

    @cached_property
    def connection_registry(self) -> Any:
        from tradecore.adapters.aws.connections import DynamoConnectionRegistry

        return DynamoConnectionRegistry(self.settings.connections_table, self.settings.aws_region)

    @cached_property
    def message_sender(self) -> Any:
        from tradecore.adapters.aws.connections import ApiGatewayMessageSender
        from tradecore.errors import ConfigurationError

        if not self.settings.websocket_management_url:
            raise ConfigurationError("WEBSOCKET_MANAGEMENT_URL is not set")
        return ApiGatewayMessageSender(self.settings.websocket_management_url, self.settings.aws_region)

    @cached_property
    def realtime(self) -> Any:
        from tradecore.services.realtime.service import RealtimeService

        return RealtimeService(
            self.connection_registry,
            self.message_sender,
            self.token_service,
            symbols=self.settings.trading_symbols,
        )

    # --- auth and users (issue 6) ---------------------------------------------------------------

    @cached_property
    def service_state(self) -> Any:
        from tradecore.adapters.aws.service_state import ServiceStateTable

        return ServiceStateTable(self.settings.service_state_table, self.settings.aws_region)

    @cached_property
    def token_denylist(self) -> Any:
        from tradecore.services.auth.revocation import StateTokenDenylist

        lifetime = self.settings.jwt_expiry_hours * 3600 + self.settings.jwt_leeway_seconds
        return StateTokenDenylist(self.service_state, max_token_lifetime_seconds=lifetime)

    @cached_property
    def token_service(self) -> Any:
        from tradecore.services.auth.tokens import TokenService

        secret = self.settings.jwt_secret.get_secret_value() if self.settings.jwt_secret else None
        # with a WebSocket API, revoking a token also closes the connections it opened
        sessions = self.broadcaster if self.settings.websocket_management_url else None
        return TokenService(
            secret,
            self.token_denylist,
            expiry_hours=self.settings.jwt_expiry_hours,
            leeway_seconds=self.settings.jwt_leeway_seconds,
            sessions=sessions,
        )

    @cached_property
    def password_hasher(self) -> Any:
        from tradecore.adapters.auth.passwords import Argon2PasswordHasher

        return Argon2PasswordHasher()

    @cached_property
    def user_store(self) -> Any:
        from tradecore.adapters.mongo.user_store import MongoUserStore

        return MongoUserStore(self.mongo)

    @cached_property
    def login_throttle(self) -> Any:
        from tradecore.services.auth.throttle import StateLoginThrottle

        return StateLoginThrottle(
            self.service_state,
            max_failures=self.settings.login_max_failures,
            window_seconds=self.settings.login_window_seconds,
        )

    @cached_property
    def auth_service(self) -> Any:
        from tradecore.config import RegistrationMode
        from tradecore.services.auth.service import AuthService

        return AuthService(
            self.user_store,
            self.password_hasher,
            self.token_service,
            self.login_throttle,
            registration_open=self.settings.registration_mode is RegistrationMode.OPEN,
            bootstrap_admin_email=self.settings.bootstrap_admin_email,
        )

    # --- AI analysis (issue 5) -----------------------------------------------------------------

    @cached_property
    def llm_analyzer(self) -> Any:
        from tradecore.adapters.openai.analyzer import OpenAIAnalyzer

        return OpenAIAnalyzer(self.settings, self.breaker_store, self.clock)

    @cached_property
    def technical_analyzer(self) -> Any:
        from tradecore.domain.signals import TechnicalAnalyzer

        return TechnicalAnalyzer()

    @cached_property
    def analysis_store(self) -> Any:
        from tradecore.adapters.mongo.analysis_store import MongoAnalysisStore

        return MongoAnalysisStore(self.mongo)

    @cached_property
    def broadcaster(self) -> Any:
        if not self.settings.websocket_management_url:
            from tradecore.adapters.logging_broadcaster import LoggingBroadcaster

            return LoggingBroadcaster()
        from tradecore.services.realtime.fanout import Fanout

        return Fanout(self.connection_registry, self.message_sender)

    @cached_property
    def analysis_service(self) -> Any:
        from tradecore.services.analysis.service import AnalysisPolicy, AnalysisService

        s = self.settings
        policy = AnalysisPolicy(
            known_symbols=tuple(s.trading_symbols),
            analysis_ttl_seconds=s.analysis_cache_ttl_ai,
            indicator_ttl_seconds=s.indicator_cache_ttl,
            deadline_margin_seconds=s.ai_deadline_margin_seconds,
            queue_max=s.analysis_queue_max,
            flush_retry_seconds=s.analysis_flush_retry_seconds,
        )
        return AnalysisService(
            policy,
            llm=self.llm_analyzer,
            technical=self.technical_analyzer,
            store=self.analysis_store,
            broadcaster=self.broadcaster,
        )

    @cached_property
    def ai_health_probe(self) -> HealthProbe:
        from tradecore.adapters.http.health import HttpHealthProbe

        return HttpHealthProbe("ai", self.settings.ai_service_url.rstrip("/") + "/ai/health")

    @cached_property
    def exchange(self) -> Exchange:
        """Binance mainnet, testnet or the local simulator, chosen by Settings.exchange_mode."""
        from tradecore.adapters.binance.exchange import BinanceExchange

        return BinanceExchange(self.settings)

    @cached_property
    def exchange_probe(self) -> HealthProbe:
        from tradecore.services.health.service import ExchangeProbe

        return ExchangeProbe(self.exchange, self.settings.exchange_mode.value)

    @cached_property
    def core_health(self) -> Any:
        """``/api/health``: MongoDB (critical), the AI service, the exchange, configuration."""
        from tradecore.services.health.service import HealthCheck

        probes = [
            self.mongo_probe,
            self.ai_health_probe,
            self.exchange_probe,
            self.config_probe("jwt_secret", "inter_service_token"),
        ]
        return HealthCheck("core", probes, CRITICAL_COMPONENTS, ttl_seconds=self.settings.health_cache_seconds)

    @cached_property
    def ai_health(self) -> Any:
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
    def health_monitor(self) -> Any:
        """The scheduled monitor: MongoDB and the AI service, recorded and broadcast on change."""
        from tradecore.services.health.monitor import HealthMonitor

        probes = [self.mongo_probe, self.ai_health_probe]
        return HealthMonitor(probes, self.service_state, self.broadcaster, critical=CRITICAL_COMPONENTS)

    def config_probe(self, *required_secrets: str) -> HealthProbe:
        from tradecore.services.health.service import ConfigProbe

        return ConfigProbe(self.settings, required_secrets)


def resolve_settings(settings: Settings | None = None) -> Settings:
    """The process settings, with unset secrets filled from Secrets Manager when configured."""
    settings = settings or get_settings()
    if settings.app_secrets_arn:
        from tradecore.adapters.aws.secrets import fetch_app_secrets

        settings = settings.with_secrets(fetch_app_secrets(settings.app_secrets_arn, settings.aws_region))
    return settings


def bootstrap(settings: Settings | None = None, **overrides: Any) -> Container:
    """Build the container; keyword overrides replace any adapter by attribute name."""
    settings = resolve_settings(settings)
    configure_logging(settings.effective_log_level)
    register_secrets(settings.secret_values())
    container = Container(settings)
    for name, value in overrides.items():
        if not hasattr(Container, name):
            raise TypeError(f"bootstrap() got an unknown override {name!r}")
        container.__dict__[name] = value
    return container


class ContainerSlot:
    """One container per execution environment for handlers that are not FastAPI apps (WebSocket,
    jobs): built by ``bootstrap()`` on first use, then reused; tests put their own in with ``use``."""

    def __init__(self) -> None:
        self._container: Container | None = None

    def get(self) -> Container:
        if self._container is None:
            self._container = bootstrap()
        return self._container

    def use(self, replacement: Container | None) -> None:
        self._container = replacement
