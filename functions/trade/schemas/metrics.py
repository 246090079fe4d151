"""The dashboard's own measurements (the spec's frontend metrics), sent every interval by each tab."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FrontendMetricsRequest(BaseModel):
    """What one tab measured over the last ``interval_seconds``; unknown fields are refused (422)."""

    model_config = ConfigDict(extra="forbid")

    page_load_ms: float | None = Field(
        ge=0, le=600_000, description="Navigation start to load end, sent once per page load; null otherwise"
    )
    ws_reconnections: int = Field(ge=0, description="WebSocket reconnections during the interval")
    user_actions: int = Field(ge=0, description="Clicks and submits during the interval")
    interval_seconds: int = Field(ge=1, le=3600, description="How long the interval was")


class FrontendMetricsAccepted(BaseModel):
    recorded: list[str] = Field(description="The CloudWatch metrics written for this report")
