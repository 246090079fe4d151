"""Trading goes on while MongoDB is down (DESIGN.md §5), with the whole server stopped for real:
SecantusDB stopped, moto (KMS, the ServiceStateTable, the IdempotencyTable, the TradeOutbox), the
simulator over sockets. The user's key comes from its copy in the ServiceStateTable, the limits are
the platform's defaults, the records wait in the outbox; once MongoDB returns the outbox drain (the
jobs function's real handler, polled as the local stack polls it) saves each trade exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest

from devstack.local.sqs_mapping import SqsMapping
from jobs import app as jobs_app
from tests.integration.exchange_sim_fixtures import SimServer
from tests.integration.test_outbox_drain_flow import DrainPoller, outbox_mapping, wait_until
from tests.support.auth import add_user
from tests.support.servers import MongoServer
from tests.support.trading_world import TradeApi, trading_container, trading_settings
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.users import Principal, Role
from tradecore.errors import DependencyUnavailableError
from tradecore.services.trading.intent import TradeIntent

BUY = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quote_amount": "100"}


@pytest.fixture
def settings(
    private_mongo_server: MongoServer, make_settings: Callable[..., Settings], moto_server: str,
    sim_server: SimServer, monkeypatch: pytest.MonkeyPatch,
) -> Settings:  # fmt: skip
    mongo = make_settings(mongodb_uri=private_mongo_server.uri, mongodb_database=f"t_{uuid.uuid4().hex[:12]}")
    return trading_settings(mongo, moto_server, sim_server.url, monkeypatch)


@pytest.fixture
def container(settings: Settings) -> Iterator[Container]:
    with trading_container(settings) as c:
        yield c


@pytest.fixture
def jobs_container(settings: Settings) -> Iterator[Container]:
    """The jobs function's own container (another Lambda: its own MongoDB client)."""
    jobs = bootstrap(settings)
    jobs_app.use_container(jobs)
    yield jobs
    jobs_app.use_container(None)


def _queue_empty(settings: Settings) -> bool:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = boto3.client("sqs", region_name="us-east-1").get_queue_attributes(
        QueueUrl=settings.trade_outbox_queue_url, AttributeNames=names
    )
    return all(attributes["Attributes"][name] == "0" for name in names)


def _exchange_orders(container: Container, sim_server: SimServer, user_id: str) -> list[dict[str, Any]]:
    """The user's BTCUSDT orders on the simulator, read with python-binance and their own key."""
    from binance.client import Client

    connection = container.connection_store.get(user_id)
    assert connection is not None
    secret = container.secret_cipher.decrypt(connection.secret_ciphertext, user_id=user_id)
    client = Client(connection.api_key, secret, ping=False)
    client.API_URL = sim_server.url + "/api"
    orders: list[dict[str, Any]] = client.get_all_orders(symbol="BTCUSDT")
    return orders


def test_trade_mongodb_stopped_buy_fills_waits_in_the_outbox_and_is_drained_once(
    container: Container, jobs_container: Container, settings: Settings, private_mongo_server: MongoServer,
    sim_server: SimServer, load_event: Callable[[str], dict[str, Any]], lambda_context: Any,
) -> None:  # fmt: skip
    # GIVEN a trader with a paper account and one trade recorded in MongoDB the normal way
    sim_server.set_price("BTCUSDT", "50000")
    api = TradeApi(load_event, lambda_context)
    user = add_user(container, Role.TRADER)
    token = container.token_service.issue(user)
    assert api.call("trade_account", token)[0] == 200
    assert api.execute(token, BUY)[0] == 200

    # WHEN MongoDB stops and the trader buys, over HTTP and through the same service directly
    private_mongo_server.stop()
    status, body = api.execute(token, BUY)
    principal = Principal(user.user_id, Role.TRADER, "tok", 0.0, 2**31)
    intent = TradeIntent("BTCUSDT", Side.BUY, OrderType.MARKET, quote_amount=Decimal("100"))
    outcome = container.trade_executor.execute(principal, uuid.uuid4().hex, intent)

    # THEN both fill on the simulator, the answers say MongoDB's outage changed them
    assert (status, body["trade"]["status"], body["degraded"]) == (200, "filled", True)
    assert body["degraded_by"]
    assert all(note.startswith("mongodb: ") for note in body["degraded_by"])
    assert (outcome.trade.status.value, outcome.recorded_in.value) == ("filled", "outbox")
    assert outcome.degraded_by  # the default limits, the daily loss unchecked, the outbox
    assert all(note.startswith("mongodb: ") for note in outcome.degraded_by)
    traded = [body["trade"]["client_order_id"], outcome.trade.client_order_id]
    assert not _queue_empty(settings)

    # WHEN MongoDB returns and the drain runs
    private_mongo_server.start()
    mapping = SqsMapping(**{**outbox_mapping().__dict__, "queue_url": settings.trade_outbox_queue_url})
    with DrainPoller(mapping, lambda_context):
        store = jobs_container.trade_store

        def drained() -> bool:
            try:
                found = [store.by_client_order_id(user.user_id, cid) for cid in traded]
            except DependencyUnavailableError:  # MongoDB still coming back
                return False
            return all(trade is not None and trade.status.value == "filled" for trade in found)

        wait_until(drained)
        wait_until(lambda: _queue_empty(settings))

    # THEN each trade is in MongoDB exactly once, and the exchange holds exactly one order for each
    documents = list(jobs_container.mongo.db["trades"].find({"user_id": user.user_id}, {"client_order_id": 1}))
    ids = [document["client_order_id"] for document in documents]
    assert len(ids) == len(set(ids)) == 3
    assert set(traded) <= set(ids)
    on_exchange = [order["clientOrderId"] for order in _exchange_orders(container, sim_server, user.user_id)]
    assert sorted(on_exchange) == sorted(ids)
