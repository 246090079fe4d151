"""EventBridge and SQS targets: one Lambda per scheduled job or queue (see the events in template.yaml)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tradecore.bootstrap import ContainerSlot
from tradecore.config import get_settings
from tradecore.domain.automation import signal_from_json
from tradecore.observability import logger, metrics, request_context

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

get_settings()  # validate at cold start: a misconfigured function refuses to start
_slot = ContainerSlot()
container = _slot.get
use_container = _slot.use  # tests and the local stack build their own through ``bootstrap``


@metrics.log_metrics
def health_monitor(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Check MongoDB and the AI service, record their status, broadcast changes."""
    with request_context(event.get("id")):
        report = container().health_monitor.run()
        logger.info("health checked", extra={"status": report.status.value})
        return report.as_dict()


@metrics.log_metrics
def account_sync(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Every connected user's account from the exchange: cached, stored as a snapshot, pushed."""
    with request_context(event.get("id")):
        run = container().account_sync_job.run()
        metrics.add_metric(name="AccountsSynced", unit="Count", value=run.synced)
        metrics.add_metric(name="AccountSyncFailures", unit="Count", value=run.failed)
        logger.info("accounts synced", extra=run.as_dict())
        return run.as_dict()


@metrics.log_metrics
def reconcile(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Every 5 minutes: one queued message per user with an exchange connection."""
    with request_context(event.get("id")):
        queued = container().reconcile_fanout.enqueue()
        return {"job": "reconcile", "queued": queued}


def _reconcile_one(record: SQSRecord) -> None:
    """One queued user ``{"user_id"}``, reconciled. A malformed message, or a user no longer
    connected, is logged and dropped (retrying cannot fix it); any other failure fails the item, so
    SQS retries it and, after the queue's last attempt, keeps it in the dead-letter queue."""
    from tradecore.errors import ConflictError

    try:
        user_id = str(json.loads(record.body)["user_id"])
    except (ValueError, KeyError, TypeError) as exc:
        logger.error("malformed reconciliation message dropped", extra={"error": type(exc).__name__})
        return
    try:
        container().reconciler.reconcile_user(user_id)
    except ConflictError as exc:  # the connection was removed since the message was queued
        logger.info("user not reconciled", extra={"user_id": user_id, "reason": exc.message})


@metrics.log_metrics
def reconcile_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The reconciliation worker (SQS event source on ReconcileQueue, partial batch failures)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    with request_context(None):
        processor = BatchProcessor(event_type=EventType.SQS)  # one per invocation, as for the AutoTrader
        response = process_partial_response(
            event=event, record_handler=_reconcile_one, processor=processor, context=context
        )
        return dict(response)


def _drain(record: SQSRecord) -> None:
    """One trade record copy from the outbox into MongoDB; raises (so SQS retries it, then keeps it
    in the dead-letter queue) when MongoDB is down or the body is not a trade record."""
    container().outbox_drain.drain(record.body)


@metrics.log_metrics
def outbox_drain(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The outbox drain (SQS event source on TradeOutbox, partial batch failures)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    with request_context(None):
        processor = BatchProcessor(event_type=EventType.SQS)  # one per invocation, as for the AutoTrader
        response = process_partial_response(event=event, record_handler=_drain, processor=processor, context=context)
        return dict(response)


def _decide(record: SQSRecord) -> None:
    """One queued automated decision: ``{"user_id", "signal"}``. A malformed message is logged and
    dropped (retrying cannot fix it); a dependency that is down fails the item, so SQS retries it and,
    after the queue's last attempt, keeps it in the dead-letter queue."""
    try:
        message = json.loads(record.body)
        user_id, signal = str(message["user_id"]), signal_from_json(message["signal"])
    except (ValueError, KeyError, TypeError) as exc:
        logger.error("malformed automated-trading message dropped", extra={"error": type(exc).__name__})
        return
    container().auto_trader.decide(user_id, signal)


@metrics.log_metrics
def autotrade(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The AutoTrader's worker (SQS event source, partial batch failures)."""
    # imported here: only the worker pays for batch processing, not every scheduled job's cold start
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    with request_context(None):
        # a processor per invocation: it keeps the batch's results, and the local stack and the
        # benchmark run several invocations of one process at once
        processor = BatchProcessor(event_type=EventType.SQS)
        response = process_partial_response(event=event, record_handler=_decide, processor=processor, context=context)
        return dict(response)
