"""The market stream adapter's order book and reconnect notice: Binance's partial book depth payload
(combined stream) as a BookTick of the top ten levels, and a StreamConnected event per connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from tradecore.adapters.binance import streams
from tradecore.adapters.binance.streams import BinanceMarketStream, parse_event
from tradecore.config import Settings
from tradecore.domain.market_events import BookTick, PriceTick, StreamConnected


def depth_message(levels: int, stream: str = "btcusdt@depth10@100ms") -> dict[str, Any]:
    bids = [[f"{100 - i}.50", f"{i + 1}.000"] for i in range(levels)]
    asks = [[f"{101 + i}.25", f"{i + 2}.000"] for i in range(levels)]
    return {"stream": stream, "data": {"lastUpdateId": 160, "bids": bids, "asks": asks}}


def test_parse_event_partial_depth_is_a_book_tick_of_decimals() -> None:
    tick = parse_event(depth_message(10))

    assert isinstance(tick, BookTick)
    assert (tick.symbol, tick.update_id) == ("BTCUSDT", 160)
    assert tick.bids[0] == (Decimal("100.50"), Decimal("1.000"))
    assert tick.asks[-1] == (Decimal("110.25"), Decimal("11.000"))
    assert tick.to_json()["bids"][0] == ["100.50", "1.000"]  # strings, exactly as the exchange wrote them


def test_parse_event_partial_depth_keeps_the_top_ten_levels() -> None:
    tick = parse_event(depth_message(20, stream="ethusdt@depth20@100ms"))

    assert isinstance(tick, BookTick)
    assert tick.symbol == "ETHUSDT"
    assert (len(tick.bids), len(tick.asks)) == (10, 10)
    assert tick.bids[-1][0] == Decimal("91.50")  # the tenth best, not the twentieth


def test_parse_event_raw_depth_without_a_stream_name_is_ignored() -> None:
    assert parse_event(depth_message(10)["data"]) is None


class ConnectingStream(BinanceMarketStream):
    """Each connection opens (the marker), sends one trade, then fails."""

    def __init__(self, settings: Settings) -> None:
        async def no_sleep(seconds: float) -> None: ...

        super().__init__(settings, sleep=no_sleep, rng=lambda: 0.0)

    async def _connection(self, names: list[str]) -> AsyncIterator[dict[str, Any]]:
        yield streams._CONNECTED
        yield {"stream": "btcusdt@trade", "data": {"e": "trade", "s": "BTCUSDT", "p": "1.5", "T": 5}}
        raise OSError("closed")


def test_events_announce_every_connection_opened(make_settings: Any) -> None:
    stream = ConnectingStream(make_settings())

    async def read(count: int) -> list[object]:
        got: list[object] = []
        async for event in stream.events(["BTCUSDT"], ["1m"]):
            got.append(event)
            if len(got) == count:
                break
        return got

    events = asyncio.run(asyncio.wait_for(read(4), 5))

    trade = PriceTick("BTCUSDT", Decimal("1.5"), 5)
    assert events == [StreamConnected(), trade, StreamConnected(), trade]
