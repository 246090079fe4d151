"""The local gateway's own overhead per HTTP request, excluding the handler (target p50 <= 2 ms).

overhead = round trip seen by the client - the handler's own time as the worker measured it. So
it covers everything the gateway adds: aiohttp's HTTP handling, route match, building the payload
2.0 event, JSON over the socketpair both ways, the response mapping, and loopback TCP. The client
runs in its own process (no GIL shared with the gateway) and sends prebuilt keep-alive requests
over one raw socket, so its own cost (~0.05 ms) is next to nothing. The echo handler is trivial.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from bench.result import Result, median, percentile
from tests.support.devstack import running_local_stack

REQUESTS = 1000
WARMUP = 100
# A minimal HTTP/1.1 keep-alive client: prints one round-trip time (ms) per request as JSON.
CLIENT = r"""
import json, socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
request = (f"GET /api/echo/plain HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: bench/1\r\n"
           "Accept: */*\r\n\r\n").encode()
sock = socket.create_connection(("127.0.0.1", port))
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
times = []
for _ in range(count):
    started = time.perf_counter()
    sock.sendall(request)
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    head, _, body = buffer.partition(b"\r\n\r\n")
    length = int(next(l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    times.append((time.perf_counter() - started) * 1000)
    assert head.startswith(b"HTTP/1.1 200"), head
print(json.dumps(times))
"""


def _client(port: int, count: int) -> list[float]:
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, str(port), str(count)], capture_output=True, text=True, check=True, timeout=120
    )
    times: list[float] = json.loads(done.stdout)
    return times


def run() -> list[Result]:
    with running_local_stack() as stack:
        port = stack.settings.ports["CORE_API_PORT"]
        _client(port, WARMUP)  # warm the worker, the client's interpreter and the gateway's paths
        runtime = stack.stack.runtime
        original = runtime.invoke
        handler_ms: list[float] = []
        invoke_ms: list[float] = []

        async def timed_invoke(*args: Any, **kwargs: Any) -> Any:
            outcome = await original(*args, **kwargs)
            handler_ms.append(outcome.handler_ms)
            invoke_ms.append(outcome.duration_ms)
            return outcome

        runtime.invoke = timed_invoke  # type: ignore[method-assign]
        round_trips = _client(port, REQUESTS)
    overhead = [total - inner for total, inner in zip(round_trips, handler_ms, strict=True)]
    ipc = [outer - inner for outer, inner in zip(invoke_ms, handler_ms, strict=True)]
    note = (
        f"{REQUESTS} keep-alive GETs from a separate process, echo handler (p50 {median(handler_ms):.3f} ms); "
        f"round trip p50 {median(round_trips):.2f} ms"
    )
    return [
        Result("gateway_overhead_p50", median(overhead), "ms", target=2.0, note=note),
        Result("gateway_overhead_p99", percentile(overhead, 99), "ms", note="same run"),
        Result("gateway_worker_ipc_p50", median(ipc), "ms", note="of which: worker pick + JSON over the socketpair"),
        Result("gateway_round_trip_p50", median(round_trips), "ms", note="client + gateway + worker IPC + handler"),
    ]
