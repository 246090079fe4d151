"""An exchange's public market data in memory for unit tests: klines per (symbol, interval) and last
prices, counting every call, and able to go down."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from tests.support.klines import make_klines
from tradecore.domain.candles import TIMEFRAME_MS
from tradecore.domain.orders import Kline
from tradecore.errors import DependencyUnavailableError


@dataclass
class FakeMarketData:
    prices: dict[str, Decimal] = field(default_factory=lambda: {"BTCUSDT": Decimal("50000.123456789"),
                                                                 "ETHUSDT": Decimal("3000.1")})  # fmt: skip
    kind: str = "up"
    down: bool = False
    shift_ms: int = 0  # moves every candle later (a new one has closed)
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def get_klines(
        self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[Kline]:
        self._call("klines", symbol, interval, str(limit), str(end_ms))
        klines = make_klines(self.kind, limit, step_ms=TIMEFRAME_MS[interval])
        return [replace(k, open_time=k.open_time + self.shift_ms, close_time=k.close_time + self.shift_ms)
                for k in klines]  # fmt: skip

    def get_prices(self, symbols: list[str] | None = None) -> dict[str, Decimal]:
        self._call("prices", *(symbols or []))
        return {s: p for s, p in self.prices.items() if symbols is None or s in symbols}

    def _call(self, *what: str) -> None:
        self.calls.append(what)
        if self.down:
            raise DependencyUnavailableError("exchange unreachable", dependency="exchange")
