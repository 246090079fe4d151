"""The stream task's market side: live prices, order books and candles to the WebSocket channels,
closed candles to the AI and the AutoTrader, and a heartbeat for health.

``prices:<SYMBOL>`` gets a ``price_update`` at most once per ``throttle_seconds`` per symbol (sent at
once when due, the newest price winning, never an older one after a newer); each
``candles:<SYMBOL>:<interval>`` gets ``candle_update`` under the same rule, except that a closed
candle is sent at once (it is final) and only once; ``book:<SYMBOL>`` gets ``book_update`` (the top
ten levels) under the same 100 ms rule. After a reconnect the candles that closed during the gap are
fetched from the exchange before the new connection's events are read, and handled as if streamed
(only the newest of an analysis timeframe is analysed: an older one's signal is stale). A closed
candle of an analysis timeframe is analysed once per symbol, timeframe and candle, in a thread,
never holding up the stream. Publishing runs on one
thread in order (the publisher's port is blocking), so the event loop only reads and coalesces.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tradecore.domain.market_events import BookTick, CandleTick, MarketEvent, PriceTick, StreamConnected
from tradecore.domain.realtime import MessageType
from tradecore.observability import logger
from tradecore.ports import ChannelPublisher
from tradecore.ports.stream import CandleHistory, MarketStream, StreamHeartbeat
from tradecore.services.realtime.backfill import CandleGaps, fetch_missed
from tradecore.services.realtime.coalescer import Coalescer

HEARTBEAT_COMPONENT = "stream"


@dataclass(frozen=True)
class StreamPolicy:
    symbols: tuple[str, ...]
    candle_intervals: tuple[str, ...]  # streamed to candles:<SYMBOL>:<interval>
    analysis_timeframes: tuple[str, ...]  # whose closed candles are analysed (the automation timeframes)
    throttle_seconds: float = 0.1
    heartbeat_seconds: float = 10.0
    drain_seconds: float = 5.0  # on stop, how long analyses in flight may still finish
    backfill_seconds: float = 15.0  # how long the stream waits for the candles missed in a gap

    @property
    def intervals(self) -> tuple[str, ...]:
        """Every interval the stream must carry (charts and analyses), each once."""
        return tuple(dict.fromkeys((*self.candle_intervals, *self.analysis_timeframes)))


@dataclass(frozen=True)
class Outgoing:
    channel: str
    message_type: MessageType
    data: dict[str, Any]


class NewestQueued:
    """Which live message of each channel is the newest queued for publishing.

    Fan-out to many clients can be slower than the market (1,000 clients at a few hundred posts a
    second take seconds per tick): the publishing queue would then grow without bound and every
    client would see prices seconds old. A live value (a price, a book, an open candle) that a newer
    one of its channel has overtaken in the queue is skipped instead; final messages (a closed
    candle) are always sent. Thread-safe: queued on the event loop, checked on the publishing thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._newest: dict[str, Outgoing] = {}

    def queued(self, message: Outgoing) -> None:
        if _is_live(message):
            with self._lock:
                self._newest[message.channel] = message

    def superseded(self, message: Outgoing) -> bool:
        if not _is_live(message):
            return False
        with self._lock:
            return self._newest.get(message.channel, message) is not message


def _is_live(message: Outgoing) -> bool:
    return message.message_type is not MessageType.CANDLE_UPDATE or not message.data.get("closed", False)


