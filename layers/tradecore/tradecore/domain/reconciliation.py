"""Reconciliation: how a recorded trade is compared with the exchange, and what one run found.

The exchange is the source of truth: wherever a record and the exchange disagree about an order
(its status, filled quantity, average price, fees, or whether its protection is still there), the
record is rewritten the exchange's way and keeps a note of what changed (``field: before → after``).
Pure rules with Decimal money and no I/O; :mod:`tradecore.services.jobs.reconciler` reads both
sides and stores what these rules decide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import Fill, OrderResult, OrderStatus, Trade
from tradecore.domain.trades import (
    Protection,
    ProtectionStatus,
    TradeRecord,
    TradeStatus,
    trade_status_of,
)

_ZERO = Decimal(0)
RECONCILED_SOURCE = "reconciled"
NEVER_PLACED_REASON = "never placed: the exchange has no order with this client id (reconciliation)"
PROTECTION_GONE_REASON = "no longer on the exchange (reconciliation)"


class DiscrepancyKind(StrEnum):
    MISSING_TRADE = "missing_trade"  # on the exchange, not in the database
    NEVER_PLACED = "never_placed"  # an intent the exchange never received (past the grace period)
    STATUS = "status"
    FILLED_QUANTITY = "filled_quantity"
    AVERAGE_PRICE = "average_price"
    FEE = "fee"
    PROTECTION_GONE = "protection_gone"  # the stop-loss / take-profit is no longer on the exchange
    POSITION = "position"  # recorded position quantity differs from the base-asset balance (reported)


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.field}: {self.before} → {self.after}"


@dataclass(frozen=True)
class Repair:
    """One record rewritten (or inserted) the exchange's way. ``applied`` is False when the store
    kept a copy that was newer and still disagreed after every retry, or could not be written."""

    trade_id: str
    client_order_id: str
    symbol: str
    kinds: tuple[DiscrepancyKind, ...]
    changes: tuple[Change, ...]
    applied: bool = True

    def note(self) -> str:
        """What changed, as stored on the record (``extra["reconciled"]``)."""
        return "; ".join(str(change) for change in self.changes)


@dataclass(frozen=True)
class PositionGap:
    """A symbol whose recorded position (built from the trade records) is not the exchange balance."""

    symbol: str
    asset: str
    recorded: Decimal
    exchange: Decimal

    @property
    def difference(self) -> Decimal:
        return self.exchange - self.recorded


@dataclass(frozen=True)
class ReconciliationReport:
    """What one run for one user found and repaired."""

    id: str
    user_id: str
    started_at: datetime
    finished_at: datetime
    repairs: tuple[Repair, ...] = ()
    position_gaps: tuple[PositionGap, ...] = ()
    errors: tuple[str, ...] = ()  # lookups that failed (the next run tries them again)
    checked: int = 0  # recorded trades compared with the exchange

    @property
    def counts(self) -> dict[str, int]:
        """Discrepancies found, per kind (every kind, zeros included)."""
        totals = dict.fromkeys((kind.value for kind in DiscrepancyKind), 0)
        for repair in self.repairs:
            for kind in repair.kinds:
                totals[kind.value] += 1
        totals[DiscrepancyKind.POSITION.value] += len(self.position_gaps)
        return totals

    @property
    def found(self) -> int:
        return sum(self.counts.values())

    @property
    def repaired(self) -> int:
        """Discrepancies repaired (position gaps are reported, not repaired: no positions store)."""
        return sum(len(repair.kinds) for repair in self.repairs if repair.applied)

    def summary(self) -> dict[str, Any]:
        """The ``account_update`` a user gets: counts, and each repair in words."""
        return {
            "reason": "reconciliation", "report_id": self.id, "found": self.found, "repaired": self.repaired,
            "counts": {kind: count for kind, count in self.counts.items() if count},
            "repairs": [{"trade_id": r.trade_id, "symbol": r.symbol, "changes": r.note()} for r in self.repairs],
            "positions": [{"symbol": g.symbol, "recorded": str(g.recorded), "exchange": str(g.exchange)}
                          for g in self.position_gaps],
        }  # fmt: skip


def report_id(user_id: str, started_at: datetime) -> str:
    return hashlib.sha256(f"{user_id}\x00{started_at.isoformat()}".encode()).hexdigest()[:24]


def fills_of_exchange(trades: Iterable[Trade]) -> dict[int, tuple[Fill, ...]]:
    """The account's own fills grouped by order id, in the exchange's order."""
    grouped: dict[int, list[Fill]] = {}
    for trade in trades:
        fill = Fill(trade.price, trade.quantity, trade.commission, trade.commission_asset, trade.trade_id)
        grouped.setdefault(trade.order_id, []).append(fill)
    return {order_id: tuple(fills) for order_id, fills in grouped.items()}


def fee_totals(fills: Iterable[Fill]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for fill in fills:
        totals[fill.commission_asset] = totals.get(fill.commission_asset, _ZERO) + fill.commission
    return {asset: amount for asset, amount in totals.items() if amount}


def _text(value: Decimal | None) -> str:
    """A plain decimal (``50000``, not ``5.0E+4``), or ``-`` for none."""
    return "-" if value is None else format(value, "f")


def _fees_text(fills: Iterable[Fill]) -> str:
    return ", ".join(f"{_text(amount)} {asset}" for asset, amount in sorted(fee_totals(fills).items())) or "none"


def _complete(fills: Sequence[Fill] | None, executed: Decimal) -> bool:
    """Whether ``fills`` itemise the whole executed quantity (a partial history says nothing of fees)."""
    return bool(fills) and sum((fill.quantity for fill in fills or ()), _ZERO) == executed


def _marked(trade: TradeRecord, changes: Sequence[Change], now: datetime) -> dict[str, str]:
    note = "; ".join(str(change) for change in changes)
    return {**trade.extra, "reconciled": note, "reconciled_at": now.isoformat()}


def settled_by_fills(trade: TradeRecord, fills: Sequence[Fill] | None) -> bool:
    """Whether a ``filled`` record already agrees with the account's own fills of its order (the
    whole quantity, its quote value and its fees): then the order need not be looked up (a lookup
    costs exchange weight shared by every user behind one IP)."""
    if trade.status is not TradeStatus.FILLED or not fills or not _complete(fills, trade.executed_quantity):
        return False
    quote = sum((fill.price * fill.quantity for fill in fills), _ZERO)
    return quote == trade.quote_amount and fee_totals(fills) == fee_totals(trade.fills)


def order_repair(
    trade: TradeRecord, order: OrderResult, fills: Sequence[Fill] | None, now: datetime
) -> tuple[TradeRecord, Repair] | None:
    """``trade`` rewritten as the exchange's ``order`` (and its itemised ``fills``, when they cover
    what executed) says it is, with what changed; None when they agree."""
    status = trade_status_of(order.status, order.executed_qty)
    complete = _complete(fills, order.executed_qty)
    after_fills = tuple(fills or ()) if complete else trade.fills
    kinds: list[DiscrepancyKind] = []
    changes: list[Change] = []
    if status is not trade.status:
        kinds.append(DiscrepancyKind.STATUS)
        changes.append(Change("status", trade.status.value, status.value))
    if order.executed_qty != trade.executed_quantity:
        kinds.append(DiscrepancyKind.FILLED_QUANTITY)
        changes.append(Change("executed_quantity", _text(trade.executed_quantity), _text(order.executed_qty)))
    if order.cumulative_quote_qty != trade.quote_amount:
        if order.average_price != trade.average_price:
            kinds.append(DiscrepancyKind.AVERAGE_PRICE)
            changes.append(Change("average_price", _text(trade.average_price), _text(order.average_price)))
        changes.append(Change("quote_amount", _text(trade.quote_amount), _text(order.cumulative_quote_qty)))
    if complete and fee_totals(after_fills) != fee_totals(trade.fills):
        kinds.append(DiscrepancyKind.FEE)
        changes.append(Change("fees", _fees_text(trade.fills), _fees_text(after_fills)))
    if not kinds:
        return None
    if trade.exchange_order_id != order.order_id:
        changes.append(Change("exchange_order_id", str(trade.exchange_order_id), str(order.order_id)))
    rejected = order.status is OrderStatus.REJECTED
    updated = trade.advanced(
        now, status=status, executed_quantity=order.executed_qty, quote_amount=order.cumulative_quote_qty,
        fills=after_fills, exchange_order_id=order.order_id, extra=_marked(trade, changes, now),
        reason=(trade.reason or "rejected by the exchange") if rejected else _kept_reason(trade),
    )  # fmt: skip
    repair = Repair(trade.id, trade.client_order_id, trade.symbol, tuple(kinds), tuple(changes))
    return updated, repair


def _kept_reason(trade: TradeRecord) -> str | None:
    """A record once judged never placed whose order turned up after all loses that verdict."""
    return None if trade.reason == NEVER_PLACED_REASON else trade.reason


def never_placed_repair(trade: TradeRecord, now: datetime, grace: timedelta) -> tuple[TradeRecord, Repair] | None:
    """An intent (``pending`` / ``unknown``) whose order the exchange does not know, once older than
    ``grace`` (the exchange may show an accepted order only a moment later): rejected, with why.
    None while it is younger, or when the record is past being an intent."""
    if trade.status not in (TradeStatus.PENDING, TradeStatus.UNKNOWN) or now - trade.created_at < grace:
        return None
    changes = (Change("status", trade.status.value, TradeStatus.REJECTED.value), Change("reason", "-", "never placed"))
    updated = trade.advanced(
        now, status=TradeStatus.REJECTED, reason=NEVER_PLACED_REASON, extra=_marked(trade, changes, now)
    )
    return updated, Repair(trade.id, trade.client_order_id, trade.symbol, (DiscrepancyKind.NEVER_PLACED,), changes)


def protection_repair(
    trade: TradeRecord, legs: Sequence[OrderResult] | None, now: datetime
) -> tuple[TradeRecord, Repair] | None:
    """``trade`` with its active protection as the exchange says it ended: ``done`` when a leg
    executed, ``canceled`` when none did or the exchange no longer knows it (``legs`` None); None
    while any leg is still open."""
    current = trade.protection
    if current is None or current.status is not ProtectionStatus.ACTIVE:
        return None
    if legs is not None and any(leg.status.is_open for leg in legs):
        return None
    executed = legs is not None and any(leg.executed_qty > _ZERO for leg in legs)
    status = ProtectionStatus.DONE if executed else ProtectionStatus.CANCELED
    reason = current.reason if executed else PROTECTION_GONE_REASON
    after: Protection = replace(current, status=status, reason=reason)
    changes = (Change("protection.status", current.status.value, status.value),)
    updated = trade.advanced(now, protection=after, extra=_marked(trade, changes, now))
    repair = Repair(trade.id, trade.client_order_id, trade.symbol, (DiscrepancyKind.PROTECTION_GONE,), changes)
    return updated, repair


def missing_trade(
    user_id: str, client_order_id: str, order: OrderResult, fills: Sequence[Fill] | None,
    assets: tuple[str, str], mode: TradingMode, now: datetime, extra: dict[str, str] | None = None,
) -> tuple[TradeRecord, Repair]:  # fmt: skip
    """A first record of an order the exchange has and the database does not (source ``reconciled``),
    stored under ``client_order_id`` (the platform's own, or a per-user id for an outside order)."""
    created = datetime.fromtimestamp(order.transact_time_ms / 1000, UTC) if order.transact_time_ms else now
    status = trade_status_of(order.status, order.executed_qty)
    complete = _complete(fills, order.executed_qty)
    change = Change(
        "trade", "missing", f"{status.value} {_text(order.executed_qty)} {order.symbol} at {_text(order.average_price)}"
    )
    trade = TradeRecord(
        id=hashlib.sha256(f"{user_id}\x00{client_order_id}".encode()).hexdigest()[:32], user_id=user_id,
        client_order_id=client_order_id, symbol=order.symbol, base_asset=assets[0], quote_asset=assets[1],
        side=order.side, type=order.type, mode=mode, status=status, created_at=created, updated_at=now,
        sent_quantity=order.orig_qty or None, sent_price=order.price or None, executed_quantity=order.executed_qty,
        quote_amount=order.cumulative_quote_qty, fills=tuple(fills or ()) if complete else (),
        exchange_order_id=order.order_id, source=RECONCILED_SOURCE,
        extra={**(extra or {}), "reconciled": str(change), "reconciled_at": now.isoformat()},
    )  # fmt: skip
    return trade, Repair(trade.id, client_order_id, order.symbol, (DiscrepancyKind.MISSING_TRADE,), (change,))


def position_gap(symbol: str, asset: str, recorded: Decimal, balance: Decimal) -> PositionGap | None:
    """The gap between the recorded position and the exchange balance of its base asset, if any."""
    return None if recorded == balance else PositionGap(symbol, asset, recorded, balance)
