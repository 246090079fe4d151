"""The Lambda entry point answers whatever the host did to the thread's event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tradecore.http_api import create_app, lambda_entry

app = create_app("entry-test")


@app.get("/api/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


handler = lambda_entry(app)


@pytest.fixture
def event(load_event: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return load_event("api_health")


def test_handler_works_after_the_host_ran_asyncio_run(event: dict[str, Any], lambda_context: Any) -> None:
    async def nothing() -> None:
        return None

    asyncio.run(nothing())  # leaves the main thread without a current loop
    assert handler(event, lambda_context)["statusCode"] == 200


def test_handler_works_in_a_thread_without_a_loop(event: dict[str, Any], lambda_context: Any) -> None:
    results: list[int] = []
    worker = threading.Thread(target=lambda: results.append(handler(event, lambda_context)["statusCode"]))
    worker.start()
    worker.join(30)
    assert results == [200]
