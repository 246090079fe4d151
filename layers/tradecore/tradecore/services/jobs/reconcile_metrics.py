"""Reconciliation's metrics: discrepancies found and repaired per run, and per kind (a dimension),
through Powertools (CloudWatch EMF), flushed once per invocation by the Lambda entry."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from tradecore.domain.reconciliation import ReconciliationReport
from tradecore.observability import logger, metrics


def record_report(report: ReconciliationReport) -> None:
    """Never raises: a metric must not fail a reconciliation."""
    try:
        metrics.add_metric(name="ReconcileUsers", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="ReconcileDiscrepanciesFound", unit=MetricUnit.Count, value=report.found)
        metrics.add_metric(name="ReconcileDiscrepanciesRepaired", unit=MetricUnit.Count, value=report.repaired)
        if report.errors:
            metrics.add_metric(name="ReconcileLookupErrors", unit=MetricUnit.Count, value=len(report.errors))
        for kind, count in report.counts.items():
            if count:
                with single_metric(name="ReconcileDiscrepancies", unit=MetricUnit.Count, value=count) as metric:
                    metric.add_dimension(name="kind", value=kind)
    except Exception:  # noqa: BLE001 - metrics are best effort
        logger.debug("reconciliation metrics not emitted")
