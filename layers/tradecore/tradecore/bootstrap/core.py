"""Core wiring: settings, the clock, MongoDB and the service-state table every capability shares.

Every other wiring module extends :class:`CoreWiring`, so these providers are the leaves tests
override (``clock=``, ``mongo=``, ``service_state=``, ``breaker_store=``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.config import Settings

if TYPE_CHECKING:
    from tradecore.adapters.mongo.gateway import MongoGateway
    from tradecore.ports import BreakerStore, HealthProbe, ServiceState


class CoreWiring:
    """The shared leaves; adapters are imported inside each provider, so a cold start pays only for
    what its handler uses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def clock(self) -> Callable[[], float]:
        """Wall-clock seconds: the one clock every time rule reads (tests override it)."""
        return time.time

    @cached_property
    def sleep(self) -> Callable[[float], None]:
        """Waiting on the money path (an order not yet visible): tests make it advance their clock."""
        return time.sleep

    @cached_property
    def mongo(self) -> MongoGateway:
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
    def service_state(self) -> ServiceState:
        """Breakers, health, token denylist, throttles: the ServiceStateTable."""
        from tradecore.adapters.aws.service_state import ServiceStateTable

        return ServiceStateTable(self.settings.service_state_table, self.settings.aws_region, clock=self.clock)

    @cached_property
    def breaker_store(self) -> BreakerStore:
        """The circuit breakers' shared state, in the service-state table."""
        from tradecore.adapters.aws.breaker_store import DynamoBreakerStore

        return DynamoBreakerStore(self.settings.service_state_table, self.settings.aws_region)
