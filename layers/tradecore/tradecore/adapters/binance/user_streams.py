"""Users' own order and balance events through Binance's WebSocket API, many accounts on one
connection, as domain events tagged with the user id.

Since the listen keys went (2026), an account's user data comes from a
``userDataStream.subscribe.signature`` request the account's key signs (HMAC-SHA256 over the sorted
``k=v`` params); each subscription's events then arrive as ``{"subscriptionId": n, "event": {...}}``
on that connection. :meth:`BinanceUserStreams.set_accounts` says which accounts to follow; the open
connection subscribes the new ones, unsubscribes the removed ones and re-subscribes a replaced key.
Any failure ends the connection; the next one (exponential back-off with jitter) subscribes them all
again. aiohttp pings every 20 s and drops a connection whose pong does not come.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

import aiohttp

from tradecore.adapters.binance.streams import StreamInterruptedError, backoff_delay
from tradecore.config import ExchangeMode, Settings
from tradecore.domain.accounts import ApiCredentials
from tradecore.domain.orders import OrderStatus, OrderType, Side
from tradecore.domain.user_events import AccountEvent, OrderEvent, OrderFillEvent, UserEvent
from tradecore.observability import logger

MAINNET_WS_API_URL = "wss://ws-api.binance.com:443/ws-api/v3"
TESTNET_WS_API_URL = "wss://ws-api.testnet.binance.vision/ws-api/v3"
SUBSCRIBE = "userDataStream.subscribe.signature"
UNSUBSCRIBE = "userDataStream.unsubscribe"
MAX_SUBSCRIPTIONS = 1_000  # Binance's limit per connection


def ws_api_url(settings: Settings) -> str:
    """The WebSocket API endpoint of the deployment's exchange (the simulator's ``/ws-api/v3`` locally)."""
    if settings.exchange_mode is ExchangeMode.SIMULATOR:
        base = settings.binance_simulator_url.rstrip("/")
        return base.replace("https://", "wss://").replace("http://", "ws://") + "/ws-api/v3"
    return TESTNET_WS_API_URL if settings.exchange_mode is ExchangeMode.TESTNET else MAINNET_WS_API_URL


def signed_params(credentials: ApiCredentials, timestamp_ms: int) -> dict[str, Any]:
    """Subscription params signed by the account's own secret: sorted ``k=v`` joined by ``&``, HMAC-SHA256 hex."""
    params: dict[str, Any] = {"apiKey": credentials.api_key, "timestamp": timestamp_ms}
    payload = "&".join(f"{name}={params[name]}" for name in sorted(params))
    signature = hmac.new(credentials.api_secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return {**params, "signature": signature}


def parse_user_event(user_id: str, data: dict[str, Any]) -> UserEvent | None:
    """A user-data event as a domain event for ``user_id``; ``None`` for kinds the platform does not use.
    ``KeyError``/``ValueError``/``ArithmeticError`` for a payload that is not Binance's."""
    kind = data.get("e")
    if kind == "outboundAccountPosition":
        return AccountEvent(user_id, tuple(str(b["a"]) for b in data.get("B", ())), int(data["E"]))
    if kind != "executionReport":
        return None
    execution = str(data["x"])
    # a cancel reports the cancel request's id in "c" and the order's own in "C"
    client_id = str(data.get("C") or "") if execution == "CANCELED" and data.get("C") else str(data["c"])
    last_qty = Decimal(str(data.get("l") or "0"))
    fill = None
    if execution == "TRADE" and last_qty > 0:
        trade_id = int(data.get("t", -1))
        fill = OrderFillEvent(
            price=Decimal(str(data["L"])), quantity=last_qty, commission=Decimal(str(data.get("n") or "0")),
            commission_asset=str(data.get("N") or ""), trade_id=trade_id if trade_id >= 0 else None,
        )  # fmt: skip
    reason = str(data.get("r") or "NONE")
    return OrderEvent(
        user_id=user_id, symbol=str(data["s"]), client_order_id=client_id, order_id=int(data["i"]),
        side=Side(data["S"]), type=OrderType(data["o"]), status=OrderStatus(data["X"]), execution_type=execution,
        quantity=Decimal(str(data["q"])), price=Decimal(str(data["p"])), executed_quantity=Decimal(str(data["z"])),
        cumulative_quote=Decimal(str(data["Z"])), event_time_ms=int(data["E"]),
        order_time_ms=int(data.get("O") or data.get("T") or data["E"]), order_list_id=int(data.get("g", -1)),
        reject_reason=None if reason == "NONE" else reason, fill=fill,
    )  # fmt: skip


class _Session:
    """One connection's subscriptions: who is subscribed under which id, and requests in flight."""

    def __init__(self) -> None:
        self.active: dict[str, tuple[int, str]] = {}  # user id -> (subscription id, api key)
        self.by_subscription: dict[int, str] = {}
        self.pending: dict[str, tuple[str, str, str]] = {}  # request id -> (method, user id, api key)
        self.ids = itertools.count(1)

    def request_id(self) -> str:
        return f"r{next(self.ids)}"


class BinanceUserStreams:
    """The :class:`~tradecore.ports.stream.UserDataStream` over Binance's WebSocket API."""

    def __init__(
        self,
        settings: Settings,
        *,
        url: str | None = None,
        backoff_base_seconds: float = 0.5,
        backoff_cap_seconds: float = 30.0,
        heartbeat_seconds: float = 20.0,
        poll_seconds: float = 0.2,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url or ws_api_url(settings)
        self._base, self._cap = backoff_base_seconds, backoff_cap_seconds
        self._heartbeat, self._poll = heartbeat_seconds, poll_seconds
        self._sleep, self._rng, self._clock = sleep, rng, clock
        self._wanted: dict[str, ApiCredentials] = {}
        self._changed = False
        self._session: _Session | None = None

    @property
    def followed(self) -> frozenset[str]:
        """The users whose subscription the open connection holds now (empty between connections)."""
        return frozenset(self._session.active) if self._session is not None else frozenset()

    def set_accounts(self, accounts: Mapping[str, ApiCredentials]) -> None:
        """Follow exactly these accounts (user id -> their key) from now on; failed ones are retried."""
        if len(accounts) > MAX_SUBSCRIPTIONS:
            logger.error("more accounts than one connection carries", extra={"accounts": len(accounts)})
        self._wanted = dict(accounts)
        self._changed = True

    async def events(self) -> AsyncIterator[UserEvent]:
        attempt = 0
        while True:
            try:
                async for event in self._connection():
                    attempt = 0
                    yield event
            except Exception as exc:  # noqa: BLE001 - every failure of one connection means "reconnect"
                delay = backoff_delay(attempt, base=self._base, cap=self._cap, rng=self._rng)
                logger.warning(
                    "user data stream interrupted, reconnecting",
                    extra={"error": type(exc).__name__, "reason": str(exc)[:200], "attempt": attempt + 1,
                           "delay_seconds": round(delay, 2)},
                )  # fmt: skip
                attempt += 1
                await self._sleep(delay)

    async def _connection(self) -> AsyncIterator[UserEvent]:
        """Events of one connection until it fails (it always ends by raising)."""
        session = self._session = _Session()
        try:
            async with aiohttp.ClientSession() as http, http.ws_connect(self.url, heartbeat=self._heartbeat) as ws:
                logger.info("user data stream connected", extra={"accounts": len(self._wanted)})
                self._changed = True
                while True:
                    if self._changed:
                        self._changed = False
                        await self._sync(ws, session)
                    try:
                        message = await ws.receive(timeout=self._poll)
                    except TimeoutError:
                        continue
                    if message.type != aiohttp.WSMsgType.TEXT:
                        raise StreamInterruptedError(f"connection ended ({message.type.name})")
                    event = self._read(session, message.data)
                    if event is not None:
                        yield event
        finally:
            self._session = None

    async def _sync(self, ws: aiohttp.ClientWebSocketResponse, session: _Session) -> None:
        """Subscribe the accounts wanted and not followed (or followed under an old key); unsubscribe the rest."""
        in_flight = {user for _, user, _ in session.pending.values()}
        for user_id, (subscription_id, api_key) in list(session.active.items()):
            wanted = self._wanted.get(user_id)
            if wanted is None or wanted.api_key != api_key:
                del session.active[user_id]
                session.by_subscription.pop(subscription_id, None)
                await self._send(ws, session, UNSUBSCRIBE, user_id, api_key, {"subscriptionId": subscription_id})
        for user_id, credentials in self._wanted.items():
            if user_id not in session.active and user_id not in in_flight:
                params = signed_params(credentials, int(self._clock() * 1000))
                await self._send(ws, session, SUBSCRIBE, user_id, credentials.api_key, params)

    async def _send(
        self, ws: aiohttp.ClientWebSocketResponse, session: _Session, method: str, user_id: str, api_key: str,
        params: dict[str, Any],
    ) -> None:  # fmt: skip
        request_id = session.request_id()
        session.pending[request_id] = (method, user_id, api_key)
        await ws.send_str(json.dumps({"id": request_id, "method": method, "params": params}))

    def _read(self, session: _Session, text: str) -> UserEvent | None:
        try:
            frame = json.loads(text)
            if "subscriptionId" in frame and "event" in frame:
                return self._event(session, int(frame["subscriptionId"]), frame["event"])
            self._answered(session, frame)
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            logger.warning("unreadable user data message skipped", extra={"error": type(exc).__name__})
        return None

    def _event(self, session: _Session, subscription_id: int, data: dict[str, Any]) -> UserEvent | None:
        user_id = session.by_subscription.get(subscription_id)
        if user_id is None:
            return None  # an account just unsubscribed: not ours any more
        if data.get("e") == "eventStreamTerminated":  # the exchange ended it: subscribe again on the next sync
            session.by_subscription.pop(subscription_id, None)
            session.active.pop(user_id, None)
            self._changed = True
            return None
        return parse_user_event(user_id, data)

    def _answered(self, session: _Session, frame: dict[str, Any]) -> None:
        request = session.pending.pop(str(frame.get("id")), None)
        if request is None or request[0] != SUBSCRIBE:
            return
        _, user_id, api_key = request
        if frame.get("status") != 200:
            error = frame.get("error") or {}
            logger.warning(
                "user data subscription refused; retried on the next refresh",
                extra={"user_id": user_id, "code": error.get("code"), "reason": str(error.get("msg"))[:200]},
            )
            return
        wanted = self._wanted.get(user_id)
        subscription_id = int(frame["result"]["subscriptionId"])
        session.active[user_id] = (subscription_id, api_key)
        session.by_subscription[subscription_id] = user_id
        if wanted is None or wanted.api_key != api_key:
            self._changed = True  # removed or replaced while the request was in flight: undo on the next sync
