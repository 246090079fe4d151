"""The money path (DESIGN.md §6): one user's trade, from request to recorded fill.

1. Validate everything before anything leaves: the request, the symbol's filters (rounding is
   reported), the kill switch, the user's risk limits, their balance, and, with ``use_ai``, the
   signal (AI service → a stored signal ≤ 15 min → technical analysis in process).
2. Idempotency: the user's ``Idempotency-Key`` runs the request once (the IdempotencyTable) and
   names the exchange order (the client order id), so even a retry that slipped past the table
   finds the order instead of placing another.
3. The intent is recorded ``pending`` before the order leaves (the outbox when MongoDB is down);
   no record, no order.
4. The order is placed once; an uncertain failure is looked up, never resent, and ends ``unknown``
   for reconciliation rather than failed. The fill, or the exchange's refusal, is recorded.
5. Protection (stop-loss / take-profit) goes on the exchange, linked to the trade; the account
   view is dropped, and the user's channels hear about it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tradecore.domain.accounts import Network
from tradecore.domain.orders import Balance, Side, SymbolRules
from tradecore.domain.risk import RiskLimits, check_signal, check_trade_risk
from tradecore.domain.trades import TradeRecord, TradeStatus, client_order_id_for
from tradecore.domain.users import Principal
from tradecore.errors import (
    DependencyUnavailableError,
    IdempotencyKeyError,
    InvalidInputError,
    TradingHaltedError,
)
from tradecore.observability import logger
from tradecore.ports import Exchange, IdempotencyGuard, RiskSettingsStore, TradingSwitch
from tradecore.services.accounts.account_view import AccountExchanges
from tradecore.services.trading.desk import OrderDesk
from tradecore.services.trading.exposure import ExposureReader
from tradecore.services.trading.intent import PlannedOrder, TradeIntent, plan_order
from tradecore.services.trading.journal import RecordedIn
from tradecore.services.trading.outcome import ExecutionOutcome
from tradecore.services.trading.reads import started
from tradecore.services.trading.signals import ResolvedSignal, SignalResolver

MAX_IDEMPOTENCY_KEY = 128
# what the signal's fallbacks leave of the budget for recording, placing and protecting the order
ORDER_RESERVE_SECONDS = 1.0


@dataclass(frozen=True)
class TradePolicy:
    symbols: tuple[str, ...]
    default_limits: RiskLimits
    network: Network
    signal_timeframe: str = "1h"
    signal_candles: int = 200
    budget_seconds: float = 5.0  # the spec's whole trade flow


def check_idempotency_key(key: str | None) -> str:
    """The key as sent, when it is 1-128 printable ASCII characters; ``IdempotencyKeyError`` otherwise."""
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
        raise IdempotencyKeyError()
    return key


class TradeExecutor:
    def __init__(
        self,
        policy: TradePolicy,
        *,
        exchanges: AccountExchanges,
        market: Callable[[], Exchange],
        desk: OrderDesk,
        guard: IdempotencyGuard,
        signals: SignalResolver,
        risk: RiskSettingsStore,
        switch: TradingSwitch,
        exposure: ExposureReader,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self._exchanges = exchanges
        self._market = market
        self._desk = desk
        self._guard = guard
        self._signals = signals
        self._risk = risk
        self._switch = switch
        self._exposure = exposure
        self._monotonic = monotonic

    def execute(
        self,
        principal: Principal,
        idempotency_key: str | None,
        intent: TradeIntent,
        *,
        remaining_ms: Callable[[], int] | None = None,
        given_signal: ResolvedSignal | None = None,
    ) -> ExecutionOutcome:
        """Run the trade once per (user, key). With ``use_ai``, ``given_signal`` (the AutoTrader's,
        already decided on) stands in for asking the AI service again. Refusals before sending raise
        (4xx, nothing sent or stored); the exchange's refusal is recorded as a rejected trade and
        raised, the same way on every replay of the key."""
        key = check_idempotency_key(idempotency_key)
        stored = self._guard.once(
            f"{principal.user_id}#{key}",
            intent.fingerprint(),
            lambda: self._execute(principal.user_id, key, intent, remaining_ms, given_signal).to_json(),
            remaining_ms=remaining_ms,
        )
        return ExecutionOutcome.from_json(stored).raise_refusal()

    # --- the flow --------------------------------------------------------------------------------
    def _execute(
        self, user_id: str, key: str, intent: TradeIntent, remaining_ms: Callable[[], int] | None,
        given_signal: ResolvedSignal | None = None,
    ) -> ExecutionOutcome:  # fmt: skip
        deadline = self._deadline(remaining_ms)
        if intent.symbol not in self.policy.symbols:
            raise InvalidInputError(
                f"{intent.symbol} is not traded here; choose one of {', '.join(self.policy.symbols)}",
                details={"field": "symbol"},
            )
        client_order_id = client_order_id_for(user_id, key)
        # every read in flight at once (reads.py); collected below in the order the rules need them
        halted = started(self._switch.halted)
        account = started(self._account, user_id)
        on_record = started(self._desk.recorded, user_id, client_order_id)
        limits_read = started(self._limits, user_id)
        history = started(self._exposure.history, user_id)
        market = self._market()
        info = market.get_exchange_info()  # cached by the client
        prices = market.get_prices(list(self.policy.symbols))
        if halted.result():
            raise TradingHaltedError()
        exchange, balances = account.result()
        rules = market.get_symbol_rules(intent.symbol)
        last_price = prices.get(intent.symbol) or market.get_price(intent.symbol)
        plan = plan_order(intent, rules, last_price, client_order_id)

        existing = on_record.result()
        if existing is not None and existing.status is not TradeStatus.PENDING:
            # a retry that slipped past the idempotency table: the order is already known
            return ExecutionOutcome(existing, None, self.policy.network.mode, degraded=False)
        if existing is not None:  # an earlier attempt stopped after recording: did its order leave?
            adopted = self._desk.adopt(exchange, existing, rules)
            if adopted is not None:
                notes = _fallbacks(True, True, adopted[1])
                return ExecutionOutcome(adopted[0], None, self.policy.network.mode, bool(notes), adopted[1], notes)

        limits, limits_known = limits_read.result()
        stored = history.result()
        exposure = self._exposure.read(intent, plan, rules, balances, prices, info, stored)
        check_trade_risk(limits, exposure.risk)
        exposure.check_balance()
        resolved = None
        if intent.use_ai:
            resolved = given_signal or self._signal(intent, market, deadline)
        if resolved is not None:
            check_signal(limits, intent.side, resolved.summary)

        trade = existing or self._pending(user_id, intent, plan, rules, resolved)
        if intent.side is Side.SELL:
            self._desk.cancel_protection(user_id, exchange, intent.symbol)
        trade, recorded = self._desk.send(
            exchange, trade, plan.request, plan.reference_price, rules, recorded_already=existing is not None
        )
        if resolved is not None and trade.executed_quantity > 0:
            self._desk.events.signal_traded(trade, resolved.summary)
        notes = _fallbacks(limits_known, stored.known, recorded)
        degraded = (resolved is not None and resolved.degraded) or bool(notes)
        return ExecutionOutcome(trade, resolved, self.policy.network.mode, degraded, recorded, notes)

    # --- pieces ----------------------------------------------------------------------------------
    def _pending(
        self, user_id: str, intent: TradeIntent, plan: PlannedOrder, rules: SymbolRules, resolved: ResolvedSignal | None
    ) -> TradeRecord:
        return self._desk.pending(
            user_id,
            plan.request,
            rules,
            self.policy.network.mode,
            requested_quantity=intent.quantity,
            requested_quote_amount=intent.quote_amount,
            requested_price=intent.price,
            adjustments=plan.adjustments,
            signal=None if resolved is None else resolved.summary,
            protection=self._desk.protection.requested(intent.stop_loss, intent.take_profit),
        )

    def _account(self, user_id: str) -> tuple[Exchange, dict[str, Balance]]:
        """The user's own exchange client and their balances (409 when they have not connected one)."""
        exchange = self._exchanges.exchange_for(user_id)
        return exchange, exchange.get_balances()

    def _signal(self, intent: TradeIntent, market: Exchange, deadline: float) -> ResolvedSignal:
        timeframe = self.policy.signal_timeframe
        candles = market.get_klines(intent.symbol, timeframe, limit=self.policy.signal_candles)
        return self._signals.resolve(intent.symbol, timeframe, candles, deadline - ORDER_RESERVE_SECONDS)

    def _limits(self, user_id: str) -> tuple[RiskLimits, bool]:
        """The user's limits (the defaults until they save any), and whether they could be read: with
        MongoDB down the platform's defaults apply (no copy of a user's limits is kept)."""
        try:
            return self._risk.limits(user_id) or self.policy.default_limits, True
        except DependencyUnavailableError:
            logger.warning("risk settings unreadable; the platform's defaults apply")
            return self.policy.default_limits, False

    def _deadline(self, remaining_ms: Callable[[], int] | None) -> float:
        budget = self.policy.budget_seconds
        if remaining_ms is not None:
            budget = min(budget, max(remaining_ms() / 1000 - 1.0, 0.5))
        return self._monotonic() + budget


def _fallbacks(limits_known: bool, history_known: bool, recorded: RecordedIn) -> tuple[str, ...]:
    """What MongoDB's outage changed for this trade, in words for the trader (``degraded_by``)."""
    notes = []
    if not limits_known:
        notes.append("mongodb: your risk limits could not be read; the platform's default limits applied")
    if not history_known:
        notes.append("mongodb: today's realized PnL could not be read; the daily loss limit was not checked")
    if recorded is RecordedIn.OUTBOX:
        notes.append("mongodb: the trade is recorded in the outbox; it reaches your history when MongoDB is back")
    elif recorded is RecordedIn.NOWHERE:
        notes.append("mongodb: the trade could not be recorded; reconciliation records it from the exchange")
    return tuple(notes)
