"""The compact prompt for the LLM analyzer: an indicator summary per timeframe and recent candles.

Compact on purpose: tokens cost money and time. Numbers are rounded to 6 significant digits.
"""

from __future__ import annotations

import json

from tradecore.domain.signals import MarketView

SYSTEM_PROMPT = (
    "You are a disciplined crypto market analyst. From the indicators and recent candles, decide "
    "whether the next move favours a Long, a Short, or Neutral (no clear edge). Be conservative: "
    "Neutral when signals conflict. confidence is 0..1. reasoning: at most 3 short sentences "
    "naming the indicators that decided."
)


def _num(value: float) -> float | None:
    return float(f"{value:.6g}") if value == value else None  # NaN != NaN


def build_messages(view: MarketView, recent_candles: int) -> list[dict[str, str]]:
    """System and user messages for ``view`` (user part is JSON: unambiguous and short)."""
    payload: dict[str, object] = {"symbol": view.symbol, "primary_timeframe": view.timeframe, "timeframes": {}}
    frames: dict[str, object] = {}
    for timeframe, indicators in view.indicators.items():
        series = view.series[timeframe]
        frames[timeframe] = {
            "indicators": {name: _num(value) for name, value in indicators.items()},
            "recent_candles_tohlcv": [
                [t, *(_num(v) for v in rest)]
                for t, *rest in series.recent(recent_candles if timeframe == view.timeframe else 3)
            ],
        }
    payload["timeframes"] = frames
    if view.client_indicators:
        # names and finite numbers only (domain.client_indicators): no caller text reaches the model
        payload["caller_indicators"] = {name: _num(float(value)) for name, value in view.client_indicators.items()}
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": json.dumps(payload, separators=(",", ":"), default=str)},
    ]
