"""The two sides a reconciliation compares: the user's trade records in scope, and what the exchange
says about their account.

In scope are the trades created in the window (24 hours), every one not yet final whatever its age
(pending and unknown intents, open orders), and every one whose protection is still active. The
exchange side is the account's own fills per symbol (grouped by order), its open orders, and its
balances. Binance keeps no list of "orders of the last day" across symbols, so the orders placed in
the window are found through their fills and the open-orders list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from tradecore.domain.orders import Balance, Fill, OrderResult
from tradecore.domain.reconciliation import fills_of_exchange
from tradecore.domain.trades import TradeQuery, TradeRecord, TradeStatus
from tradecore.ports import Exchange, TradeStore

PAGE = 200  # the trade store's largest page
MY_TRADES_LIMIT = 1000  # Binance's most fills per myTrades call
NOT_FINAL = (TradeStatus.PENDING, TradeStatus.UNKNOWN, TradeStatus.OPEN, TradeStatus.PARTIALLY_FILLED)


def _pages(store: TradeStore, user_id: str, query: TradeQuery) -> Iterable[TradeRecord]:
    cursor: str | None = None
    while True:
        page = store.page(user_id, replace(query, cursor=cursor))
        yield from page.trades
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def recorded_in_scope(store: TradeStore, user_id: str, since: datetime, symbols: Sequence[str]) -> list[TradeRecord]:
    """The user's trades to compare, each once, oldest first: created since ``since``, not final,
    or with active protection (on ``symbols`` and the symbols of the others)."""
    found: dict[str, TradeRecord] = {}
    queries = [TradeQuery(created_from=since, limit=PAGE)] + [TradeQuery(status=s, limit=PAGE) for s in NOT_FINAL]
    for query in queries:
        for trade in _pages(store, user_id, query):
            found[trade.client_order_id] = trade
    for symbol in sorted(set(symbols) | {trade.symbol for trade in found.values()}):
        for trade in store.protected(user_id, symbol):
            found[trade.client_order_id] = trade
    return sorted(found.values(), key=lambda trade: (trade.created_at, trade.id))


@dataclass(frozen=True)
class ExchangeSide:
    """The account as the exchange shows it."""

    fills: dict[int, tuple[Fill, ...]]  # every fill read, by order id
    recent: dict[int, str]  # orders with a fill in the window: order id → symbol
    open_orders: dict[int, OrderResult]
    balances: dict[str, Balance]

    def unmatched(self, known: set[int]) -> list[tuple[int, str]]:
        """(order id, symbol) of the window's orders and the open ones no record names, by id."""
        orders = dict(self.recent)
        orders.update({order_id: order.symbol for order_id, order in self.open_orders.items()})
        return sorted((order_id, symbol) for order_id, symbol in orders.items() if order_id not in known)


def read_exchange(exchange: Exchange, symbols: Sequence[str], since_ms: int) -> ExchangeSide:
    """The account's fills on ``symbols``, its open orders and its balances (raises the exchange's
    errors: without them there is nothing to compare)."""
    fills: dict[int, tuple[Fill, ...]] = {}
    recent: dict[int, str] = {}
    for symbol in symbols:
        trades = exchange.my_trades(symbol, limit=MY_TRADES_LIMIT)
        fills.update(fills_of_exchange(trades))
        recent.update({trade.order_id: symbol for trade in trades if trade.time_ms >= since_ms})
    open_orders = {order.order_id: order for order in exchange.open_orders()}
    return ExchangeSide(fills, recent, open_orders, exchange.get_balances())
