"""The chaos test's world: one for all scenarios (users are distinct per scenario), on the session's
SecantusDB, moto server and simulator, with the real AI app served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.chaos.world import ChaosWorld
from tests.integration.exchange_sim_fixtures import SimServer, sim_server
from tests.support.servers import MongoServer, free_port
from tests.support.trading_world import ai_service, trading_settings
from tradecore.config import Settings

__all__ = ["sim_server"]


@pytest.fixture
def chaos_world(
    mongo_server: MongoServer, mongo_settings: Settings, moto_server: str, sim_server: SimServer,
    monkeypatch: pytest.MonkeyPatch, load_event: Callable[[str], dict[str, Any]],
) -> Iterator[ChaosWorld]:  # fmt: skip
    sim_server.set_price("BTCUSDT", "50000")  # fixed: protective orders (40,000 / 65,000) never trigger
    settings = trading_settings(
        mongo_settings, moto_server, sim_server.url, monkeypatch,
        binance_order_lookup_deadline_seconds=0.6, binance_retry_base_seconds=0.05,
        ai_retry_delays_seconds=[0.05, 0.1],
    )  # fmt: skip
    with ai_service(settings) as ai_url:
        world = ChaosWorld(
            settings.model_copy(update={"ai_service_url": ai_url}), sim_server, mongo_server, load_event,
            dead_ai_url=f"http://127.0.0.1:{free_port()}",
        )  # fmt: skip
        world.container().migrate()
        try:
            yield world
        finally:
            sim_server.admin("DELETE", "/sim/faults")
