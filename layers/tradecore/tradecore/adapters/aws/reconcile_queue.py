"""The reconciliation queue (SQS): one ``{"user_id"}`` message per user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tradecore.adapters.aws.sqs_batches import SqsBatchSender


class SqsReconcileQueue:
    """The :class:`~tradecore.ports.jobs.ReconcileQueue` port over SQS."""

    def __init__(self, queue_url: str, region: str, *, client: Any = None) -> None:
        self._sender = SqsBatchSender(queue_url, region, what="reconciliation queue", client=client)

    def send(self, user_ids: Sequence[str]) -> int:
        """Queue one message per user; how many were queued. ``DependencyUnavailableError`` (saying
        how many were queued) when any could not be."""
        return self._sender.send([{"user_id": user_id} for user_id in user_ids])
