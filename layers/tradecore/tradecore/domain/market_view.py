"""How candles become what an analyzer sees: one path for the AI service and the trade flow.

The AI function validates request rows into a :class:`CandleSeries` here, and the trade flow's
local technical fallback (when the AI service cannot answer) builds its :class:`MarketView` from
the exchange's klines the same way, so both apply the same candle rules and the same indicators.
Floats are right here: indicators are statistics of prices, never amounts of money.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tradecore.domain.candles import CandleSeries, build_series
from tradecore.domain.indicators import MIN_CANDLES, compute_indicators
from tradecore.domain.orders import Kline
from tradecore.domain.signals import MarketView

CandleRows = Sequence[Sequence[float]]  # (open_time ms, open, high, low, close, volume), oldest first


def candle_series(timeframe: str, rows: CandleRows, *, field: str) -> CandleSeries:
    """``rows`` validated into a series (at least :data:`MIN_CANDLES`); ``InvalidInputError`` names ``field``.

    ``timeframe`` must already be checked (:func:`~tradecore.domain.candles.check_timeframe`).
    """
    array = np.asarray(rows, dtype=np.float64).reshape(-1, 6) if len(rows) else np.empty((0, 6))
    return build_series(timeframe, array, field=field, min_candles=MIN_CANDLES)


def kline_rows(klines: Sequence[Kline]) -> list[tuple[float, float, float, float, float, float]]:
    """The exchange's klines as candle rows (open time, OHLC, volume)."""
    return [
        (float(k.open_time), float(k.open), float(k.high), float(k.low), float(k.close), float(k.volume))
        for k in klines
    ]


def single_timeframe_view(symbol: str, timeframe: str, klines: Sequence[Kline]) -> MarketView:
    """The market view of one timeframe's klines, with their indicators.

    Raises ``InvalidInputError`` (naming ``candles``) for fewer than :data:`MIN_CANDLES` klines or
    klines that break the candle rules.
    """
    series = candle_series(timeframe, kline_rows(klines), field="candles")
    return MarketView(symbol, timeframe, {timeframe: series}, {timeframe: compute_indicators(series)})
