"""EventBridge targets: one Lambda per scheduled job (see the Schedule events in template.yaml)."""

from __future__ import annotations

from typing import Any

from tradecore.bootstrap import ContainerSlot
from tradecore.config import get_settings
from tradecore.observability import logger, metrics, request_context

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


def _not_built_yet(job: str) -> dict[str, Any]:
    # These jobs act on trades and accounts, which the trading work adds; until then they do nothing.
    logger.info("job has nothing to do yet", extra={"job": job})
    return {"job": job, "status": "skipped", "reason": "trading not deployed"}


@metrics.log_metrics
def account_sync(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with request_context(event.get("id")):
        return _not_built_yet("account_sync")


@metrics.log_metrics
def reconcile(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with request_context(event.get("id")):
        return _not_built_yet("reconcile")


@metrics.log_metrics
def outbox_drain(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with request_context(event.get("id")):
        return _not_built_yet("outbox_drain")
