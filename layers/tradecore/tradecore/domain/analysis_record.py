"""One stored analysis: what ``ai_analysis_results`` holds and what ``/ai/analyze`` answers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tradecore.domain.signals import Signal, Source

IndicatorsByTimeframe = dict[str, dict[str, float | None]]


@dataclass(frozen=True)
class AnalysisRecord:
    """An analysis of ``symbol`` on ``timeframe`` as of the closed candle opening at ``candle_time`` (ms)."""

    analysis_id: str
    symbol: str
    timeframe: str
    timeframes: tuple[str, ...]
    candle_time: int
    signal: Signal
    confidence: float
    reasoning: str
    source: Source
    model_version: str
    processing_time_ms: float
    tokens: int | None
    indicators: IndicatorsByTimeframe
    timestamp: datetime
    trace_id: str | None
    # digest of the market state analysed (see domain.analysis_digest); "" for analyses older than it
    input_digest: str = ""

    def as_cached(self) -> AnalysisRecord:
        return replace(self, source=Source.CACHE)

    def to_document(self) -> dict[str, Any]:
        """The MongoDB document; ``_id`` is the analysis id, so re-inserting it is harmless."""
        return {
            "_id": self.analysis_id,
            "analysis_id": self.analysis_id,
            "symbol": self.symbol,
            "timeframe": self.timeframe,
            "timeframes": list(self.timeframes),
            "candle_time": self.candle_time,
            "signal": self.signal.value,
            "confidence": self.confidence,
            "reasoning": self.reasoning,
            "source": self.source.value,
            "indicators": self.indicators,
            "timestamp": self.timestamp,
            "trace_id": self.trace_id,
            "input_digest": self.input_digest,
            "metadata": {
                "model_version": self.model_version,
                "processing_time_ms": self.processing_time_ms,
                "tokens": self.tokens,
            },
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> AnalysisRecord:
        metadata = doc.get("metadata") or {}
        return cls(
            analysis_id=str(doc["analysis_id"]),
            symbol=doc["symbol"],
            timeframe=doc["timeframe"],
            timeframes=tuple(doc.get("timeframes") or (doc["timeframe"],)),
            candle_time=int(doc["candle_time"]),
            signal=Signal(doc["signal"]),
            confidence=float(doc["confidence"]),
            reasoning=doc.get("reasoning", ""),
            source=Source(doc["source"]),
            model_version=metadata.get("model_version", "unknown"),
            processing_time_ms=float(metadata.get("processing_time_ms") or 0.0),
            tokens=metadata.get("tokens"),
            indicators=doc.get("indicators") or {},
            timestamp=doc["timestamp"],
            trace_id=doc.get("trace_id"),
            input_digest=doc.get("input_digest") or "",
        )

    def to_response(self, processing_time_ms: float) -> dict[str, Any]:
        """The ``/ai/analyze`` body; ``processing_time_ms`` is this request's own time."""
        return {
            "analysis_id": self.analysis_id,
            "symbol": self.symbol,
            "timeframe": self.timeframe,
            "signal": self.signal.value,
            "confidence": self.confidence,
            "reasoning": self.reasoning,
            "source": self.source.value,
            "model_version": self.model_version,
            "processing_time_ms": round(processing_time_ms, 3),
            "candle_time": self.candle_time,
            "timestamp": self.timestamp.isoformat(),
            "trace_id": self.trace_id,
            "indicators": self.indicators,
        }
