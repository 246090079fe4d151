"""Signals, and the deterministic technical analyzer: a weighted vote across indicators and timeframes.

Each rule looks at one indicator of one timeframe and votes +1 (long), -1 (short) or 0, with a
fixed weight. Distances are measured in ATRs so the rules mean the same on BTC and on a penny
coin, and a flat market (everything within a fraction of an ATR) votes 0. A timeframe's score is
its weighted mean vote; longer timeframes weigh more. The reasoning lists every vote, so a
trader can see why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # keeps numpy and TA-Lib out of the import of ports.py (every function's cold start)
    from tradecore.domain.candles import CandleSeries
    from tradecore.domain.indicators import Indicators

TECHNICAL_MODEL_VERSION = "technical-v1"
SIGNAL_THRESHOLD = 0.3  # |score| at or above this is a directional signal
MAX_CONFIDENCE = 0.95


class Signal(StrEnum):
    LONG = "Long"
    SHORT = "Short"
    NEUTRAL = "Neutral"


class Source(StrEnum):
    LLM = "llm"
    TECHNICAL = "technical"
    CACHE = "cache"


@dataclass(frozen=True)
class MarketView:
    """What an analyzer sees: validated candles and their indicators per timeframe (primary first)."""

    symbol: str
    timeframe: str
    series: Mapping[str, CandleSeries]
    indicators: Mapping[str, Indicators]
    client_indicators: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """An analyzer's answer; ``tokens`` and ``latency_ms`` are set by the LLM analyzer only."""

    signal: Signal
    confidence: float
    reasoning: str
    source: Source
    model_version: str
    tokens: int | None = None
    latency_ms: float | None = None


@dataclass(frozen=True)
class Vote:
    timeframe: str
    rule: str
    direction: int
    weight: float
    note: str

    def describe(self) -> str:
        side = {1: "long", -1: "short", 0: "neutral"}[self.direction]
        return f"{self.timeframe} {self.rule}: {self.note} → {side} (w {self.weight:g})"


# Longer timeframes carry more weight: they are less noisy.
_TIMEFRAME_WEIGHT = {"1m": 0.5, "3m": 0.6, "5m": 0.7, "15m": 0.8, "30m": 0.9, "1h": 1.0, "2h": 1.1, "4h": 1.2}
_LONG_TIMEFRAME_WEIGHT = 1.3


def _sign(condition_long: bool, condition_short: bool) -> int:
    return 1 if condition_long else -1 if condition_short else 0


def _votes(timeframe: str, d: Indicators) -> list[Vote]:
    atr = d["atr_14"] if d["atr_14"] > 0 else max(d["close"] * 1e-9, 1e-12)
    spread = (d["ema_9"] - d["ema_50"]) / atr
    stacked_up = d["ema_9"] > d["ema_21"] > d["ema_50"]
    stacked_down = d["ema_9"] < d["ema_21"] < d["ema_50"]
    to_sma = (d["close"] - d["sma_50"]) / atr
    macd_hist, rsi, adx, k, dk = d["macd_hist"], d["rsi_14"], d["adx_14"], d["stoch_k"], d["stoch_d"]
    macd_strong = abs(d["macd"]) > 0.1 * atr
    rsi_note = "overbought" if rsi > 75 else "oversold" if rsi < 25 else f"{rsi:.1f}"
    return [
        Vote(timeframe, "EMA 9/21/50", _sign(stacked_up and spread > 0.5, stacked_down and spread < -0.5), 2.0,
             f"EMA9-EMA50 = {spread:+.2f} ATR"),
        Vote(timeframe, "close vs SMA 50", _sign(to_sma > 0.5, to_sma < -0.5), 1.0, f"{to_sma:+.2f} ATR"),
        Vote(timeframe, "MACD 12/26/9", _sign(macd_strong and macd_hist > 0 and d["macd"] > 0,
                                              macd_strong and macd_hist < 0 and d["macd"] < 0), 1.5,
             f"histogram {macd_hist:+.4g}"),
        Vote(timeframe, "RSI 14", _sign(55 <= rsi <= 75, 25 <= rsi <= 45), 1.0, rsi_note),
        Vote(timeframe, "ADX 14 / DI", _sign(adx >= 20 and d["plus_di_14"] > d["minus_di_14"],
                                             adx >= 20 and d["plus_di_14"] < d["minus_di_14"]), 1.5,
             f"ADX {adx:.1f}" + ("" if adx >= 20 else " (no trend)")),
        Vote(timeframe, "Bollinger %B", _sign(d["bb_percent_b"] > 0.8, d["bb_percent_b"] < 0.2), 0.5,
             f"%B {d['bb_percent_b']:.2f}"),
        Vote(timeframe, "Stochastic 14/3", _sign(dk < k < 80, 20 < k < dk), 0.5, f"%K {k:.1f} / %D {dk:.1f}"),
    ]  # fmt: skip


def technical_verdict(view: MarketView) -> Verdict:
    """The weighted vote over every timeframe in ``view``; deterministic for the same input."""
    votes: list[Vote] = []
    weighted_score = total_weight = 0.0
    for timeframe, indicators in view.indicators.items():
        tf_votes = _votes(timeframe, indicators)
        votes.extend(tf_votes)
        tf_score = sum(v.direction * v.weight for v in tf_votes) / sum(v.weight for v in tf_votes)
        tf_weight = _TIMEFRAME_WEIGHT.get(timeframe, _LONG_TIMEFRAME_WEIGHT)
        weighted_score += tf_score * tf_weight
        total_weight += tf_weight
    score = weighted_score / total_weight if total_weight else 0.0
    volume_ratio = view.indicators[view.timeframe]["volume_ratio_20"] if view.indicators else 0.0
    if abs(score) >= SIGNAL_THRESHOLD:
        signal = Signal.LONG if score > 0 else Signal.SHORT
        # heavy volume confirms a move
        boost = 0.05 if volume_ratio >= 1.5 else 0.0
        confidence = min(MAX_CONFIDENCE, 0.5 + 0.5 * abs(score) + boost)
    else:
        signal = Signal.NEUTRAL
        confidence = 0.5 + 0.4 * (1 - abs(score) / SIGNAL_THRESHOLD)
    reasoning = (
        f"{signal.value}: weighted vote {score:+.2f} over {len(view.indicators)} timeframe(s) "
        f"(±{SIGNAL_THRESHOLD} needed); volume ratio {volume_ratio:.2f}. Votes: "
        + "; ".join(vote.describe() for vote in votes)
    )
    return Verdict(signal, round(confidence, 3), reasoning, Source.TECHNICAL, TECHNICAL_MODEL_VERSION)


class TechnicalAnalyzer:
    """The :class:`~tradecore.ports.Analyzer` that needs nothing but the candles; never fails."""

    configured = True

    def analyze(self, view: MarketView, deadline: float) -> Verdict:
        return technical_verdict(view)