class StreamWorker:
    """Reads the market stream until stopped; :meth:`on_event` and :meth:`flush_due` are the pure part."""

    def __init__(
        self,
        policy: StreamPolicy,
        source: MarketStream,
        publisher: ChannelPublisher,
        heartbeat: StreamHeartbeat,
        on_candle_closed: Callable[[CandleTick], object],
        *,
        history: CandleHistory | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy
        self._source = source
        self._publisher = publisher
        self._newest = NewestQueued()
        self._heartbeat = heartbeat
        self._on_candle_closed = on_candle_closed
        self._wall_clock = wall_clock
        self._clock = clock
        self._coalescer: Coalescer[str, Outgoing] = Coalescer(policy.throttle_seconds, clock)
        self._analysed: dict[tuple[str, str], int] = {}  # (symbol, timeframe) -> last analysed open time
        self._held = asyncio.Event()
        self._analyses: set[asyncio.Task[None]] = set()
        self._symbols = frozenset(policy.symbols)
        self._history = history  # without it, a gap is not backfilled
        self._gaps = CandleGaps()

    # --- the pure part ---------------------------------------------------------------------------
    def on_event(self, event: MarketEvent) -> list[Outgoing]:
        """The messages to send now for ``event`` (others are held until due or dropped as stale)."""
        if isinstance(event, StreamConnected) or event.symbol not in self._symbols:
            return []
        if isinstance(event, PriceTick):
            channel = f"prices:{event.symbol}"
            data = {"symbol": event.symbol, "price": str(event.price), "time": event.time_ms}
            message = Outgoing(channel, MessageType.PRICE_UPDATE, data)
            sent = self._coalescer.offer(channel, message, event.time_ms)
        elif isinstance(event, BookTick):
            channel = f"book:{event.symbol}"
            message = Outgoing(channel, MessageType.BOOK_UPDATE, event.to_json())
            sent = self._coalescer.offer(channel, message, event.update_id)
        else:
            if not self._gaps.note(event):
                return []  # a close already passed on (streamed again, or fetched after a gap)
            channel = f"candles:{event.symbol}:{event.interval}"
            message = Outgoing(channel, MessageType.CANDLE_UPDATE, event.to_json())
            rank = (event.candle.open_time, event.closed, event.time_ms)
            sent = self._coalescer.offer(channel, message, rank, urgent=event.closed)
        if sent is None:
            self._held.set()
            return []
        return [sent]

    def flush_due(self) -> list[Outgoing]:
        """The held messages whose channel is due now."""
        return [message for _, message in self._coalescer.due()]

    def should_analyse(self, tick: CandleTick) -> bool:
        """True once per symbol, timeframe and closed candle of an analysis timeframe (a candle seen
        again after a reconnect is not analysed twice)."""
        if not tick.closed or tick.interval not in self.policy.analysis_timeframes:
            return False
        key = (tick.symbol, tick.interval)
        if self._analysed.get(key, -1) >= tick.candle.open_time:
            return False
        self._analysed[key] = tick.candle.open_time
        return True

    def missed_candles(self) -> list[CandleTick]:
        """The closed candles the stream missed while it was down (blocking: one exchange read per
        symbol and interval followed); empty without a history port."""
        return [] if self._history is None else fetch_missed(self._history, self._gaps)

    # --- the loop --------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Stream, coalesce, publish, analyse and beat until ``stop`` is set; then return within
        ``drain_seconds`` (an analysis still running then is abandoned in its thread: the caller
        should exit without joining threads). Raises what ended the stream, if not ``stop``."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish")
        loop = asyncio.get_running_loop()

        def send(messages: list[Outgoing]) -> None:
            for message in messages:
                self._newest.queued(message)
                loop.run_in_executor(executor, self._publish, message)

        tasks = [
            asyncio.create_task(self._consume(send), name="stream-consume"),
            asyncio.create_task(self._flush(send), name="stream-flush"),
            asyncio.create_task(self._beat(), name="stream-heartbeat"),
        ]
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in [stopped, *tasks]:
            task.cancel()
        if self._analyses:  # a signal half fanned out is worth a few seconds; the caller's deadline is 10
            await asyncio.wait(self._analyses, timeout=self.policy.drain_seconds)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        executor.shutdown(wait=False, cancel_futures=True)
        for result in results:
            if isinstance(result, Exception):
                raise result
        logger.info("stream worker stopped")

    async def _consume(self, send: Callable[[list[Outgoing]], None]) -> None:
        symbols, intervals = self.policy.symbols, self.policy.intervals
        logger.info("stream worker started", extra={"symbols": list(symbols), "intervals": list(intervals)})
        async for event in self._source.events(symbols, intervals):
            if isinstance(event, StreamConnected):
                await self._backfill(send)  # before this connection's events: closes stay in order
                continue
            send(self.on_event(event))
            if isinstance(event, CandleTick) and self.should_analyse(event):
                self._start_analysis(event)

    async def _backfill(self, send: Callable[[list[Outgoing]], None]) -> None:
        try:
            missed = await asyncio.wait_for(asyncio.to_thread(self.missed_candles), self.policy.backfill_seconds)
        except Exception as exc:  # noqa: BLE001 - candles lost to a gap must not end the stream
            logger.warning("candles missed in the gap not fetched", extra={"error": type(exc).__name__})
            return
        newest: dict[tuple[str, str], CandleTick] = {}
        for tick in missed:
            send(self.on_event(tick))
            newest[(tick.symbol, tick.interval)] = tick
        for tick in newest.values():
            if self.should_analyse(tick):
                self._start_analysis(tick)
        if missed:
            logger.info("candles missed in the gap backfilled", extra={"candles": len(missed)})

    def _start_analysis(self, tick: CandleTick) -> None:
        task = asyncio.create_task(asyncio.to_thread(self._analyse, tick))
        self._analyses.add(task)
        task.add_done_callback(self._analyses.discard)

    async def _flush(self, send: Callable[[list[Outgoing]], None]) -> None:
        while True:
            due_at = self._coalescer.next_due()
            if due_at is None:
                self._held.clear()
                await self._held.wait()
                continue
            await asyncio.sleep(max(0.0, due_at - self._clock()))
            send(self.flush_due())

    async def _beat(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self._heartbeat.beat, HEARTBEAT_COMPONENT, self._wall_clock())
            except Exception as exc:  # noqa: BLE001 - a missed beat is health's news, never the stream's end
                logger.warning("stream heartbeat not recorded", extra={"error": type(exc).__name__})
            await asyncio.sleep(self.policy.heartbeat_seconds)

    def _publish(self, message: Outgoing) -> None:
        if self._newest.superseded(message):
            return  # a newer live value for this channel is queued: sending this one would only delay it
        try:
            self._publisher.publish(message.channel, message.message_type, message.data)
        except Exception as exc:  # noqa: BLE001 - the port promises not to raise; a broken one must not stop us
            logger.warning("publish failed", extra={"channel": message.channel, "error": type(exc).__name__})

    def _analyse(self, tick: CandleTick) -> None:
        try:
            self._on_candle_closed(tick)
        except Exception:  # noqa: BLE001 - one candle's analysis failing must not end the stream
            logger.exception("candle analysis failed", extra={"symbol": tick.symbol, "timeframe": tick.interval})
