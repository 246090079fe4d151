"""A scripted market for end-to-end tests: a Binance kline CSV written from a list of closes, and
the exchange simulator replaying it in manual-market mode, moved one candle at a time.

The simulator re-times a replayed file so that its middle row opens at the hour it starts in: the
first half becomes history, the second half is played tick by tick (open → low/high → close) as
the test advances market time. Market time in manual mode runs ahead of the wall clock, which the
simulator keeps for request timestamps, so signed requests stay valid however far the test moves.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.servers import free_port, wait_for_port

HOUR_MS = 3_600_000
_FIRST_OPEN_MS = 1_704_067_200_000  # any whole hour: the simulator re-times the rows


def write_hourly_klines(path: Path, closes: Sequence[Decimal]) -> Path:
    """One 1h row per close, each opening at the previous close (the first at its own close), its
    high and low 0.1 % beyond the body; returns ``path``."""
    lines, previous = [], closes[0]
    for index, close in enumerate(closes):
        open_time = _FIRST_OPEN_MS + index * HOUR_MS
        high, low = max(previous, close) * Decimal("1.001"), min(previous, close) * Decimal("0.999")
        lines.append(
            f"{open_time},{previous},{high:.2f},{low:.2f},{close},10,{open_time + HOUR_MS - 1},"
            f"{close * 10},400,5,{close * 5},0"
        )
        previous = close
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class ReplayMarket:
    """The simulator replaying a file; the test moves its market time."""

    server: SimServer

    @property
    def url(self) -> str:
        return self.server.url

    def market_time_ms(self) -> int:
        return int(self.server.admin("GET", "/sim/clock")["market_time_ms"])

    def advance(self, ms: int) -> int:
        """Move market time ``ms`` forward (printing the replayed ticks); the new market time."""
        return int(self.server.admin("POST", "/sim/clock", {"advance_ms": ms})["market_time_ms"])

    def to_next_candle(self, interval_ms: int = HOUR_MS) -> int:
        """Advance to the next ``interval_ms`` boundary: the candle in progress closes and the next
        opens with the boundary's tick. Returns the boundary (the closed candle's close time + 1)."""
        now = self.market_time_ms()
        return self.advance(interval_ms - now % interval_ms)


@contextmanager
def replay_simulator(klines: Path, symbol: str = "BTCUSDT") -> Iterator[ReplayMarket]:
    """The simulator as a process on 127.0.0.1 replaying ``klines`` for ``symbol``, in manual-market
    mode with one tick a minute (an hour is 60 ticks: fast to advance, every candle keeps its OHLC)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.exchange_sim", "--port", str(port), "--data-dir",
         tempfile.mkdtemp(prefix="exchange-replay-"), "--manual-market", "--tick-ms", "60000",
         "--replay", f"{symbol}={klines}", "--history-minutes", "300", "--orders-per-10s", "100000",
         "--weight-per-minute", "1000000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, timeout=30, process=process, name="exchange simulator")
        yield ReplayMarket(SimServer(f"http://127.0.0.1:{port}", process))
    finally:
        process.terminate()
        process.wait(timeout=10)
