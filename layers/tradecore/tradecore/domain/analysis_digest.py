"""The market state an analysis answers, as a short digest: part of the analysis cache key.

Two requests for the same symbol, timeframe and last closed candle are the same question only
if that candle's values agree too (on every timeframe sent) and the caller's indicators are the
same; otherwise a downtrend could be answered with an uptrend's cached signal. The still-open
candle is left out on purpose: it changes on every tick, and the analysis is of closed candles.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from tradecore.domain.candles import CandleSeries

DIGEST_HEX_CHARS = 16  # 64 bits: collisions between honest market states are out of reach


def input_digest(series: Mapping[str, CandleSeries], client_indicators: Mapping[str, Any], now_ms: int) -> str:
    """Hex digest of each timeframe's last closed candle (OHLCV) and the client indicators.

    Deterministic for equal input; the order of timeframes and of indicator names does not matter.
    """
    closed = {timeframe: s.candle(s.last_closed_index(now_ms)) for timeframe, s in series.items()}
    payload = {
        "candles": sorted(closed.items()),
        "client": sorted((name, repr(value)) for name, value in client_indicators.items()),
    }
    text = json.dumps(payload, separators=(",", ":"), default=repr)  # floats print round-trip exact
    return hashlib.blake2b(text.encode(), digest_size=DIGEST_HEX_CHARS // 2).hexdigest()
