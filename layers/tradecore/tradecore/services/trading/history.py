"""A user's trades: their history, one trade, and cancelling an order still open on the book."""

from __future__ import annotations

from tradecore.domain.trades import TradePage, TradeQuery, TradeRecord, TradeStatus
from tradecore.domain.users import Principal
from tradecore.errors import ConflictError, NotFoundError
from tradecore.ports import TradeStore
from tradecore.services.accounts.account_view import AccountExchanges
from tradecore.services.trading.desk import OrderDesk

_CANCELLABLE = (TradeStatus.OPEN, TradeStatus.PARTIALLY_FILLED)


class TradeHistory:
    def __init__(self, store: TradeStore, exchanges: AccountExchanges, desk: OrderDesk) -> None:
        self._store = store
        self._exchanges = exchanges
        self._desk = desk

    def page(self, principal: Principal, query: TradeQuery) -> TradePage:
        return self._store.page(principal.user_id, query)

    def get(self, principal: Principal, trade_id: str) -> TradeRecord:
        """The caller's trade; ``NotFoundError`` for an unknown id or another user's trade alike."""
        trade = self._store.get(principal.user_id, trade_id)
        if trade is None:
            raise NotFoundError("No such trade")
        return trade

    def cancel(self, principal: Principal, trade_id: str) -> TradeRecord:
        """Cancel the caller's order that is still open; what was filled before stays filled.
        ``ConflictError`` when the order is no longer open."""
        trade = self.get(principal, trade_id)
        if trade.status not in _CANCELLABLE:
            raise ConflictError(f"Only open orders can be cancelled; this one is {trade.status.value}")
        exchange = self._exchanges.exchange_for(principal.user_id)
        try:
            result = exchange.cancel_order(trade.symbol, client_order_id=trade.client_order_id)
        except NotFoundError:  # it ended meanwhile (filled or cancelled elsewhere): record how
            result = exchange.get_order(trade.symbol, client_order_id=trade.client_order_id)
        updated = trade.with_order(result, self._desk.now())
        self._desk.journal.record(updated, must=False)
        self._desk.events.trade_changed(updated, executed=False)
        return updated
