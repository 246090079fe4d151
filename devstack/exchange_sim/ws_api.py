"""Binance's WebSocket API (``wss://ws-api.binance.com:443/ws-api/v3``; here ``/ws-api/v3``), the
user data stream part of it.

Requests are ``{"id", "method", "params"}`` text frames; each gets one response
``{"id", "status", "result" | "error", "rateLimits"}`` (WebSocket API "Response format"). Methods:
``userDataStream.subscribe.signature`` (any account whose key signs the request; one subscription
per account per connection, -2035 for a second), ``userDataStream.unsubscribe`` (one id, or all),
``session.subscriptions``, ``ping`` and ``time``. Events then arrive as
``{"subscriptionId": n, "event": {...}}`` (see :mod:`user_stream`). The server pings every 20 s and
drops a connection that has not answered for a minute, and no connection lives past 24 hours.
The listen-key methods (``userDataStream.start/ping/stop``) were removed with the REST endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from devstack.exchange_sim.errors import BinanceError, mandatory
from devstack.exchange_sim.ledger import Account
from devstack.exchange_sim.security import authenticate, check_timestamp
from devstack.exchange_sim.streams import HUB_KEY, Connection, StreamHub
from devstack.exchange_sim.user_stream import Subscription

PING_SECONDS = 20.0
PONG_TIMEOUT_SECONDS = 60.0
MAX_CONNECTION_SECONDS = 24 * 60 * 60
MAX_ACTIVE_SUBSCRIPTIONS = 1_000
MAX_SUBSCRIPTION_IDS = 65_535
SUBSCRIBE_WEIGHT = 2


class WsApiSession(Connection):
    """One WebSocket API connection: its subscriptions, by id and by account."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        super().__init__(ws, combined=False)
        self.subscriptions: dict[int, Subscription] = {}
        self.next_subscription_id = 0
        self.last_pong = asyncio.get_running_loop().time()


def signature_payload(params: dict[str, Any]) -> str:
    """Binance's WebSocket API payload: every param but ``signature``, sorted by name, ``k=v`` joined by ``&``."""
    return "&".join(f"{name}={_text(params[name])}" for name in sorted(params) if name != "signature")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


