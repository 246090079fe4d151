"""Shared fixtures: settings, a Lambda context, sample events, SecantusDB and moto.

Tests under ``tests/unit`` are marked ``unit`` and cannot open sockets; ``tests/integration``
and ``tests/e2e`` get their markers the same way.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import MongoServer, free_port
from tradecore.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

# Deterministic, obviously fake values; tests assert they never reach a log line.
TEST_JWT_SECRET = "test-jwt-secret-0123456789abcdef"
TEST_SERVICE_TOKEN = "test-service-token-fedcba9876543210"

os.environ.update(
    {
        "POWERTOOLS_SERVICE_NAME": "tradecore-test",
        "POWERTOOLS_METRICS_NAMESPACE": "TradecoreTest",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }
)


LAYERS = ("unit", "integration", "e2e")

# `make test-unit-ahead` sets this: the whole process's clock (time.time, datetime) runs this many
# days ahead while time.sleep and the monotonic clocks stay real, so a test that pins a fixed
# instant and lets a library read the real clock fails today, not on the day the instant passes.
CLOCK_AHEAD_DAYS = "TEST_CLOCK_AHEAD_DAYS"


def pytest_configure(config: pytest.Config) -> None:
    days = os.environ.get(CLOCK_AHEAD_DAYS)
    if days:
        import time

        import time_machine

        traveller = time_machine.travel(time.time() + float(days) * 86_400, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    days = os.environ.get(CLOCK_AHEAD_DAYS)
    return f"clock: {days} days ahead of the real one ({CLOCK_AHEAD_DAYS})" if days else None


def _layer(item: pytest.Item) -> str | None:
    parts = Path(str(item.fspath)).relative_to(ROOT).parts
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its layer, and run the layers in order: fast feedback first, and the
    browser (whose sync driver owns an event loop while it lives) after everything else."""
    for item in items:
        layer = _layer(item)
        if layer:
            item.add_marker(getattr(pytest.mark, layer))
    items.sort(key=lambda item: LAYERS.index(_layer(item) or "integration"))


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    """Settings for a test: fake secrets and every override given as keyword arguments."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "jwt_secret": TEST_JWT_SECRET,
            "inter_service_token": TEST_SERVICE_TOKEN,
            "mongodb_server_selection_timeout_ms": 500,
            "health_cache_seconds": 0,  # tests watch health change from one call to the next
        }
        values.update(overrides)
        return load_settings(**values)

    return build


@dataclass
class FakeLambdaContext:
    """What the Lambda runtime passes as ``context``, with a real countdown."""

    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    timeout_ms: int = 30_000
    aws_request_id: str = ""

    def __post_init__(self) -> None:
        import time

        self.aws_request_id = self.aws_request_id or str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "2026/11/25/[$LATEST]test"
        self._deadline = time.monotonic() + self.timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        import time

        return max(0, int((self._deadline - time.monotonic()) * 1000))


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def load_event() -> Callable[[str], dict[str, Any]]:
    """Load ``events/<name>.json`` (a fresh copy each call)."""

    def load(name: str) -> dict[str, Any]:
        path = EVENTS / (name if name.endswith(".json") else f"{name}.json")
        event: dict[str, Any] = json.loads(path.read_text())
        return event

    return load


@pytest.fixture(scope="session")
def mongo_server() -> Iterator[MongoServer]:
    """One SecantusDB server for the session; tests that stop it must start it again."""
    server = MongoServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def private_mongo_server() -> Iterator[MongoServer]:
    """A SecantusDB server of this test's own, free to stop and restart."""
    server = MongoServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
def mongo_database_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def mongo_settings(
    mongo_server: MongoServer, mongo_database_name: str, make_settings: Callable[..., Settings]
) -> Iterator[Settings]:
    """Settings pointing at the shared SecantusDB server, with a database of this test's own."""
    mongo_server.start()
    yield make_settings(mongodb_uri=mongo_server.uri, mongodb_database=mongo_database_name)
    if mongo_server.running:
        import pymongo

        client: pymongo.MongoClient = pymongo.MongoClient(mongo_server.uri, serverSelectionTimeoutMS=2000)
        client.drop_database(mongo_database_name)
        client.close()


@pytest.fixture
def aws() -> Iterator[None]:
    """moto's in-process AWS (no sockets): for unit tests of adapters."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 for integration tests; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


class LogCapture:
    """Every line our logger writes while the fixture is active."""

    def __init__(self) -> None:
        import io

        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        """Each line parsed as JSON (fails the test if a line is not one JSON object)."""
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def log_capture() -> Iterator[LogCapture]:
    import logging

    from tradecore.observability import logger

    capture = LogCapture()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(capture.stream)
    yield capture
    handler.setStream(previous)
