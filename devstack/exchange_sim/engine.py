"""The matching engine: orders against the synthetic book, resting orders against the tape.

Taker fills walk the book (``book.walk``); resting limit orders fill as makers at their own price
when a trade crosses them, as much as the book holds up to that price (so big orders fill in
parts); stop-limit orders wait for their trigger; OCO legs cancel each other. Fees (maker/taker,
0.1 % by default) are charged in the asset received. Every state change is reported through
``on_order`` / ``on_balances`` hooks (the user data stream).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from devstack.exchange_sim import book
from devstack.exchange_sim.errors import BinanceError, insufficient_balance
from devstack.exchange_sim.ledger import Account, Fill, Order, OrderList, TradeRecord
from devstack.exchange_sim.market import Market, TradeTick
from devstack.exchange_sim.symbols import SymbolSpec

_ZERO = Decimal(0)
_FEE_PLACES = Decimal("0.00000001")
STOP_TYPES = ("STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
LIMIT_TYPES = ("LIMIT", "LIMIT_MAKER", *STOP_TYPES)


class Engine:
    """Places, fills and cancels orders for every account."""

    def __init__(self, market: Market, specs: dict[str, SymbolSpec]) -> None:
        self.market = market
        self.specs = specs
        self.next_order_id = 1
        self.next_list_id = 1
        self.resting: dict[str, dict[int, tuple[Account, Order]]] = {name: {} for name in specs}
        self.on_order: Callable[[Account, Order, str, Fill | None], None] | None = None
        self.on_balances: Callable[[Account, set[str]], None] | None = None
        self.clock: Callable[[], int] = lambda: market.time_ms  # the simulator sets its wall clock
        market.listeners.append(self.on_trade)

    # --- placing -----------------------------------------------------------------------------
    def place(
        self,
        account: Account,
        symbol: str,
        side: str,
        type_: str,
        *,
        qty: Decimal | None,
        quote_qty: Decimal | None,
        price: Decimal | None,
        stop_price: Decimal | None,
        time_in_force: str | None,
        client_order_id: str,
        now: int,
        order_list_id: int = -1,
        validate_only: bool = False,
    ) -> Order:
        """Validate and place one order; raises :class:`BinanceError` as Binance would."""
        spec = self.specs[symbol]
        last = self.market.symbols[symbol].last_price_decimal()
        is_buy = side == "BUY"
        existing = account.client_ids.get((symbol, client_order_id))
        if existing is not None and account.orders[existing].is_open:
            raise BinanceError(-2010, "Duplicate order sent.")
        if type_ == "MARKET":
            need, lock_amount = self._check_market(spec, last, is_buy, qty, quote_qty)
        else:
            if price is None or qty is None:
                raise BinanceError(-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.")
            need = lock_amount = self._check_limit(spec, last, side, type_, qty, price, stop_price)
        asset = spec.quote if is_buy else spec.base
        if account.free(asset) < need:
            raise insufficient_balance()
        if validate_only:
            return Order(symbol, 0, client_order_id, side, type_, time_in_force, _ZERO, _ZERO, _ZERO, _ZERO, now, now)
        order = Order(
            symbol, self.next_order_id, client_order_id, side, type_, time_in_force,
            price or _ZERO, qty or _ZERO, quote_qty or _ZERO, stop_price or _ZERO, now, now,
            order_list_id=order_list_id, is_working=type_ not in STOP_TYPES, working_time=now,
        )  # fmt: skip
        if type_ in STOP_TYPES:
            order.working_time = -1
        self.next_order_id += 1
        account.orders[order.order_id] = order
        account.client_ids[(symbol, client_order_id)] = order.order_id
        if lock_amount:
            account.lock(asset, lock_amount)
            order.locked = lock_amount
        self._report(account, order, "NEW")
        touched = {asset}
        if type_ == "MARKET":
            self._execute_market(account, order, spec, last, touched)
        elif type_ in STOP_TYPES:
            self.resting[symbol][order.order_id] = (account, order)
        else:
            self._execute_limit(account, order, spec, last, touched)
        self._balances(account, touched)
        return order

    def _check_market(
        self, spec: SymbolSpec, last: Decimal, is_buy: bool, qty: Decimal | None, quote_qty: Decimal | None
    ) -> tuple[Decimal, Decimal]:
        """What a market order needs free (nothing is locked: it fills at once).

        LOT_SIZE and MARKET_LOT_SIZE bind the quantity; NOTIONAL's bounds bind by their
        ``applyMinToMarket`` / ``applyMaxToMarket`` flags, valued at the average price as on Binance.
        """
        if qty is not None:
            spec.check_qty(qty, market=True)
            recent = self.market.symbols[spec.symbol].series["1m"].select(None, None, spec.avg_price_mins)
            spec.check_notional(qty * spec.average_price(recent, last), market=True)
            if not is_buy:
                return qty, _ZERO
            levels = book.book_side(last, spec, "asks")
            return sum((p * q for p, q in book.walk(levels, spec, qty=qty)), _ZERO), _ZERO
        assert quote_qty is not None  # noqa: S101 - the REST layer requires one of them
        spec.check_notional(quote_qty, market=True)
        if is_buy:
            return quote_qty, _ZERO
        fills = book.walk(book.book_side(last, spec, "bids"), spec, quote=quote_qty, is_buy=False)
        return sum((q for _, q in fills), _ZERO), _ZERO

    def _check_limit(
        self,
        spec: SymbolSpec,
        last: Decimal,
        side: str,
        type_: str,
        qty: Decimal,
        price: Decimal,
        stop_price: Decimal | None,
    ) -> Decimal:
        """Filters of an order with a limit price; what it locks (quote for a BUY, base for a SELL)."""
        spec.check_price(price)
        recent = self.market.symbols[spec.symbol].series["1m"].select(None, None, spec.avg_price_mins)
        spec.check_percent_price(side, price, spec.average_price(recent, last))
        spec.check_qty(qty)
        spec.check_notional(price * qty)
        is_buy = side == "BUY"
        if type_ in STOP_TYPES:
            if stop_price is None:
                raise BinanceError(-1102, "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.")
            spec.check_price(stop_price)
            if self._triggered(type_, is_buy, stop_price, last):
                raise BinanceError(-2010, "Order would trigger immediately.")
        if type_ == "LIMIT_MAKER":
            bid, ask = book.best_prices(last, spec)
            if (is_buy and price >= ask) or (not is_buy and price <= bid):
                raise BinanceError(-2010, "Order would immediately match and take.")
        return price * qty if is_buy else qty

    @staticmethod
    def _triggered(type_: str, is_buy: bool, stop: Decimal, last: Decimal) -> bool:
        rising = (type_ == "STOP_LOSS_LIMIT") == is_buy  # buy stops and sell take-profits fire on a rise
        return last >= stop if rising else last <= stop

    # --- OCO ---------------------------------------------------------------------------------
    def place_oco(
        self,
        account: Account,
        symbol: str,
        side: str,
        qty: Decimal,
        limit_price: Decimal,
        stop_price: Decimal,
        stop_limit_price: Decimal,
        client_ids: tuple[str, str, str],
        now: int,
    ) -> tuple[OrderList, list[Order]]:
        """A LIMIT_MAKER leg and a STOP_LOSS_LIMIT leg on one quantity; returns (list, [stop, limit])."""
        self._check_list_ids_free(account, symbol, client_ids)
        spec = self.specs[symbol]
        last = self.market.symbols[symbol].last_price_decimal()
        is_buy = side == "BUY"
        ordered = (limit_price < last < stop_price) if is_buy else (limit_price > last > stop_price)
        if not ordered:
            raise BinanceError(-2010, "The relationship of the prices for the orders is not correct.")
        for value in (limit_price, stop_price, stop_limit_price):
            spec.check_price(value)
        spec.check_qty(qty)
        spec.check_notional(min(limit_price, stop_limit_price) * qty)
        asset = spec.quote if is_buy else spec.base
        need = max(limit_price, stop_limit_price) * qty if is_buy else qty
        if account.free(asset) < need:
            raise insufficient_balance()
        order_list = OrderList(self.next_list_id, client_ids[0], symbol, [], now)
        self.next_list_id += 1
        account.order_lists[order_list.order_list_id] = order_list
        stop = self._new_leg(
            account, symbol, side, "STOP_LOSS_LIMIT", qty, stop_limit_price, stop_price, client_ids[2], now, order_list
        )
        limit = self._new_leg(
            account, symbol, side, "LIMIT_MAKER", qty, limit_price, _ZERO, client_ids[1], now, order_list
        )
        account.lock(asset, need)
        limit.locked = need  # the list's funds ride on one leg; a triggered stop takes them over
        self.resting[symbol][stop.order_id] = (account, stop)
        self.resting[symbol][limit.order_id] = (account, limit)
        self._report(account, stop, "NEW")
        self._report(account, limit, "NEW")
        self._balances(account, {asset})
        return order_list, [stop, limit]

    @staticmethod
    def _check_list_ids_free(account: Account, symbol: str, client_ids: tuple[str, str, str]) -> None:
        """Client ids are unique among what is open: an executing list's id, or an open order's, is
        taken (-2010, as for single orders); once closed they may be used again."""
        list_id, *leg_ids = client_ids
        executing = (ol for ol in account.order_lists.values() if ol.status != "ALL_DONE")
        taken = any(ol.list_client_order_id == list_id for ol in executing)
        for leg_id in leg_ids:
            existing = account.client_ids.get((symbol, leg_id))
            taken = taken or (existing is not None and account.orders[existing].is_open)
        if taken:
            raise BinanceError(-2010, "Duplicate order sent.")

    def _new_leg(
        self, account: Account, symbol: str, side: str, type_: str, qty: Decimal, price: Decimal,
        stop: Decimal, client_id: str, now: int, order_list: OrderList,
    ) -> Order:  # fmt: skip
        order = Order(
            symbol, self.next_order_id, client_id, side, type_, "GTC" if type_ != "LIMIT_MAKER" else None,
            price, qty, _ZERO, stop, now, now, order_list_id=order_list.order_list_id,
            is_working=type_ == "LIMIT_MAKER", working_time=now if type_ == "LIMIT_MAKER" else -1,
        )  # fmt: skip
        self.next_order_id += 1
        account.orders[order.order_id] = order
        account.client_ids[(symbol, client_id)] = order.order_id
        order_list.order_ids.append(order.order_id)
        return order

    # --- execution ---------------------------------------------------------------------------
    def _execute_market(
        self, account: Account, order: Order, spec: SymbolSpec, last: Decimal, touched: set[str]
    ) -> None:
        is_buy = order.side == "BUY"
        levels = book.book_side(last, spec, "asks" if is_buy else "bids")
        if order.orig_quote_qty:
            fills = book.walk(levels, spec, quote=order.orig_quote_qty, is_buy=is_buy)
            order.orig_qty = sum((q for _, q in fills), _ZERO)
        else:
            fills = book.walk(levels, spec, qty=order.orig_qty, is_buy=is_buy)
        for price, qty in fills:
            self._fill(account, order, spec, price, qty, False, touched)
        if order.status != "FILLED":
            self._finish(account, order, "EXPIRED", touched)

    def _execute_limit(
        self, account: Account, order: Order, spec: SymbolSpec, last: Decimal, touched: set[str]
    ) -> None:
        """Take what crosses now; then rest (GTC), expire the rest (IOC) or all (FOK)."""
        is_buy = order.side == "BUY"
        fills: list[book.Level] = []
        if order.type != "LIMIT_MAKER":
            levels = book.book_side(last, spec, "asks" if is_buy else "bids")
            fills = book.walk(levels, spec, qty=order.remaining, limit=order.price, is_buy=is_buy)
        if order.time_in_force == "FOK" and sum((q for _, q in fills), _ZERO) < order.remaining:
            self._finish(account, order, "EXPIRED", touched)
            return
        for price, qty in fills:
            self._fill(account, order, spec, price, qty, False, touched)
        if order.status == "FILLED":
            return
        if order.time_in_force == "IOC":
            self._finish(account, order, "EXPIRED", touched)
        else:
            self.resting[order.symbol][order.order_id] = (account, order)

    def _fill(
        self, account: Account, order: Order, spec: SymbolSpec, price: Decimal, qty: Decimal, maker: bool,
        touched: set[str],
    ) -> None:  # fmt: skip
        quote = price * qty
        is_buy = order.side == "BUY"
        rate = account.maker_rate if maker else account.taker_rate
        if is_buy:
            commission = (qty * rate).quantize(_FEE_PLACES, ROUND_HALF_UP)
            paid_asset, paid, got_asset, got = spec.quote, quote, spec.base, qty - commission
        else:
            commission = (quote * rate).quantize(_FEE_PLACES, ROUND_HALF_UP)
            paid_asset, paid, got_asset, got = spec.base, qty, spec.quote, quote - commission
        paying = account.balance(paid_asset)
        from_lock = min(order.locked, paid)
        paying[1] -= from_lock
        paying[0] -= paid - from_lock
        order.locked -= from_lock
        account.balance(got_asset)[0] += got
        touched.update((paid_asset, got_asset))
        trade_id = self.market.symbols[order.symbol].next_trade_id
        self.market.symbols[order.symbol].next_trade_id += 1
        now = self.clock()
        fill = Fill(price, qty, commission, got_asset, trade_id, maker, now)
        order.fills.append(fill)
        order.executed_qty += qty
        order.cum_quote += quote
        order.update_time = now
        account.update_time = now
        account.trades.append(
            TradeRecord(order.symbol, trade_id, order.order_id, order.order_list_id, price, qty, commission,
                        got_asset, now, is_buy, maker)
        )  # fmt: skip
        filled = order.executed_qty >= order.orig_qty
        order.status = "FILLED" if filled else "PARTIALLY_FILLED"
        self._report(account, order, "TRADE", fill)
        if filled:
            self._release(account, order, touched)
            self.resting[order.symbol].pop(order.order_id, None)
            self._end_list(account, order, touched)

    def _release(self, account: Account, order: Order, touched: set[str]) -> None:
        if order.locked:
            spec = self.specs[order.symbol]
            asset = spec.quote if order.side == "BUY" else spec.base
            account.unlock(asset, order.locked)
            order.locked = _ZERO
            touched.add(asset)

    def _finish(self, account: Account, order: Order, status: str, touched: set[str]) -> None:
        order.status = status
        order.update_time = self.clock()
        self._release(account, order, touched)
        self.resting[order.symbol].pop(order.order_id, None)
        self._report(account, order, status if status != "CANCELED" else "CANCELED")

    def _end_list(self, account: Account, order: Order, touched: set[str]) -> None:
        """When one OCO leg fills or is cancelled, the other leg goes too."""
        if order.order_list_id < 0:
            return
        order_list = account.order_lists[order.order_list_id]
        if order_list.status == "ALL_DONE":
            return
        order_list.status = "ALL_DONE"
        for sibling_id in order_list.order_ids:
            sibling = account.orders[sibling_id]
            if sibling.is_open:
                self._finish(account, sibling, "EXPIRED" if order.status == "FILLED" else "CANCELED", touched)

    # --- the tape ----------------------------------------------------------------------------
    def on_trade(self, trade: TradeTick) -> None:
        """Trigger stops and fill resting orders the new trade price crosses."""
        resting = self.resting[trade.symbol]
        if not resting:
            return
        spec = self.specs[trade.symbol]
        last = self.market.symbols[trade.symbol].last_price_decimal()
        bid, ask = book.best_prices(last, spec)
        for account, order in list(resting.values()):
            if not order.is_open:
                resting.pop(order.order_id, None)
                continue
            touched: set[str] = set()
            if not order.is_working:
                if self._triggered(order.type, order.side == "BUY", order.stop_price, last):
                    self._trigger(account, order, spec, last, touched)
            elif (order.side == "BUY" and ask <= order.price) or (order.side == "SELL" and bid >= order.price):
                self._fill_resting(account, order, spec, last, touched)
            if touched:
                self._balances(account, touched)

    def _trigger(self, account: Account, order: Order, spec: SymbolSpec, last: Decimal, touched: set[str]) -> None:
        order.is_working = True
        order.working_time = self.clock()
        if order.order_list_id >= 0:  # take the list's funds from the other leg, then end it
            order_list = account.order_lists[order.order_list_id]
            for sibling_id in order_list.order_ids:
                sibling = account.orders[sibling_id]
                if sibling is not order and sibling.is_open:
                    order.locked, sibling.locked = sibling.locked, _ZERO
                    self._finish(account, sibling, "EXPIRED", touched)
        self.resting[order.symbol].pop(order.order_id, None)
        self._execute_limit(account, order, spec, last, touched)

    def _fill_resting(self, account: Account, order: Order, spec: SymbolSpec, last: Decimal, touched: set[str]) -> None:
        is_buy = order.side == "BUY"
        levels = book.book_side(last, spec, "asks" if is_buy else "bids")
        available = sum(
            (q for _, q in book.walk(levels, spec, qty=order.remaining, limit=order.price, is_buy=is_buy)), _ZERO
        )
        if available > 0:
            self._fill(account, order, spec, order.price, available, True, touched)

    # --- cancelling --------------------------------------------------------------------------
    def cancel(self, account: Account, order: Order) -> None:
        """Cancel an open order (and its whole OCO list); raises -2011 when it is not open."""
        if not order.is_open:
            raise BinanceError(-2011, "Unknown order sent.")
        touched: set[str] = set()
        self._finish(account, order, "CANCELED", touched)
        self._end_list(account, order, touched)
        self._balances(account, touched)

    # --- reporting ---------------------------------------------------------------------------
    def _report(self, account: Account, order: Order, execution_type: str, fill: Fill | None = None) -> None:
        if self.on_order is not None:
            self.on_order(account, order, execution_type, fill)

    def _balances(self, account: Account, assets: set[str]) -> None:
        if self.on_balances is not None and assets:
            self.on_balances(account, assets)


def check_filters_only(spec: SymbolSpec, price: Decimal | None, qty: Decimal | None) -> None:
    """The filters a limit order's price and quantity alone can fail (never touches balances)."""
    if price is not None:
        spec.check_price(price)
    if qty is not None:
        spec.check_qty(qty)
    if price is not None and qty is not None:
        spec.check_notional(price * qty)
