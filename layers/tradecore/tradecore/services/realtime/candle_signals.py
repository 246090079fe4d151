"""A closed candle becomes one AI analysis and, through the AutoTrader, one decision per automating user.

The stream worker calls :meth:`CandleSignals.on_closed` (in a thread: every step is blocking I/O)
once per symbol, timeframe and candle. The analysis sees the closed candles up to and including this
one (fetched from the exchange, never the candle still forming); the AI function broadcasts its
``ai_signal`` itself, so this only hands the signal to the AutoTrader's fan-out. A dependency that is
down costs this candle's signal, never the stream: the error is logged and the next candle tries again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tradecore.domain.automation import CandleSignal
from tradecore.domain.market_events import CandleTick
from tradecore.errors import TradecoreError
from tradecore.observability import logger
from tradecore.ports.analysis import AnalysisClient
from tradecore.ports.stream import CandleHistory


class CandleSignals:
    """Closed candle → analysis → ``fan_out``; ``budget_seconds`` bounds the analysis call."""

    def __init__(
        self,
        market: Callable[[], CandleHistory],
        analysis: AnalysisClient,
        fan_out: Callable[[CandleSignal], int],
        *,
        candles_per_analysis: int,
        budget_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._market = market
        self._analysis = analysis
        self._fan_out = fan_out
        self._count = candles_per_analysis
        self._budget = budget_seconds
        self._monotonic = monotonic

    def on_closed(self, tick: CandleTick) -> CandleSignal | None:
        """The signal handed to the fan-out, or ``None`` when a dependency could not give one."""
        context = {"symbol": tick.symbol, "timeframe": tick.interval, "candle_time": tick.candle.open_time}
        try:
            candles = self._market().get_klines(tick.symbol, tick.interval, self._count, end_ms=tick.candle.close_time)
            if not candles:
                logger.warning("no candles to analyse", extra=context)
                return None
            deadline = self._monotonic() + self._budget
            answer = self._analysis.analysis(tick.symbol, tick.interval, candles, deadline)
            signal = CandleSignal(
                symbol=tick.symbol, timeframe=tick.interval, candle_time=tick.candle.open_time,
                signal=answer.signal.value, confidence=answer.confidence, source=answer.source.value,
                price=tick.candle.close, analysis_id=answer.analysis_id,
            )  # fmt: skip
            queued = self._fan_out(signal)
        except TradecoreError as exc:
            logger.warning("candle signal lost", extra={**context, "error": exc.code, "reason": exc.message})
            return None
        logger.info("candle signal", extra={**context, "signal": signal.signal, "users": queued})
        return signal
