"""The simulator starts with deep history: >= 1,000 candles of every interval up to 1d, consistent
across intervals, the same for the same seed, and continued by the live ticks."""

from __future__ import annotations

import itertools
import math
from functools import cache
from pathlib import Path

import pytest

from devstack.exchange_sim import candles as cdl
from devstack.exchange_sim.market import Market
from devstack.exchange_sim.replay import ReplaySource, load_kline_csv
from devstack.exchange_sim.symbols import DEFAULT_SYMBOLS

SPECS = {spec.symbol: spec for spec in DEFAULT_SYMBOLS}
BTC = {"BTCUSDT": SPECS["BTCUSDT"]}
START = 1_800_001_837_250  # mid-minute and mid-hour, like a real start
DEEP = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d")
# (fine, coarse): every coarse candle is the aggregate of the fine candles inside it
FOLDS = [
    ("1m", "3m"), ("1m", "5m"), ("5m", "15m"), ("15m", "30m"), ("30m", "1h"), ("1h", "2h"), ("2h", "4h"),
    ("2h", "6h"), ("4h", "8h"), ("6h", "12h"), ("4h", "1d"), ("8h", "1d"), ("12h", "1d"), ("1d", "3d"),
    ("1d", "1w"), ("1d", "1M"),
]  # fmt: skip
SAMPLE = Path(__file__).parent / "data" / "BTCUSDT-1m-2024-01-01.csv"


@cache
def started(seed: int = 7) -> Market:
    """A market as the simulator builds it at start (default history), not advanced."""
    return Market(BTC, seed=seed, tick_ms=250, start_ms=START)


def test_every_interval_up_to_1d_has_at_least_1000_closed_candles_right_after_start() -> None:
    series = started().symbols["BTCUSDT"].series
    counts = {interval: len(series[interval].closed) for interval in DEEP}
    assert all(count >= 1000 for count in counts.values()), counts


def test_the_history_ends_where_the_live_market_starts() -> None:
    series = started().symbols["BTCUSDT"].series
    for interval in DEEP:
        rows = series[interval].select(None, None, 1000)
        assert len(rows) == 1000
        opens = [row[cdl.OPEN_TIME] for row in rows]
        assert opens == sorted(set(opens))
        # the newest candle is the one containing the last whole minute before the start
        assert opens[-1] == cdl.bucket(interval, START - START % 60_000 - 1)[0], interval


@pytest.mark.parametrize(("fine", "coarse"), FOLDS)
def test_a_coarse_candle_is_the_aggregate_of_the_finer_candles_in_it(fine: str, coarse: str) -> None:
    series = started().symbols["BTCUSDT"].series
    children: dict[int, list[list[float]]] = {}
    for candle in series[fine].closed:
        children.setdefault(cdl.bucket(coarse, candle[cdl.OPEN_TIME])[0], []).append(candle)
    checked = 0
    for parent in series[coarse].closed:
        inside = children.get(parent[cdl.OPEN_TIME], [])
        start, end = cdl.bucket(coarse, parent[cdl.OPEN_TIME])
        if not inside or inside[0][cdl.OPEN_TIME] != start or inside[-1][cdl.CLOSE_TIME] != end - 1:
            continue  # the finer series does not reach back this far
        assert parent[cdl.OPEN] == inside[0][cdl.OPEN]
        assert parent[cdl.CLOSE] == inside[-1][cdl.CLOSE]
        assert parent[cdl.HIGH] == max(c[cdl.HIGH] for c in inside)
        assert parent[cdl.LOW] == min(c[cdl.LOW] for c in inside)
        assert parent[cdl.VOLUME] == pytest.approx(sum(c[cdl.VOLUME] for c in inside))
        assert parent[cdl.COUNT] == sum(c[cdl.COUNT] for c in inside)
        assert (parent[cdl.FIRST_ID], parent[cdl.LAST_ID]) == (inside[0][cdl.FIRST_ID], inside[-1][cdl.LAST_ID])
        checked += 1
    # 3d, 1w and 1M are folded from 1,000 days: ~333, ~142 and ~33 of them (the oldest cut off)
    expected = 100 if coarse in DEEP else len(series[coarse].closed) - 1
    assert checked >= expected, f"only {checked} {coarse} candles could be checked against {fine}"


