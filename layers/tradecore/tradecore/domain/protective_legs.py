"""A stop-loss or take-profit that executed: a trade of its own, and its parent's protection done.

A protective leg sells what its trade bought, so its fills belong in the user's books like any other
trade's: it is recorded as a trade (source ``stop_loss`` / ``take_profit``) under the leg's own
client order id, linked to its parent in ``extra``. The stream and reconciliation both make it with
:func:`leg_record`, so whichever comes first, the other finds it by that id and only advances it.
The parent's protection becomes ``done``, with which leg executed and, for an OCO, that the other
leg was cancelled (the exchange cancels it when one leg executes).

Pure rules, no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from tradecore.domain.orders import Fill, OrderResult, OrderType, Side
from tradecore.domain.reconciliation import Change, DiscrepancyKind, Repair, order_repair
from tradecore.domain.trades import ProtectionStatus, TradeRecord, TradeStatus

_ZERO = Decimal(0)
PARENT_TRADE_ID = "parent_trade_id"  # extra of a leg's record: the trade it protected
PARENT_CLIENT_ORDER_ID = "parent_client_order_id"
EXECUTED_LEG = "protection_executed"  # extra of the parent: which leg executed
EXECUTED_LEG_TRADE_ID = "protection_trade_id"  # extra of the parent: the executed leg's record
CANCELED_LEG = "protection_canceled"  # extra of the parent: the other leg of the OCO


class LegRole(StrEnum):
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"

    @property
    def other(self) -> LegRole:
        return LegRole.TAKE_PROFIT if self is LegRole.STOP_LOSS else LegRole.STOP_LOSS


_STOP_TYPES = (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT)


def role_of(order_type: OrderType, client_order_id: str) -> LegRole:
    """The leg's role by its client id (``sl-…``, ``oco-…-sl``; ``tp-…``, ``oco-…-tp``), else by its
    type: a stop order is the stop-loss, a limit the take-profit."""
    if client_order_id.startswith("sl-") or client_order_id.endswith("-sl"):
        return LegRole.STOP_LOSS
    if client_order_id.startswith("tp-") or client_order_id.endswith("-tp"):
        return LegRole.TAKE_PROFIT
    return LegRole.STOP_LOSS if order_type in _STOP_TYPES else LegRole.TAKE_PROFIT


def leg_trade_id(user_id: str, client_order_id: str) -> str:
    """The record id of a leg: 32 hex digits of SHA-256 over the user and the leg's client id, the
    same whichever path records it first."""
    return hashlib.sha256(f"{user_id}\x00{client_order_id}".encode()).hexdigest()[:32]


def leg_record(
    parent: TradeRecord, *, client_order_id: str, order_id: int, order_type: OrderType, side: Side,
    quantity: Decimal, price: Decimal, executed_at: datetime,
) -> TradeRecord:  # fmt: skip
    """A blank (``pending``, version 0, nothing executed) record of ``parent``'s leg, dated when it
    executed: its fills realize PnL then (the daily loss limit reads that date), not when the trade
    that placed it did (never before it). The caller advances it as the exchange says (an event, or the order)."""
    role = role_of(order_type, client_order_id)
    executed_at = max(executed_at, parent.created_at)  # a leg never executes before its trade: fills stay in order
    return TradeRecord(
        id=leg_trade_id(parent.user_id, client_order_id), user_id=parent.user_id, client_order_id=client_order_id,
        symbol=parent.symbol, base_asset=parent.base_asset, quote_asset=parent.quote_asset, side=side,
        type=order_type, mode=parent.mode, status=TradeStatus.PENDING, created_at=executed_at,
        updated_at=executed_at, sent_quantity=quantity or None, sent_price=price or None,
        exchange_order_id=order_id, source=role.value, version=0,
        extra={PARENT_TRADE_ID: parent.id, PARENT_CLIENT_ORDER_ID: parent.client_order_id},
    )  # fmt: skip


def leg_record_of_order(parent: TradeRecord, order: OrderResult, executed_at: datetime) -> TradeRecord:
    """:func:`leg_record` for a leg as the exchange's order shows it."""
    return leg_record(
        parent, client_order_id=order.client_order_id, order_id=order.order_id, order_type=order.type,
        side=order.side, quantity=order.orig_qty, price=order.price, executed_at=executed_at,
    )  # fmt: skip


def protection_settled(parent: TradeRecord, leg: TradeRecord, now: datetime) -> TradeRecord | None:
    """``parent`` with its protection ``done`` by ``leg`` (an executed leg's record): which leg
    executed, its record, and for an OCO (both prices set) the other leg cancelled. None when it
    says so already, or ``parent`` has no protection to settle."""
    current = parent.protection
    if current is None or leg.executed_quantity <= _ZERO:
        return None
    role = LegRole(leg.source)
    outcome = {EXECUTED_LEG: role.value, EXECUTED_LEG_TRADE_ID: leg.id}
    if current.stop_loss is not None and current.take_profit is not None:
        outcome[CANCELED_LEG] = role.other.value
    if current.status is ProtectionStatus.DONE and all(parent.extra.get(k) == v for k, v in outcome.items()):
        return None
    return parent.advanced(
        now, protection=replace(current, status=ProtectionStatus.DONE), extra={**parent.extra, **outcome}
    )


# ---------------------------------------------------------------- reconciliation's rules
def missing_leg(
    parent: TradeRecord, order: OrderResult, fills: Sequence[Fill] | None, now: datetime
) -> tuple[TradeRecord, Repair]:
    """The record of ``parent``'s executed leg the database lacks, as the exchange's ``order`` (and
    its itemised ``fills``) shows it: the stream's record, made from the other side."""
    executed_at = datetime.fromtimestamp(order.transact_time_ms / 1000, UTC) if order.transact_time_ms else now
    blank = leg_record_of_order(parent, order, executed_at)
    outcome = order_repair(blank, order, fills, now)
    record = blank.advanced(now, exchange_order_id=order.order_id) if outcome is None else outcome[0]
    average = "-" if order.average_price is None else format(order.average_price, "f")
    change = Change(
        "trade", "missing",
        f"{record.source} {record.status.value} {format(order.executed_qty, 'f')} {order.symbol} at {average}",
    )  # fmt: skip
    extra = {**blank.extra, "reconciled": str(change), "reconciled_at": now.isoformat()}
    record = replace(record, extra=extra)
    return record, Repair(record.id, record.client_order_id, record.symbol, (DiscrepancyKind.MISSING_TRADE,), (change,))


def settled_repair(parent: TradeRecord, leg: TradeRecord, now: datetime) -> tuple[TradeRecord, Repair] | None:
    """:func:`protection_settled` as a reconciliation repair (protection gone: a leg executed)."""
    settled = protection_settled(parent, leg, now)
    if settled is None or parent.protection is None:
        return None
    before = parent.protection.status
    changes = [Change("protection.executed", parent.extra.get(EXECUTED_LEG, "-"), leg.source)]
    kinds: tuple[DiscrepancyKind, ...] = ()
    if before is not ProtectionStatus.DONE:
        changes.insert(0, Change("protection.status", before.value, ProtectionStatus.DONE.value))
        kinds = (DiscrepancyKind.PROTECTION_GONE,)
    note = "; ".join(str(change) for change in changes)
    settled = replace(settled, extra={**settled.extra, "reconciled": note, "reconciled_at": now.isoformat()})
    return settled, Repair(parent.id, parent.client_order_id, parent.symbol, kinds, tuple(changes))
