"""The AI service's full answer to ``POST /ai/analyze``, as the core keeps and shows it.

The trade flow needs only a summary (``domain.trades.SignalSummary``); a user who asks for an
analysis sees all of it: the reasoning, the model, the candle it is about. It round-trips through
JSON for the core's shared answer cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tradecore.domain.signals import Signal, Source


@dataclass(frozen=True)
class AnalysisAnswer:
    """One analysis of ``symbol`` on ``timeframe`` (extra ``timeframes`` too), as of the closed candle
    opening at ``candle_time`` (ms). ``analysis_id`` is ``None`` for one made in this process."""

    analysis_id: str | None
    symbol: str
    timeframe: str
    signal: Signal
    confidence: float
    reasoning: str
    source: Source
    model_version: str
    candle_time: int | None
    timestamp: str  # ISO 8601, as the analyzer stamped it
    timeframes: tuple[str, ...] = ()
    indicators: dict[str, dict[str, float | None]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "analysis_id": self.analysis_id,
            "symbol": self.symbol,
            "timeframe": self.timeframe,
            "timeframes": list(self.timeframes),
            "signal": self.signal.value,
            "confidence": self.confidence,
            "reasoning": self.reasoning,
            "source": self.source.value,
            "model_version": self.model_version,
            "candle_time": self.candle_time,
            "timestamp": self.timestamp,
            "indicators": self.indicators,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnalysisAnswer:
        """The answer of :meth:`to_json` (or of the AI service's body); ``ValueError``, ``KeyError``
        or ``TypeError`` for one that is not."""
        confidence = float(data["confidence"])
        if not 0.0 <= confidence <= 1.0:
            raise ValueError("confidence out of range")
        analysis_id, candle_time = data.get("analysis_id"), data.get("candle_time")
        return cls(
            analysis_id=None if analysis_id is None else str(analysis_id),
            symbol=str(data["symbol"]),
            timeframe=str(data["timeframe"]),
            timeframes=tuple(str(t) for t in data.get("timeframes") or ()),
            signal=Signal(data["signal"]),
            confidence=confidence,
            reasoning=str(data.get("reasoning", "")),
            source=Source(data["source"]),
            model_version=str(data.get("model_version", "unknown")),
            candle_time=None if candle_time is None else int(candle_time),
            timestamp=str(data.get("timestamp", "")),
            indicators=dict(data.get("indicators") or {}),
        )
