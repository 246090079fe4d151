"""How fast ``GET /api/health`` answers through the real handler, with MongoDB up and with it down.

The spec: with MongoDB unreachable, health answers 503 within 2 s and nothing hangs. The down
case points the function at a port where nothing listens (connection refused); a blackholed
address is bounded the same way by the server-selection timeout and the probe deadline.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from pathlib import Path
from typing import Any

from bench.result import Result, median
from tests.conftest import FakeLambdaContext
from tests.support.servers import MongoServer, free_port
from tradecore.bootstrap import bootstrap
from tradecore.config import load_settings
from tradecore.domain.health import ComponentHealth, HealthStatus

EVENT = json.loads((Path(__file__).resolve().parent.parent / "events" / "api_health.json").read_text())
SAMPLES = 9


class _Peer:
    def __init__(self, name: str) -> None:
        self.name = name

    def check(self) -> ComponentHealth:
        return ComponentHealth(self.name, HealthStatus.OK)


def _timed(uri: str) -> tuple[float, int]:
    from trade import app as trade_app

    settings = load_settings(mongodb_uri=uri, jwt_secret="b" * 32, inter_service_token="t" * 32, health_cache_seconds=0)
    trade_app.app.state.container = bootstrap(settings, ai_health_probe=_Peer("ai"), exchange_probe=_Peer("binance"))
    timings, status = [], 0
    with contextlib.redirect_stdout(io.StringIO()):  # EMF metrics: not what we measure
        for _ in range(SAMPLES):
            start = time.perf_counter()
            status = trade_app.handler(dict(EVENT), FakeLambdaContext())["statusCode"]
            timings.append((time.perf_counter() - start) * 1000)
    trade_app.app.state.container = None
    return median(timings), status


def run() -> list[Result]:
    server = MongoServer()
    server.start()
    try:
        up_ms, up_status = _timed(server.uri)
    finally:
        server.close()
    down_ms, down_status = _timed(f"mongodb://127.0.0.1:{free_port()}")
    notes: dict[str, Any] = {"up": up_status, "down": down_status}
    return [
        Result("health.p50.mongodb_up", up_ms, "ms", note=f"HTTP {notes['up']}"),
        Result("health.p50.mongodb_down", down_ms, "ms", 2000, note=f"HTTP {notes['down']} (spec: 503 within 2 s)"),
    ]
