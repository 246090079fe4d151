"""WebSocket market streams in Binance's format (user data goes through the WebSocket API, ``ws_api``).

Raw streams at ``/ws/<stream>`` send the payload itself; combined streams at
``/stream?streams=a/b`` wrap it as ``{"stream": name, "data": payload}``. Partial book depth
(``<symbol>@depth<5|10|20>`` every second, ``...@100ms`` every 100 ms of market time) sends the top
levels of the simulator's book as Binance does: ``{"lastUpdateId", "bids", "asks"}``. Clients may also send
``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS`` requests, as on Binance.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from devstack.exchange_sim import book
from devstack.exchange_sim import candles as cdl
from devstack.exchange_sim.market import SymbolMarket, TradeTick
from devstack.exchange_sim.simulator import Simulator
from devstack.exchange_sim.symbols import fmt
from devstack.exchange_sim.user_stream import UserStreams

# partial book depth streams: (name after "<symbol>@", levels, least market-time ms between snapshots)
PARTIAL_DEPTHS = tuple(
    (f"depth{levels}{suffix}", levels, every)
    for levels in (5, 10, 20)
    for suffix, every in (("", 1000), ("@100ms", 100))
)
QUEUE_LIMIT = 10_000  # a client further behind than this loses messages, as a slow Binance client would


class Connection:
    """One WebSocket client and the streams it follows."""

    def __init__(self, ws: web.WebSocketResponse, combined: bool) -> None:
        self.ws = ws
        self.combined = combined
        self.streams: set[str] = set()
        self.queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_LIMIT)

    async def pump(self) -> None:
        while True:
            text = await self.queue.get()
            await self.ws.send_str(text)


class StreamHub:
    """Routes market ticks and account events to the connections subscribed to them."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.subscribers: dict[str, set[Connection]] = defaultdict(set)
        self.connections: set[Connection] = set()
        self.users = UserStreams(sim)
        self._last_mini: dict[str, int] = {}
        self._last_depth: dict[str, int] = {}  # stream -> market time of its last snapshot
        self.messages_sent = 0
        sim.market.listeners.append(self.on_trade)

    # --- publishing --------------------------------------------------------------------------
    def publish(self, stream: str, payload: dict[str, Any]) -> None:
        connections = self.subscribers.get(stream)
        if not connections:
            return
        raw = combined = ""
        for conn in connections:
            if conn.combined:
                combined = combined or json.dumps({"stream": stream, "data": payload}, separators=(",", ":"))
                text = combined
            else:
                raw = raw or json.dumps(payload, separators=(",", ":"))
                text = raw
            with contextlib.suppress(asyncio.QueueFull):
                conn.queue.put_nowait(text)
                self.messages_sent += 1

    def on_trade(self, trade: TradeTick) -> None:
        prefix = trade.symbol.lower() + "@"
        subs = self.subscribers
        now = trade.time_ms
        if subs.get(prefix + "trade"):
            self.publish(prefix + "trade", {
                "e": "trade", "E": now, "s": trade.symbol, "t": trade.trade_id, "p": fmt(trade.price),
                "q": fmt(trade.qty), "T": now, "m": trade.buyer_is_maker, "M": True,
            })  # fmt: skip
        market = self.sim.market.symbols[trade.symbol]
        for interval, candle in trade.closed:
            if subs.get(f"{prefix}kline_{interval}"):
                self.publish(f"{prefix}kline_{interval}", _kline_event(trade.symbol, interval, candle, True, now))
        for interval, series in market.series.items():
            stream = f"{prefix}kline_{interval}"
            if series.current is not None and subs.get(stream):
                self.publish(stream, _kline_event(trade.symbol, interval, series.current, False, now))
        if subs.get(prefix + "bookTicker"):
            bid, ask = book.best_prices(market.last_price_decimal(), market.spec)
            depth = fmt(market.spec.depth_qty)
            self.publish(prefix + "bookTicker", {
                "u": trade.trade_id, "s": trade.symbol, "b": fmt(bid), "B": depth, "a": fmt(ask), "A": depth,
            })  # fmt: skip
        for kind, levels, every in PARTIAL_DEPTHS:
            stream = prefix + kind
            if subs.get(stream) and now - self._last_depth.get(stream, -every) >= every:
                self._last_depth[stream] = now
                self.publish(stream, _partial_depth(market, levels))
        if subs.get(prefix + "miniTicker") and now - self._last_mini.get(trade.symbol, 0) >= 1000:
            self._last_mini[trade.symbol] = now
            self.publish(prefix + "miniTicker", _mini_ticker(market, now))

    # --- connections -------------------------------------------------------------------------
    def subscribe(self, conn: Connection, names: list[str]) -> None:
        for name in names:
            if "@" in name:  # symbols are lower case, stream kinds are not
                symbol, _, kind = name.partition("@")
                name = f"{symbol.lower()}@{kind}"
            conn.streams.add(name)
            self.subscribers[name].add(conn)

    def unsubscribe(self, conn: Connection, names: list[str]) -> None:
        for name in names:
            conn.streams.discard(name)
            self.subscribers.get(name, set()).discard(conn)

    async def drop_all(self) -> int:
        """Close every connection (fault injection); returns how many were closed."""
        closing = list(self.connections)
        for conn in closing:
            await conn.ws.close(code=WSCloseCode.GOING_AWAY, message=b"dropped by the simulator")
        return len(closing)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        combined = request.path.startswith("/stream")
        names = request.query.get("streams", "") if combined else request.match_info.get("streams", "")
        ws = web.WebSocketResponse(autoping=True, heartbeat=None)
        await ws.prepare(request)
        conn = Connection(ws, combined)
        self.connections.add(conn)
        self.subscribe(conn, [n for n in names.split("/") if n])
        writer = asyncio.create_task(conn.pump())
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._on_request(conn, message.data)
        finally:
            writer.cancel()
            self.unsubscribe(conn, list(conn.streams))
            self.connections.discard(conn)
        return ws

    async def _on_request(self, conn: Connection, text: str) -> None:
        try:
            request = json.loads(text)
            method, params, request_id = request["method"], request.get("params", []), request.get("id")
        except (ValueError, KeyError, TypeError):
            await conn.ws.send_str(json.dumps({"error": {"code": 2, "msg": "Invalid request"}, "id": None}))
            return
        if method == "SUBSCRIBE":
            self.subscribe(conn, list(params))
            result: Any = None
        elif method == "UNSUBSCRIBE":
            self.unsubscribe(conn, list(params))
            result = None
        elif method == "LIST_SUBSCRIPTIONS":
            result = sorted(conn.streams)
        else:
            await conn.ws.send_str(
                json.dumps({"error": {"code": 1, "msg": f"Unknown method {method}"}, "id": request_id})
            )
            return
        await conn.ws.send_str(json.dumps({"result": result, "id": request_id}))


