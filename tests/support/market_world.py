"""The world the market-data and signal route tests run in: MongoDB, the ServiceStateTable on the
moto server, the simulator over sockets, the real AI app on 127.0.0.1, the trade function's real
handler, four users (a viewer, a trader, an admin, another trader), and the exchange client wrapped
so a test can count the calls that reached the simulator."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_JWT_SECRET, TEST_SERVICE_TOKEN, FakeLambdaContext
from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.accounts_world import trade_container
from tests.support.auth import add_user, api_event
from tests.support.servers import MongoServer
from tests.support.trading_world import ai_service, trading_settings
from trade import app as trade_app
from tradecore.bootstrap import Container
from tradecore.config import Settings, load_settings
from tradecore.domain.users import Role

EVENTS = Path(__file__).resolve().parents[2] / "events"
CALLERS = ("viewer", "trader", "admin", "other")


class CountingExchange:
    """The real market-data client; counts each call by method name."""

    def __init__(self, exchange: Any) -> None:
        self._exchange = exchange
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._exchange, name)
        if not callable(attribute):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return attribute(*args, **kwargs)

        return counted


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    request_id: str


@dataclass
class MarketWorld:
    container: Container
    sim: SimServer
    exchange: CountingExchange
    context: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def call(
        self, sample: str, caller: str | None, *, query: str | None = None, body: dict[str, Any] | None = None
    ) -> Answer:
        """Invoke the trade function's real handler with ``events/<sample>.json`` as ``caller``."""
        event = json.loads((EVENTS / f"{sample}.json").read_text())
        event = api_event(event, token=self.tokens[caller] if caller else None, body=body, query=query)
        request_id = f"market-{uuid.uuid4().hex}"
        event["headers"]["x-request-id"] = request_id
        response = trade_app.handler(event, self.context)
        headers = {name.lower(): value for name, value in response["headers"].items()}
        return Answer(response["statusCode"], json.loads(response["body"]), headers, request_id)

    def new_trader(self) -> str:
        """A fresh trader (a window of their own); their token is ``tokens[name]``."""
        name = f"trader-{uuid.uuid4().hex[:6]}"
        user = add_user(self.container, Role.TRADER, email=f"{name}@example.com")
        self.tokens[name] = self.container.token_service.issue(user)
        return name


def _on(settings: Settings, ai_url: str) -> Settings:
    return settings.model_copy(update={"ai_service_url": ai_url})


@contextmanager
def market_world(mongo_server: MongoServer, moto_server: str, sim_server: SimServer) -> Iterator[MarketWorld]:
    """One world for a test module (a database of its own, dropped after)."""
    import pymongo

    mongo_server.start()
    database = f"t_{uuid.uuid4().hex[:12]}"
    base = load_settings(
        jwt_secret=TEST_JWT_SECRET, inter_service_token=TEST_SERVICE_TOKEN, mongodb_uri=mongo_server.uri,
        mongodb_database=database, mongodb_server_selection_timeout_ms=500,
        trading_symbols=["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"],
    )  # fmt: skip
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            settings = trading_settings(base, moto_server, sim_server.url, monkeypatch)
            with ai_service(settings) as ai_url, trade_container(_on(settings, ai_url)) as container:
                exchange = CountingExchange(container.exchange)
                container.__dict__["exchange"] = exchange
                world = MarketWorld(container, sim_server, exchange, FakeLambdaContext(timeout_ms=600_000))
                for caller in CALLERS:
                    role = Role.TRADER if caller == "other" else Role(caller)
                    user = add_user(container, role, email=f"market-{caller}@example.com")
                    world.tokens[caller] = container.token_service.issue(user)
                yield world
    finally:
        client: pymongo.MongoClient = pymongo.MongoClient(mongo_server.uri, serverSelectionTimeoutMS=2000)
        client.drop_database(database)
        client.close()
