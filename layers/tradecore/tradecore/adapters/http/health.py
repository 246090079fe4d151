"""Health of another service over HTTP (the AI function's ``/ai/health``), bounded in time."""

from __future__ import annotations

import httpx

from tradecore.domain.health import ComponentHealth, HealthStatus


class HttpHealthProbe:
    """GET ``url``; the service's own ``status`` field decides, an error or timeout means down."""

    def __init__(self, name: str, url: str, *, timeout_seconds: float = 1.5) -> None:
        self.name = name
        self._url = url
        self._timeout = timeout_seconds

    def check(self) -> ComponentHealth:
        try:
            response = httpx.get(self._url, timeout=self._timeout)
            status = response.json().get("status", "down")
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            return ComponentHealth(self.name, HealthStatus.DOWN, f"unreachable: {type(exc).__name__}")
        try:
            return ComponentHealth(self.name, HealthStatus(status), None, {"http_status": response.status_code})
        except ValueError:
            return ComponentHealth(self.name, HealthStatus.DOWN, "unexpected health answer")
