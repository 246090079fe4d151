"""The reconciliation queue (SQS): one ``{"user_id"}`` message per user, sent in batches of ten,
several batches at a time over the one client (boto3 clients are thread-safe), as the AutoTrader's
queue does. Entries SQS refuses are retried once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from tradecore.errors import DependencyUnavailableError

_BATCH = 10  # SQS's most entries per SendMessageBatch
_SENDERS = 8  # batch calls in flight at once: within botocore's default pool of 10 connections


class SqsReconcileQueue:
    """The :class:`~tradecore.ports.jobs.ReconcileQueue` port over SQS."""

    def __init__(self, queue_url: str, region: str, *, client: Any = None) -> None:
        self._url = queue_url
        self._region = region
        self._client: Any = client

    def send(self, user_ids: Sequence[str]) -> int:
        """Queue one message per user; how many were queued. ``DependencyUnavailableError`` (saying
        how many were queued) when any could not be."""
        batches = [
            [{"Id": str(i), "MessageBody": json.dumps({"user_id": user_id})}
             for i, user_id in enumerate(user_ids[start : start + _BATCH])]
            for start in range(0, len(user_ids), _BATCH)
        ]  # fmt: skip
        sqs = self._sqs()  # made once, here: creating boto3 clients is not thread-safe, using one is
        with ThreadPoolExecutor(max(1, min(_SENDERS, len(batches))), thread_name_prefix="reconcile-send") as pool:
            outcomes = list(pool.map(lambda batch: self._send(sqs, batch), batches))
        sent = sum(queued for queued, _ in outcomes)
        failure = next((error for _, error in outcomes if error is not None), None)
        if failure is not None:
            raise DependencyUnavailableError(
                f"The reconciliation queue is unavailable ({sent} of {len(user_ids)} users were queued)",
                dependency="sqs", details={"queued": sent, "users": len(user_ids)},
            ) from failure  # fmt: skip
        return sent

    def _send(self, sqs: Any, entries: list[dict[str, str]]) -> tuple[int, Exception | None]:
        """How many of ``entries`` were queued, and the error that kept the rest out."""
        try:
            answer = sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
            failed = {item["Id"] for item in answer.get("Failed", [])}
            if failed:
                retry = [entry for entry in entries if entry["Id"] in failed]
                answer = sqs.send_message_batch(QueueUrl=self._url, Entries=retry)
                refused = len(answer.get("Failed", []))
                if refused:
                    return len(entries) - refused, RuntimeError(f"{refused} messages refused by SQS")
        except (BotoCoreError, ClientError) as exc:
            return 0, exc
        return len(entries), None

    def _sqs(self) -> Any:
        if self._client is None:
            self._client = boto3.client("sqs", region_name=self._region)
        return self._client
