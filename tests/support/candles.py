"""Deterministic candle series for tests and benchmarks: uptrend, downtrend, flat."""

from __future__ import annotations

import math

HOUR_MS = 3_600_000
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def make_candles(
    kind: str, count: int = 120, *, start: float = 100.0, step_ms: int = HOUR_MS, start_ms: int = START_MS
) -> list[dict[str, object]]:
    """``kind`` is ``up`` (steady rise with small pullbacks), ``down`` (its mirror) or ``flat`` (zigzag).

    Prices are decimal strings, as Binance sends them.
    """
    candles = []
    price = start
    for i in range(count):
        wiggle = 0.3 * math.sin(i * 1.7)
        if kind == "up":
            close = start * (1 + 0.004 * i) + wiggle
        elif kind == "down":
            close = start * (1 - 0.003 * i) + wiggle
        else:
            close = start + (0.5 if i % 2 else -0.5) + 0.1 * math.sin(i * 0.37)
        open_ = price
        high = max(open_, close) + 0.4
        low = min(open_, close) - 0.4
        candles.append(
            {
                "open_time": start_ms + i * step_ms,
                "open": f"{open_:.4f}",
                "high": f"{high:.4f}",
                "low": f"{low:.4f}",
                "close": f"{close:.4f}",
                "volume": f"{1000 + 50 * math.sin(i):.3f}",
            }
        )
        price = close
    return candles
