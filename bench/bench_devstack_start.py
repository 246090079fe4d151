"""``make dev`` start-to-healthy on a warm virtualenv (target <= 10 s), median of several starts.

Each run starts ``python -m devstack`` on free ports with a fresh data directory (its own
SecantusDB, moto, simulator, zygote) and measures until ``GET /api/health`` answers 200 (polled
every 50 ms); then stops it with SIGTERM. The runner's phase times (``HH:MM:SS runner DEBUG phase ...``)
of the median run are in its output for profiling.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from bench.result import Result, median
from tests.support.devstack import running_devstack_process

RUNS = 3
_PHASE = re.compile(r" runner +DEBUG phase (.+?)\s+\+([\d.]+) s")


def _one_start(folder: Path) -> tuple[float, float, dict[str, float]]:
    started = time.perf_counter()
    with running_devstack_process(folder / "data", timeout=120) as devstack:
        healthy = time.perf_counter() - started
        output = devstack.output
    stopped = time.perf_counter() - started - healthy
    phases = {name.strip(): float(at) for name, at in _PHASE.findall(output())}
    return healthy, stopped, phases


def run() -> list[Result]:
    runs = []
    for index in range(RUNS):
        with tempfile.TemporaryDirectory(prefix=f"devstack-bench-{index}-") as folder:
            runs.append(_one_start(Path(folder)))
    healthy = [run[0] for run in runs]
    middle = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    phases = ", ".join(f"{name} {at:.1f}" for name, at in middle[2].items())
    samples = ", ".join(f"{value:.1f}" for value in healthy)
    return [
        Result(
            "devstack_start_to_healthy",
            median(healthy),
            "s",
            target=10.0,
            note=f"median of {RUNS} fresh starts ({samples} s); all components",
        ),
        Result("devstack_start_phases", middle[0], "s", note=f"median run, s since start: {phases}"),
        Result("devstack_stop", median([run[1] for run in runs]), "s", note="SIGTERM to every process gone"),
    ]
