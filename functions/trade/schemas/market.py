"""Market data: candles and last prices, every amount a decimal string (exact)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tradecore.domain.orders import Kline


class CandleBody(BaseModel):
    open_time: int = Field(description="Epoch milliseconds")
    open: str
    high: str
    low: str
    close: str
    volume: str = Field(description="In the base asset")
    close_time: int = Field(description="Epoch milliseconds; in the future for the candle still open")
    quote_volume: str
    trades: int


class CandlesBody(BaseModel):
    symbol: str
    interval: str
    candles: list[CandleBody] = Field(description="Oldest first")


class PricesBody(BaseModel):
    prices: dict[str, str] = Field(description="Last price by symbol", examples=[{"BTCUSDT": "50000.01"}])


def candle_body(k: Kline) -> dict[str, Any]:
    return {
        "open_time": k.open_time, "open": format(k.open, "f"), "high": format(k.high, "f"), "low": format(k.low, "f"),
        "close": format(k.close, "f"), "volume": format(k.volume, "f"), "close_time": k.close_time,
        "quote_volume": format(k.quote_volume, "f"), "trades": k.trades,
    }  # fmt: skip
