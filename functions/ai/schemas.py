"""Request and response bodies of ``/ai/analyze`` (they document the OpenAPI schema too)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_CANDLES = 1500


class CandleIn(BaseModel):
    """One candle: an object, or a Binance kline array ``[open_time, open, high, low, close, volume, close_time, ...]``.

    Prices and volume may be decimal strings (as Binance sends them) or numbers.
    """

    model_config = ConfigDict(extra="ignore")

    open_time: int = Field(ge=0, description="Open time, epoch milliseconds")
    open: float
    high: float
    low: float
    close: float
    volume: float
    close_time: int | None = Field(default=None, description="Close time, epoch milliseconds (optional)")

    @model_validator(mode="before")
    @classmethod
    def _from_kline(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            if len(value) < 6:
                raise ValueError("a kline array needs at least [open_time, open, high, low, close, volume]")
            keys = ("open_time", "open", "high", "low", "close", "volume", "close_time")
            return dict(zip(keys, value, strict=False))
        return value

    def row(self) -> tuple[float, float, float, float, float, float]:
        return (self.open_time, self.open, self.high, self.low, self.close, self.volume)


class AnalyzeRequest(BaseModel):
    """``candles`` are the primary ``timeframe``'s, oldest first; ``timeframes`` adds others, e.g. ``{"4h": [...]}``."""

    symbol: str = Field(pattern=r"^[A-Z0-9]{5,20}$", examples=["BTCUSDT"])
    timeframe: str = Field(examples=["1h"])
    candles: list[CandleIn] = Field(max_length=MAX_CANDLES)
    timeframes: dict[str, list[CandleIn]] = Field(default_factory=dict, max_length=6)
    technical_indicators: dict[str, Any] | None = Field(
        default=None, description="Extra indicators from the caller, passed to the LLM as context"
    )


class AnalyzeResponse(BaseModel):
    analysis_id: str
    symbol: str
    timeframe: str
    signal: str = Field(description="Long, Short or Neutral")
    confidence: float = Field(ge=0, le=1)
    reasoning: str
    source: str = Field(description="llm, technical or cache")
    model_version: str
    processing_time_ms: float
    candle_time: int = Field(description="Open time (ms) of the last closed candle analysed")
    timestamp: str
    trace_id: str | None
    indicators: dict[str, dict[str, float | None]] = Field(description="Latest indicator values per timeframe")
