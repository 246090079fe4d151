"""The market state an analysis answers, as a short digest: part of the analysis cache and store key.

A verdict depends on every closed candle of every timeframe sent (the indicators run over the
whole series: EMA 50, MACD, ADX carry their whole history) and on the caller's indicators. So two
requests are the same question only if all of those agree; keying on the last closed candle
alone answered 60 rising then 300 falling candles with the Long of a rising history ending in the
same candle (issue 9, 2k).

The still-open candle is left out on purpose. It changes on every tick, so keying on it would
make every live request a cache miss (an LLM call each) and defeat the analysis cache the design
asks for; what is cached is the analysis of the closed history, and the open candle's drift is
bounded by the cache TTL (5 minutes), like any other market move after the answer was given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from tradecore.domain.candles import CandleSeries

# 128 bits: collisions between market states are out of reach, and digests of the old last-candle
# scheme (16 hex) still stored in MongoDB can never equal one of these.
DIGEST_BYTES = 16


def input_digest(series: Mapping[str, CandleSeries], client_indicators: Mapping[str, Any], now_ms: int) -> str:
    """Hex digest of every closed candle (OHLCV and open time) of every timeframe, and the client indicators.

    Deterministic for equal input; the order of timeframes and of indicator names does not matter.
    Cheap: the candles are hashed as raw float64/int64 bytes (1,000 candles take microseconds).
    """
    digest = hashlib.blake2b(digest_size=DIGEST_BYTES)
    for timeframe in sorted(series):
        digest.update(f"{timeframe}\0".encode())
        digest.update(series[timeframe].closed(now_ms).fingerprint())
    client = sorted((name, repr(value)) for name, value in client_indicators.items())
    digest.update(json.dumps(client, separators=(",", ":")).encode())  # floats: repr is round-trip exact
    return digest.hexdigest()
