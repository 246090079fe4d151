"""``POST /api/metrics/frontend``: the dashboard's page load time, WebSocket reconnections and user
actions per minute (DESIGN.md §5), recorded as CloudWatch metrics through Powertools (EMF).

Any logged-in user's tab reports (``ReadUser``): a viewer's page loads count as much as a trader's.
The metrics carry only the ``service`` dimension (never the user: one series per user would cost a
custom metric each); they are flushed with the invocation's other metrics by the Lambda entry.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from fastapi import APIRouter

from trade.schemas.metrics import FrontendMetricsAccepted, FrontendMetricsRequest
from tradecore.http_auth import ReadUser
from tradecore.http_responses import error_responses
from tradecore.observability import metrics

router = APIRouter(tags=["metrics"])


@router.post(
    "/api/metrics/frontend",
    status_code=202,
    response_model=FrontendMetricsAccepted,
    responses=error_responses(
        401, 422, 503,
        reasons={
            422: "A field out of range, missing or unknown (named)",
            503: "The token denylist cannot be read",
        },
    ),
)  # fmt: skip
def frontend_metrics(body: FrontendMetricsRequest, _user: ReadUser) -> dict[str, Any]:
    """Record one tab's interval; user actions become a per-minute rate over ``interval_seconds``."""
    recorded = []
    if body.page_load_ms is not None:
        metrics.add_metric(name="PageLoadTime", unit=MetricUnit.Milliseconds, value=body.page_load_ms)
        recorded.append("PageLoadTime")
    metrics.add_metric(name="WebSocketReconnections", unit=MetricUnit.Count, value=body.ws_reconnections)
    per_minute = body.user_actions * 60 / body.interval_seconds
    metrics.add_metric(name="UserActionsPerMinute", unit=MetricUnit.Count, value=per_minute)
    recorded += ["WebSocketReconnections", "UserActionsPerMinute"]
    return {"recorded": recorded}
