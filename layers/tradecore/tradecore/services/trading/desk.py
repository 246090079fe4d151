"""The part of the money path every order shares (a trade, a position's close): record the intent,
send the order once, record what came back, protect it, tell the user.

No order leaves without a record (the store, or the outbox while MongoDB is down); an uncertain
failure ends ``unknown`` (looked up, never resent); the exchange's refusal is recorded with its reason.

Every order is marked in the placement ledger (DynamoDB) just before it leaves. An attempt that finds
its client order id marked by an earlier one (a process killed after sending, retried while MongoDB
is down or the intent still waits in the outbox) looks the order up instead of sending it: Binance
frees a client order id once its order is filled, so sending again would trade twice. An order may
be invisible to queries for a moment after it was accepted, so the lookup keeps trying until
``ORDER_VISIBILITY_SECONDS`` after the earlier mark before it concludes the order never left.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OrderRequest, SymbolRules
from tradecore.domain.trades import TradeRecord, TradeStatus
from tradecore.errors import DependencyUnavailableError, ExchangeRejectedError, NotFoundError, OrderStatusUnknownError
from tradecore.observability import logger
from tradecore.ports import Exchange, PlacementLedger
from tradecore.services.trading.events import TradeEvents
from tradecore.services.trading.journal import RecordedIn, TradeJournal
from tradecore.services.trading.protection import ProtectionDesk

# How long after leaving an order may still be missing from queries (the simulator's fault knob
# hides orders this way; Binance documents the delay without a figure).
ORDER_VISIBILITY_SECONDS = 5.0
_LOOKUP_PAUSE_SECONDS = 0.25


@dataclass
class OrderDesk:
    journal: TradeJournal
    protection: ProtectionDesk
    events: TradeEvents
    placements: PlacementLedger
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def pending(
        self, user_id: str, order: OrderRequest, rules: SymbolRules, mode: TradingMode, **details: Any
    ) -> TradeRecord:
        """A new trade record for ``order`` (as it will be sent), status ``pending``; ``details`` fill
        the rest (what was requested, the signal, the protection asked for, the source)."""
        now = self.now()
        return TradeRecord(
            id=uuid.uuid4().hex,
            user_id=user_id,
            client_order_id=order.client_order_id or "",
            symbol=order.symbol,
            base_asset=rules.base_asset,
            quote_asset=rules.quote_asset,
            side=order.side,
            type=order.type,
            mode=mode,
            status=TradeStatus.PENDING,
            created_at=now,
            updated_at=now,
            sent_quantity=order.quantity,
            sent_quote_amount=order.quote_quantity,
            sent_price=order.price,
            **details,
        )

    def recorded(self, user_id: str, client_order_id: str) -> TradeRecord | None:
        """The trade already recorded under this client id; None also when the store is down (the
        exchange's own client-id check and the lookups still stand)."""
        try:
            return self.journal.store.by_client_order_id(user_id, client_order_id)
        except DependencyUnavailableError:
            return None

    def adopt(
        self, exchange: Exchange, pending: TradeRecord, rules: SymbolRules
    ) -> tuple[TradeRecord, RecordedIn] | None:
        """A pending trade as the exchange knows its order, with the protection it asked for placed
        (the attempt that sent it stopped before that); None when the exchange has none (send it)."""
        try:
            result = exchange.get_order(pending.symbol, client_order_id=pending.client_order_id)
        except NotFoundError:
            return None
        trade = self._protect(exchange, pending.with_order(result, self.now()), rules)
        recorded = self.journal.record(trade, must=False)
        self.events.trade_changed(trade, executed=True)
        return trade, recorded

    def send(
        self, exchange: Exchange, trade: TradeRecord, order: OrderRequest, reference_price: Decimal | None,
        rules: SymbolRules, *, recorded_already: bool = False,
    ) -> tuple[TradeRecord, RecordedIn]:  # fmt: skip
        """Record ``trade`` (pending) unless it is, send ``order`` once, protect the fill, record the
        result and tell the user. ``DependencyUnavailableError`` when the order certainly did not
        leave (nothing recorded, or the pending record that a retry resolves)."""
        if not recorded_already:
            self.journal.record(trade, must=True)
        sent = self._sent_before(exchange, trade)
        trade = self._protect(exchange, sent or self._place(exchange, trade, order, reference_price), rules)
        recorded = self.journal.record(trade, must=False)
        self.events.trade_changed(trade, executed=True)  # after the record: a reader sees the outcome
        return trade, recorded

    def cancel_protection(self, user_id: str, exchange: Exchange, symbol: str) -> int:
        """Cancel the active stop-loss / take-profit of the user's ``symbol`` trades (their coins are
        about to be sold); how many were cancelled."""
        try:
            protected = self.journal.store.protected(user_id, symbol)
        except DependencyUnavailableError:
            logger.warning("protected trades unreadable; selling without cancelling protection first")
            return 0
        for trade in protected:
            cancelled = self.protection.cancel(exchange, trade)
            updated = trade.advanced(self.now(), protection=cancelled)
            self.journal.record(updated, must=False)
            self.events.trade_changed(updated, executed=False)
        return len(protected)

    def _protect(self, exchange: Exchange, trade: TradeRecord, rules: SymbolRules) -> TradeRecord:
        protection = self.protection.place(exchange, trade, rules)
        return trade if protection == trade.protection else trade.advanced(self.now(), protection=protection)

    def _sent_before(self, exchange: Exchange, trade: TradeRecord) -> TradeRecord | None:
        """Mark the order as leaving; when an earlier attempt marked it, the trade as the exchange
        knows that order, or ``None`` once it would be visible and is not (it never left: send it)."""
        try:
            earlier = self.placements.mark_sending(trade.user_id, trade.client_order_id, self.clock())
        except DependencyUnavailableError:
            earlier = 0.0  # cannot tell whether it left: look it up once before sending
        if earlier is None:
            return None
        logger.warning("order sent before by an earlier attempt; looking it up, not resending",
                       extra={"client_order_id": trade.client_order_id})  # fmt: skip
        visible_by = earlier + ORDER_VISIBILITY_SECONDS
        for _ in range(int(ORDER_VISIBILITY_SECONDS / _LOOKUP_PAUSE_SECONDS) + 1):
            try:
                return trade.with_order(
                    exchange.get_order(trade.symbol, client_order_id=trade.client_order_id), self.now()
                )
            except NotFoundError:
                if self.clock() >= visible_by:
                    break
                self.sleep(_LOOKUP_PAUSE_SECONDS)
        logger.info("the earlier attempt's order never reached the exchange; sending it",
                    extra={"client_order_id": trade.client_order_id})  # fmt: skip
        return None

    def _place(
        self, exchange: Exchange, trade: TradeRecord, order: OrderRequest, reference_price: object
    ) -> TradeRecord:
        try:
            result = exchange.place_order(order, reference_price=reference_price)  # type: ignore[arg-type]
        except OrderStatusUnknownError as exc:
            logger.error(
                "order outcome unknown; reconciliation settles it", extra={"client_order_id": trade.client_order_id}
            )
            return trade.advanced(self.now(), status=TradeStatus.UNKNOWN, reason=exc.message)
        except ExchangeRejectedError as exc:
            return trade.advanced(
                self.now(), status=TradeStatus.REJECTED, reason=exc.reason or exc.message,
                extra={"code": exc.code, "exchange_code": str(exc.exchange_code or "")},
            )  # fmt: skip
        except DependencyUnavailableError:
            # certainly not placed (the adapter says so): the record stays pending, and the retry of
            # the same key need not wait for an order that never left
            with contextlib.suppress(DependencyUnavailableError):
                self.placements.forget(trade.user_id, trade.client_order_id)
            raise
        return trade.with_order(result, self.now())
