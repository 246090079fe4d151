"""Reconciliation's fan-out and worker through their real handlers: the scheduled job queues one
message per connected user on (moto's in-process) SQS; the worker reconciles each message's user and
reports only the failed ones; the local stack emulates the worker's queue mapping."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from devstack.local.resources import LocalResources
from devstack.local.settings import DevstackSettings
from devstack.local.sqs_mapping import sqs_mappings, sqs_record
from devstack.template.stack import read_stack
from jobs import app as jobs_app
from tradecore.adapters.aws.reconcile_queue import SqsReconcileQueue
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.accounts import ConnectionStatus, ExchangeConnection, KeyPermissions, Network
from tradecore.domain.reconciliation import ReconciliationReport
from tradecore.errors import ConflictError, DependencyUnavailableError

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 25, tzinfo=UTC)
ARN = "arn:aws:sqs:us-east-1:123456789012:reconcile"


def _connection(user_id: str, network: Network = Network.SIMULATOR) -> ExchangeConnection:
    return ExchangeConnection(
        user_id, network, "key", b"secret", True, KeyPermissions(can_trade=True), ConnectionStatus.ACTIVE, T0, T0
    )


class _Listing:
    def __init__(self, *connections: ExchangeConnection) -> None:
        self.connections = list(connections)

    def all_connections(self) -> list[ExchangeConnection]:
        return self.connections


class _Reconciler:
    """Records the users reconciled; ``failing`` users raise as a dependency that is down would."""

    def __init__(self, failing: set[str], gone: set[str]) -> None:
        self.failing, self.gone = failing, gone
        self.users: list[str] = []

    def reconcile_user(self, user_id: str) -> ReconciliationReport:
        self.users.append(user_id)
        if user_id in self.failing:
            raise DependencyUnavailableError("the exchange is unavailable (fake)", dependency="exchange")
        if user_id in self.gone:
            raise ConflictError("no exchange connection")
        return ReconciliationReport("r", user_id, T0, T0)


@pytest.fixture
def queue_url(aws: None) -> str:
    return str(boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="reconcile")["QueueUrl"])


@pytest.fixture
def use_jobs(make_settings: Callable[..., Settings], queue_url: str) -> Iterator[Callable[..., None]]:
    def use(**overrides: Any) -> None:
        jobs_app.use_container(bootstrap(make_settings(reconcile_queue_url=queue_url), **overrides))

    yield use
    jobs_app.use_container(None)


def _received(queue_url: str) -> list[dict[str, Any]]:
    sqs, messages = boto3.client("sqs", region_name="us-east-1"), []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        messages += batch
    return messages


def test_reconcile_job_queues_one_message_per_connected_user(
    use_jobs: Callable[..., None], queue_url: str, load_event: Callable[[str], dict[str, Any]], lambda_context: Any
) -> None:
    users = [_connection(f"u-{i:02d}") for i in range(23)] + [_connection("testnet-user", Network.TESTNET)]
    use_jobs(connection_listing=_Listing(*users))

    result = jobs_app.reconcile(load_event("jobs_reconcile"), lambda_context)

    bodies = [json.loads(message["Body"]) for message in _received(queue_url)]
    assert result == {"job": "reconcile", "queued": 23}
    assert sorted(body["user_id"] for body in bodies) == [f"u-{i:02d}" for i in range(23)]  # another network's: not


def test_reconcile_worker_reports_only_the_failed_users_of_a_batch(
    use_jobs: Callable[..., None], queue_url: str, lambda_context: Any
) -> None:
    SqsReconcileQueue(queue_url, "us-east-1").send(["u-1", "u-2", "u-3", "u-gone"])
    boto3.client("sqs", region_name="us-east-1").send_message(QueueUrl=queue_url, MessageBody="not json")
    messages = _received(queue_url)
    reconciler = _Reconciler(failing={"u-2"}, gone={"u-gone"})
    use_jobs(reconciler=reconciler)

    event = {"Records": [sqs_record(message, ARN, "us-east-1") for message in messages]}
    result = jobs_app.reconcile_worker(event, lambda_context)

    failed_id = next(m["MessageId"] for m in messages if m["Body"] == json.dumps({"user_id": "u-2"}))
    assert result == {"batchItemFailures": [{"itemIdentifier": failed_id}]}  # malformed and gone: dropped
    assert sorted(reconciler.users) == ["u-1", "u-2", "u-3", "u-gone"]


def test_reconcile_queue_reports_how_many_were_queued_when_sqs_is_down() -> None:
    class _Down:
        def send_message_batch(self, **_: Any) -> dict[str, Any]:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    with pytest.raises(DependencyUnavailableError) as down:
        SqsReconcileQueue("https://sqs/q", "us-east-1", client=_Down()).send([f"u-{i}" for i in range(12)])

    assert (down.value.dependency, down.value.details) == ("sqs", {"queued": 0, "users": 12})


def test_reconcile_worker_queue_mapping_is_emulated_by_the_local_stack() -> None:
    stack = read_stack(ROOT / "template.yaml")
    settings = DevstackSettings(
        template=ROOT / "template.yaml", aws_endpoint_url="http://127.0.0.1:4566", stack_name="s"
    )

    mappings = {m.function: m for m in sqs_mappings(stack, LocalResources(stack, settings))}

    worker = mappings["ReconcileWorkerFunction"]
    assert (worker.queue_url, worker.report_failures, worker.enabled) == (
        "http://127.0.0.1:4566/123456789012/s-ReconcileQueue", True, True)  # fmt: skip
