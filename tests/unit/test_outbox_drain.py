"""The outbox drain through its real handler (SQS event, partial batch failures): each record copy is
saved to the store, which keeps the newest; MongoDB down or a body that is not a trade record fails
only that item, so SQS delivers it again (and finally keeps it in the dead-letter queue)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from jobs import app as jobs_app
from tests.support.trade_records import full_trade_record
from tests.support.trading_fakes import InMemoryTradeStore
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.trade_json import trade_to_json
from tradecore.domain.trades import TradeRecord
from tradecore.errors import DependencyUnavailableError, InvalidInputError
from tradecore.services.jobs.outbox_drain import DrainOutcome, OutboxDrain


def body_of(trade: TradeRecord) -> str:
    return json.dumps(trade_to_json(trade))


def sqs_event(bodies: list[str]) -> dict[str, Any]:
    return {"Records": [
        {"messageId": f"m-{i}", "receiptHandle": f"r-{i}", "body": body, "attributes": {}, "messageAttributes": {},
         "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:outbox",
         "awsRegion": "us-east-1"}
        for i, body in enumerate(bodies)
    ]}  # fmt: skip


class FlakyStore(InMemoryTradeStore):
    """Down for the client order ids in ``down_for`` (MongoDB lost mid-batch)."""

    def __init__(self) -> None:
        super().__init__()
        self.down_for: set[str] = set()

    def save(self, trade: TradeRecord) -> bool:
        if trade.client_order_id in self.down_for:
            raise DependencyUnavailableError("MongoDB is unavailable (fake)", dependency="mongodb")
        return super().save(trade)


@pytest.fixture
def store(make_settings: Callable[..., Settings]) -> Iterator[FlakyStore]:
    store = FlakyStore()
    jobs_app.use_container(bootstrap(make_settings(), trade_store=store))
    yield store
    jobs_app.use_container(None)


def test_outbox_drain_saves_copies_in_any_order_keeping_the_newest(store: FlakyStore, lambda_context: Any) -> None:
    v1 = full_trade_record(version=1)
    v2 = replace(v1, version=2, reason="filled later")
    other = replace(full_trade_record(version=1), id="t-2", client_order_id="tc-other")

    response = jobs_app.outbox_drain(sqs_event([body_of(v2), body_of(v1), body_of(other), body_of(v2)]), lambda_context)

    assert response == {"batchItemFailures": []}
    assert store.trades == {v1.client_order_id: v2, "tc-other": other}
    assert store.saved == [v2, other]  # the older and the repeated copy changed nothing


def test_outbox_drain_fails_only_the_items_mongodb_did_not_take(store: FlakyStore, lambda_context: Any) -> None:
    kept = full_trade_record(version=1)
    lost = replace(kept, id="t-2", client_order_id="tc-lost")
    store.down_for.add("tc-lost")

    response = jobs_app.outbox_drain(sqs_event([body_of(kept), body_of(lost), "not json"]), lambda_context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
    assert set(store.trades) == {kept.client_order_id}

    store.down_for.clear()  # MongoDB is back: SQS delivers the failed copy again
    assert jobs_app.outbox_drain(sqs_event([body_of(lost)]), lambda_context) == {"batchItemFailures": []}
    assert store.trades["tc-lost"] == lost


def test_outbox_drain_reports_whether_the_copy_changed_the_store() -> None:
    drain = OutboxDrain(InMemoryTradeStore())
    record = full_trade_record(version=3)
    assert drain.drain(body_of(record)) is DrainOutcome.SAVED
    assert drain.drain(body_of(record)) is DrainOutcome.UNCHANGED
    assert drain.drain(body_of(replace(record, version=2))) is DrainOutcome.UNCHANGED


@pytest.mark.parametrize("body", ["not json", "[]", json.dumps({"id": "t-1"}), "null"])
def test_outbox_drain_refuses_a_body_that_is_not_a_trade_record(body: str) -> None:
    with pytest.raises(InvalidInputError):
        OutboxDrain(InMemoryTradeStore()).drain(body)
