"""A user's own order and balance events, applied to their trades and told to them alone.

An order event advances the trade recorded under its client order id when it says more than the
record does (more executed, or a later status): events may arrive late, twice or out of order, and
the record only ever moves forward. An order the platform did not place (the exchange's own site,
another tool) is recorded as a trade of source ``external`` so it appears in the user's trades; its
stored client id is namespaced per user, since ids chosen elsewhere may repeat across users.
A protective leg (``sl-``/``tp-``/``oco-``) is recorded once it executes, as a trade of its own linked
to the trade it protected, whose protection becomes done (:mod:`.protective_legs`).
Records go through the journal (the store, the outbox while it is down); messages through
:class:`TradeEvents` to that user only. Nothing here raises: one bad event must not stop the stream.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OrderStatus
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import CLIENT_ORDER_ID_PREFIX, TradeRecord, TradeStatus, trade_status_of
from tradecore.domain.user_events import AccountEvent, OrderEvent, UserEvent
from tradecore.errors import DependencyUnavailableError, TradecoreError
from tradecore.observability import logger
from tradecore.services.realtime.protective_legs import LegEvents
from tradecore.services.trading.events import TradeEvents
from tradecore.services.trading.journal import TradeJournal

EXTERNAL_SOURCE = "external"
PROTECTIVE_PREFIXES = ("sl-", "tp-", "oco-")
QUOTE_ASSETS = ("USDT", "USDC", "FDUSD", "TUSD", "BUSD", "DAI", "BTC", "ETH", "BNB", "EUR", "TRY", "BRL", "JPY")
_RANK = {
    TradeStatus.PENDING: 0, TradeStatus.UNKNOWN: 0, TradeStatus.OPEN: 1, TradeStatus.PARTIALLY_FILLED: 2,
    TradeStatus.FILLED: 3, TradeStatus.CANCELED: 3, TradeStatus.REJECTED: 3,
}  # fmt: skip


def external_client_order_id(user_id: str, client_order_id: str) -> str:
    """The stored client id of an order placed outside the platform: ``ext-`` and 32 hex digits of
    SHA-256 over the user and the exchange's id, so two users' equal ids never collide."""
    return "ext-" + hashlib.sha256(f"{user_id}\x00{client_order_id}".encode()).hexdigest()[:32]


def split_symbol(symbol: str) -> tuple[str, str]:
    """(base, quote) of a spot symbol by its quote asset's suffix; ('', symbol) when none is known."""
    for quote in QUOTE_ASSETS:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    return "", symbol


def advance(trade: TradeRecord, event: OrderEvent, now: datetime) -> TradeRecord | None:
    """``trade`` as ``event`` says it is now, or ``None`` when the event says nothing newer
    (less or equally executed and no later status): a late or repeated event changes nothing."""
    status = trade_status_of(event.status, event.executed_quantity)
    if (event.executed_quantity, _RANK[status]) <= (trade.executed_quantity, _RANK[trade.status]):
        return None
    fills = trade.fills
    fill = event.fill
    if fill is not None and not (fill.trade_id is not None and any(f.trade_id == fill.trade_id for f in fills)):
        fills = (*fills, fill)
    rejected = event.status is OrderStatus.REJECTED
    return trade.advanced(
        now, status=status, exchange_order_id=event.order_id, executed_quantity=event.executed_quantity,
        quote_amount=event.cumulative_quote, fills=fills,
        reason=(trade.reason or event.reject_reason or "rejected by the exchange") if rejected else trade.reason,
    )  # fmt: skip


def external_trade(event: OrderEvent, mode: TradingMode, now: datetime) -> TradeRecord:
    """A first record of an order placed outside the platform, as ``event`` shows it."""
    stored_id = external_client_order_id(event.user_id, event.client_order_id)
    base, quote = split_symbol(event.symbol)
    opened = datetime.fromtimestamp(event.order_time_ms / 1000, UTC)
    blank = TradeRecord(
        id=stored_id[4:], user_id=event.user_id, client_order_id=stored_id, symbol=event.symbol, base_asset=base,
        quote_asset=quote, side=event.side, type=event.type, mode=mode, status=TradeStatus.PENDING,
        created_at=opened, updated_at=opened, sent_quantity=event.quantity or None,
        sent_price=event.price or None, source=EXTERNAL_SOURCE, version=0,
        extra={"exchange_client_order_id": event.client_order_id},
    )  # fmt: skip
    return advance(blank, event, now) or blank.advanced(now, exchange_order_id=event.order_id)


@dataclass
class UserEventHandler:
    journal: TradeJournal
    events: TradeEvents
    mode: TradingMode
    clock: Callable[[], float] = time.time

    def handle(self, event: UserEvent) -> None:
        try:
            if isinstance(event, AccountEvent):
                self._account_changed(event)
            else:
                self._order_changed(event)
        except Exception:  # noqa: BLE001 - one event must not end the stream; reconciliation repairs records
            logger.exception("user event not applied", extra={"user_id": event.user_id})

    def _account_changed(self, event: AccountEvent) -> None:
        try:
            self.events.account_cache.invalidate(event.user_id)
        except TradecoreError:  # the cache's own expiry bounds the staleness
            logger.warning("account view not invalidated after a balance change", extra={"user_id": event.user_id})
        data = {"reason": "balances", "assets": list(event.assets), "stale": True}
        self.events.notifier.notify(event.user_id, MessageType.ACCOUNT_UPDATE, data)

    def _order_changed(self, event: OrderEvent) -> None:
        now = datetime.fromtimestamp(self.clock(), UTC)
        try:
            if event.client_order_id.startswith(PROTECTIVE_PREFIXES):
                LegEvents(self.journal, self.events, advance).apply(event, now)
                return
            trade = self._recorded(event)
        except DependencyUnavailableError:
            logger.warning("trade store unreadable; order event left to reconciliation",
                           extra={"user_id": event.user_id, "client_order_id": event.client_order_id})  # fmt: skip
            return
        if trade is None:
            if event.client_order_id.startswith(CLIENT_ORDER_ID_PREFIX):
                return  # the platform's own order whose record is not readable yet: its sender tells the user
            updated: TradeRecord | None = external_trade(event, self.mode, now)
            was_filled = False
        else:
            updated = advance(trade, event, now)
            was_filled = trade.status is TradeStatus.FILLED
        if updated is None:
            return
        self.journal.record(updated, must=False)
        just_filled = updated.status is TradeStatus.FILLED and not was_filled
        self.events.trade_changed(updated, executed=just_filled)

    def _recorded(self, event: OrderEvent) -> TradeRecord | None:
        store = self.journal.store
        trade = store.by_client_order_id(event.user_id, event.client_order_id)
        if trade is None and not event.client_order_id.startswith(CLIENT_ORDER_ID_PREFIX):
            trade = store.by_client_order_id(
                event.user_id, external_client_order_id(event.user_id, event.client_order_id)
            )
        return trade
