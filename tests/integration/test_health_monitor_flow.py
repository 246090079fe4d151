"""The health monitor end to end: the AI service (a real HTTP server) stopped is flagged after three
checks of the jobs function's real handler, the ``service_status`` broadcast reaches a real WebSocket
client through the local gateway's ``@connections``, GET /api/health (the trade function's real
handler, another container) reads the same flag from the ServiceStateTable (moto), and the AI back
clears it with another broadcast."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jobs import app as jobs_app
from tests.support.auth import create_service_state_table
from tests.support.devstack import StackHandle, running_local_stack
from tests.support.fanout import CountingRegistry
from tests.support.servers import free_port
from trade import app as trade_app
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.health import ComponentHealth, HealthStatus


class Healthy:
    def __init__(self, name: str) -> None:
        self.name = name

    def check(self) -> ComponentHealth:
        return ComponentHealth(self.name, HealthStatus.OK)


async def _ai_health(request: Request) -> JSONResponse:
    return JSONResponse({"service": "ai", "status": "ok"})


class AiService:
    """A stand-in AI service answering ``/ai/health``, stopped and started again on one port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.app = Starlette(routes=[Route("/ai/health", _ai_health)])
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        give_up = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < give_up, "the AI stand-in did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.should_exit = True
        self._thread.join(10)


@pytest.fixture(scope="module")
def local_stack() -> Iterator[StackHandle]:
    with running_local_stack() as handle:
        yield handle


@pytest.fixture
def ai_service() -> Iterator[AiService]:
    service = AiService()
    service.start()
    yield service
    service.stop()


@pytest.fixture
def settings(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings],
    ai_service: AiService, local_stack: StackHandle,
) -> Settings:  # fmt: skip
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    table = f"state-{uuid.uuid4().hex[:10]}"
    create_service_state_table(table_name=table)
    return make_settings(
        service_state_table=table, ai_service_url=ai_service.url, websocket_management_url=local_stack.core_url
    )


def _health(load_event: Callable[[str], dict[str, Any]], context: Any) -> dict[str, Any]:
    response = trade_app.handler(load_event("api_health"), context)
    assert response["statusCode"] == 200
    body: dict[str, Any] = json.loads(response["body"])
    return body


def test_health_monitor_ai_stopped_flagged_after_three_checks_broadcast_over_websocket_and_cleared(
    settings: Settings, ai_service: AiService, local_stack: StackHandle,
    load_event: Callable[[str], dict[str, Any]], lambda_context: Any,
) -> None:  # fmt: skip
    others = {"mongo_probe": Healthy("mongodb"), "exchange_probe": Healthy("binance"),
              "stream_health_probe": Healthy("stream")}  # fmt: skip
    registry = CountingRegistry()
    jobs_app.use_container(bootstrap(settings, connection_registry=registry, **others))
    trade_app.app.state.container = bootstrap(settings, **others)  # /api/health: another function

    def check() -> dict[str, Any]:
        return jobs_app.health_monitor(load_event("jobs_health_monitor"), lambda_context)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with websockets.connect(local_stack.ws_url + "?token=good") as client:
            await client.send(json.dumps({"action": "whoami"}))
            answer = json.loads(await asyncio.wait_for(client.recv(), 10))
            registry.subscribe("status", answer["event"]["requestContext"]["connectionId"])

            async def silence() -> None:
                with pytest.raises(TimeoutError):
                    await asyncio.wait_for(client.recv(), 0.5)

            # GIVEN the AI is up: checked, nothing to tell
            await asyncio.to_thread(check)
            await silence()
            # WHEN it stops THEN two failed checks say nothing to users, though health sees it live
            ai_service.stop()
            for _ in range(2):
                await asyncio.to_thread(check)
            await silence()
            health = await asyncio.to_thread(_health, load_event, lambda_context)
            assert health["components"]["ai"]["status"] == "down"
            assert (health["monitor"]["ai"]["status"], health["monitor"]["ai"]["consecutive_failures"]) == ("ok", 2)
            # the third flags it: one broadcast
            await asyncio.to_thread(check)
            flagged = [json.loads(await asyncio.wait_for(client.recv(), 10))]
            await asyncio.to_thread(check)
            await silence()  # still down: not told again
            health = await asyncio.to_thread(_health, load_event, lambda_context)
            assert (health["status"], health["monitor"]["ai"]["status"]) == ("degraded", "down")
            # WHEN the AI is back THEN one check clears it, with another broadcast
            ai_service.start()
            await asyncio.to_thread(check)
            cleared = [json.loads(await asyncio.wait_for(client.recv(), 10))]
            return flagged, cleared

    try:
        flagged, cleared = asyncio.run(scenario())
        health = _health(load_event, lambda_context)
    finally:
        jobs_app.use_container(None)
        trade_app.app.state.container = None

    assert [(m["type"], m["data"]["overall"]) for m in flagged] == [("service_status", "degraded")]
    (change,) = flagged[0]["data"]["changes"]
    assert (change["component"], change["status"], change["was"], change["consecutive_failures"]) == (
        "ai", "down", "ok", 3,
    )  # fmt: skip
    assert [(m["type"], m["data"]["overall"]) for m in cleared] == [("service_status", "ok")]
    assert cleared[0]["data"]["changes"][0] == {
        "component": "ai",
        "status": "ok",
        "was": "down",
        "consecutive_failures": 0,
    }
    assert (health["status"], health["monitor"]["ai"]["status"]) == ("ok", "ok")
