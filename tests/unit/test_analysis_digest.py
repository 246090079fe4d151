"""The analysis input digest: every closed candle of every timeframe counts, the open candle does not."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.candles import HOUR_MS, START_MS, make_candles
from tradecore.domain.analysis_digest import input_digest
from tradecore.domain.candles import CandleSeries, build_series
from tradecore.domain.indicators import MIN_CANDLES

FOUR_HOURS_MS = 4 * HOUR_MS
COUNT = 80
# half an hour into the last 1h candle: candles 0..78 are closed, candle 79 is still open
NOW_MS = START_MS + (COUNT - 1) * HOUR_MS + HOUR_MS // 2


def _rows(kind: str = "up", count: int = COUNT, step_ms: int = HOUR_MS, start_ms: int = START_MS) -> np.ndarray:
    keys = ("open_time", "open", "high", "low", "close", "volume")
    candles = make_candles(kind, count, step_ms=step_ms, start_ms=start_ms)
    return np.array([[float(str(c[k])) for k in keys] for c in candles], dtype=np.float64)


def _series(timeframe: str, rows: np.ndarray) -> CandleSeries:
    return build_series(timeframe, rows, field="candles", min_candles=MIN_CANDLES)


def _four_hour_rows() -> np.ndarray:
    # 60 4h candles, the last one still open at NOW_MS
    start = NOW_MS - 60 * FOUR_HOURS_MS + HOUR_MS
    return _rows("down", 60, FOUR_HOURS_MS, start)


def _digest(primary: np.ndarray, four_hour: np.ndarray | None = None, client: dict[str, float] | None = None) -> str:
    series = {"1h": _series("1h", primary)}
    if four_hour is not None:
        series["4h"] = _series("4h", four_hour)
    return input_digest(series, client or {}, NOW_MS)


def _scaled(rows: np.ndarray, index: int, factor: float = 1.001) -> np.ndarray:
    """``rows`` with candle ``index``'s prices and volume scaled (still a valid candle)."""
    changed = rows.copy()
    changed[index, 1:] *= factor
    return changed


def test_equal_input_gives_equal_digest_whatever_the_order_of_timeframes_and_indicators() -> None:
    rows, four = _rows(), _four_hour_rows()
    first = input_digest({"1h": _series("1h", rows), "4h": _series("4h", four)}, {"a": 1.0, "b": 2.0}, NOW_MS)
    again = input_digest(
        {"4h": _series("4h", four.copy()), "1h": _series("1h", rows.copy())}, {"b": 2.0, "a": 1.0}, NOW_MS
    )
    assert first == again


@pytest.mark.parametrize("index", [0, 1, 40, COUNT - 3])
def test_any_earlier_closed_candle_changed_gives_another_digest(index: int) -> None:
    # the last closed candle (COUNT - 2) is the same in both: only the history differs
    rows = _rows()
    assert _digest(_scaled(rows, index)) != _digest(rows)


@pytest.mark.parametrize("column", [1, 2, 3, 4, 5], ids=["open", "high", "low", "close", "volume"])
def test_every_value_of_an_earlier_candle_counts(column: int) -> None:
    rows = _rows()
    changed = rows.copy()
    changed[10, column] += 0.0001 if column != 3 else -0.0001  # keeps high >= open/close >= low
    assert _digest(changed) != _digest(rows)


def test_an_earlier_candle_of_another_timeframe_counts() -> None:
    rows, four = _rows(), _four_hour_rows()
    assert _digest(rows, _scaled(four, 3)) != _digest(rows, four)


def test_a_longer_history_with_the_same_recent_candles_gives_another_digest() -> None:
    rows = _rows()
    earlier = rows[:20].copy()
    earlier[:, 0] = rows[0, 0] - HOUR_MS * np.arange(20, 0, -1)
    longer = np.vstack([earlier, rows])
    assert _digest(longer) != _digest(rows)


def test_the_open_candle_does_not_count() -> None:
    # it changes on every tick; the cached answer is the analysis of the closed candles
    rows, four = _rows(), _four_hour_rows()
    ticked = _scaled(rows, COUNT - 1, 1.01)
    assert _digest(ticked, _scaled(four, len(four) - 1)) == _digest(rows, four)
    assert _digest(rows[:-1], four[:-1]) == _digest(rows, four)


def test_client_indicators_and_the_set_of_timeframes_count() -> None:
    rows, four = _rows(), _four_hour_rows()
    assert _digest(rows, client={"funding": 0.01}) != _digest(rows)
    assert _digest(rows, client={"funding": 0.01}) != _digest(rows, client={"funding": 0.02})
    assert _digest(rows, four) != _digest(rows)
