"""Per-user reconciliation: the exchange is the source of truth, and one run makes the user's trade
records agree with it.

One run compares every recorded trade in scope (see :mod:`.reconcile_reads`) with its order on the
exchange, by exchange order id or client order id, and repairs in place: status, filled quantity,
average price and fees as the exchange says; an intent the exchange never received (past the grace
period) rejected; protection no longer on the exchange marked done or canceled. Orders of the
window the database lacks are recorded (source ``reconciled``); a stop-loss / take-profit leg that
executed is recorded as the stream records it (:mod:`tradecore.domain.protective_legs`). Positions
(built from the records) are compared with the base-asset balances and reported. Every repair goes through the store's
versioned save: a concurrent newer copy is re-read and compared again, never overwritten by an older.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OrderResult
from tradecore.domain.positions import build_position, fills_of
from tradecore.domain.protective_legs import missing_leg, settled_repair
from tradecore.domain.realtime import MessageType
from tradecore.domain.reconciliation import (
    PositionGap,
    ReconciliationReport,
    Repair,
    missing_trade,
    never_placed_repair,
    order_repair,
    position_gap,
    protection_repair,
    report_id,
    settled_by_fills,
)
from tradecore.domain.trades import CLIENT_ORDER_ID_PREFIX, ProtectionStatus, TradeRecord, TradeStatus
from tradecore.errors import NotFoundError, TradecoreError
from tradecore.observability import logger
from tradecore.ports import Exchange, TradeStore, UserNotifier
from tradecore.ports.jobs import ReconciliationReportStore
from tradecore.services.accounts.account_view import AccountExchanges
from tradecore.services.jobs.reconcile_metrics import record_report
from tradecore.services.jobs.reconcile_protection import protection_legs
from tradecore.services.jobs.reconcile_reads import ExchangeSide, read_exchange, recorded_in_scope
from tradecore.services.realtime.protective_legs import find_parent
from tradecore.services.realtime.user_events import PROTECTIVE_PREFIXES, external_client_order_id, split_symbol

SAVE_ATTEMPTS = 3  # a record changed by someone else between our read and our save is compared again
Outcome = tuple[TradeRecord, Repair] | None
INTENTS = (TradeStatus.PENDING, TradeStatus.UNKNOWN)  # recorded before the exchange confirmed the order


@dataclass(frozen=True)
class ReconcilePolicy:
    symbols: tuple[str, ...]  # the platform's trading symbols (their fills are read every run)
    mode: TradingMode  # of records made for orders the database lacks
    window_seconds: int = 24 * 3600
    grace_seconds: int = 120  # an intent younger than this may still appear on the exchange


@dataclass
class _Run:
    user_id: str
    now: datetime
    exchange: Exchange
    side: ExchangeSide
    repairs: list[Repair] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    known: set[int] = field(default_factory=set)  # exchange order ids a record names


@dataclass
class Reconciler:
    trades: TradeStore
    exchanges: AccountExchanges
    reports: ReconciliationReportStore
    notifier: UserNotifier
    policy: ReconcilePolicy
    clock: Callable[[], float] = time.time

    def reconcile_user(self, user_id: str) -> ReconciliationReport:
        """Compare and repair one user's records; the stored report. Raises ``ConflictError`` when
        the user has no exchange connection, and the exchange's or the store's errors when the
        account or the records cannot be read at all (the queue retries the user)."""
        started = datetime.fromtimestamp(self.clock(), UTC)
        exchange = self.exchanges.exchange_for(user_id)
        since = started - timedelta(seconds=self.policy.window_seconds)
        recorded = recorded_in_scope(self.trades, user_id, since, self.policy.symbols)
        symbols = sorted(set(self.policy.symbols) | {trade.symbol for trade in recorded})
        side = read_exchange(exchange, symbols, int(since.timestamp() * 1000))
        run = _Run(user_id, started, exchange, side)
        for trade in recorded:
            self._guarded(run, trade.client_order_id, partial(self._check, run, trade))
        for order_id, symbol in side.unmatched(run.known):
            self._guarded(run, str(order_id), partial(self._adopt, run, order_id, symbol))
        gaps = self._position_gaps(user_id, side)
        report = ReconciliationReport(
            report_id(user_id, started), user_id, started, datetime.fromtimestamp(self.clock(), UTC),
            tuple(run.repairs), gaps, tuple(run.errors), checked=len(recorded),
        )  # fmt: skip
        self._publish(report)
        return report

    # ---------------------------------------------------------------- one record
    def _guarded(self, run: _Run, name: str, check: Callable[[], None]) -> None:
        try:
            check()
        except TradecoreError as exc:  # one order's lookup failing must not stop the others
            logger.warning("order not reconciled", extra={"user_id": run.user_id, "order": name, "code": exc.code})
            run.errors.append(f"{name}: {exc.message}")

    def _check(self, run: _Run, trade: TradeRecord) -> None:
        if trade.exchange_order_id is not None and settled_by_fills(trade, run.side.fills.get(trade.exchange_order_id)):
            run.known.add(trade.exchange_order_id)
            self._protection(run, trade)
            return
        order = self._order(run.exchange, trade)
        if order is None:
            if trade.status not in INTENTS:  # recorded as on the exchange, yet unknown there: a human looks
                run.errors.append(f"{trade.client_order_id}: recorded {trade.status.value}, unknown to the exchange")
            self._apply(run, trade, lambda t: never_placed_repair(t, run.now, self._grace))
            return
        run.known.add(order.order_id)
        fills = run.side.fills.get(order.order_id)
        trade = self._apply(run, trade, lambda t: order_repair(t, order, fills, run.now))
        self._protection(run, trade)

    def _order(self, exchange: Exchange, trade: TradeRecord) -> OrderResult | None:
        try:
            if trade.exchange_order_id is not None:
                return exchange.get_order(trade.symbol, order_id=trade.exchange_order_id)
            client_id = trade.extra.get("exchange_client_order_id", trade.client_order_id)
            return exchange.get_order(trade.symbol, client_order_id=client_id)
        except NotFoundError:
            return None

    def _adopt(self, run: _Run, order_id: int, symbol: str) -> None:
        """An order of the window no record in scope names: its record (older, or stored under the
        per-user id of an outside order) is compared, or a record is made for it."""
        order = run.side.open_orders.get(order_id) or run.exchange.get_order(symbol, order_id=order_id)
        if order.client_order_id.startswith(PROTECTIVE_PREFIXES):
            self._adopt_leg(run, order)
            return
        extra: dict[str, str] = {}
        stored_id = order.client_order_id
        if not stored_id.startswith(CLIENT_ORDER_ID_PREFIX):
            stored_id = external_client_order_id(run.user_id, order.client_order_id)
            extra = {"exchange_client_order_id": order.client_order_id}
        run.known.add(order_id)
        fills = run.side.fills.get(order_id)
        existing = self.trades.by_client_order_id(run.user_id, stored_id)
        if existing is None:
            base, quote = split_symbol(order.symbol)
            created, repair = missing_trade(
                run.user_id, stored_id, order, fills, (base, quote), self.policy.mode, run.now, extra
            )
            if self.trades.save(created):
                run.repairs.append(repair)
                return
            existing = self.trades.by_client_order_id(run.user_id, stored_id)  # inserted meanwhile
            if existing is None:
                run.repairs.append(replace(repair, applied=False))
                return
        self._check(run, existing)

    # ---------------------------------------------------------------- protection and its legs
    def _protection(self, run: _Run, trade: TradeRecord) -> None:
        """An active protection that ended on the exchange: each executed leg recorded as a trade
        and the protection settled by it, or marked gone when no leg executed."""
        current = trade.protection
        if current is None or current.status is not ProtectionStatus.ACTIVE:
            return
        legs = protection_legs(run.exchange, trade, current)
        if isinstance(legs, str):  # still open on the exchange
            return
        recorded = [self._leg(run, trade, leg) for leg in legs or () if leg.executed_qty > 0]
        executed = next((leg for leg in recorded if leg is not None), None)
        if executed is not None:
            self._apply(run, trade, lambda t: settled_repair(t, executed, run.now))
        elif not recorded:
            self._apply(run, trade, lambda t: protection_repair(t, legs, run.now))

    def _adopt_leg(self, run: _Run, order: OrderResult) -> None:
        """A leg no record in scope names: compared when recorded, recorded when it executed (an
        unexecuted one is its parent's protection), and its parent settled by it."""
        run.known.add(order.order_id)
        existing = self.trades.by_client_order_id(run.user_id, order.client_order_id)
        if existing is None and order.executed_qty <= 0:
            return
        parent = find_parent(self.trades, run.user_id, order.symbol, order.client_order_id, order.order_list_id)
        if existing is not None:
            self._check(run, existing)
            leg = self.trades.by_client_order_id(run.user_id, order.client_order_id)
        elif parent is None:
            run.errors.append(f"{order.client_order_id}: a protective leg executed, of no recorded trade")
            return
        else:
            leg = self._leg(run, parent, order)
        if leg is not None and parent is not None:
            self._apply(run, parent, lambda t: settled_repair(t, leg, run.now))

    def _leg(self, run: _Run, parent: TradeRecord, order: OrderResult) -> TradeRecord | None:
        """The executed leg's record, made or compared the exchange's way; None when it could not be saved."""
        run.known.add(order.order_id)
        fills = run.side.fills.get(order.order_id)
        existing = self.trades.by_client_order_id(run.user_id, order.client_order_id)
        if existing is None:
            created, repair = missing_leg(parent, order, fills, run.now)
            if self.trades.save(created):
                run.repairs.append(repair)
                return created
            existing = self.trades.by_client_order_id(run.user_id, order.client_order_id)  # recorded meanwhile
            if existing is None:
                run.repairs.append(replace(repair, applied=False))
                return None
        return self._apply(run, existing, lambda t: order_repair(t, order, fills, run.now))

    def _apply(self, run: _Run, trade: TradeRecord, rule: Callable[[TradeRecord], Outcome]) -> TradeRecord:
        """Save what ``rule`` makes of the record, re-reading and re-applying it when a newer copy
        was stored meanwhile; the record as it now stands."""
        current = trade
        for _ in range(SAVE_ATTEMPTS):
            outcome = rule(current)
            if outcome is None:
                return current
            updated, repair = outcome
            if self.trades.save(updated):
                run.repairs.append(repair)
                return updated
            fresh = self.trades.by_client_order_id(current.user_id, current.client_order_id)
            if fresh is None:
                break
            current = fresh
        run.repairs.append(replace(repair, applied=False))
        return current

    @property
    def _grace(self) -> timedelta:
        return timedelta(seconds=self.policy.grace_seconds)

    # ---------------------------------------------------------------- positions and the report
    def _position_gaps(self, user_id: str, side: ExchangeSide) -> tuple[PositionGap, ...]:
        """Per base asset: the recorded positions of its symbols against the asset's balance."""
        by_asset: dict[str, list[TradeRecord]] = {}
        for trade in self.trades.executed(user_id):
            by_asset.setdefault(trade.base_asset, []).append(trade)
        gaps: list[PositionGap] = []
        for asset, trades in sorted(by_asset.items()):
            symbols = sorted({trade.symbol for trade in trades})
            recorded = Decimal(0)
            for symbol in symbols:
                of_symbol = [trade for trade in trades if trade.symbol == symbol]
                quote = of_symbol[0].quote_asset
                recorded += build_position(symbol, asset, quote, fills_of(of_symbol)).quantity
            balance = side.balances.get(asset)
            gap = position_gap(",".join(symbols), asset, recorded, balance.total if balance else Decimal(0))
            if gap is not None:
                gaps.append(gap)
        return tuple(gaps)

    def _publish(self, report: ReconciliationReport) -> None:
        record_report(report)
        try:
            self.reports.add(report)
        except TradecoreError as exc:  # the repairs stand; the next run reports again
            logger.warning("reconciliation report not stored", extra={"user_id": report.user_id, "code": exc.code})
        if report.found:  # nothing to tell when the records already agreed
            self.notifier.notify(report.user_id, MessageType.ACCOUNT_UPDATE, report.summary())
        logger.info(
            "user reconciled",
            extra={"user_id": report.user_id, "found": report.found, "repaired": report.repaired,
                   "errors": len(report.errors)},
        )  # fmt: skip
