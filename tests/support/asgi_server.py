"""An ASGI app served for real (uvicorn on 127.0.0.1, a free port) in a background thread."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from tests.support.servers import free_port


class AsgiServer:
    """``with AsgiServer(app) as server:`` serves ``app`` at ``server.base_url`` until the block ends."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="asgi-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> AsgiServer:
        self._thread.start()
        give_up = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > give_up:
                raise RuntimeError(f"the ASGI server did not start on port {self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> AsgiServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
