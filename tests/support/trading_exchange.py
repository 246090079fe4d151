"""A fake exchange for the trade flow's service tests: one Binance-like symbol (BTCUSDT: tick 0.01,
step 0.00001, min notional 5), a price, balances that orders move, and a record of everything sent.

MARKET orders fill at the price with a fee of ``fee_rate`` in the asset received (base for a BUY, as
Binance charges without BNB); other orders rest on the book and lock what they would spend. Orders
are rounded and checked as the Binance adapter does (``prepare_order``) before they count as sent.
Faults are armed per call: ``fail_next`` (raised by the next ``place_order`` before it reaches the
book), ``fail_next_oco``, ``crash_after_placing`` (the order is on the book, then the caller dies)
and ``before_place`` (a hook that sees each order at the moment it leaves).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from tests.support.klines import make_klines
from tradecore.domain.order_math import prepare_order, round_quantity
from tradecore.domain.orders import (
    Balance,
    Fill,
    Kline,
    OcoRequest,
    OcoResult,
    OrderListStatus,
    OrderRequest,
    OrderResult,
    OrderStatus,
    OrderType,
    Side,
    SymbolRules,
    oco_client_ids,
)
from tradecore.errors import InsufficientFundsError, InvalidInputError, NotFoundError, TradecoreError

D = Decimal
_ZERO = Decimal(0)
BTCUSDT = SymbolRules(
    symbol="BTCUSDT", base_asset="BTC", quote_asset="USDT", tick_size=D("0.01"), min_price=D("0.01"),
    max_price=D("1000000"), step_size=D("0.00001"), min_qty=D("0.00001"), max_qty=D("9000"),
    min_notional=D("5"), max_notional=D("9000000"),
)  # fmt: skip


class FakeExchange:
    def __init__(self, *, price: str = "50000", usdt: str = "10000", btc: str = "0", fee_rate: str = "0.001") -> None:
        self.rules = {"BTCUSDT": BTCUSDT}
        self.prices = {"BTCUSDT": D(price)}
        self.balances = {"USDT": Balance("USDT", D(usdt), D(0)), "BTC": Balance("BTC", D(btc), D(0))}
        self.fee_rate = D(fee_rate)
        self.orders: dict[str, OrderResult] = {}  # on the exchange, by client order id
        self.placed: list[OrderRequest] = []  # every order that reached the exchange, as sent
        self.attempts = 0  # place_order calls, including those that failed
        self.ocos: list[OcoRequest] = []
        self.lists: dict[str, tuple[OcoResult, Decimal]] = {}  # by list client id: the list, its quantity
        self.cancelled: list[str] = []  # client ids of the orders and lists cancelled
        self.fail_next: TradecoreError | None = None
        self.fail_next_oco: TradecoreError | None = None
        self.crash_after_placing: BaseException | None = None
        self.before_place: Callable[[OrderRequest], None] | None = None
        self._ids = itertools.count(1001)

    # --- market data ---------------------------------------------------------------------------
    def get_exchange_info(self) -> dict[str, SymbolRules]:
        return dict(self.rules)

    def get_symbol_rules(self, symbol: str) -> SymbolRules:
        if symbol not in self.rules:
            raise InvalidInputError(f"Invalid symbol {symbol}", details={"field": "symbol"})
        return self.rules[symbol]

    def get_price(self, symbol: str) -> Decimal:
        return self.prices[symbol]

    def get_prices(self, symbols: list[str] | None = None) -> dict[str, Decimal]:
        return {s: p for s, p in self.prices.items() if symbols is None or s in symbols}

    def get_klines(
        self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[Kline]:
        return make_klines("up", limit)

    # --- the account -----------------------------------------------------------------------------
    def get_balances(self) -> dict[str, Balance]:
        return dict(self.balances)

    def free(self, asset: str) -> Decimal:
        return self.balances[asset].free

    def _move(self, asset: str, free: Decimal = _ZERO, locked: Decimal = _ZERO) -> None:
        current = self.balances.get(asset, Balance(asset, D(0), D(0)))
        if current.free + free < 0:
            raise InsufficientFundsError(
                "Account has insufficient balance for requested action.", exchange_code=-2010,
                reason="Account has insufficient balance for requested action.",
            )  # fmt: skip
        self.balances[asset] = Balance(asset, current.free + free, current.locked + locked)

    # --- orders ----------------------------------------------------------------------------------
    def place_order(self, request: OrderRequest, reference_price: Decimal | None = None) -> OrderResult:
        self.attempts += 1
        if self.before_place is not None:
            self.before_place(request)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        assert request.client_order_id, "the trade flow always names its orders"
        assert request.client_order_id not in self.orders, f"a second order under {request.client_order_id}"
        rules = self.get_symbol_rules(request.symbol)
        price = self.prices[request.symbol]
        sent = prepare_order(request, rules, price)
        self.placed.append(sent)
        result = self._fill(sent, rules, price) if sent.type is OrderType.MARKET else self._rest(sent)
        self.orders[result.client_order_id] = result
        if self.crash_after_placing is not None:
            crash, self.crash_after_placing = self.crash_after_placing, None
            raise crash
        return result

    def _fill(self, sent: OrderRequest, rules: SymbolRules, price: Decimal) -> OrderResult:
        quantity = sent.quantity or round_quantity((sent.quote_quantity or D(0)) / price, rules, market=True)
        quote = quantity * price
        if sent.side is Side.BUY:
            fee, fee_asset = quantity * self.fee_rate, rules.base_asset
            self._move(rules.quote_asset, free=-quote)
            self._move(rules.base_asset, free=quantity - fee)
        else:
            fee, fee_asset = quote * self.fee_rate, rules.quote_asset
            self._move(rules.base_asset, free=-quantity)
            self._move(rules.quote_asset, free=quote - fee)
        order_id = next(self._ids)
        return OrderResult(
            sent.symbol, order_id, sent.client_order_id or "", OrderStatus.FILLED, sent.side, sent.type, D(0),
            quantity, quantity, quote, fills=(Fill(price, quantity, fee, fee_asset, order_id),),
        )  # fmt: skip

    def _rest(self, sent: OrderRequest) -> OrderResult:
        rules = self.rules[sent.symbol]
        assert sent.quantity is not None
        assert sent.price is not None
        if sent.side is Side.BUY:
            self._move(rules.quote_asset, free=-sent.quantity * sent.price, locked=sent.quantity * sent.price)
        else:
            self._move(rules.base_asset, free=-sent.quantity, locked=sent.quantity)
        return OrderResult(
            sent.symbol, next(self._ids), sent.client_order_id or "", OrderStatus.NEW, sent.side, sent.type,
            sent.price, sent.quantity, D(0), D(0), stop_price=sent.stop_price,
        )  # fmt: skip

    def get_order(self, symbol: str, *, client_order_id: str | None = None, order_id: int | None = None) -> OrderResult:
        found = self._find(client_order_id, order_id)
        if found is None:
            raise NotFoundError("Order does not exist.")
        return found

    def cancel_order(
        self, symbol: str, *, client_order_id: str | None = None, order_id: int | None = None
    ) -> OrderResult:
        found = self._find(client_order_id, order_id)
        if found is None or not found.status.is_open:
            raise NotFoundError("Unknown order sent.")
        rules = self.rules[symbol]
        rest = found.orig_qty - found.executed_qty
        if found.side is Side.BUY:
            self._move(rules.quote_asset, free=rest * found.price, locked=-rest * found.price)
        else:
            self._move(rules.base_asset, free=rest, locked=-rest)
        cancelled = replace(found, status=OrderStatus.CANCELED)
        self.orders[found.client_order_id] = cancelled
        self.cancelled.append(found.client_order_id)
        return cancelled

    def _find(self, client_order_id: str | None, order_id: int | None) -> OrderResult | None:
        if client_order_id is not None:
            return self.orders.get(client_order_id)
        return next((o for o in self.orders.values() if o.order_id == order_id), None)

    # --- order lists (OCO) -----------------------------------------------------------------------
    def place_oco(self, request: OcoRequest) -> OcoResult:
        if self.fail_next_oco is not None:
            error, self.fail_next_oco = self.fail_next_oco, None
            raise error
        assert request.client_key, "an OCO is placed under the trade's key"
        ids = oco_client_ids(request.client_key)
        assert ids.list_id not in self.lists, f"a second OCO under {ids.list_id}"
        self._move(self.rules[request.symbol].base_asset, free=-request.quantity, locked=request.quantity)
        result = OcoResult(next(self._ids), ids.list_id, OrderListStatus.EXECUTING, symbol=request.symbol)
        self.ocos.append(request)
        self.lists[ids.list_id] = (result, request.quantity)
        return result

    def cancel_order_list(
        self, symbol: str, *, order_list_id: int | None = None, list_client_order_id: str | None = None
    ) -> OcoResult:
        key = list_client_order_id or next(
            (k for k, (r, _) in self.lists.items() if r.order_list_id == order_list_id), None
        )
        if key is None or key not in self.lists or not self.lists[key][0].is_open:
            raise NotFoundError("Order list does not exist.")
        result, quantity = self.lists[key]
        self._move(self.rules[symbol].base_asset, free=quantity, locked=-quantity)
        done = replace(result, list_status=OrderListStatus.ALL_DONE)
        self.lists[key] = (done, quantity)
        self.cancelled.append(key)
        return done
