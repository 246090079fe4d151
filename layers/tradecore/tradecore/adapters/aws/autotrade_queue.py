"""The AutoTrader's queue (SQS): one message per user and candle signal, sent in batches of ten,
several batches at a time.

A batch call is one round trip (~10-30 ms in AWS), so a thousand users sent one batch after
another cost a hundred round trips in a row; ``_SENDERS`` threads send them side by side over the
one client (boto3 clients are thread-safe; botocore's pool holds 10 connections).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from tradecore.domain.automation import CandleSignal, signal_to_json
from tradecore.errors import DependencyUnavailableError

_BATCH = 10  # SQS's most entries per SendMessageBatch
_SENDERS = 8  # batch calls in flight at once: within botocore's default pool of 10 connections


class SqsAutoTradeQueue:
    def __init__(self, queue_url: str, region: str, *, client: Any = None) -> None:
        self._url = queue_url
        self._region = region
        self._client: Any = client

    def send(self, user_ids: Sequence[str], signal: CandleSignal) -> int:
        """Queue one message per user; how many were queued. Entries SQS refuses are retried once
        in the next batch call. ``DependencyUnavailableError`` when any user's message could not
        be queued (its message says how many were); the batches that went out stay queued, and a
        second send of the same signal is harmless (a decision is made once per user and candle)."""
        body = signal_to_json(signal)
        batches = [
            [
                {"Id": str(i), "MessageBody": json.dumps({"user_id": user_id, "signal": body})}
                for i, user_id in enumerate(user_ids[start : start + _BATCH])
            ]
            for start in range(0, len(user_ids), _BATCH)
        ]
        sqs = self._sqs()  # made once, here: creating boto3 clients is not thread-safe, using one is
        if len(batches) <= 1:
            outcomes = [self._outcome(sqs, batch) for batch in batches]
        else:
            with ThreadPoolExecutor(min(_SENDERS, len(batches)), thread_name_prefix="autotrade-send") as pool:
                outcomes = list(pool.map(lambda batch: self._outcome(sqs, batch), batches))
        sent = sum(count for count, _ in outcomes)
        failure = next((error for _, error in outcomes if error is not None), None)
        if failure is not None:
            raise DependencyUnavailableError(
                f"{failure.message} ({sent} of {len(user_ids)} automated decisions were queued)",
                dependency="sqs", temporary=failure.temporary, details={"queued": sent, "users": len(user_ids)},
            ) from failure  # fmt: skip
        return sent

    def _outcome(self, sqs: Any, entries: list[dict[str, str]]) -> tuple[int, DependencyUnavailableError | None]:
        """How many of ``entries`` were queued, and why the rest were not."""
        try:
            return self._send(sqs, entries), None
        except DependencyUnavailableError as exc:
            return int(exc.details.get("queued", 0)), exc

    def _send(self, sqs: Any, entries: list[dict[str, str]]) -> int:
        try:
            answer = sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            failed = {item["Id"] for item in answer.get("Failed", [])}
            if failed:
                retry = [entry for entry in entries if entry["Id"] in failed]
                answer = sqs.send_message_batch(QueueUrl=self._url, Entries=retry)
                if answer.get("Failed"):
                    raise DependencyUnavailableError(
                        f"{len(answer['Failed'])} automated decisions could not be queued", dependency="sqs",
                        details={"queued": len(entries) - len(answer["Failed"])},
                    )  # fmt: skip
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailableError("The automated trading queue is unavailable", dependency="sqs") from exc
        return len(entries)

    def _sqs(self) -> Any:
        if self._client is None:
            self._client = boto3.client("sqs", region_name=self._region)
        return self._client
