"""AI signals: stored analyses a page at a time, and a user's "analyze now"."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradecore.domain.analysis_answer import AnalysisAnswer
from tradecore.domain.analysis_record import AnalysisRecord
from tradecore.services.market.analyze_now import OnDemandAnalysis

SignalName = Literal["Long", "Short", "Neutral"]


class AnalysisBody(BaseModel):
    analysis_id: str | None = Field(description="null for a technical analysis made when the AI service was down")
    symbol: str
    timeframe: str
    timeframes: list[str] = Field(description="The other timeframes analysed")
    signal: SignalName
    confidence: float = Field(ge=0, le=1)
    reasoning: str
    source: Literal["llm", "technical", "cache"] = Field(description="What the analyzer used")
    model_version: str
    candle_time: int | None = Field(description="Open time (ms) of the last closed candle analysed")
    timestamp: str = Field(description="When it was made (ISO 8601)")


class SignalPageBody(BaseModel):
    signals: list[AnalysisBody] = Field(description="Newest first")
    next_cursor: str | None


class AnalyzeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(pattern=r"^[A-Z0-9]{5,20}$", examples=["BTCUSDT"])
    timeframe: str = Field(examples=["1h"])
    timeframes: list[str] = Field(default_factory=list, max_length=5, description="Other timeframes to weigh in")


class AnalyzeResponse(BaseModel):
    analysis: AnalysisBody
    origin: Literal["ai_service", "cache", "local_technical"] = Field(
        description="ai_service: asked now; cache: the same question (symbol, timeframes, last closed candle) "
        "answered within the last 2 minutes; local_technical: the AI service could not answer"
    )
    degraded: bool
    reason: str | None = Field(description="Why a fallback answered, in words")


def record_body(record: AnalysisRecord) -> dict[str, Any]:
    return {
        "analysis_id": record.analysis_id, "symbol": record.symbol, "timeframe": record.timeframe,
        "timeframes": [t for t in record.timeframes if t != record.timeframe], "signal": record.signal.value,
        "confidence": record.confidence, "reasoning": record.reasoning, "source": record.source.value,
        "model_version": record.model_version, "candle_time": record.candle_time,
        "timestamp": record.timestamp.isoformat(),
    }  # fmt: skip


def answer_body(answer: AnalysisAnswer) -> dict[str, Any]:
    body = answer.to_json()
    body.pop("indicators")
    return body


def analyze_body(outcome: OnDemandAnalysis) -> dict[str, Any]:
    return {"analysis": answer_body(outcome.answer), "origin": outcome.origin, "degraded": outcome.degraded,
            "reason": outcome.reason}  # fmt: skip
