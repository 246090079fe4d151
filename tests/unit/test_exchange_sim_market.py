"""The simulator's market model: reproducible prices, candles that agree with trades, CSV replay."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from devstack.exchange_sim import candles as cdl
from devstack.exchange_sim.market import Market
from devstack.exchange_sim.replay import ReplaySource, load_kline_csv
from devstack.exchange_sim.symbols import DEFAULT_SYMBOLS

SPECS = {spec.symbol: spec for spec in DEFAULT_SYMBOLS}
SAMPLE = Path(__file__).parent / "data" / "BTCUSDT-1m-2024-01-01.csv"
START = 1_800_000_000_000


def test_same_seed_same_path_and_different_seed_different_path() -> None:
    paths = []
    for seed in (1, 1, 2):
        market = Market(SPECS, seed=seed, tick_ms=250, start_ms=START, history_minutes=10)
        market.advance_to(START + 60_000)
        paths.append([t.price for t in market.symbols["BTCUSDT"].trades])
    assert paths[0] == paths[1]
    assert paths[0] != paths[2]


def test_candles_of_every_interval_agree_with_the_trades() -> None:
    market = Market(SPECS, seed=5, tick_ms=250, start_ms=START, history_minutes=10)
    market.advance_to(START + 3 * 60_000)
    sym = market.symbols["ETHUSDT"]
    minute = sym.series["1m"].closed[-1]
    inside = [t for t in sym.trades if minute[cdl.OPEN_TIME] <= t.time_ms <= minute[cdl.CLOSE_TIME]]
    assert minute[cdl.OPEN] == inside[0].price
    assert minute[cdl.CLOSE] == inside[-1].price
    assert minute[cdl.HIGH] == max(t.price for t in inside)
    assert minute[cdl.COUNT] == len(inside)
    assert minute[cdl.VOLUME] == pytest.approx(sum(t.qty for t in inside))
    five = sym.series["5m"].current
    assert five is not None
    assert five[cdl.CLOSE] == sym.last_price


def test_volatility_is_crypto_like() -> None:
    market = Market(SPECS, seed=9, tick_ms=1000, start_ms=START, history_minutes=1440)
    closes = [c[cdl.CLOSE] for c in market.symbols["BTCUSDT"].series["1m"].closed][-1440:]
    import math

    returns = [math.log(b / a) for a, b in itertools.pairwise(closes)]
    mean = sum(returns) / len(returns)
    annualised = math.sqrt(sum((r - mean) ** 2 for r in returns) / len(returns)) * math.sqrt(525_600)
    assert 0.2 < annualised < 2.5  # BTC trades at roughly 40-80 % a year


def test_replay_plays_the_file_and_keeps_its_candles() -> None:
    rows = load_kline_csv(SAMPLE)
    replay = ReplaySource(rows, anchor_ms=START, history=60)
    market = Market({"BTCUSDT": SPECS["BTCUSDT"]}, seed=1, tick_ms=250, start_ms=START, replays={"BTCUSDT": replay})
    history = market.symbols["BTCUSDT"].series["1m"].closed
    assert [c[cdl.CLOSE] for c in list(history)[-59:]] == [r.close for r in rows[:59]]
    market.advance_to(START + 120_000)
    played = market.symbols["BTCUSDT"].series["1m"].closed[-1]  # the file's row 61 (second live minute)
    row = rows[61]
    assert (played[cdl.OPEN_TIME], played[cdl.HIGH], played[cdl.LOW]) == (START + 60_000, row.high, row.low)
    assert played[cdl.CLOSE] == row.close