def test_candles_chain_open_to_previous_close_and_wicks_contain_the_body() -> None:
    for interval in ("1m", "1h", "1d"):
        rows = list(started().symbols["BTCUSDT"].series[interval].closed)
        for previous, candle in itertools.pairwise(rows):
            assert candle[cdl.OPEN] == previous[cdl.CLOSE]
            assert candle[cdl.LOW] <= min(candle[cdl.OPEN], candle[cdl.CLOSE])
            assert candle[cdl.HIGH] >= max(candle[cdl.OPEN], candle[cdl.CLOSE])
            assert candle[cdl.LOW] > 0
            assert candle[cdl.VOLUME] > 0


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    again = Market(BTC, seed=7, tick_ms=250, start_ms=START)
    other = started(seed=8)
    for interval in ("1m", "1h", "1d"):
        first = list(started().symbols["BTCUSDT"].series[interval].closed)
        assert list(again.symbols["BTCUSDT"].series[interval].closed) == first
        assert list(other.symbols["BTCUSDT"].series[interval].closed) != first


def test_the_history_ends_at_the_symbols_start_price_so_filters_and_balances_fit() -> None:
    market = Market(SPECS, seed=3, tick_ms=250, start_ms=START)
    for symbol, spec in SPECS.items():
        last = market.symbols[symbol].series["1m"].current
        assert last is not None
        assert last[cdl.CLOSE] == pytest.approx(spec.start_price, abs=10.0**-spec.price_places)


def test_the_live_tick_continues_the_last_candle() -> None:
    market = Market(BTC, seed=7, tick_ms=250, start_ms=START)
    sym = market.symbols["BTCUSDT"]
    hour = list(sym.series["1h"].current or [])
    last_minute = list(sym.series["1m"].current or [])
    assert market.advance_to(START + 250) == 1
    trade = sym.trades[-1]
    # the hour in progress goes on: same candle, one more trade, closing at the trade
    now_hour = sym.series["1h"].current
    assert now_hour is not None
    assert (now_hour[cdl.OPEN_TIME], now_hour[cdl.OPEN]) == (hour[cdl.OPEN_TIME], hour[cdl.OPEN])
    assert (now_hour[cdl.COUNT], now_hour[cdl.CLOSE]) == (hour[cdl.COUNT] + 1, trade.price)
    # the last history minute closed as it was, and the price went on from its close
    assert ("1m", last_minute) in trade.closed
    assert trade.price == pytest.approx(last_minute[cdl.CLOSE], rel=0.01)


def test_a_replayed_file_is_preceded_by_deep_history_ending_at_its_first_open() -> None:
    rows = load_kline_csv(SAMPLE)
    replay = ReplaySource(rows, anchor_ms=START, history=60)
    market = Market(BTC, seed=1, tick_ms=250, start_ms=START, replays={"BTCUSDT": replay})
    series = market.symbols["BTCUSDT"].series
    assert all(len(series[interval].closed) >= 1000 for interval in DEEP)
    minutes = list(series["1m"].closed)
    replayed = [candle[cdl.CLOSE] for candle in minutes[-59:]]
    assert replayed == [row.close for row in rows[:59]]
    before = minutes[-60]  # the last generated minute
    assert before[cdl.CLOSE] == pytest.approx(rows[0].open)


@pytest.mark.parametrize(("interval", "per_year"), [("1d", 365), ("4h", 2190), ("1h", 8760)])
def test_the_history_moves_as_volatile_as_the_symbol_at_every_scale(interval: str, per_year: int) -> None:
    # the realised volatility of 1,000 candles stays near the symbol's annual volatility, at
    # every interval: history neither explodes over the years nor goes flat in the last hours
    market = Market(SPECS, seed=9, tick_ms=250, start_ms=START)
    for symbol, spec in SPECS.items():
        closes = [candle[cdl.CLOSE] for candle in market.symbols[symbol].series[interval].closed][-1000:]
        returns = [math.log(b / a) for a, b in itertools.pairwise(closes)]
        mean = sum(returns) / len(returns)
        realised = math.sqrt(sum((r - mean) ** 2 for r in returns) / len(returns) * per_year)
        assert 0.6 * spec.annual_volatility < realised < 1.5 * spec.annual_volatility, (symbol, realised)