class WsApi:
    """The ``/ws-api/v3`` endpoint; its sessions are also the hub's connections (the drop fault closes them)."""

    def __init__(self, hub: StreamHub, ping_seconds: float = PING_SECONDS) -> None:
        self.hub = hub
        self.ping_seconds = ping_seconds
        self.pong_timeout_seconds = PONG_TIMEOUT_SECONDS

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)  # pongs are read here, to drop silent clients
        await ws.prepare(request)
        session = WsApiSession(ws)
        self.hub.connections.add(session)
        tasks = [asyncio.create_task(session.pump()), asyncio.create_task(self._keepalive(session))]
        ip = request.remote or "local"
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await ws.send_str(json.dumps(self._answer(session, message.data, ip), separators=(",", ":")))
                elif message.type == WSMsgType.PING:
                    await ws.pong(message.data)
                elif message.type == WSMsgType.PONG:
                    session.last_pong = asyncio.get_running_loop().time()
        finally:
            for task in tasks:
                task.cancel()
            for subscription in session.subscriptions.values():
                self.hub.users.remove(subscription)
            self.hub.connections.discard(session)
        return ws

    async def _keepalive(self, session: WsApiSession) -> None:
        loop = asyncio.get_running_loop()
        opened = loop.time()
        while not session.ws.closed:
            await asyncio.sleep(self.ping_seconds)
            now = loop.time()
            if now - session.last_pong > self.pong_timeout_seconds or now - opened > MAX_CONNECTION_SECONDS:
                await session.ws.close(code=WSCloseCode.GOING_AWAY)
                return
            with contextlib.suppress(ConnectionError, RuntimeError):
                await session.ws.ping()

    # --- requests ----------------------------------------------------------------------------
    def _answer(self, session: WsApiSession, text: str, ip: str) -> dict[str, Any]:
        request_id: Any = None
        try:
            request = json.loads(text)
            if not isinstance(request, dict) or not isinstance(request.get("params", {}), dict):
                raise BinanceError(-1135, "Invalid JSON Request")
            request_id = request.get("id")
            method = request.get("method")
            if not isinstance(method, str):
                raise mandatory("method")
            used = self.hub.sim.limits.add_weight(ip, _weight(method), self.hub.sim.clock.now())
            result = self._call(session, method, request.get("params", {}))
            return {"id": request_id, "status": 200, "result": result, "rateLimits": [self._weight_limit(used)]}
        except ValueError:
            return _error(request_id, BinanceError(-1135, "Invalid JSON Request"))
        except BinanceError as error:
            return _error(request_id, error)

    def _weight_limit(self, used: int) -> dict[str, Any]:
        limit = self.hub.sim.limits.weight_per_minute
        return {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": limit,
                "count": used}  # fmt: skip

    def _call(self, session: WsApiSession, method: str, params: dict[str, Any]) -> Any:
        if method == "userDataStream.subscribe.signature":
            return {"subscriptionId": self._subscribe(session, params)}
        if method == "userDataStream.unsubscribe":
            self._unsubscribe(session, params.get("subscriptionId"))
            return {}
        if method == "session.subscriptions":
            return [{"subscriptionId": sid} for sid in sorted(session.subscriptions)]
        if method == "ping":
            return {}
        if method == "time":
            return {"serverTime": self.hub.sim.clock.now()}
        # Unverified: what Binance answers for a method it does not know (or no longer has).
        raise BinanceError(-1020, "This operation is not supported.")

    def _subscribe(self, session: WsApiSession, params: dict[str, Any]) -> int:
        account = self._signed_account(params)
        if any(sub.api_key == account.api_key for sub in session.subscriptions.values()):
            raise BinanceError(-2035, "User Data Stream subscription already active.")
        if len(session.subscriptions) >= MAX_ACTIVE_SUBSCRIPTIONS:
            limit = MAX_ACTIVE_SUBSCRIPTIONS
            message = f"Too many subscriptions. Connection may create up to '{limit}' subscriptions at a time."
            raise BinanceError(-1191, message)
        if session.next_subscription_id >= MAX_SUBSCRIPTION_IDS:
            raise BinanceError(-2042, "Maximum subscription ID reached for this connection.")
        subscription = Subscription(session.next_subscription_id, account.api_key, session.queue)
        session.next_subscription_id += 1
        session.subscriptions[subscription.subscription_id] = subscription
        self.hub.users.add(subscription)
        return subscription.subscription_id

    def _signed_account(self, params: dict[str, Any]) -> Account:
        """The account whose key signed ``params`` (-1102 missing, -2015 unknown key, -1022, -1021)."""
        for name in ("apiKey", "timestamp", "signature"):
            if params.get(name) in (None, ""):
                raise mandatory(name)
        account = authenticate(self.hub.sim.accounts, str(params["apiKey"]))
        expected = hmac.new(account.secret.encode(), signature_payload(params).encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, str(params["signature"]).lower()):
            raise BinanceError(-1022, "Signature for this request is not valid.")
        timing: dict[str, str] = {name: _text(params[name]) for name in ("timestamp", "recvWindow") if name in params}
        check_timestamp(timing, self.hub.sim.clock.now())
        return account

    def _unsubscribe(self, session: WsApiSession, subscription_id: Any) -> None:
        """Close one subscription (``eventStreamTerminated`` on it first), or all of them without an id."""
        if subscription_id is None:
            ids = list(session.subscriptions)
        elif isinstance(subscription_id, int) and subscription_id in session.subscriptions:
            ids = [subscription_id]
        else:
            raise BinanceError(-2036, "User Data Stream subscription not active.")
        for sid in ids:
            subscription = session.subscriptions.pop(sid)
            self.hub.users.remove(subscription)
            terminated = {"e": "eventStreamTerminated", "E": self.hub.sim.clock.now()}
            session.queue.put_nowait(json.dumps({"subscriptionId": sid, "event": terminated}, separators=(",", ":")))


def _weight(method: str) -> int:
    return SUBSCRIBE_WEIGHT if method.startswith(("userDataStream.", "session.")) else 1


def _error(request_id: Any, error: BinanceError) -> dict[str, Any]:
    return {"id": request_id, "status": error.status, "error": {"code": error.code, "msg": error.msg}}


def add_routes(app: web.Application) -> None:
    """Serve the WebSocket API at ``/ws-api/v3`` (the path python-binance appends nothing to)."""
    app.router.add_get("/ws-api/v3", WsApi(app[HUB_KEY]).handle)
