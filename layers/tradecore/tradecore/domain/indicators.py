"""Technical indicators of one candle series, computed with TA-Lib (C, vectorised).

:func:`compute_indicators` returns the latest value of each indicator as a plain float, named
with its period (``rsi_14``, ``ema_50``, ...), which is what the analyzers and the stored analysis
use. Floats are right here: indicators are statistics of prices, never amounts of money.
"""

from __future__ import annotations

import numpy as np
import talib

from tradecore.domain.candles import CandleSeries

# EMA/SMA 50 have the longest lookback (49 values before the first output); one more candle
# gives every indicator a previous value, which the MACD crossover rule needs.
LONGEST_LOOKBACK = 49
MIN_CANDLES = LONGEST_LOOKBACK + 2

Indicators = dict[str, float]


def _last(values: np.ndarray) -> float:
    return float(values[-1])


def compute_indicators(series: CandleSeries) -> Indicators:
    """The latest RSI 14, EMA 9/21/50, SMA 20/50, MACD 12/26/9, Bollinger 20/2 (+%B), ATR 14,
    ADX 14 (+DI/-DI), Stochastic 14/3/3 and the volume ratio to its 20-period average.

    The series must hold at least :data:`MIN_CANDLES` candles (``build_series`` enforces it);
    with fewer, values would be NaN.
    """
    high, low, close, volume = series.high, series.low, series.close, series.volume
    macd, macd_signal, macd_hist = talib.MACD(close, fastperiod=12, slowperiod=26, signalperiod=9)
    upper, middle, lower = talib.BBANDS(close, timeperiod=20, nbdevup=2.0, nbdevdn=2.0, matype=talib.MA_Type.SMA)
    stoch_k, stoch_d = talib.STOCH(
        high,
        low,
        close,
        fastk_period=14,
        slowk_period=3,
        slowk_matype=talib.MA_Type.SMA,
        slowd_period=3,
        slowd_matype=talib.MA_Type.SMA,
    )
    band_width = _last(upper) - _last(lower)
    average_volume = _last(talib.SMA(volume, timeperiod=20))
    return {
        "close": _last(close),
        "rsi_14": _last(talib.RSI(close, timeperiod=14)),
        "ema_9": _last(talib.EMA(close, timeperiod=9)),
        "ema_21": _last(talib.EMA(close, timeperiod=21)),
        "ema_50": _last(talib.EMA(close, timeperiod=50)),
        "sma_20": _last(talib.SMA(close, timeperiod=20)),
        "sma_50": _last(talib.SMA(close, timeperiod=50)),
        "macd": _last(macd),
        "macd_signal": _last(macd_signal),
        "macd_hist": _last(macd_hist),
        "macd_hist_prev": float(macd_hist[-2]),
        "bb_upper": _last(upper),
        "bb_middle": _last(middle),
        "bb_lower": _last(lower),
        # a band of zero width (a perfectly flat market) puts the close in the middle
        "bb_percent_b": (_last(close) - _last(lower)) / band_width if band_width > 0 else 0.5,
        "atr_14": _last(talib.ATR(high, low, close, timeperiod=14)),
        "adx_14": _last(talib.ADX(high, low, close, timeperiod=14)),
        "plus_di_14": _last(talib.PLUS_DI(high, low, close, timeperiod=14)),
        "minus_di_14": _last(talib.MINUS_DI(high, low, close, timeperiod=14)),
        "stoch_k": _last(stoch_k),
        "stoch_d": _last(stoch_d),
        "volume_ratio_20": _last(volume) / average_volume if average_volume > 0 else 0.0,
    }


def clean(indicators: Indicators) -> dict[str, float | None]:
    """The indicators with NaN/inf replaced by ``None`` and rounded, ready for JSON and storage."""
    return {name: (round(value, 8) if np.isfinite(value) else None) for name, value in indicators.items()}
