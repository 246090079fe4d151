"""``make dev`` start-to-healthy on a warm virtualenv (target <= 10 s).

Starts ``python -m devstack`` on free ports with a fresh data directory (its own SecantusDB, moto,
simulator) and measures until ``GET /api/health`` answers 200; then stops it with SIGTERM.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.result import Result
from tests.support.devstack import running_devstack_process


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="devstack-bench-") as folder:
        started = time.perf_counter()
        with running_devstack_process(Path(folder) / "data", timeout=120):
            healthy = time.perf_counter() - started
        stopped = time.perf_counter() - started - healthy
    return [
        Result("devstack_start_to_healthy", healthy, "s", target=10.0, note="fresh .data, all components"),
        Result("devstack_stop", stopped, "s", note="SIGTERM to every process gone"),
    ]
