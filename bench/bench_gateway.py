"""The local gateway's own overhead per HTTP request, excluding the handler (target p50 <= 2 ms).

Measured as client round-trip time minus the handler's own duration (the worker measures it), over
a warm worker with a trivial echo handler, with a keep-alive client like a browser's.
"""

from __future__ import annotations

import time

import requests

from bench.result import Result, median, percentile
from tests.support.devstack import running_local_stack

REQUESTS = 500


def run() -> list[Result]:
    overheads: list[float] = []
    with running_local_stack() as stack, requests.Session() as session:
        url = stack.core_url + "/api/echo/plain"
        for _ in range(50):  # warm the worker and the connection
            session.get(url, timeout=10)
        runtime = stack.stack.runtime
        original = runtime.invoke
        handler_ms: list[float] = []

        async def timed_invoke(*args, **kwargs):  # type: ignore[no-untyped-def]
            outcome = await original(*args, **kwargs)
            handler_ms.append(outcome.duration_ms)
            return outcome

        runtime.invoke = timed_invoke  # type: ignore[method-assign]
        for _ in range(REQUESTS):
            started = time.perf_counter()
            session.get(url, timeout=10)
            total = (time.perf_counter() - started) * 1000
            overheads.append(total)
        # the worker round trip includes the handler; report the gateway's share (total - invoke)
        gateway_only = [total - inner for total, inner in zip(overheads, handler_ms, strict=True)]
    note = f"{REQUESTS} keep-alive GETs, echo handler; total p50 {median(overheads):.2f} ms"
    return [
        Result("gateway_overhead_p50", median(gateway_only), "ms", target=2.0, note=note),
        Result("gateway_overhead_p99", percentile(gateway_only, 99), "ms", note="same run"),
        Result("gateway_round_trip_p50", median(overheads), "ms", note="client + gateway + worker IPC + handler"),
    ]
