# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""GET /api/v3/klines answers from the deep history the simulator starts with."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
import requests

from tests.integration.exchange_sim_fixtures import SimServer, sim_server  # noqa: F401

DAY_MS = 86_400_000


def _klines(sim_server: SimServer, **params: object) -> list[list[object]]:
    response = requests.get(f"{sim_server.url}/api/v3/klines", params={"symbol": "BTCUSDT", **params}, timeout=10)
    response.raise_for_status()
    rows: list[list[object]] = response.json()
    return rows


@pytest.mark.parametrize("interval", ["1m", "5m", "15m", "1h", "4h", "12h", "1d"])
def test_a_thousand_candles_of_every_interval_right_after_start(sim_server: SimServer, interval: str) -> None:
    rows = _klines(sim_server, interval=interval, limit=1000)
    assert len(rows) == 1000
    opens = [int(str(row[0])) for row in rows]
    step = opens[1] - opens[0]
    assert all(b - a == step for a, b in itertools.pairwise(opens))  # no gaps


def test_a_day_range_answers_exactly_its_days_and_they_fold_from_the_hours(sim_server: SimServer) -> None:
    days = _klines(sim_server, interval="1d", limit=1000)
    first, last = int(str(days[100][0])), int(str(days[109][0]))
    window = _klines(sim_server, interval="1d", startTime=first, endTime=last)
    assert window == days[100:110]
    # the newest whole day is the aggregate of its 4h candles, which are the aggregate of their hours
    day = days[-2]
    fours = _klines(sim_server, interval="4h", startTime=day[0], endTime=int(str(day[0])) + DAY_MS - 1)
    hours = _klines(sim_server, interval="1h", startTime=day[0], endTime=int(str(day[0])) + DAY_MS - 1)
    assert (len(fours), len(hours)) == (6, 24)
    for parent, children in ((day, fours), (fours[2], hours[8:12])):
        assert parent[1] == children[0][1]
        assert parent[4] == children[-1][4]
        assert Decimal(str(parent[2])) == max(Decimal(str(c[2])) for c in children)
        assert Decimal(str(parent[3])) == min(Decimal(str(c[3])) for c in children)
        assert parent[8] == sum(int(str(c[8])) for c in children)
