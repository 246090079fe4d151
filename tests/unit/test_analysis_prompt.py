"""The LLM prompt: caller indicators reach it only as checked names and rounded numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.support.candles import make_candles
from tradecore.adapters.openai.prompt import build_messages
from tradecore.domain.candles import build_series
from tradecore.domain.client_indicators import clean_client_indicators
from tradecore.domain.indicators import MIN_CANDLES, compute_indicators
from tradecore.domain.signals import MarketView
from tradecore.errors import InvalidInputError


def _view(client_indicators: dict[str, float]) -> MarketView:
    keys = ("open_time", "open", "high", "low", "close", "volume")
    rows = np.array([[float(str(c[k])) for k in keys] for c in make_candles("up", 80)])
    series = build_series("1h", rows, field="candles", min_candles=MIN_CANDLES)
    return MarketView("BTCUSDT", "1h", {"1h": series}, {"1h": compute_indicators(series)}, client_indicators)


def test_caller_indicators_are_rounded_numbers_in_the_prompt() -> None:
    cleaned = clean_client_indicators({"funding.rate": 0.000123456789, "oi": 12})
    user = json.loads(build_messages(_view(cleaned), 10)[1]["content"])
    assert user["caller_indicators"] == {"funding.rate": 0.000123457, "oi": 12.0}


@pytest.mark.parametrize("value", ["Long", None, [1.0], {"a": 1.0}, float("nan"), float("-inf"), 10**400, False])
def test_only_finite_numbers_pass(value: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        clean_client_indicators({"x": value})
    assert caught.value.details["field"] == "technical_indicators.x"
