"""The outbox drain end to end: trades run while their store is unreachable, so their records wait in
the TradeOutbox (moto SQS); the local stack's SQS event source emulation (devstack) polls the queue
with the template's own mapping and invokes the jobs function's real handler with a container of its
own. While MongoDB (SecantusDB) is stopped nothing is saved (the items fail and come back); once it
returns every record is saved, the newest version of each, exactly once.

Here the trades' own outage is the store's alone (as in test_trade_flow.py), which keeps each
trade quick; test_trade_mongodb_stopped.py trades with the whole server stopped (the user's
exchange connection then comes from its copy in the ServiceStateTable)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from devstack.local.event_sources import SqsPoller
from devstack.local.resources import LocalResources
from devstack.local.settings import DevstackSettings
from devstack.local.sqs_mapping import SqsMapping, sqs_mappings
from devstack.template.stack import read_stack
from jobs import app as jobs_app
from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.auth import add_user
from tests.support.servers import MongoServer
from tests.support.trading_world import TradeApi, trading_container, trading_settings
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.users import Role
from tradecore.errors import DependencyUnavailableError

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
BUY = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quote_amount": "100"}


def outbox_mapping() -> SqsMapping:
    """The OutboxDrainFunction's event source mapping as the local stack reads it from template.yaml."""
    stack = read_stack(TEMPLATE)
    settings = DevstackSettings(template=TEMPLATE, aws_endpoint_url="http://127.0.0.1:1", stack_name="t")
    (mapping,) = [
        m for m in sqs_mappings(stack, LocalResources(stack, settings)) if m.function == "OutboxDrainFunction"
    ]
    return mapping


class StoreDown:
    """The trade function's trade store while MongoDB cannot be reached: every call fails."""

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            raise DependencyUnavailableError("MongoDB is unavailable", dependency="mongodb")

        return call


@dataclass
class Outcome:
    """What the local stack's invoker answers (ok, the handler's result or its error)."""

    ok: bool
    result: Any = None
    error: str | None = None


class DrainPoller:
    """The local stack's poller for the outbox, in a thread of its own, invoking the real handler."""

    def __init__(self, mapping: SqsMapping, context: Any) -> None:
        self.context = context
        self.client = boto3.client("sqs", region_name="us-east-1")
        self.poller = SqsPoller(mapping, lambda: self.client, self._invoke, "us-east-1", self._blocking)
        self.failed_invocations = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._task: Any = None

    async def _blocking(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    async def _invoke(self, function: str, event: dict[str, Any]) -> Outcome:
        try:
            result = await self._blocking(jobs_app.outbox_drain, event, self.context)
        except Exception as exc:  # noqa: BLE001 - every record failed: Powertools raises, Lambda reports an error
            self.failed_invocations += 1
            return Outcome(ok=False, error=type(exc).__name__)
        if result.get("batchItemFailures"):
            self.failed_invocations += 1
        return Outcome(ok=True, result=result)

    def __enter__(self) -> DrainPoller:
        self._thread.start()
        self._task = asyncio.run_coroutine_threadsafe(self.poller.run(), self._loop)
        return self

    def __exit__(self, *exc: object) -> None:
        self._task.cancel()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not true within {timeout} s")


@pytest.fixture
def settings(
    private_mongo_server: MongoServer, make_settings: Callable[..., Settings], moto_server: str,
    sim_server: SimServer, monkeypatch: pytest.MonkeyPatch,
) -> Settings:  # fmt: skip
    mongo = make_settings(mongodb_uri=private_mongo_server.uri, mongodb_database=f"t_{uuid.uuid4().hex[:12]}")
    settings = trading_settings(mongo, moto_server, sim_server.url, monkeypatch)
    # failed items come back after the visibility timeout: 1 s here, so the test sees the retry
    boto3.client("sqs", region_name="us-east-1").set_queue_attributes(
        QueueUrl=settings.trade_outbox_queue_url, Attributes={"VisibilityTimeout": "1"}
    )
    return settings


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


def test_outbox_drain_mapping_is_the_template_one_the_local_stack_polls() -> None:
    mapping = outbox_mapping()
    assert (mapping.batch_size, mapping.report_failures, mapping.enabled) == (10, True, True)
    assert mapping.queue_arn.endswith("t-TradeOutbox")


def test_outbox_drain_mongodb_down_during_trades_records_drained_once_after_it_returns(
    container: Container, jobs_container: Container, settings: Settings, private_mongo_server: MongoServer,
    sim_server: SimServer, load_event: Callable[[str], dict[str, Any]], lambda_context: Any,
) -> None:  # fmt: skip
    # GIVEN a trader with one trade recorded in MongoDB the normal way
    sim_server.set_price("BTCUSDT", "50000")
    api = TradeApi(load_event, lambda_context)
    user = add_user(container, Role.TRADER)
    token = container.token_service.issue(user)
    assert api.call("trade_account", token)[0] == 200
    assert api.execute(token, BUY)[0] == 200

    # WHEN the trade store cannot be reached while the trader keeps trading
    container.__dict__["trade_store"] = StoreDown()
    for built_on_it in ("trade_journal", "order_desk", "trade_executor"):
        container.__dict__.pop(built_on_it, None)
    answers = [api.execute(token, BUY) for _ in range(3)]
    assert [(status, body["trade"]["status"], body["degraded"]) for status, body in answers] == [
        (200, "filled", True)
    ] * 3
    traded = [body["trade"]["client_order_id"] for _, body in answers]

    # AND MongoDB is stopped when the drain starts polling
    private_mongo_server.stop()
    mapping = SqsMapping(**{**outbox_mapping().__dict__, "queue_url": settings.trade_outbox_queue_url})
    with DrainPoller(mapping, lambda_context) as drain:
        # THEN the drain cannot save them yet: the items fail and SQS delivers them again
        wait_until(lambda: drain.failed_invocations >= 2)
        # WHEN MongoDB returns THEN every record is drained, the newest version of each
        private_mongo_server.start()
        store = jobs_container.trade_store

        def drained() -> bool:
            try:
                found = [store.by_client_order_id(user.user_id, cid) for cid in traded]
            except DependencyUnavailableError:  # MongoDB still coming back
                return False
            return all(trade is not None and trade.status.value == "filled" for trade in found)

        wait_until(drained)
        sqs = boto3.client("sqs", region_name="us-east-1")

        def queue_empty() -> bool:
            names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            attributes = sqs.get_queue_attributes(QueueUrl=settings.trade_outbox_queue_url, AttributeNames=names)
            return all(attributes["Attributes"][name] == "0" for name in names)

        wait_until(queue_empty)

    documents = list(jobs_container.mongo.db["trades"].find({"user_id": user.user_id}, {"client_order_id": 1}))
    ids = [document["client_order_id"] for document in documents]
    assert len(ids) == len(set(ids)) == 1 + len(traded)  # no duplicates, nothing lost
