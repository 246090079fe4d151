"""Reads that change nothing on the exchange: symbols and their filters, prices, candles, the
account's balances and trades, and the user data stream's listen key. Each is one SDK call under
the adapter's retry policy (temporary errors only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradecore.adapters.binance import mapping
from tradecore.adapters.binance.client import BinanceConnection
from tradecore.config import ExchangeMode
from tradecore.domain.accounts import KeyPermissions
from tradecore.domain.orders import Balance, Kline, SymbolRules, Trade
from tradecore.errors import InvalidInputError


class BinanceMarketData(BinanceConnection):
    """Market data and account reads of the exchange port."""

    def get_exchange_info(self) -> dict[str, SymbolRules]:
        """Every symbol's filters, cached for ``BINANCE_EXCHANGE_INFO_TTL_SECONDS``."""
        with self._info_lock:
            if self._info is not None and self._info[0] > self._clock():
                return self._info[1]
        raw = self._retried("get_exchange_info")
        rules = {item["symbol"]: mapping.symbol_rules(item) for item in raw["symbols"]}
        with self._info_lock:
            self._info = (self._clock() + self.settings.binance_exchange_info_ttl_seconds, rules)
        return rules

    def get_symbol_rules(self, symbol: str) -> SymbolRules:
        """The symbol's filters; :class:`InvalidInputError` for a symbol the exchange does not list."""
        rules = self.get_exchange_info().get(symbol.upper())
        if rules is None:
            raise InvalidInputError(f"Unknown symbol {symbol}", details={"symbol": symbol})
        return rules

    def get_price(self, symbol: str) -> Decimal:
        return mapping.dec(self._retried("get_symbol_ticker", symbol=symbol.upper())["price"])

    def get_prices(self, symbols: list[str] | None = None) -> dict[str, Decimal]:
        """Last prices, by symbol (all listed symbols when ``symbols`` is None)."""
        raw = self._retried("get_symbol_ticker")
        wanted = {s.upper() for s in symbols} if symbols else None
        return {t["symbol"]: mapping.dec(t["price"]) for t in raw if wanted is None or t["symbol"] in wanted}

    def get_klines(
        self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[Kline]:
        params: dict[str, Any] = {"symbol": symbol.upper(), "interval": interval, "limit": limit}
        if start_ms is not None:
            params["startTime"] = start_ms
        if end_ms is not None:
            params["endTime"] = end_ms
        return [mapping.kline(row) for row in self._retried("get_klines", **params)]

    # --- account -----------------------------------------------------------------------------
    def get_balances(self) -> dict[str, Balance]:
        return mapping.balances(self._retried("get_account"))

    def get_key_permissions(self) -> KeyPermissions:
        """What the key may do (``/sapi/v1/account/apiRestrictions``, signed). The Spot testnet has
        no ``/sapi``: there every key trades and nothing else is known, so ``can_trade`` alone."""
        if self.mode is ExchangeMode.TESTNET:
            return KeyPermissions(can_trade=True)
        return mapping.key_permissions(self._retried("get_account_api_permissions"))

    def my_trades(self, symbol: str, limit: int = 500) -> list[Trade]:
        return [mapping.trade(t) for t in self._retried("get_my_trades", symbol=symbol.upper(), limit=limit)]
