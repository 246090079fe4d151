"""Drain the trade outbox (SQS on moto) into MongoDB, as the outbox drain job does once MongoDB answers:
each message's record saved through the drain service (the newest version wins), then deleted."""

from __future__ import annotations

import json
from collections.abc import Callable

from tradecore.config import Settings
from tradecore.domain.trade_json import trade_from_json
from tradecore.ports import TradeStore

REGION = "us-east-1"


def drain_outbox(settings: Settings, store: TradeStore) -> int:
    """Every message waiting in the outbox, saved to ``store`` and deleted; how many were drained."""
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    save: Callable[[str], object]
    try:
        from tradecore.services.jobs.outbox_drain import OutboxDrain

        save = OutboxDrain(store).drain
    except ImportError:  # before the drain service: what it does, save the record (the newest version wins)

        def save(body: str) -> object:
            return store.save(trade_from_json(json.loads(body)))

    drained = 0
    while True:
        batch = sqs.receive_message(
            QueueUrl=settings.trade_outbox_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30
        ).get("Messages", [])
        if not batch:
            return drained
        for message in batch:
            save(message["Body"])
            sqs.delete_message(QueueUrl=settings.trade_outbox_queue_url, ReceiptHandle=message["ReceiptHandle"])
            drained += 1
