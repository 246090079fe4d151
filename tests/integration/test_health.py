"""Health through the real Mangum handler, against a real MongoDB-protocol server."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ai import app as ai_app
from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.servers import MongoServer, free_port
from trade import app as trade_app
from tradecore.adapters.mongo.migrations import LATEST_VERSION
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.health import ComponentHealth, HealthStatus


class Healthy:
    def __init__(self, name: str) -> None:
        self.name = name

    def check(self) -> ComponentHealth:
        return ComponentHealth(self.name, HealthStatus.OK)


# The AI service, the exchange and the stream task are checked elsewhere; here they answer ok.
PEERS = {
    "ai_health_probe": Healthy("ai"),
    "exchange_probe": Healthy("binance"),
    "stream_health_probe": Healthy("stream"),
}


@pytest.fixture(params=[(trade_app, "api_health"), (ai_app, "ai_health")], ids=["core", "ai"])
def health_function(request: pytest.FixtureRequest) -> Any:
    module, event_name = request.param
    yield module, event_name
    module.app.state.container = None


def _invoke(module: Any, event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = module.handler(event, context)
    return response["statusCode"], json.loads(response["body"]), response["headers"]


def test_health_is_200_with_mongodb_up(
    health_function: Any, mongo_settings: Settings, load_event: Callable[[str], dict[str, Any]], lambda_context: Any
) -> None:
    module, event_name = health_function
    container = bootstrap(mongo_settings, **PEERS)
    container.migrate()
    module.app.state.container = container
    status, body, headers = _invoke(module, load_event(event_name), lambda_context)
    assert status == 200
    assert body["components"]["mongodb"]["status"] == "ok"
    assert body["components"]["mongodb"]["schema_version"] >= 1
    assert body["status"] == "ok"
    assert headers["x-request-id"] == load_event(event_name)["headers"]["x-request-id"]


def test_health_is_503_naming_mongodb_when_it_is_stopped(
    health_function: Any,
    private_mongo_server: MongoServer,
    make_settings: Callable[..., Settings],
    load_event: Callable[[str], dict[str, Any]],
    lambda_context: Any,
) -> None:
    module, event_name = health_function
    module.app.state.container = bootstrap(make_settings(mongodb_uri=private_mongo_server.uri), **PEERS)
    assert _invoke(module, load_event(event_name), lambda_context)[0] == 200

    private_mongo_server.stop()
    status, body, _ = _invoke(module, load_event(event_name), lambda_context)
    assert status == 503
    assert body["status"] == "down"
    assert body["components"]["mongodb"]["status"] == "down"

    private_mongo_server.start()
    assert _invoke(module, load_event(event_name), lambda_context)[0] == 200


def test_health_reports_pending_migrations_as_degraded(
    mongo_settings: Settings, load_event: Callable[[str], dict[str, Any]], lambda_context: Any
) -> None:
    trade_app.app.state.container = bootstrap(mongo_settings, **PEERS)
    try:
        status, body, _ = _invoke(trade_app, load_event("api_health"), lambda_context)
    finally:
        trade_app.app.state.container = None
    assert status == 200
    assert body["components"]["mongodb"] == {
        "status": "degraded",
        "detail": "schema migrations pending",
        "schema_version": 0,
        "schema_latest": LATEST_VERSION,
    }


def test_core_health_checks_the_exchange_and_degrades_without_it(
    sim_server: SimServer,
    mongo_settings: Settings,
    load_event: Callable[[str], dict[str, Any]],
    lambda_context: Any,
) -> None:
    def binance_status(simulator_url: str) -> tuple[int, dict[str, Any]]:
        settings = mongo_settings.model_copy(update={"binance_simulator_url": simulator_url})
        container = bootstrap(settings, ai_health_probe=Healthy("ai"))
        container.migrate()
        trade_app.app.state.container = container
        try:
            status, body, _ = _invoke(trade_app, load_event("api_health"), lambda_context)
        finally:
            trade_app.app.state.container = None
        return status, body

    status, body = binance_status(sim_server.url)
    assert status == 200
    assert body["components"]["binance"]["status"] == "ok"
    assert body["components"]["binance"]["mode"] == "simulator"

    status, body = binance_status(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    assert status == 200  # trading data is unavailable, but the API itself still serves
    assert body["components"]["binance"]["status"] == "down"
    assert body["status"] == "degraded"
