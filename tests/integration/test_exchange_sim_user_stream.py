# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""User data through the simulator's WebSocket API, as Binance serves it since the listen keys went.

python-binance 1.0.37's ``user_socket()`` subscribes with ``userDataStream.subscribe.signature`` on
``client.ws_api`` (a ``WebsocketAPI`` whose URL is fixed in ``__init__`` from ``WS_API_URL``; it is
pointed at the simulator through its ``_url``). A second account rides on the same connection with a
request it signed itself, as the stream task does for many accounts.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import requests

from tests.integration.exchange_sim_fixtures import SimServer, sim_server  # noqa: F401

SUBSCRIBE = "userDataStream.subscribe.signature"


def _ws_api_url(sim_server: SimServer) -> str:
    return sim_server.url.replace("http://", "ws://") + "/ws-api/v3"


def _signed(key: str, secret: str, timestamp_ms: int | None = None) -> dict[str, Any]:
    """Subscription params signed as Binance documents: sorted ``k=v`` pairs, HMAC-SHA256 hex."""
    params: dict[str, Any] = {"apiKey": key, "timestamp": timestamp_ms or int(time.time() * 1000)}
    signature = hmac.new(secret.encode(), urlencode(sorted(params.items())).encode(), hashlib.sha256).hexdigest()
    return {**params, "signature": signature}


async def _request(ws: aiohttp.ClientWebSocketResponse, request_id: Any, method: str, params: dict[str, Any]) -> Any:
    """Send one request and return its response, skipping any events that arrive in between."""
    await ws.send_str(json.dumps({"id": request_id, "method": method, "params": params}))
    while True:
        message = json.loads((await asyncio.wait_for(ws.receive(), timeout=5)).data)
        if "subscriptionId" not in message or "event" not in message:
            return message


async def _events(ws: aiohttp.ClientWebSocketResponse, quiet_s: float = 0.5) -> list[dict[str, Any]]:
    """Every frame until the connection stays quiet for ``quiet_s``."""
    frames: list[dict[str, Any]] = []
    while True:
        try:
            message = await asyncio.wait_for(ws.receive(), timeout=quiet_s)
        except TimeoutError:
            return frames
        frames.append(json.loads(message.data))


def _market_buy(sim_server: SimServer, key: str, secret: str) -> None:
    from binance.client import Client

    client = Client(key, secret, ping=False)
    client.API_URL = sim_server.url + "/api"
    client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001")


def test_user_stream_delivers_own_orders_within_a_second_and_not_other_accounts(sim_server: SimServer) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], float, list[dict[str, Any]], list[dict[str, Any]]]:
        from binance import AsyncClient, BinanceSocketManager

        key_a, secret_a = sim_server.new_account()
        key_b, secret_b = sim_server.new_account()
        client = AsyncClient(key_a, secret_a)
        client.API_URL = sim_server.url + "/api"
        client.ws_api._url = _ws_api_url(sim_server)
        try:
            async with BinanceSocketManager(client).user_socket() as stream_a:
                # GIVEN account B subscribed on the very connection account A's socket uses
                answer = await client._ws_api_request(SUBSCRIBE, True, _signed(key_b, secret_b))
                queue_b: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
                client.ws_api.register_subscription_queue(answer["subscriptionId"], queue_b)
                # WHEN A places an order with A's key
                started = time.monotonic()
                await client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001")
                first = await asyncio.wait_for(stream_a.recv(), timeout=1)
                elapsed = time.monotonic() - started
                a_events = [first] + [await asyncio.wait_for(stream_a.recv(), timeout=2) for _ in range(2)]
                await asyncio.sleep(0.3)
                b_before = [queue_b.get_nowait() for _ in range(queue_b.qsize())]
                # AND B places one with B's key
                await asyncio.to_thread(_market_buy, sim_server, key_b, secret_b)
                b_after = [await asyncio.wait_for(queue_b.get(), timeout=2) for _ in range(3)]
                await asyncio.sleep(0.3)
                a_leak = [stream_a._queue.get_nowait() for _ in range(stream_a._queue.qsize())]
                assert a_leak == [], "B's order reached A's subscription"
            return a_events, elapsed, b_before, b_after
        finally:
            await client.close_connection()

    a_events, elapsed, b_before, b_after = asyncio.run(scenario())
    assert elapsed < 1.0
    reports = [e for e in a_events if e["e"] == "executionReport"]
    assert [(r["x"], r["X"]) for r in reports] == [("NEW", "NEW"), ("TRADE", "FILLED")]
    assert next(e for e in a_events if e["e"] == "outboundAccountPosition")["B"]
    assert b_before == []  # THEN A's order never reached B's subscription
    assert sorted(e["e"] for e in b_after) == ["executionReport", "executionReport", "outboundAccountPosition"]