def _kline_event(symbol: str, interval: str, candle: list[Any], closed: bool, now: int) -> dict[str, Any]:
    return {
        "e": "kline",
        "E": now,
        "s": symbol,
        "k": {
            "t": candle[cdl.OPEN_TIME],
            "T": candle[cdl.CLOSE_TIME],
            "s": symbol,
            "i": interval,
            "f": candle[cdl.FIRST_ID],
            "L": candle[cdl.LAST_ID],
            "o": fmt(candle[cdl.OPEN]),
            "c": fmt(candle[cdl.CLOSE]),
            "h": fmt(candle[cdl.HIGH]),
            "l": fmt(candle[cdl.LOW]),
            "v": fmt(candle[cdl.VOLUME]),
            "n": candle[cdl.COUNT],
            "x": closed,
            "q": fmt(candle[cdl.QUOTE_VOLUME]),
            "V": fmt(candle[cdl.TAKER_VOL]),
            "Q": fmt(candle[cdl.TAKER_QUOTE]),
            "B": "0",
        },
    }


def _partial_depth(market: SymbolMarket, levels: int) -> dict[str, Any]:
    price = market.last_price_decimal()
    return {
        "lastUpdateId": market.next_trade_id,
        "bids": [[fmt(p), fmt(q)] for p, q in book.book_side(price, market.spec, "bids", levels)],
        "asks": [[fmt(p), fmt(q)] for p, q in book.book_side(price, market.spec, "asks", levels)],
    }


def _mini_ticker(market: SymbolMarket, now: int) -> dict[str, Any]:
    rows = market.series["1h"].select(now - 86_400_000, None, 25)
    last = market.last_price
    return {
        "e": "24hrMiniTicker",
        "E": now,
        "s": market.spec.symbol,
        "c": fmt(last),
        "o": fmt(rows[0][cdl.OPEN] if rows else last),
        "h": fmt(max((r[cdl.HIGH] for r in rows), default=last)),
        "l": fmt(min((r[cdl.LOW] for r in rows), default=last)),
        "v": fmt(sum(r[cdl.VOLUME] for r in rows)),
        "q": fmt(sum(r[cdl.QUOTE_VOLUME] for r in rows)),
    }


HUB_KEY: web.AppKey[StreamHub] = web.AppKey("stream_hub", StreamHub)
