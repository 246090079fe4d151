"""The exchange's market streams through python-binance's async socket manager, as domain events.

One combined connection carries ``<symbol>@trade``, ``<symbol>@kline_<interval>`` and the partial
book depth ``<symbol>@depth10@100ms`` (top ten levels each side, every 100 ms) for every platform
symbol; each connection opened is announced with a ``StreamConnected`` event, so the reader can
fetch what closed during the gap. python-binance reconnects a few times on its own and then only reports an error
message; here any error, close or silence ends the connection, and the next one opens after an
exponential back-off with jitter (reset once a message arrives). ``BinanceSocketManager.STREAM_URL``
is pointed at the simulator, the testnet or mainnet by the connection settings; ``import binance``
happens on the first connection.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any

from tradecore.adapters.binance.client import BinanceConnection
from tradecore.config import Settings
from tradecore.domain.market_events import BookTick, CandleTick, MarketEvent, PriceTick, StreamConnected
from tradecore.domain.orders import Kline
from tradecore.observability import logger

BOOK_LEVELS = 10
BOOK_STREAM = f"depth{BOOK_LEVELS}@100ms"  # Binance's partial book depth stream: a snapshot, not a diff
_CONNECTED: dict[str, Any] = {}  # marks "a connection just opened" among one connection's messages


class StreamInterruptedError(Exception):
    """The connection failed, closed or went silent; the stream reconnects."""


def stream_names(symbols: Sequence[str], intervals: Sequence[str]) -> list[str]:
    """Binance's stream names (lower-case symbols) for trades, the book and candles of every symbol."""
    names: list[str] = []
    for symbol in symbols:
        lower = symbol.lower()
        names.extend((f"{lower}@trade", f"{lower}@{BOOK_STREAM}"))
        names.extend(f"{lower}@kline_{interval}" for interval in intervals)
    return names


def backoff_delay(attempt: int, *, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Seconds before reconnect ``attempt`` (0-based): half of ``min(cap, base * 2**attempt)`` fixed,
    half random, so a fleet of tasks never reconnects in step and the first retry is quick."""
    ceiling = min(cap, base * (2**attempt))
    return ceiling / 2 + rng() * ceiling / 2


def parse_event(message: dict[str, Any]) -> MarketEvent | None:
    """A combined-stream message as a domain event; ``None`` for kinds the worker does not use.
    ``KeyError``/``ValueError``/``ArithmeticError`` for a payload that is not Binance's."""
    data = message.get("data", message)
    if "lastUpdateId" in data:  # partial book depth: no event type, the symbol is in the stream name
        return _book(message.get("stream", ""), data)
    kind = data.get("e")
    if kind in ("trade", "aggTrade"):
        return PriceTick(symbol=data["s"], price=Decimal(data["p"]), time_ms=int(data["T"]))
    if kind == "kline":
        k = data["k"]
        candle = Kline(
            open_time=int(k["t"]), open=Decimal(k["o"]), high=Decimal(k["h"]), low=Decimal(k["l"]),
            close=Decimal(k["c"]), volume=Decimal(k["v"]), close_time=int(k["T"]), quote_volume=Decimal(k["q"]),
            trades=int(k["n"]),
        )  # fmt: skip
        return CandleTick(data["s"], k["i"], candle, bool(k["x"]), int(data["E"]))
    return None


def _book(stream: str, data: dict[str, Any]) -> BookTick | None:
    symbol, _, kind = stream.partition("@")
    if not symbol or not kind.startswith("depth"):
        return None  # a raw (uncombined) depth message does not say whose book it is

    def levels(rows: list[list[str]]) -> tuple[tuple[Decimal, Decimal], ...]:
        return tuple((Decimal(price), Decimal(qty)) for price, qty in rows[:BOOK_LEVELS])

    return BookTick(symbol.upper(), levels(data["bids"]), levels(data["asks"]), int(data["lastUpdateId"]))


class BinanceMarketStream:
    """The :class:`~tradecore.ports.stream.MarketStream` over Binance's combined market streams."""

    def __init__(
        self,
        settings: Settings,
        *,
        backoff_base_seconds: float = 0.5,
        backoff_cap_seconds: float = 30.0,
        idle_seconds: float = 60.0,
        read_timeout_seconds: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.url = BinanceConnection(settings).stream_url  # reads settings only: no client is built
        self._base, self._cap = backoff_base_seconds, backoff_cap_seconds
        self._idle = idle_seconds  # no message this long: the connection is presumed dead
        self._read_timeout = read_timeout_seconds  # python-binance notices a close only between reads
        self._sleep = sleep
        self._rng = rng

    async def events(self, symbols: Sequence[str], intervals: Sequence[str]) -> AsyncIterator[MarketEvent]:
        names = stream_names(symbols, intervals)
        attempt = 0
        while True:
            try:
                async for message in self._connection(names):
                    if message is _CONNECTED:
                        yield StreamConnected()
                        continue
                    attempt = 0
                    event = _parsed(message)
                    if event is not None:
                        yield event
            except Exception as exc:  # noqa: BLE001 - every failure of one connection means "reconnect"
                delay = backoff_delay(attempt, base=self._base, cap=self._cap, rng=self._rng)
                logger.warning(
                    "market stream interrupted, reconnecting",
                    extra={"error": type(exc).__name__, "reason": str(exc)[:200], "attempt": attempt + 1,
                           "delay_seconds": round(delay, 2)},
                )  # fmt: skip
                attempt += 1
                await self._sleep(delay)

    async def _connection(self, names: list[str]) -> AsyncIterator[dict[str, Any]]:
        """Messages of one connection until it fails (it always ends by raising)."""
        from binance import AsyncClient, BinanceSocketManager

        client = AsyncClient()
        try:
            manager = BinanceSocketManager(client, max_queue_size=10_000)
            manager.STREAM_URL = self.url
            socket = manager.multiplex_socket(names)
            socket.TIMEOUT = self._read_timeout
            # never python-binance's own reconnect: one racing our exit re-opens the socket and its
            # read loop then never stops, so the exit (and the stream) hangs; we reconnect ourselves
            socket.MAX_RECONNECTS = 0
            async with socket as stream:
                logger.info("market stream connected", extra={"streams": len(names)})
                yield _CONNECTED
                while True:
                    try:
                        message = await asyncio.wait_for(stream.recv(), self._idle)
                    except TimeoutError as exc:
                        raise StreamInterruptedError(f"no message for {self._idle:.0f} s") from exc
                    if message.get("e") == "error":
                        raise StreamInterruptedError(f"{message.get('type')}: {message.get('m')}")
                    yield message
        finally:
            await client.close_connection()


def _parsed(message: dict[str, Any]) -> MarketEvent | None:
    try:
        return parse_event(message)
    except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
        logger.warning("unreadable market message skipped", extra={"error": type(exc).__name__})
        return None
