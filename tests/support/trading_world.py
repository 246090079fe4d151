"""The world the trade-flow tests run in: the accounts world (MongoDB, the ServiceStateTable and
KMS key on the moto server, the simulator) plus a fresh IdempotencyTable and TradeOutbox queue, the
real AI app served on 127.0.0.1, and helpers to call the trade function's real handler."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from ai import app as ai_app
from tests.support.accounts_world import accounts_settings, trade_container
from tests.support.asgi_server import AsgiServer
from tests.support.auth import api_event
from tests.support.messages import RecordingPublisher
from trade import app as trade_app
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.trade_json import trade_from_json
from tradecore.domain.trades import TradeRecord

REGION = "us-east-1"


def trading_settings(
    mongo_settings: Settings, moto_server: str, simulator_url: str, monkeypatch: pytest.MonkeyPatch, **extra: Any
) -> Settings:
    """Accounts settings plus their own IdempotencyTable and TradeOutbox queue on the moto server."""
    import boto3

    settings = accounts_settings(mongo_settings, moto_server, simulator_url, monkeypatch)
    table = f"idem-{uuid.uuid4().hex[:10]}"
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName=f"outbox-{uuid.uuid4().hex[:10]}")
    update = {"idempotency_table": table, "trade_outbox_queue_url": queue["QueueUrl"], **extra}
    return settings.model_copy(update=update)


def outbox_records(settings: Settings) -> list[TradeRecord]:
    """Every trade record waiting in the outbox (received and left there: visibility 0)."""
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    records: list[TradeRecord] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=settings.trade_outbox_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30
        ).get("Messages", [])
        if not batch:
            return records
        records.extend(trade_from_json(json.loads(message["Body"])) for message in batch)


@contextmanager
def ai_service(settings: Settings) -> Iterator[str]:
    """The real AI app (technical analysis, no OpenAI key) served on 127.0.0.1; yields its URL."""
    container = bootstrap(settings)
    ai_app.app.state.container = container
    try:
        with AsgiServer(ai_app.app) as server:
            yield server.base_url
    finally:
        container.analysis_service.pending.close()
        ai_app.app.state.container = None


@contextmanager
def trading_container(settings: Settings) -> Iterator[Container]:
    """The trade function's container on ``settings`` with the real AI app served on 127.0.0.1 and
    every message to users and channels recorded (``RecordingPublisher``) instead of posted."""
    with ai_service(settings) as ai_url, trade_container(settings.model_copy(update={"ai_service_url": ai_url})) as c:
        messages = RecordingPublisher()
        c.__dict__["user_notifier"] = messages
        c.__dict__["channel_publisher"] = messages
        yield c


@dataclass
class TradeApi:
    """Calls the trade function's real Lambda handler with sample API Gateway events."""

    events: Any  # load_event
    context: Any  # the Lambda context

    def call(
        self, sample: str, token: str | None, *, body: dict[str, Any] | None = None, path: str | None = None,
        query: str | None = None, key: str | None = None,
    ) -> tuple[int, dict[str, Any]]:  # fmt: skip
        event = api_event(self.events(sample), token=token, body=body, path=path, query=query)
        event["headers"].pop("idempotency-key", None)
        if key is not None:
            event["headers"]["idempotency-key"] = key
        if path is not None:
            method = event["requestContext"]["http"]["method"]
            event["routeKey"] = f"{method} {path}"
        response = trade_app.handler(event, self.context)
        return response["statusCode"], json.loads(response["body"])

    def execute(self, token: str, body: dict[str, Any], key: str | None = None) -> tuple[int, dict[str, Any]]:
        return self.call("trade_execute", token, body=body, key=key or uuid.uuid4().hex)
