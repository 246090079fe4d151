"""The AutoTrader's SQS queue: users go out in batches of at most ten (several batches at once),
every user exactly once; an entry SQS refuses is retried once; what cannot be queued is reported
as SQS being unavailable, saying how many were queued. A recording client stands in for SQS where
refusals are needed; moto's in-process SQS checks the messages as a worker receives them."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support.automation_fakes import candle_signal
from tradecore.adapters.aws.autotrade_queue import SqsAutoTradeQueue
from tradecore.domain.automation import signal_from_json
from tradecore.errors import DependencyUnavailableError

URL = "https://sqs.us-east-1.amazonaws.com/123456789012/autotrade"
USERS = [f"user-{i:02d}" for i in range(25)]


class _RecordingSqs:
    """SendMessageBatch that records each call's users; ``refuse`` maps a user to how many of
    their sends it answers as Failed; ``down`` makes every call a ClientError."""

    def __init__(self, refuse: dict[str, int] | None = None, *, down: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.queued: list[str] = []
        self._refuse = dict(refuse or {})
        self._down = down
        self._lock = threading.Lock()

    def send_message_batch(self, *, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        assert QueueUrl == URL
        assert len(Entries) <= 10
        users = [json.loads(entry["MessageBody"])["user_id"] for entry in Entries]
        with self._lock:
            self.calls.append(users)
            if self._down:
                raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessageBatch")
            failed = []
            for entry, user in zip(Entries, users, strict=True):
                if self._refuse.get(user, 0) > 0:
                    self._refuse[user] -= 1
                    failed.append({"Id": entry["Id"], "Code": "InternalError", "SenderFault": False})
                else:
                    self.queued.append(user)
        return {"Successful": [], "Failed": failed}


def test_autotrade_queue_sends_25_users_in_three_batches_each_user_once() -> None:
    sqs = _RecordingSqs()

    assert SqsAutoTradeQueue(URL, "us-east-1", client=sqs).send(USERS, candle_signal()) == 25

    assert sorted(len(call) for call in sqs.calls) == [5, 10, 10]
    assert Counter(sqs.queued) == Counter(USERS)


def test_autotrade_queue_retries_a_refused_entry_once_and_queues_it() -> None:
    sqs = _RecordingSqs(refuse={"user-13": 1})

    assert SqsAutoTradeQueue(URL, "us-east-1", client=sqs).send(USERS, candle_signal()) == 25

    assert len(sqs.calls) == 4
    assert ["user-13"] in sqs.calls  # the retry carries only the refused entry
    assert Counter(sqs.queued) == Counter(USERS)


def test_autotrade_queue_entry_refused_twice_is_unavailable_and_counts_the_rest() -> None:
    sqs = _RecordingSqs(refuse={"user-13": 2})

    with pytest.raises(DependencyUnavailableError) as down:
        SqsAutoTradeQueue(URL, "us-east-1", client=sqs).send(USERS, candle_signal())

    assert down.value.dependency == "sqs"
    assert down.value.details == {"queued": 24, "users": 25}
    assert "24 of 25" in down.value.message
    assert Counter(sqs.queued) == Counter(u for u in USERS if u != "user-13")


def test_autotrade_queue_sqs_down_is_unavailable_after_trying_every_batch() -> None:
    sqs = _RecordingSqs(down=True)

    with pytest.raises(DependencyUnavailableError) as down:
        SqsAutoTradeQueue(URL, "us-east-1", client=sqs).send(USERS, candle_signal())

    assert (down.value.dependency, down.value.details) == ("sqs", {"queued": 0, "users": 25})
    assert len(sqs.calls) == 3


def test_autotrade_queue_no_users_makes_no_call() -> None:
    sqs = _RecordingSqs()
    assert SqsAutoTradeQueue(URL, "us-east-1", client=sqs).send([], candle_signal()) == 0
    assert sqs.calls == []


def test_autotrade_queue_messages_carry_each_user_and_the_signal(aws: None) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="autotrade")["QueueUrl"]
    signal = candle_signal("Long", confidence=0.82)

    assert SqsAutoTradeQueue(url, "us-east-1").send(USERS, signal) == 25

    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(message["Body"]) for message in batch]
    assert sorted(body["user_id"] for body in bodies) == USERS
    assert all(signal_from_json(body["signal"]) == signal for body in bodies)
