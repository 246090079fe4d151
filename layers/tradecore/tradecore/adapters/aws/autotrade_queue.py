"""The AutoTrader's queue (SQS): one ``{"user_id", "signal"}`` message per user and candle signal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tradecore.adapters.aws.sqs_batches import SqsBatchSender
from tradecore.domain.automation import CandleSignal, signal_to_json


class SqsAutoTradeQueue:
    def __init__(self, queue_url: str, region: str, *, client: Any = None) -> None:
        self._sender = SqsBatchSender(queue_url, region, what="automated trading queue", client=client)

    def send(self, user_ids: Sequence[str], signal: CandleSignal) -> int:
        """Queue one message per user; how many were queued. ``DependencyUnavailableError`` when any
        user's message could not be queued (its message says how many were); a second send of the
        same signal is harmless (a decision is made once per user and candle)."""
        body = signal_to_json(signal)
        return self._sender.send([{"user_id": user_id, "signal": body} for user_id in user_ids])
