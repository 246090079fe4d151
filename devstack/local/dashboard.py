"""The dashboard's local web server (:3000): the built app with CloudFront's headers, and ``/config.js``.

The dashboard reads ``window.TRADECORE_CONFIG = {apiUrl, wsUrl}`` from ``/config.js``; locally the
core API may listen elsewhere (``CORE_API_PORT``), so this server answers ``/config.js`` itself with
the port the gateway really uses. It serves ``dashboard/dist`` (built when needed, see
:mod:`devstack.local.dashboard_build`) with the headers the CloudFront distribution gives
(template.yaml ``DashboardResponseHeaders`` and cache behaviours), so a header that breaks the app
breaks it on the laptop first: hashed ``/assets/*`` cached a year, ``index.html`` and
``config.js`` never, and a strict Content-Security-Policy that lets the page talk to the core API
and its WebSocket only.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

ASSETS_CACHE = "public, max-age=31536000, immutable"  # names carry a content hash
NEVER_CACHE = "no-store"  # index.html names the current hashes; config.js names this stack's ports
OTHER_CACHE = "no-cache"  # un-hashed public files: revalidate each time
HSTS = "max-age=63072000; includeSubDomains"


def config_script(core_port: int) -> str:
    """The ``/config.js`` that points the dashboard at the local core API and WebSocket."""
    config = {"apiUrl": f"http://localhost:{core_port}", "wsUrl": f"ws://localhost:{core_port}/ws"}
    return f"window.TRADECORE_CONFIG = {json.dumps(config)};\n"


def content_security_policy(api_url: str, ws_url: str) -> str:
    """The dashboard's CSP: its own scripts and styles only; network to itself, the API and the socket."""
    directives = [
        "default-src 'self'",
        f"connect-src 'self' {api_url} {ws_url}",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ]
    return "; ".join(directives)


def cache_control(path: str) -> str:
    """CloudFront's caching per path: hashed assets a year, the page and its config never."""
    if path.startswith("/assets/"):
        return ASSETS_CACHE
    if path in ("/", "/index.html", "/config.js"):
        return NEVER_CACHE
    return OTHER_CACHE


def security_headers(csp: str, *, https: bool) -> dict[str, str]:
    """The response-headers policy; HSTS only over HTTPS (browsers ignore it on plain HTTP anyway)."""
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def dashboard_app(root: Path, core_port: int) -> web.Application:
    """``/config.js`` for ``core_port``, ``/`` = ``index.html``, everything else from ``root``."""
    script = config_script(core_port)
    csp = content_security_policy(f"http://localhost:{core_port}", f"ws://localhost:{core_port}")

    @web.middleware
    async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        response.headers.update(security_headers(csp, https=request.secure))
        response.headers["Cache-Control"] = cache_control(request.path)
        if isinstance(response, web.HTTPException):
            raise response
        return response

    app = web.Application(middlewares=[headers])

    async def config(_: web.Request) -> web.Response:
        return web.Response(text=script, content_type="application/javascript")

    app.router.add_get("/config.js", config)
    if (root / "index.html").exists():

        async def index(_: web.Request) -> web.StreamResponse:
            return web.FileResponse(root / "index.html")

        app.router.add_get("/", index)
        app.router.add_get("/index.html", index)
    if root.is_dir():
        app.router.add_static("/", root, show_index=False)
    return app
