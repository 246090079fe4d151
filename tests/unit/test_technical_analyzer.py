"""The technical analyzer: Long on a clear uptrend, Short on a downtrend, Neutral on a flat market."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.support.candles import make_candles
from tradecore.domain.candles import build_series
from tradecore.domain.indicators import MIN_CANDLES, compute_indicators
from tradecore.domain.signals import MarketView, Signal, Source, TechnicalAnalyzer, technical_verdict


def _view(kinds: dict[str, str]) -> MarketView:
    series = {}
    for timeframe, kind in kinds.items():
        candles = make_candles(kind, 150)
        keys = ("open_time", "open", "high", "low", "close", "volume")
        rows = np.array([[float(str(c[k])) for k in keys] for c in candles])
        series[timeframe] = build_series(timeframe, rows, field=timeframe, min_candles=MIN_CANDLES)
    primary = next(iter(kinds))
    return MarketView("BTCUSDT", primary, series, {tf: compute_indicators(s) for tf, s in series.items()})


@pytest.mark.parametrize(("kind", "signal"), [("up", Signal.LONG), ("down", Signal.SHORT), ("flat", Signal.NEUTRAL)])
def test_technical_signal_follows_the_market(kind: str, signal: Signal) -> None:
    verdict = TechnicalAnalyzer().analyze(_view({"1h": kind, "4h": kind, "1d": kind}), time.monotonic() + 5)
    assert verdict.signal is signal
    assert verdict.source is Source.TECHNICAL
    assert 0.5 <= verdict.confidence <= 0.95


def test_reasoning_lists_every_vote_of_every_timeframe() -> None:
    verdict = technical_verdict(_view({"1h": "up", "4h": "up"}))
    for timeframe in ("1h", "4h"):
        for rule in ("EMA 9/21/50", "close vs SMA 50", "MACD 12/26/9", "RSI 14", "ADX 14 / DI", "Bollinger %B"):
            assert f"{timeframe} {rule}:" in verdict.reasoning


def test_verdict_is_deterministic() -> None:
    view = _view({"1h": "down", "4h": "flat"})
    assert technical_verdict(view) == technical_verdict(view)


def test_conflicting_timeframes_weaken_the_signal() -> None:
    aligned = technical_verdict(_view({"1h": "up", "4h": "up"}))
    mixed = technical_verdict(_view({"1h": "up", "4h": "down"}))
    assert mixed.confidence < aligned.confidence or mixed.signal is Signal.NEUTRAL
