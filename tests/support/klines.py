"""The deterministic test candles (tests.support.candles) as the exchange's klines, Decimal prices."""

from __future__ import annotations

from decimal import Decimal

from tests.support.candles import HOUR_MS, make_candles
from tradecore.domain.orders import Kline


def make_klines(kind: str = "up", count: int = 120, *, step_ms: int = HOUR_MS) -> list[Kline]:
    """``count`` klines of ``kind`` (``up``, ``down``, ``flat``), oldest first, as the exchange client returns them."""
    klines = []
    for candle in make_candles(kind, count, step_ms=step_ms):
        open_time = int(str(candle["open_time"]))
        klines.append(
            Kline(
                open_time=open_time,
                open=Decimal(str(candle["open"])),
                high=Decimal(str(candle["high"])),
                low=Decimal(str(candle["low"])),
                close=Decimal(str(candle["close"])),
                volume=Decimal(str(candle["volume"])),
                close_time=open_time + step_ms - 1,
                quote_volume=Decimal(0),
                trades=0,
            )
        )
    return klines
