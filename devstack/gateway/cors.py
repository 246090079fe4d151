"""CORS the way an HTTP API applies its ``CorsConfiguration``.

API Gateway answers preflight ``OPTIONS`` requests itself (even without an OPTIONS route), adds
the CORS headers to every response whose ``Origin`` is allowed, and ignores the CORS headers the
integration returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_CORS_PREFIX = "access-control-"


class CorsPolicy:
    """One API's ``CorsConfiguration`` (AllowOrigins, AllowMethods, AllowHeaders, ...)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.origins = [str(o) for o in config.get("AllowOrigins") or []]
        self.methods = [str(m).upper() for m in config.get("AllowMethods") or []]
        self.allow_headers = [str(h).lower() for h in config.get("AllowHeaders") or []]
        self.expose_headers = [str(h) for h in config.get("ExposeHeaders") or []]
        self.max_age = config.get("MaxAge")
        self.credentials = bool(config.get("AllowCredentials", False))

    def allowed_origin(self, origin: str | None) -> str | None:
        """The value of ``Access-Control-Allow-Origin`` for ``origin``, or None when not allowed."""
        if not origin:
            return None
        if origin in self.origins:
            return origin
        if "*" in self.origins:
            return origin if self.credentials else "*"
        return None

    @staticmethod
    def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
        return method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers

    def preflight(self, headers: Mapping[str, str]) -> list[tuple[str, str]]:
        """The headers of API Gateway's own 204 answer to a preflight request."""
        origin = self.allowed_origin(headers.get("origin"))
        requested = headers.get("access-control-request-method", "").upper()
        if origin is None or not ("*" in self.methods or requested in self.methods):
            return []
        out = [("access-control-allow-origin", origin)]
        out.append(("access-control-allow-methods", ",".join(self.methods) if self.methods else requested))
        asked = headers.get("access-control-request-headers", "")
        if "*" in self.allow_headers:
            out.append(("access-control-allow-headers", asked or "*"))
        elif self.allow_headers:
            out.append(("access-control-allow-headers", ",".join(self.allow_headers)))
        if self.max_age is not None:
            out.append(("access-control-max-age", str(self.max_age)))
        if self.credentials:
            out.append(("access-control-allow-credentials", "true"))
        return out

    def apply(self, origin: str | None, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Response headers with the integration's CORS headers replaced by the configured ones."""
        kept = [(k, v) for k, v in headers if not k.lower().startswith(_CORS_PREFIX)]
        allowed = self.allowed_origin(origin)
        if allowed is None:
            return kept
        kept.append(("access-control-allow-origin", allowed))
        if self.expose_headers:
            kept.append(("access-control-expose-headers", ",".join(self.expose_headers)))
        if self.credentials:
            kept.append(("access-control-allow-credentials", "true"))
        if allowed != "*":
            kept.append(("vary", "Origin"))
        return kept
