"""The market stream adapter: Binance payloads as domain events, stream names, reconnect back-off."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from tradecore.adapters.binance.streams import BinanceMarketStream, backoff_delay, parse_event, stream_names
from tradecore.config import Settings
from tradecore.domain.market_events import CandleTick, PriceTick

TRADE = {"stream": "btcusdt@trade", "data": {"e": "trade", "E": 1, "s": "BTCUSDT", "t": 7, "p": "64000.10",
                                             "q": "0.01", "T": 1_795_597_200_123, "m": True, "M": True}}  # fmt: skip
KLINE_BODY = {"t": 1_795_597_200_000, "T": 1_795_597_259_999, "s": "BTCUSDT", "i": "1m", "f": 1, "L": 2,
              "o": "1.0", "c": "2.5", "h": "3.0", "l": "0.5", "v": "10", "n": 2, "x": True, "q": "25"}  # fmt: skip
KLINE = {"stream": "btcusdt@kline_1m", "data": {"e": "kline", "E": 1_795_597_259_999, "s": "BTCUSDT", "k": KLINE_BODY}}


def test_parse_event_trade_is_a_price_tick() -> None:
    assert parse_event(TRADE) == PriceTick("BTCUSDT", Decimal("64000.10"), 1_795_597_200_123)


def test_parse_event_kline_is_a_candle_tick() -> None:
    tick = parse_event(KLINE)

    assert isinstance(tick, CandleTick)
    assert (tick.symbol, tick.interval, tick.closed, tick.time_ms) == ("BTCUSDT", "1m", True, 1_795_597_259_999)
    assert (tick.candle.open, tick.candle.close, tick.candle.high, tick.candle.low) == (
        Decimal("1.0"), Decimal("2.5"), Decimal("3.0"), Decimal("0.5"),
    )  # fmt: skip
    assert (tick.candle.open_time, tick.candle.close_time, tick.candle.trades) == (
        1_795_597_200_000,
        1_795_597_259_999,
        2,
    )


def test_parse_event_other_kinds_are_ignored() -> None:
    assert parse_event({"stream": "x", "data": {"e": "24hrMiniTicker", "s": "BTCUSDT"}}) is None


def test_parse_event_malformed_payload_raises() -> None:
    with pytest.raises(KeyError):
        parse_event({"data": {"e": "trade", "s": "BTCUSDT"}})


def test_stream_names_lower_case_symbols_trades_book_and_every_interval() -> None:
    assert stream_names(["BTCUSDT", "ETHUSDT"], ["1m", "1h"]) == [
        "btcusdt@trade", "btcusdt@depth10@100ms", "btcusdt@kline_1m", "btcusdt@kline_1h",
        "ethusdt@trade", "ethusdt@depth10@100ms", "ethusdt@kline_1m", "ethusdt@kline_1h",
    ]  # fmt: skip


@pytest.mark.parametrize(("attempt", "low", "high"), [(0, 0.25, 0.5), (1, 0.5, 1.0), (3, 2.0, 4.0), (10, 15.0, 30.0)])
def test_backoff_delay_doubles_with_jitter_up_to_the_cap(attempt: int, low: float, high: float) -> None:
    assert backoff_delay(attempt, base=0.5, cap=30.0, rng=lambda: 0.0) == low
    assert backoff_delay(attempt, base=0.5, cap=30.0, rng=lambda: 1.0) == high


class ScriptedStream(BinanceMarketStream):
    """Each connection replays one script: messages, then the exception that ends it."""

    def __init__(self, settings: Settings, scripts: list[tuple[list[dict[str, Any]], Exception]]) -> None:
        self.sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        super().__init__(settings, sleep=sleep, rng=lambda: 0.0, backoff_base_seconds=1.0, backoff_cap_seconds=8.0)
        self.scripts = scripts
        self.connections = 0

    async def _connection(self, names: list[str]) -> AsyncIterator[dict[str, Any]]:
        self.connections += 1
        if not self.scripts:
            await asyncio.Event().wait()
        messages, ending = self.scripts.pop(0)
        for message in messages:
            yield message
        raise ending


def test_events_reconnect_with_growing_backoff_reset_after_a_message(make_settings: Any) -> None:
    stream = ScriptedStream(make_settings(), [
        ([], OSError("refused")), ([], OSError("refused")), ([TRADE], OSError("closed")), ([KLINE], OSError("x")),
    ])  # fmt: skip

    async def read(count: int) -> list[object]:
        got: list[object] = []
        async for event in stream.events(["BTCUSDT"], ["1m"]):
            got.append(event)
            if len(got) == count:
                break
        return got

    events = asyncio.run(asyncio.wait_for(read(2), 5))

    assert [type(e).__name__ for e in events] == ["PriceTick", "CandleTick"]
    assert stream.sleeps == [0.5, 1.0, 0.5]  # 1 s, 2 s halved by the jitter floor; reset after the trade


def test_events_skip_an_unreadable_message(make_settings: Any) -> None:
    broken = {"data": {"e": "trade", "s": "BTCUSDT", "p": "not-a-number", "T": 1}}
    stream = ScriptedStream(make_settings(), [([broken, TRADE], OSError("closed"))])

    async def first() -> object:
        async for event in stream.events(["BTCUSDT"], ["1m"]):
            return event
        return None

    assert asyncio.run(asyncio.wait_for(first(), 5)) == parse_event(TRADE)


def test_stream_url_points_at_the_simulator(make_settings: Any) -> None:
    stream = BinanceMarketStream(make_settings(binance_simulator_url="http://127.0.0.1:9123"))

    assert stream.url == "ws://127.0.0.1:9123/"
