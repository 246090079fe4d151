"""A closed candle becomes one analysis of the closed candles and one fan-out; a dependency down
loses that candle's signal, never the stream."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.support.klines import make_klines
from tradecore.domain.analysis_answer import AnalysisAnswer
from tradecore.domain.automation import CandleSignal
from tradecore.domain.market_events import CandleTick
from tradecore.domain.orders import Kline
from tradecore.domain.signals import Signal, Source
from tradecore.errors import DependencyUnavailableError
from tradecore.services.realtime.candle_signals import CandleSignals


class FakeMarket:
    def __init__(self, klines: list[Kline]) -> None:
        self.klines = klines
        self.asked: list[dict[str, Any]] = []

    def get_klines(self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None,
                   end_ms: int | None = None) -> list[Kline]:  # fmt: skip
        self.asked.append({"symbol": symbol, "interval": interval, "limit": limit, "end_ms": end_ms})
        return [k for k in self.klines if end_ms is None or k.close_time <= end_ms][-limit:]


class FakeAnalysis:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[str, str, int, float]] = []

    def analysis(self, symbol: str, timeframe: str, candles: Any, deadline: float, timeframes: Any = None) -> Any:
        self.calls.append((symbol, timeframe, len(candles), deadline))
        if self.fail:
            raise DependencyUnavailableError("AI service unavailable", dependency="ai_service")
        last = candles[-1].open_time
        return AnalysisAnswer("an-1", symbol, timeframe, Signal.LONG, 0.82, "up", Source.LLM, "m", last, "2026-11-30")


def setup(fail: bool = False) -> tuple[CandleSignals, FakeMarket, FakeAnalysis, list[CandleSignal], CandleTick]:
    klines = make_klines("up", 120)
    market, analysis = FakeMarket(klines), FakeAnalysis(fail)
    fanned: list[CandleSignal] = []

    def fan_out(signal: CandleSignal) -> int:
        fanned.append(signal)
        return 3

    signals = CandleSignals(lambda: market, analysis, fan_out, candles_per_analysis=50,
                            budget_seconds=20.0, monotonic=lambda: 100.0)  # fmt: skip
    closed = klines[100]  # later candles exist on the exchange: they must not reach the analysis
    return signals, market, analysis, fanned, CandleTick("BTCUSDT", "1h", closed, True, closed.close_time + 1)


def test_on_closed_analyses_closed_candles_and_fans_out_the_signal() -> None:
    signals, market, analysis, fanned, tick = setup()

    result = signals.on_closed(tick)

    assert market.asked == [{"symbol": "BTCUSDT", "interval": "1h", "limit": 50, "end_ms": tick.candle.close_time}]
    assert analysis.calls == [("BTCUSDT", "1h", 50, 120.0)]
    assert fanned == [CandleSignal("BTCUSDT", "1h", tick.candle.open_time, "Long", 0.82, "llm",
                                   tick.candle.close, "an-1")]  # fmt: skip
    assert result == fanned[0]
    assert isinstance(result.price, Decimal)


def test_on_closed_ai_down_loses_the_signal_without_raising() -> None:
    signals, _, analysis, fanned, tick = setup(fail=True)

    assert signals.on_closed(tick) is None
    assert len(analysis.calls) == 1
    assert fanned == []
