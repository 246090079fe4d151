"""AI function: ``/ai/analyze`` handler time without the LLM (its cold import is in bench_cold_import).

The analyze figure goes through the real Lambda handler (Mangum, FastAPI, validation, TA-Lib,
the technical vote, storage into an in-memory store): 500 candles on each of 3 timeframes. Caches
are disabled so every call does the full work; a second figure shows a cache hit.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import time
from typing import Any

from bench.result import Result, median, percentile

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "bench")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Bench")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

TOKEN = "bench-service-token-0123456789"  # noqa: S105 - a local, fake value
CANDLES = 500
ROUNDS = 200
HOUR_MS = 3_600_000


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def _event(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "POST /ai/analyze",
        "rawPath": "/ai/analyze",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "authorization": f"Bearer {TOKEN}", "x-request-id": "bench"},
        "requestContext": {
            "http": {"method": "POST", "path": "/ai/analyze", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "routeKey": "POST /ai/analyze",
            "stage": "$default",
            "requestId": "bench",
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def _body() -> dict[str, Any]:
    from tests.support.candles import make_candles

    def frame(step_hours: int) -> list[dict[str, object]]:
        start = 1_767_225_600_000 - CANDLES * step_hours * HOUR_MS
        return make_candles("up", CANDLES, step_ms=step_hours * HOUR_MS, start_ms=start)

    return {
        "symbol": "BTCUSDT",
        "timeframe": "1h",
        "candles": frame(1),
        "timeframes": {"4h": frame(4), "1d": frame(24)},
    }


def _time_handler(cache_ttl: int) -> list[float]:
    from ai import app as ai_app
    from tests.support.fake_analysis import FakeAnalysisStore
    from tests.support.messages import RecordingPublisher
    from tradecore.bootstrap import bootstrap
    from tradecore.config import load_settings

    settings = load_settings(inter_service_token=TOKEN, analysis_cache_ttl_ai=cache_ttl, indicator_cache_ttl=cache_ttl)
    ai_app.app.state.container = bootstrap(
        settings, analysis_store=FakeAnalysisStore(), channel_publisher=RecordingPublisher()
    )
    event, context = _event(_body()), _Context()
    asyncio.set_event_loop(asyncio.new_event_loop())
    samples = []
    with contextlib.redirect_stdout(io.StringIO()):  # EMF metrics and logs: not what we measure
        for _ in range(20):
            ai_app.handler(event, context)
        for _ in range(ROUNDS):
            started = time.perf_counter()
            response = ai_app.handler(event, context)
            samples.append((time.perf_counter() - started) * 1000)
            assert response["statusCode"] == 200, response["body"]
    ai_app.app.state.container = None
    return samples


def run() -> list[Result]:
    full = _time_handler(cache_ttl=0)
    cached = _time_handler(cache_ttl=300)
    note = f"{CANDLES} candles x 3 timeframes, technical path, real handler, in-memory store; {ROUNDS} calls"
    return [
        Result("ai.analyze.no_llm.p50", median(full), "ms", 10.0, note=note),
        Result("ai.analyze.no_llm.p95", percentile(full, 95), "ms", note=note),
        Result("ai.analyze.cache_hit.p50", median(cached), "ms", note="same request again: memory cache"),
    ]
