"""Indicators equal TA-Lib's own output on fixed data; candle validation names the field."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from tests.support.candles import make_candles
from tradecore.domain.candles import CandleSeries, build_series, check_symbol, check_timeframe
from tradecore.domain.indicators import MIN_CANDLES, clean, compute_indicators
from tradecore.errors import InvalidInputError


def _rows(candles: list[dict[str, object]]) -> np.ndarray:
    keys = ("open_time", "open", "high", "low", "close", "volume")
    return np.array([[float(str(c[k])) for k in keys] for c in candles], dtype=np.float64)


def _series(kind: str = "up", count: int = 120) -> CandleSeries:
    return build_series("1h", _rows(make_candles(kind, count)), field="candles", min_candles=MIN_CANDLES)


def test_indicators_equal_talib_on_fixed_data() -> None:
    series = _series("up")
    values = compute_indicators(series)
    h, lo, c, v = series.high, series.low, series.close, series.volume
    macd, macd_signal, macd_hist = talib.MACD(c, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0)
    stoch_k, stoch_d = talib.STOCH(h, lo, c, 14, 3, 0, 3, 0)
    expected = {
        "rsi_14": talib.RSI(c, 14)[-1],
        "ema_9": talib.EMA(c, 9)[-1],
        "ema_21": talib.EMA(c, 21)[-1],
        "ema_50": talib.EMA(c, 50)[-1],
        "sma_20": talib.SMA(c, 20)[-1],
        "sma_50": talib.SMA(c, 50)[-1],
        "macd": macd[-1],
        "macd_signal": macd_signal[-1],
        "macd_hist": macd_hist[-1],
        "macd_hist_prev": macd_hist[-2],
        "bb_upper": upper[-1],
        "bb_middle": middle[-1],
        "bb_lower": lower[-1],
        "bb_percent_b": (c[-1] - lower[-1]) / (upper[-1] - lower[-1]),
        "atr_14": talib.ATR(h, lo, c, 14)[-1],
        "adx_14": talib.ADX(h, lo, c, 14)[-1],
        "plus_di_14": talib.PLUS_DI(h, lo, c, 14)[-1],
        "minus_di_14": talib.MINUS_DI(h, lo, c, 14)[-1],
        "stoch_k": stoch_k[-1],
        "stoch_d": stoch_d[-1],
        "volume_ratio_20": v[-1] / talib.SMA(v, 20)[-1],
        "close": c[-1],
    }
    assert set(values) == set(expected)
    for name, value in expected.items():
        assert values[name] == pytest.approx(float(value), rel=1e-12), name


def test_indicators_are_finite_from_the_minimum_candle_count() -> None:
    values = compute_indicators(_series("flat", MIN_CANDLES))
    assert all(np.isfinite(value) for value in values.values())


def test_clean_turns_nan_into_none() -> None:
    assert clean({"a": float("nan"), "b": 1.234567891234}) == {"a": None, "b": 1.23456789}


def test_series_keeps_values_and_finds_last_closed_candle() -> None:
    series = _series("up", 60)
    assert len(series) == 60
    last = series.last_open_time
    assert series.last_closed_open_time(last + 3_600_000) == last
    assert series.last_closed_open_time(last + 10) == last - 3_600_000


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda c: c.__setitem__(10, {**c[10], "open_time": c[9]["open_time"]}), "candles[10].open_time"),
        (lambda c: c.__setitem__(10, {**c[10], "open_time": int(str(c[9]["open_time"])) - 1}), "candles[10].open_time"),
        (lambda c: c.__setitem__(7, {**c[7], "high": "1", "low": "2"}), "candles[7].high"),
        (lambda c: c.__setitem__(7, {**c[7], "high": c[7]["low"]}), "candles[7].high"),
        (lambda c: c.__setitem__(3, {**c[3], "volume": "-1"}), "candles[3].volume"),
        (lambda c: c.__setitem__(4, {**c[4], "close": "0"}), "candles[4]"),
        (lambda c: c.__setitem__(5, {**c[5], "open": "nan"}), "candles[5]"),
    ],
    ids=["duplicate", "out-of-order", "high-below-low", "high-below-close", "negative-volume", "zero", "nan"],
)
def test_bad_candles_are_refused_naming_the_field(mutate: object, field: str) -> None:
    candles = make_candles("up", 80)
    mutate(candles)  # type: ignore[operator]
    with pytest.raises(InvalidInputError) as caught:
        build_series("1h", _rows(candles), field="candles", min_candles=MIN_CANDLES)
    assert caught.value.details["field"] == field
    assert caught.value.message.startswith(field)


def test_too_few_candles_are_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"timeframes\.4h: 50 candles given; at least 51"):
        build_series("4h", _rows(make_candles("up", 50)), field="timeframes.4h", min_candles=MIN_CANDLES)


def test_unknown_timeframe_and_symbol_are_refused() -> None:
    check_timeframe("4h", "timeframe")
    with pytest.raises(InvalidInputError, match="timeframe: unknown timeframe '7h'"):
        check_timeframe("7h", "timeframe")
    check_symbol("BTCUSDT", ["BTCUSDT"])
    with pytest.raises(InvalidInputError, match="symbol: unknown symbol 'DOGEUSDT'"):
        check_symbol("DOGEUSDT", ["BTCUSDT"])
