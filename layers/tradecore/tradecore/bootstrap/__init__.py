"""The composition root: the one place that builds concrete adapters from Settings.

Everything is built lazily on first use and cached on the container, which a Lambda container
keeps across invocations. The wiring is one module per capability (``core``, ``auth``,
``accounts``, ``realtime``, ``stream``, ``user_stream``, ``analysis``, ``exchange``, ``trading``,
``market``, ``health``), each a mixin of :class:`Container`. Tests
override leaves by provider name, and everything built on them uses the replacements::

    container = bootstrap(settings, clock=FakeClock(), exchange=FakeExchange())
"""

from __future__ import annotations

from typing import Any

from tradecore.bootstrap.accounts import AccountsWiring
from tradecore.bootstrap.analysis import AnalysisWiring
from tradecore.bootstrap.auth import AuthWiring
from tradecore.bootstrap.automation import AutomationWiring
from tradecore.bootstrap.core import CoreWiring
from tradecore.bootstrap.exchange import ExchangeWiring
from tradecore.bootstrap.health import CRITICAL_COMPONENTS, HealthWiring
from tradecore.bootstrap.jobs import JobsWiring
from tradecore.bootstrap.market import MarketWiring
from tradecore.bootstrap.realtime import RealtimeWiring
from tradecore.bootstrap.stream import StreamWiring
from tradecore.bootstrap.trading import TradingWiring
from tradecore.bootstrap.upkeep import UpkeepWiring
from tradecore.bootstrap.user_stream import UserStreamWiring
from tradecore.config import Settings, get_settings
from tradecore.observability import configure_logging, register_secrets

__all__ = ["CRITICAL_COMPONENTS", "Container", "ContainerSlot", "bootstrap", "resolve_settings"]


class Container(
    UpkeepWiring, UserStreamWiring, StreamWiring, AutomationWiring, TradingWiring, MarketWiring, AccountsWiring,
    AuthWiring, RealtimeWiring, AnalysisWiring, ExchangeWiring, HealthWiring, JobsWiring, CoreWiring,
):  # fmt: skip
    """Lazily built adapters and services for one process."""


def resolve_settings(settings: Settings | None = None) -> Settings:
    """The process settings, with unset secrets filled from Secrets Manager when configured."""
    settings = settings or get_settings()
    if settings.app_secrets_arn:
        from tradecore.adapters.aws.secrets import fetch_app_secrets

        settings = settings.with_secrets(fetch_app_secrets(settings.app_secrets_arn, settings.aws_region))
    return settings


def bootstrap(settings: Settings | None = None, **overrides: Any) -> Container:
    """Build the container; keyword overrides replace any provider by attribute name
    (``TypeError`` for a name the container does not have)."""
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
