"""The local stack polls each SQS queue a function is mapped to (in moto) and invokes the function
with Lambda's SQS event, deleting what succeeded and leaving the rest to the queue's redrive policy."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from devstack.local.provisioning import provision
from devstack.local.resources import LocalResources
from devstack.local.settings import DevstackSettings
from devstack.template.stack import read_stack
from tests.support.devstack import TEST_TEMPLATE, StackHandle, running_local_stack

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@contextmanager
def sqs_stack(moto_server: str, event_dir: Path) -> Iterator[tuple[StackHandle, Any]]:
    """The test template's queues made in moto under a stack name of this test's own, and the
    local stack polling them; yields the stack and an SQS client."""
    stack_name = f"es-{uuid.uuid4().hex[:10]}"
    settings = DevstackSettings(template=TEST_TEMPLATE, aws_endpoint_url=moto_server, stack_name=stack_name)
    provision(LocalResources(read_stack(TEST_TEMPLATE), settings), {"AWS_ENDPOINT_URL": moto_server, **CREDENTIALS}, {})
    sqs = boto3.client(
        "sqs",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    base_env = {"EVENT_LOG_DIR": str(event_dir), **CREDENTIALS}
    with running_local_stack(base_env=base_env, aws_endpoint_url=moto_server, stack_name=stack_name) as handle:
        yield handle, sqs


def queue_url(handle: StackHandle, logical_id: str) -> str:
    return str(handle.stack.resources.resolve({"Ref": logical_id}, "test"))


def deliveries(event_dir: Path) -> list[dict[str, Any]]:
    """The events the consumer function recorded, in delivery order."""
    return [json.loads(path.read_text()) for path in sorted(event_dir.glob("sqs-*.json"))]


def records_of(event_dir: Path) -> list[dict[str, Any]]:
    return [record for delivery in deliveries(event_dir) for record in delivery["event"]["Records"]]


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not true within {timeout} s: {condition}")


def queue_counts(sqs: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages of the queue."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]])


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"])
    return list(messages.get("Messages") or [])


def test_event_sources_deliver_a_sent_message_as_lambdas_sqs_event(moto_server: str, tmp_path: Path) -> None:
    with sqs_stack(moto_server, tmp_path) as (handle, sqs):
        url = queue_url(handle, "OrdersQueue")
        sent = sqs.send_message(
            QueueUrl=url,
            MessageBody='{"order": 1}',
            MessageAttributes={
                "kind": {"DataType": "String", "StringValue": "order"},
                "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
            },
        )
        wait_until(lambda: bool(records_of(tmp_path)))
        wait_until(lambda: queue_counts(sqs, url) == (0, 0))  # deleted after the successful invocation
        stack_name = handle.settings.stack_name
    [delivery] = deliveries(tmp_path)
    [record] = delivery["event"]["Records"]
    assert set(delivery["event"]) == {"Records"}
    assert record["messageId"] == sent["MessageId"]
    assert record["body"] == '{"order": 1}'
    assert record["md5OfBody"] == hashlib.md5(b'{"order": 1}').hexdigest()  # noqa: S324 - SQS's checksum
    assert record["receiptHandle"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == f"arn:aws:sqs:us-east-1:123456789012:{stack_name}-OrdersQueue"
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"] == {
        "kind": {"stringValue": "order", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "blob": {
            "binaryValue": base64.b64encode(b"\x00\x01").decode(),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        },
    }


def test_event_sources_delete_all_but_the_reported_failure_which_is_redriven(moto_server: str, tmp_path: Path) -> None:
    with sqs_stack(moto_server, tmp_path) as (handle, sqs):
        url, dead_letters = queue_url(handle, "OrdersQueue"), queue_url(handle, "OrdersDeadLetterQueue")
        entries = [{"Id": body, "MessageBody": body} for body in ("ok-1", "fail", "ok-2")]
        ids = {
            entry["Id"]: entry["MessageId"]
            for entry in sqs.send_message_batch(QueueUrl=url, Entries=entries)["Successful"]
        }
        # the failed one comes back after the visibility timeout (1 s); after maxReceiveCount (2) it moves
        wait_until(lambda: queue_counts(sqs, dead_letters)[0] == 1)
        wait_until(lambda: queue_counts(sqs, url) == (0, 0))
        [dead] = drain(sqs, dead_letters)
    assert (dead["MessageId"], dead["Body"]) == (ids["fail"], "fail")
    received = [(record["body"], record["attributes"]["ApproximateReceiveCount"]) for record in records_of(tmp_path)]
    assert sorted(received) == [("fail", "1"), ("fail", "2"), ("ok-1", "1"), ("ok-2", "1")]


def test_event_sources_delete_nothing_when_the_function_raises(moto_server: str, tmp_path: Path) -> None:
    with sqs_stack(moto_server, tmp_path) as (handle, sqs):
        url, dead_letters = queue_url(handle, "OrdersQueue"), queue_url(handle, "OrdersDeadLetterQueue")
        entries = [{"Id": body, "MessageBody": body} for body in ("keep", "raise")]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
        wait_until(lambda: queue_counts(sqs, dead_letters)[0] == 2)
        dead = sorted(message["Body"] for message in drain(sqs, dead_letters))
    assert dead == ["keep", "raise"]  # "keep" was processed but not deleted: the invocation failed
    batches = [sorted(record["body"] for record in d["event"]["Records"]) for d in deliveries(tmp_path)]
    assert batches == [["keep", "raise"], ["keep", "raise"]]


def test_event_sources_never_poll_a_disabled_mapping(moto_server: str, tmp_path: Path) -> None:
    with sqs_stack(moto_server, tmp_path) as (handle, sqs):
        sources = handle.stack.event_sources
        assert {m.name: m.enabled for m in sources.mappings} == {
            "OrdersConsumerFunctionOrders": True,
            "PausedConsumerFunctionPaused": False,
        }
        url = queue_url(handle, "PausedQueue")
        sqs.send_message(QueueUrl=url, MessageBody="waiting")
        wait_until(lambda: sources.pollers["OrdersConsumerFunctionOrders"].polls >= 2)  # the enabled one runs
        time.sleep(1.5)
        assert queue_counts(sqs, url) == (1, 0)
        [message] = drain(sqs, url)
    assert set(sources.pollers) == {"OrdersConsumerFunctionOrders"}
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"  # nobody received it before us
    assert not deliveries(tmp_path)