def test_user_stream_frames_events_with_their_subscription_id(sim_server: SimServer) -> None:
    async def scenario() -> tuple[list[Any], list[dict[str, Any]]]:
        key_a, secret_a = sim_server.new_account()
        key_b, secret_b = sim_server.new_account()
        async with aiohttp.ClientSession() as session, session.ws_connect(_ws_api_url(sim_server)) as ws:
            first = await _request(ws, "a", SUBSCRIBE, _signed(key_a, secret_a))
            second = await _request(ws, 7, SUBSCRIBE, _signed(key_b, secret_b))
            listed = await _request(ws, "list", "session.subscriptions", {})
            await asyncio.to_thread(_market_buy, sim_server, key_b, secret_b)
            frames = await _events(ws)
        return [first, second, listed], frames

    (first, second, listed), frames = asyncio.run(scenario())
    assert first["id"] == "a"
    assert first["status"] == 200
    assert first["result"] == {"subscriptionId": 0}
    assert first["rateLimits"][0]["rateLimitType"] == "REQUEST_WEIGHT"
    assert (second["id"], second["result"]) == (7, {"subscriptionId": 1})
    assert listed["result"] == [{"subscriptionId": 0}, {"subscriptionId": 1}]
    assert frames
    assert {frame["subscriptionId"] for frame in frames} == {1}
    assert {frame["event"]["e"] for frame in frames} == {"executionReport", "outboundAccountPosition"}


@pytest.mark.parametrize(
    ("tamper", "status", "code"),
    [
        (lambda p: {**p, "signature": "0" * 64}, 400, -1022),
        (lambda p: {**p, "timestamp": p["timestamp"] - 1}, 400, -1022),  # signed one timestamp, sent another
        (lambda p: {**p, "apiKey": "no-such-key"}, 401, -2015),
        (lambda p: {k: v for k, v in p.items() if k != "signature"}, 400, -1102),
    ],
    ids=["wrong-signature", "params-changed-after-signing", "unknown-key", "no-signature"],
)
def test_user_stream_refuses_a_request_it_cannot_verify(
    sim_server: SimServer, tamper: Any, status: int, code: int
) -> None:
    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        key, secret = sim_server.new_account()
        async with aiohttp.ClientSession() as session, session.ws_connect(_ws_api_url(sim_server)) as ws:
            answer = await _request(ws, 1, SUBSCRIBE, tamper(_signed(key, secret)))
            await asyncio.to_thread(_market_buy, sim_server, key, secret)
            return answer, await _events(ws)

    answer, frames = asyncio.run(scenario())
    assert answer["status"] == status
    assert answer["error"]["code"] == code
    assert "result" not in answer
    assert frames == []  # nothing of that account's order reaches a refused connection


def test_user_stream_refuses_a_stale_timestamp(sim_server: SimServer) -> None:
    async def scenario() -> dict[str, Any]:
        key, secret = sim_server.new_account()
        stale = int(time.time() * 1000) - 60_000
        async with aiohttp.ClientSession() as session, session.ws_connect(_ws_api_url(sim_server)) as ws:
            return dict(await _request(ws, 1, SUBSCRIBE, _signed(key, secret, stale)))

    answer = asyncio.run(scenario())
    assert (answer["status"], answer["error"]["code"]) == (400, -1021)


def test_user_stream_allows_one_subscription_per_account_per_connection(sim_server: SimServer) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        key, secret = sim_server.new_account()
        url = _ws_api_url(sim_server)
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws, session.ws_connect(url) as other:
            await _request(ws, 1, SUBSCRIBE, _signed(key, secret))
            again = await _request(ws, 2, SUBSCRIBE, _signed(key, secret))
            elsewhere = await _request(other, 1, SUBSCRIBE, _signed(key, secret))  # another connection may
            unknown = await _request(ws, 3, "userDataStream.unsubscribe", {"subscriptionId": 42})
        return again, elsewhere, unknown

    again, elsewhere, unknown = asyncio.run(scenario())
    assert (again["status"], again["error"]) == (
        400,
        {"code": -2035, "msg": "User Data Stream subscription already active."},
    )
    assert elsewhere["result"] == {"subscriptionId": 0}
    assert unknown["error"]["code"] == -2036


