# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""``python -m stream`` as the task runs it: it beats in the ServiceStateTable (moto server) while
streaming from the simulator, and SIGTERM ends it cleanly within 10 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import TEST_JWT_SECRET, TEST_SERVICE_TOKEN
from tests.integration.exchange_sim_fixtures import SimServer, sim_server  # noqa: F401
from tests.support.auth import create_service_state_table
from tradecore.adapters.aws.heartbeat import DynamoStreamHeartbeat

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


def test_stream_process_beats_then_stops_on_sigterm_within_10s(
    sim_server: SimServer, moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    table = f"state-{uuid.uuid4().hex[:10]}"
    create_service_state_table(table_name=table)
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": moto_server,
        "AWS_REGION": REGION,
        "SERVICE_STATE_TABLE": table,
        "BINANCE_SIMULATOR_URL": sim_server.url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "INTER_SERVICE_TOKEN": TEST_SERVICE_TOKEN,
        "POWERTOOLS_SERVICE_NAME": "stream",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("WEBSOCKET_MANAGEMENT_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "stream"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        heartbeat = DynamoStreamHeartbeat(table, REGION)
        deadline = time.monotonic() + 30
        while heartbeat.last_beat("stream") is None and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            time.sleep(0.2)
        assert heartbeat.last_beat("stream") is not None
        sim_server.admin("POST", "/sim/clock", {"advance_ms": 1000})  # the stream has something to read
        time.sleep(1.0)

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=15)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = process.stdout.read().decode() if process.stdout else ""
    assert code == 0, output
    assert took < 10.0
    assert "stream worker stopped" in output
