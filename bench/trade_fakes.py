"""In-memory stand-ins for every I/O port the trade flow touches, for ``bench_trade``'s in-process figure.

Each answers at once but behaves like its port where the flow depends on it: the exchange fills a
MARKET order on its filters, the store keeps the newest version of each trade and reads back per
user, the idempotency guard runs a key once and hands back a JSON copy of the stored answer (as
the DynamoDB table does), and the signal client answers like an AI service serving its cache.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any

from tradecore.domain.accounts import AccountSnapshot
from tradecore.domain.orders import (
    Balance,
    Fill,
    Kline,
    OrderRequest,
    OrderResult,
    OrderStatus,
    SymbolRules,
)
from tradecore.domain.risk import RiskLimits
from tradecore.domain.trades import ProtectionStatus, SignalSummary, TradePage, TradeQuery, TradeRecord
from tradecore.errors import IdempotencyKeyReusedError, NotFoundError, RequestInProgressError

FEE_RATE = Decimal("0.001")


def btcusdt_rules() -> SymbolRules:
    """BTCUSDT's Spot filters (tick 0.01, step 0.00001, min notional 5)."""
    return SymbolRules(
        symbol="BTCUSDT", base_asset="BTC", quote_asset="USDT", tick_size=Decimal("0.01"),
        min_price=Decimal("0.01"), max_price=Decimal("1000000"), step_size=Decimal("0.00001"),
        min_qty=Decimal("0.00001"), max_qty=Decimal("9000"), min_notional=Decimal("5"),
    )  # fmt: skip


