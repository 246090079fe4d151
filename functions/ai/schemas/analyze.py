"""Request and response bodies of ``/ai/analyze`` (they document the OpenAPI schema too)."""

from __future__ import annotations

from typing import (
    Annotated,
    Any,
    NotRequired,  # pydantic needs typing_extensions' TypedDict on 3.11
)

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from tradecore.domain.client_indicators import MAX_CLIENT_INDICATORS, NAME_PATTERN

MAX_CANDLES = 1500


class CandleObject(TypedDict):
    """One candle; prices and volume as decimal strings (as Binance sends them) or numbers."""

    open_time: int  # epoch milliseconds
    open: float
    high: float
    low: float
    close: float
    volume: float
    close_time: NotRequired[int]


# A Binance kline array: [open_time, open, high, low, close, volume, close_time, ...]
KlineArray = Annotated[list[float], Field(min_length=6, max_length=12)]

# A TypedDict union tried left to right keeps validation inside pydantic-core (1500 candles in
# ~1-2 ms); a model per candle with a Python validator costs ~10 ms.
Candle = Annotated[CandleObject | KlineArray, Field(union_mode="left_to_right")]


def candle_rows(candles: list[Any]) -> list[tuple[float, ...]]:
    """(open_time, open, high, low, close, volume) per candle, for either accepted shape."""
    return [
        tuple(c[:6])
        if isinstance(c, list)
        else (c["open_time"], c["open"], c["high"], c["low"], c["close"], c["volume"])
        for c in candles
    ]


class AnalyzeRequest(BaseModel):
    """``candles`` are the primary ``timeframe``'s, oldest first; ``timeframes`` adds others, e.g. ``{"4h": [...]}``."""

    symbol: str = Field(pattern=r"^[A-Z0-9]{5,20}$", examples=["BTCUSDT"])
    timeframe: str = Field(examples=["1h"])
    candles: list[Candle] = Field(max_length=MAX_CANDLES)
    timeframes: dict[str, Annotated[list[Candle], Field(max_length=MAX_CANDLES)]] = Field(
        default_factory=dict, max_length=6
    )
    technical_indicators: (
        dict[Annotated[str, Field(pattern=NAME_PATTERN)], Annotated[float, Field(strict=True, allow_inf_nan=False)]]
        | None
    ) = Field(
        default=None,
        max_length=MAX_CLIENT_INDICATORS,
        description="Extra indicators from the caller (at most 32 names of [A-Za-z0-9_.]{1,40}, finite numbers), "
        "passed to the LLM as context",
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


def inline_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its ``$defs`` inlined, for ``openapi_extra`` (which cannot hold ``$defs``)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved
