"""Candles and prices in the ServiceStateTable, shared by every instance for a short while.

Items (keys are this module's business alone):

* candles: ``market#candles`` / ``<symbol>|<interval>|<limit>|<end time>``, attribute ``klines``;
* prices: ``market#prices`` / the symbols joined by ``,`` (sorted), attribute ``prices``;

each with ``expires_at``. The payload is one JSON string of decimal strings (money round-trips
exactly; a DynamoDB number read back may be a float). DynamoDB refuses items over 400 KB, so a
payload over :data:`MAX_ITEM_BYTES` is not kept: that request simply always goes to the exchange.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradecore.adapters.aws.state_table import StateTable
from tradecore.domain.market_data import CandleQuery
from tradecore.domain.orders import Kline
from tradecore.observability import logger

MAX_ITEM_BYTES = 350 * 1024
_CANDLES, _PRICES = "market#candles", "market#prices"


def _kline_row(k: Kline) -> list[Any]:
    money = (k.open, k.high, k.low, k.close, k.volume)
    return [k.open_time, *(str(v) for v in money), k.close_time, str(k.quote_volume), k.trades]


def _kline(row: list[Any]) -> Kline:
    open_time, o, h, low, c, v, close_time, quote_volume, trades = row
    return Kline(int(open_time), Decimal(o), Decimal(h), Decimal(low), Decimal(c), Decimal(v), int(close_time),
                 Decimal(quote_volume), int(trades))  # fmt: skip


class DynamoMarketDataCache:
    """The :class:`~tradecore.ports.market.MarketDataCache` over the ServiceStateTable.
    ``DependencyUnavailableError`` when DynamoDB cannot be reached."""

    def __init__(self, table_name: str, region: str, *, clock: Callable[[], float] = time.time) -> None:
        self._table = StateTable(table_name, region, clock=clock)
        self._clock = clock

    def candles(self, query: CandleQuery) -> list[Kline] | None:
        rows = self._read(_CANDLES, query.key, "klines")
        try:
            return None if rows is None else [_kline(row) for row in rows]
        except (ValueError, TypeError, ArithmeticError):
            return None  # written by another version of this code: a miss

    def put_candles(self, query: CandleQuery, klines: Sequence[Kline], *, ttl_seconds: int) -> bool:
        return self._write(_CANDLES, query.key, "klines", [_kline_row(k) for k in klines], ttl_seconds)

    def prices(self, symbols: tuple[str, ...]) -> dict[str, Decimal] | None:
        stored = self._read(_PRICES, ",".join(symbols), "prices")
        try:
            return None if stored is None else {str(s): Decimal(p) for s, p in stored.items()}
        except (AttributeError, ValueError, TypeError, ArithmeticError):
            return None

    def put_prices(self, symbols: tuple[str, ...], prices: Mapping[str, Decimal], *, ttl_seconds: int) -> bool:
        payload = {symbol: str(price) for symbol, price in prices.items()}
        return self._write(_PRICES, ",".join(symbols), "prices", payload, ttl_seconds)

    def _read(self, pk: str, sk: str, name: str) -> Any:
        item = self._table.get(pk, sk)
        if item is None or not isinstance(item.get(name), str):
            return None
        try:
            return json.loads(item[name])
        except ValueError:
            return None

    def _write(self, pk: str, sk: str, name: str, payload: Any, ttl_seconds: int) -> bool:
        text = json.dumps(payload, separators=(",", ":"))
        if len(text.encode()) + len(pk) + len(sk) > MAX_ITEM_BYTES:
            logger.info("market data too large to cache", extra={"key": sk, "bytes": len(text)})
            return False
        self._table.put(pk, sk, {name: text}, expires_at=int(self._clock()) + ttl_seconds)
        return True
