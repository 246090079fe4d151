"""One JSON message per user to an SQS queue, in batches of ten, several batches at a time.

A batch call is one round trip (~10-30 ms in AWS), so a thousand users sent one batch after
another cost a hundred round trips in a row; ``_SENDERS`` threads send them side by side over the
one client (boto3 clients are thread-safe, creating one is not; botocore's pool holds 10
connections). Entries SQS refuses are retried once in the next call of that batch.
"""

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


class SqsBatchSender:
    """Sends message bodies to one queue; ``what`` names the queue in errors."""

    def __init__(self, queue_url: str, region: str, *, what: str, client: Any = None) -> None:
        self._url = queue_url
        self._region = region
        self._what = what
        self._client: Any = client

    def send(self, bodies: Sequence[dict[str, Any]]) -> int:
        """Queue every body; how many were queued. ``DependencyUnavailableError`` when any could not
        be (its message and ``details`` say how many were); the batches that went out stay queued."""
        batches = [
            [{"Id": str(i), "MessageBody": json.dumps(body)} for i, body in enumerate(bodies[start : start + _BATCH])]
            for start in range(0, len(bodies), _BATCH)
        ]
        sqs = self._sqs()  # made once, here: creating boto3 clients is not thread-safe, using one is
        if len(batches) <= 1:
            outcomes = [self._send(sqs, batch) for batch in batches]
        else:
            with ThreadPoolExecutor(min(_SENDERS, len(batches)), thread_name_prefix="sqs-send") as pool:
                outcomes = list(pool.map(lambda batch: self._send(sqs, batch), batches))
        sent = sum(queued for queued, _ in outcomes)
        failure = next((error for _, error in outcomes if error is not None), None)
        if failure is not None:
            raise DependencyUnavailableError(
                f"The {self._what} is unavailable ({sent} of {len(bodies)} messages were queued)",
                dependency="sqs", details={"queued": sent, "users": len(bodies)},
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
                    return len(entries) - refused, RuntimeError(f"{refused} messages refused by SQS twice")
        except (BotoCoreError, ClientError) as exc:
            return 0, exc
        return len(entries), None

    def _sqs(self) -> Any:
        if self._client is None:
            self._client = boto3.client("sqs", region_name=self._region)
        return self._client