class InstantExchange:
    """A user's account and the market in one: fixed balances and prices, every MARKET order filled
    at the last price at once (one fill, fee in the base asset)."""

    def __init__(self, klines: list[Kline], price: Decimal, balances: dict[str, Balance]) -> None:
        self.rules = {"BTCUSDT": btcusdt_rules()}
        self.price = price
        self.klines = klines
        self.balances = balances
        self._order_ids = itertools.count(1)

    def get_exchange_info(self) -> dict[str, SymbolRules]:
        return dict(self.rules)

    def get_symbol_rules(self, symbol: str) -> SymbolRules:
        return self.rules[symbol]

    def get_price(self, symbol: str) -> Decimal:
        return self.price

    def get_prices(self, symbols: list[str] | None = None) -> dict[str, Decimal]:
        return {symbol: self.price for symbol in self.rules}

    def get_klines(
        self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[Kline]:
        return self.klines[-limit:]

    def get_balances(self) -> dict[str, Balance]:
        return dict(self.balances)

    def place_order(self, request: OrderRequest, reference_price: Decimal | None = None) -> OrderResult:
        rules = self.rules[request.symbol]
        if request.quantity is not None:
            quantity = request.quantity
        else:
            assert request.quote_quantity is not None  # MARKET orders carry one of the two
            quantity = (request.quote_quantity / self.price).quantize(rules.step_size, rounding=ROUND_DOWN)
        order_id = next(self._order_ids)
        fill = Fill(self.price, quantity, quantity * FEE_RATE, rules.base_asset, order_id)
        return OrderResult(
            symbol=request.symbol, order_id=order_id, client_order_id=request.client_order_id or "",
            status=OrderStatus.FILLED, side=request.side, type=request.type, price=Decimal(0),
            orig_qty=quantity, executed_qty=quantity, cumulative_quote_qty=quantity * self.price,
            transact_time_ms=1_767_225_600_000 + order_id, fills=(fill,),
        )  # fmt: skip

    def get_order(self, symbol: str, *, client_order_id: str | None = None, order_id: int | None = None) -> OrderResult:
        raise NotFoundError("Order does not exist")


class OneAccountForEveryone:
    """The connection service's ``exchange_for``: every user trades ``exchange``."""

    def __init__(self, exchange: InstantExchange) -> None:
        self.exchange = exchange

    def exchange_for(self, user_id: str) -> InstantExchange:
        return self.exchange


class InMemoryTradeStore:
    """``trades`` in dicts: the newest version of each trade wins; every read is scoped to one user."""

    def __init__(self) -> None:
        self.trades: dict[str, TradeRecord] = {}  # by client order id
        self._by_user: dict[str, dict[str, TradeRecord]] = {}

    def save(self, trade: TradeRecord) -> bool:
        current = self.trades.get(trade.client_order_id)
        if current is not None and current.version >= trade.version:
            return False
        self.trades[trade.client_order_id] = trade
        self._by_user.setdefault(trade.user_id, {})[trade.client_order_id] = trade
        return True

    def get(self, user_id: str, trade_id: str) -> TradeRecord | None:
        return next((t for t in self._by_user.get(user_id, {}).values() if t.id == trade_id), None)

    def by_client_order_id(self, user_id: str, client_order_id: str) -> TradeRecord | None:
        trade = self.trades.get(client_order_id)
        return trade if trade is not None and trade.user_id == user_id else None

    def page(self, user_id: str, query: TradeQuery) -> TradePage:
        raise NotImplementedError("not on the execute path")

    def executed(self, user_id: str, symbol: str | None = None) -> list[TradeRecord]:
        trades = [
            t for t in self._by_user.get(user_id, {}).values()
            if t.executed_quantity > 0 and (symbol is None or t.symbol == symbol)
        ]  # fmt: skip
        return sorted(trades, key=lambda t: (t.created_at, t.id))

    def protected(self, user_id: str, symbol: str) -> list[TradeRecord]:
        return [
            t for t in self._by_user.get(user_id, {}).values()
            if t.symbol == symbol and t.protection is not None and t.protection.status is ProtectionStatus.ACTIVE
        ]  # fmt: skip


class DiscardingOutbox:
    """The outbox (only used while the store is down, which it never is here)."""

    def put(self, trade: TradeRecord) -> None:
        return None


class InMemoryIdempotencyGuard:
    """Runs ``run`` once per key; a replay gets a JSON copy of the stored answer, another payload
    ``IdempotencyKeyReusedError``, a key still running ``RequestInProgressError``; a failed run is
    not stored."""

    def __init__(self) -> None:
        self._records: dict[str, tuple[str, str | None]] = {}  # key → (payload JSON, answer JSON or None)
        self._lock = threading.Lock()

    def once(
        self,
        key: str,
        payload: Mapping[str, Any],
        run: Callable[[], dict[str, Any]],
        *,
        remaining_ms: Callable[[], int] | None = None,
    ) -> dict[str, Any]:
        fingerprint = json.dumps(payload, sort_keys=True)
        with self._lock:
            record = self._records.get(key)
            if record is not None:
                if record[0] != fingerprint:
                    raise IdempotencyKeyReusedError()
                if record[1] is None:
                    raise RequestInProgressError()
                answer: dict[str, Any] = json.loads(record[1])
                return answer
            self._records[key] = (fingerprint, None)
        try:
            result = run()
        except BaseException:
            with self._lock:
                self._records.pop(key, None)
            raise
        stored = json.dumps(result)
        with self._lock:
            self._records[key] = (fingerprint, stored)
        copy: dict[str, Any] = json.loads(stored)
        return copy


class NoRiskSettings:
    """No user has limits of their own: the platform's defaults apply."""

    def limits(self, user_id: str) -> RiskLimits | None:
        return None


class OpenSwitch:
    """The kill switch, never pulled."""

    def halted(self) -> bool:
        return False

    def set_halted(self, halted: bool, *, by: str, reason: str = "") -> None:
        raise NotImplementedError("not on the execute path")


class CachedSignalClient:
    """The AI service answering from its analysis cache: Long, 0.82, ``source="cache"``."""

    def analyze(self, symbol: str, timeframe: str, candles: object, deadline: float) -> SignalSummary:
        return SignalSummary("Long", 0.82, "cache", "ai_service", analysis_id=f"bench-{symbol}-{timeframe}")


class ForgetfulAccountCache:
    """The account cache, which the flow only drops a user's view from after a trade."""

    def __init__(self) -> None:
        self.invalidated = 0

    def get(self, user_id: str) -> AccountSnapshot | None:
        return None

    def put(self, user_id: str, snapshot: AccountSnapshot, *, ttl_seconds: int) -> None:
        return None

    def invalidate(self, user_id: str) -> None:
        self.invalidated += 1
