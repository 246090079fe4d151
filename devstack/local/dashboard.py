"""The dashboard's local web server (:3000): the static files plus a ``/config.js`` for this stack.

``dashboard/app.js`` reads ``window.TRADECORE_CONFIG = {apiUrl, wsUrl}`` from ``/config.js``. The
file in ``dashboard/`` derives them from the page's host with the default port 8080; locally the
core API may listen elsewhere (``CORE_API_PORT``), so this server answers ``/config.js`` itself
with the port the gateway really uses.
"""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web


def config_script(core_port: int) -> str:
    """The ``/config.js`` that points the dashboard at the local core API and WebSocket."""
    config = {"apiUrl": f"http://localhost:{core_port}", "wsUrl": f"ws://localhost:{core_port}/ws"}
    return f"window.TRADECORE_CONFIG = {json.dumps(config)};\n"


def dashboard_app(root: Path, core_port: int) -> web.Application:
    """``/config.js`` for ``core_port``, ``/`` = ``index.html``, everything else from ``root``."""
    script = config_script(core_port)
    app = web.Application()

    async def config(_: web.Request) -> web.Response:
        # no-store: a restarted stack on other ports must not be shadowed by a cached copy
        return web.Response(text=script, content_type="application/javascript", headers={"Cache-Control": "no-store"})

    app.router.add_get("/config.js", config)
    if (root / "index.html").exists():

        async def index(_: web.Request) -> web.StreamResponse:
            return web.FileResponse(root / "index.html")

        app.router.add_get("/", index)
    if root.is_dir():
        app.router.add_static("/", root, show_index=False)
    return app
