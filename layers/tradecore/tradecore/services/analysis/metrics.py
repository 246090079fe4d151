"""The AI service's metrics (DESIGN.md §5): requests, confidence distribution, cache hits, OpenAI latency.

Metrics go through Powertools (CloudWatch EMF), flushed once per invocation by the Lambda entry.
Confidence is recorded as a value per analysis (CloudWatch gives its percentiles) and as a count
per 0.1-wide bucket, a dimension, so a dashboard can draw the histogram directly.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from tradecore.observability import logger, metrics


def record_request(source: str) -> None:
    metrics.add_metric(name="AnalysisRequests", unit=MetricUnit.Count, value=1)
    name = "AnalysisCacheHits" if source == "cache" else "AnalysisCacheMisses"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def record_analysis(source: str, confidence: float) -> None:
    metrics.add_metric(name="AnalysisConfidence", unit=MetricUnit.NoUnit, value=confidence)
    low = min(int(confidence * 10), 9) / 10
    try:
        with single_metric(name="AnalysisConfidenceBucket", unit=MetricUnit.Count, value=1) as metric:
            metric.add_dimension(name="bucket", value=f"{low:.1f}-{low + 0.1:.1f}")
            metric.add_dimension(name="source", value=source)
    except Exception:  # noqa: BLE001 - a metric must never fail an analysis
        logger.debug("confidence bucket metric not emitted")


def record_openai_call(latency_ms: float, tokens: int | None, outcome: str) -> None:
    metrics.add_metric(name="OpenAILatency", unit=MetricUnit.Milliseconds, value=latency_ms)
    if tokens:
        metrics.add_metric(name="OpenAITokens", unit=MetricUnit.Count, value=tokens)
    if outcome != "ok":
        metrics.add_metric(name="OpenAIFailures", unit=MetricUnit.Count, value=1)


def record_queue(depth: int, dropped: int) -> None:
    metrics.add_metric(name="AnalysisQueueDepth", unit=MetricUnit.Count, value=depth)
    if dropped:
        metrics.add_metric(name="AnalysisQueueDropped", unit=MetricUnit.Count, value=dropped)


def record_queue_given_up(count: int) -> None:
    """Queued analyses dropped because MongoDB kept refusing them (a poison batch)."""
    metrics.add_metric(name="AnalysisQueueGivenUp", unit=MetricUnit.Count, value=count)