def test_user_stream_unsubscribe_terminates_the_stream(sim_server: SimServer) -> None:
    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        key, secret = sim_server.new_account()
        async with aiohttp.ClientSession() as session, session.ws_connect(_ws_api_url(sim_server)) as ws:
            await _request(ws, 1, SUBSCRIBE, _signed(key, secret))
            await ws.send_str(
                json.dumps({"id": 2, "method": "userDataStream.unsubscribe", "params": {"subscriptionId": 0}})
            )
            frames = await _events(ws)
            await asyncio.to_thread(_market_buy, sim_server, key, secret)
            after = await _events(ws)
        answer = next(f for f in frames if f.get("id") == 2)
        return answer, [f for f in frames if "event" in f], after

    answer, events, after = asyncio.run(scenario())
    assert (answer["status"], answer["result"]) == (200, {})
    assert [(e["subscriptionId"], e["event"]["e"]) for e in events] == [(0, "eventStreamTerminated")]
    assert after == []


def test_user_stream_reports_order_list_status(sim_server: SimServer) -> None:
    async def scenario() -> list[dict[str, Any]]:
        from binance.client import Client

        key, secret = sim_server.new_account()
        client = Client(key, secret, ping=False)
        client.API_URL = sim_server.url + "/api"
        price = float(client.get_symbol_ticker(symbol="BTCUSDT")["price"])
        async with aiohttp.ClientSession() as session, session.ws_connect(_ws_api_url(sim_server)) as ws:
            await _request(ws, 1, SUBSCRIBE, _signed(key, secret))
            placed = await asyncio.to_thread(
                client.create_oco_order, symbol="BTCUSDT", side="SELL", quantity="0.001", aboveType="LIMIT_MAKER",
                abovePrice=f"{price * 1.1:.2f}", belowType="STOP_LOSS_LIMIT", belowStopPrice=f"{price * 0.9:.2f}",
                belowPrice=f"{price * 0.89:.2f}", belowTimeInForce="GTC",
            )  # fmt: skip
            leg = placed["orders"][0]["orderId"]
            await asyncio.to_thread(client.cancel_order, symbol="BTCUSDT", orderId=leg)  # cancels the whole list
            return [f["event"] for f in await _events(ws)]

    events = asyncio.run(scenario())
    statuses = [(e["l"], e["L"]) for e in events if e["e"] == "listStatus"]
    assert statuses == [("EXEC_STARTED", "EXECUTING"), ("ALL_DONE", "ALL_DONE")]
    assert len(next(e for e in events if e["e"] == "listStatus")["O"]) == 2


def test_user_stream_answers_ping_time_and_unknown_methods(sim_server: SimServer) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with aiohttp.ClientSession() as session, session.ws_connect(_ws_api_url(sim_server)) as ws:
            return [
                await _request(ws, 1, "ping", {}),
                await _request(ws, 2, "time", {}),
                await _request(ws, 3, "userDataStream.start", {}),  # the listen-key method went with the REST ones
            ]

    ping, server_time, removed = asyncio.run(scenario())
    assert (ping["status"], ping["result"]) == (200, {})
    assert server_time["result"]["serverTime"] > 0
    assert removed["status"] == 400
    assert "result" not in removed


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_listen_key_endpoints_answer_410_gone(sim_server: SimServer, method: str) -> None:
    key, _ = sim_server.new_account()
    response = requests.request(
        method, sim_server.url + "/api/v3/userDataStream", headers={"X-MBX-APIKEY": key},
        params={"listenKey": "x"} if method != "POST" else None, timeout=5,
    )  # fmt: skip
    assert response.status_code == 410
    assert response.headers["Content-Type"].startswith("text/html")
    assert len(response.content) == 136  # what Binance's edge answers since 2026-02-20
    assert "listenKey" not in response.text


def test_user_stream_server_pings_and_drops_a_silent_client(tmp_path: Any) -> None:
    """The server pings on its interval (20 s on Binance; shortened here) and closes a client that never pongs."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from devstack.exchange_sim import ws_api
    from devstack.exchange_sim.simulator import SimConfig, Simulator
    from devstack.exchange_sim.streams import StreamHub

    async def scenario() -> tuple[aiohttp.WSMsgType, aiohttp.WSMsgType]:
        hub = StreamHub(Simulator(SimConfig(manual_market=True, history_minutes=60, data_dir=tmp_path)))
        api = ws_api.WsApi(hub, ping_seconds=0.1)
        app = web.Application()
        app.router.add_get("/ws-api/v3", api.handle)
        async with (
            TestServer(app, host="127.0.0.1") as server,
            aiohttp.ClientSession() as session,
            session.ws_connect(server.make_url("/ws-api/v3"), autoping=False) as ws,
        ):
            first = (await asyncio.wait_for(ws.receive(), timeout=2)).type
            api.pong_timeout_seconds = 0.0  # from now on, a ping without a pong is too late
            while (message := await asyncio.wait_for(ws.receive(), timeout=2)).type == aiohttp.WSMsgType.PING:
                pass
            return first, message.type

    first, last = asyncio.run(scenario())
    assert first == aiohttp.WSMsgType.PING
    assert last in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
