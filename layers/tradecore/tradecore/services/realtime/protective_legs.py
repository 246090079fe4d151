"""A protective leg's order events: the leg recorded as a trade of its own, its parent's protection
settled, and the user told (see :mod:`tradecore.domain.protective_legs`).

A leg is found from its parent's side: the ids the parent's protection would give its legs (the
OCO's ``oco-…-sl`` / ``oco-…-tp``, the single ``sl-…`` / ``tp-…``, or the one it recorded), or the
OCO's list id. Reconciliation finds parents the same way (:func:`find_parent`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tradecore.domain.orders import oco_client_ids
from tradecore.domain.protective_legs import PARENT_CLIENT_ORDER_ID, leg_record, protection_settled
from tradecore.domain.trades import TradeRecord, TradeStatus
from tradecore.domain.user_events import OrderEvent
from tradecore.observability import logger
from tradecore.ports import TradeStore
from tradecore.services.trading.events import TradeEvents
from tradecore.services.trading.journal import TradeJournal
from tradecore.services.trading.protection import protective_order_id


def leg_client_ids(parent: TradeRecord) -> set[str]:
    """The client ids ``parent``'s protective legs have (or would have had)."""
    protection = parent.protection
    if protection is None:
        return set()
    oco = oco_client_ids(parent.client_order_id)
    ids = {oco.stop_loss, oco.take_profit}
    ids |= {protective_order_id(parent.client_order_id, role) for role in ("sl", "tp")}
    if protection.client_order_id is not None:
        ids.add(protection.client_order_id)
    return ids


def is_parent_of(parent: TradeRecord, client_order_id: str, order_list_id: int = -1) -> bool:
    protection = parent.protection
    if protection is None:
        return False
    if order_list_id >= 0 and protection.order_list_id == order_list_id:
        return True
    return client_order_id in leg_client_ids(parent)


def find_parent(
    store: TradeStore, user_id: str, symbol: str, client_order_id: str, order_list_id: int = -1
) -> TradeRecord | None:
    """The trade whose protection the leg is: among those still protected first, then among every
    executed trade of the symbol (reconciliation may have marked the protection ended already)."""
    for parent in store.protected(user_id, symbol):
        if is_parent_of(parent, client_order_id, order_list_id):
            return parent
    for parent in reversed(store.executed(user_id, symbol)):
        if is_parent_of(parent, client_order_id, order_list_id):
            return parent
    return None


@dataclass
class LegEvents:
    """Applies one protective leg's order event; ``advance`` is the stream's forward-only rule."""

    journal: TradeJournal
    events: TradeEvents
    advance: Callable[[TradeRecord, OrderEvent, datetime], TradeRecord | None]

    def apply(self, event: OrderEvent, now: datetime) -> None:
        """Record what the leg executed and settle its parent. Nothing before the leg executes: a
        placed or cancelled leg is its parent's protection, not a trade. Raises the store's errors."""
        store = self.journal.store
        recorded = store.by_client_order_id(event.user_id, event.client_order_id)
        parent: TradeRecord | None = None
        if recorded is None:
            if event.executed_quantity <= 0:
                return
            parent = find_parent(store, event.user_id, event.symbol, event.client_order_id, event.order_list_id)
            if parent is None:  # not readable yet: reconciliation records it from the exchange
                logger.warning("protective leg without a known trade; left to reconciliation",
                               extra={"user_id": event.user_id, "client_order_id": event.client_order_id})  # fmt: skip
                return
            recorded = leg_record(
                parent, client_order_id=event.client_order_id, order_id=event.order_id, order_type=event.type,
                side=event.side, quantity=event.quantity, price=event.price,
                executed_at=datetime.fromtimestamp(event.event_time_ms / 1000, UTC),
            )  # fmt: skip
        updated = self.advance(recorded, event, now)
        if updated is None:
            return
        self.journal.record(updated, must=False)
        just_filled = updated.status is TradeStatus.FILLED and recorded.status is not TradeStatus.FILLED
        self.events.trade_changed(updated, executed=just_filled)
        self._settle(parent, updated, now)

    def _settle(self, parent: TradeRecord | None, leg: TradeRecord, now: datetime) -> None:
        if parent is None:
            parent = self.journal.store.by_client_order_id(leg.user_id, leg.extra.get(PARENT_CLIENT_ORDER_ID, ""))
        settled = None if parent is None else protection_settled(parent, leg, now)
        if settled is not None:
            self.journal.record(settled, must=False)
            self.events.trade_changed(settled, executed=False)
