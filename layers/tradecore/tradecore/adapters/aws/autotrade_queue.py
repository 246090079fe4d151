"""The AutoTrader's queue (SQS): one message per user and candle signal, sent in batches of ten."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from tradecore.domain.automation import CandleSignal, signal_to_json
from tradecore.errors import DependencyUnavailableError

_BATCH = 10  # SQS's most entries per SendMessageBatch


class SqsAutoTradeQueue:
    def __init__(self, queue_url: str, region: str) -> None:
        self._url = queue_url
        self._region = region
        self._client: Any = None

    def send(self, user_ids: Sequence[str], signal: CandleSignal) -> int:
        """Queue one message per user; how many were queued. Entries SQS refuses are retried once
        in the next batch call, then reported as ``DependencyUnavailableError``."""
        body = signal_to_json(signal)
        sent = 0
        for start in range(0, len(user_ids), _BATCH):
            batch = user_ids[start : start + _BATCH]
            entries = [
                {"Id": str(i), "MessageBody": json.dumps({"user_id": user_id, "signal": body})}
                for i, user_id in enumerate(batch)
            ]
            sent += self._send(entries)
        return sent

    def _send(self, entries: list[dict[str, str]]) -> int:
        try:
            answer = self._sqs().send_message_batch(QueueUrl=self._url, Entries=entries)
            failed = {item["Id"] for item in answer.get("Failed", [])}
            if failed:
                retry = [entry for entry in entries if entry["Id"] in failed]
                answer = self._sqs().send_message_batch(QueueUrl=self._url, Entries=retry)
                if answer.get("Failed"):
                    raise DependencyUnavailableError(
                        f"{len(answer['Failed'])} automated decisions could not be queued", dependency="sqs"
                    )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailableError("The automated trading queue is unavailable", dependency="sqs") from exc
        return len(entries)

    def _sqs(self) -> Any:
        if self._client is None:
            self._client = boto3.client("sqs", region_name=self._region)
        return self._client
