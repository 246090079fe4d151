"""Cold import time of each function's handler module, next to a bare Powertools handler.

Each sample is a fresh interpreter that imports the module and reports the import's wall time
(what a Lambda cold start pays before the first invocation). The baseline is a handler module
that only builds Powertools' Logger, Metrics and Tracer, as the Powertools examples do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.result import Result, median

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = 7
HANDLER_MODULES = ("auth.app", "trade.app", "ai.app", "ws.app", "jobs.app")
BASELINE = (
    "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
    "logger = Logger(); metrics = Metrics(); tracer = Tracer()\n"
    "@metrics.log_metrics\n"
    "def handler(event, context):\n    return {'statusCode': 200}\n"
)
_PROBE = (
    "import sys, time, importlib, json\n"
    "start = time.perf_counter()\n"
    "importlib.import_module(sys.argv[1]) if sys.argv[1] != '-' else exec(sys.stdin.read())\n"
    "print(json.dumps((time.perf_counter() - start) * 1000))\n"
)


def _sample(module: str) -> float:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT / "functions"), str(ROOT / "layers" / "tradecore")]),
        POWERTOOLS_SERVICE_NAME="bench",
        POWERTOOLS_METRICS_NAMESPACE="Bench",
        POWERTOOLS_TRACE_DISABLED="true",
        PYTHONDONTWRITEBYTECODE="0",
    )
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, module],
        input=BASELINE if module == "-" else "",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    return float(json.loads(completed.stdout.strip().splitlines()[-1]))


def _median_ms(module: str) -> float:
    _sample(module)  # warm the bytecode cache, as a deployed package has .pyc files
    return median([_sample(module) for _ in range(SAMPLES)])


def run() -> list[Result]:
    baseline = _median_ms("-")
    results = [Result("cold_import.powertools_baseline", baseline, "ms", note="bare Powertools handler")]
    for module in HANDLER_MODULES:
        if not (ROOT / "functions" / module.replace(".", "/")).with_suffix(".py").exists():
            continue
        value = _median_ms(module)
        target = 600.0 if module == "ai.app" else None
        results.append(Result(f"cold_import.{module}", value, "ms", target, note=f"{value / baseline:.1f}x baseline"))
    return results
