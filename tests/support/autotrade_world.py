"""The AutoTrader's world for integration tests: its own AutoTradeQueue on the moto server, a trade
container the worker (``jobs.app.autotrade``) runs in, the worker fed SQS events built from the
messages moto delivers, and each user's orders as the exchange itself lists them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from devstack.local.sqs_mapping import sqs_record
from jobs import app as jobs_app
from tests.support.auth import FastPasswordHasher
from tests.support.messages import RecordingPublisher
from tests.support.trading_world import REGION
from trade import app as trade_app
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings


def with_autotrade_queue(settings: Settings) -> Settings:
    """``settings`` with a fresh AutoTradeQueue on the moto server."""
    import boto3

    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName=f"autotrade-{uuid.uuid4().hex[:10]}")
    return settings.model_copy(update={"autotrade_queue_url": queue["QueueUrl"]})


@contextmanager
def autotrade_container(settings: Settings, **overrides: Any) -> Iterator[Container]:
    """A migrated container serving the trade function's handler and the jobs worker while the block
    runs; WebSocket messages are recorded, not sent. ``overrides`` go to ``bootstrap`` (``clock=``)."""
    messages = RecordingPublisher()
    container = bootstrap(
        settings, password_hasher=FastPasswordHasher(), user_notifier=messages, channel_publisher=messages,
        **overrides,
    )  # fmt: skip
    container.migrate()
    trade_app.app.state.container = container
    jobs_app.use_container(container)
    try:
        yield container
    finally:
        jobs_app.use_container(None)
        trade_app.app.state.container = None


def received(settings: Settings) -> list[dict[str, Any]]:
    """Every message now in the queue (received, so invisible for 30 s as Lambda's poller leaves them)."""
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=settings.autotrade_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30
    ).get("Messages", []):
        messages.extend(batch)
    return messages


def run_worker(settings: Settings, messages: list[dict[str, Any]], lambda_context: Any) -> list[dict[str, str]]:
    """The worker on the messages in batches of 10, as the event source mapping invokes it; the failures."""
    arn = f"arn:aws:sqs:{REGION}:123456789012:{str(settings.autotrade_queue_url).rsplit('/', 1)[-1]}"
    failures: list[dict[str, str]] = []
    for start in range(0, len(messages), 10):
        event = {"Records": [sqs_record(m, arn, REGION) for m in messages[start : start + 10]]}
        failures += jobs_app.autotrade(event, lambda_context)["batchItemFailures"]
    return failures


def exchange_orders(simulator_url: str, container: Container, user_id: str, symbol: str = "BTCUSDT") -> list[Any]:
    """The user's orders as the exchange lists them, through their own python-binance client."""
    from binance.client import Client

    connection = container.connection_store.get(user_id)
    assert connection is not None
    secret = container.secret_cipher.decrypt(connection.secret_ciphertext, user_id=user_id)
    client = Client(connection.api_key, secret, ping=False)
    client.API_URL = simulator_url + "/api"
    orders: list[Any] = client.get_all_orders(symbol=symbol)
    return orders
