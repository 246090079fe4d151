"""The SQS trade outbox (moto server over HTTP): a record put is one message whose body decodes to
exactly that record and whose attributes name the user, the client order id and the version; a
missing or unreachable queue is reported as SQS being unavailable."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from tests.support.servers import free_port
from tests.support.trade_records import full_trade_record
from tradecore.adapters.aws.trade_outbox import SqsTradeOutbox
from tradecore.domain.trade_json import trade_from_json
from tradecore.errors import DependencyUnavailableError

REGION = "us-east-1"


@pytest.fixture
def queue_url(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return boto3.client("sqs", region_name=REGION).create_queue(QueueName=f"outbox-{uuid.uuid4().hex[:10]}")["QueueUrl"]


def receive_all(queue_url: str) -> list[dict]:
    response = boto3.client("sqs", region_name=REGION).receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
    )
    return list(response.get("Messages", []))


def test_trade_outbox_put_sends_one_message_that_decodes_to_the_record(queue_url: str) -> None:
    record = full_trade_record()
    SqsTradeOutbox(queue_url, REGION).put(record)

    (message,) = receive_all(queue_url)
    assert trade_from_json(json.loads(message["Body"])) == record
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes == {"user_id": "u-1", "client_order_id": record.client_order_id, "version": "7"}
    assert message["MessageAttributes"]["version"]["DataType"] == "Number"


def test_trade_outbox_keeps_every_copy_with_its_version(queue_url: str) -> None:
    outbox = SqsTradeOutbox(queue_url, REGION)
    first = full_trade_record(version=1)
    outbox.put(first)
    outbox.put(first.advanced(first.updated_at, reason="filled later"))

    decoded = sorted((trade_from_json(json.loads(m["Body"])) for m in receive_all(queue_url)), key=lambda t: t.version)
    assert [(t.version, t.reason) for t in decoded] == [(1, None), (2, "filled later")]


def test_trade_outbox_missing_queue_is_unavailable(queue_url: str) -> None:
    missing = queue_url.rsplit("/", 1)[0] + "/no-such-queue"
    with pytest.raises(DependencyUnavailableError) as refused:
        SqsTradeOutbox(missing, REGION).put(full_trade_record())
    assert (refused.value.dependency, refused.value.temporary) == ("sqs", False)


def test_trade_outbox_unreachable_sqs_is_temporarily_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nobody listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    outbox = SqsTradeOutbox("http://127.0.0.1/123456789012/outbox", REGION)
    with pytest.raises(DependencyUnavailableError) as refused:
        outbox.put(full_trade_record())
    assert (refused.value.dependency, refused.value.temporary) == ("sqs", True)
