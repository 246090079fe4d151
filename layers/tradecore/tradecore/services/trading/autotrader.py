"""The AutoTrader: a closed candle's signal becomes, for each user automating that symbol, one
queued decision; the worker decides and trades through the same money path as a trader's click.

Fan-out is one SQS message per user, so a thousand users cost the wall time of one batch of
workers, not a thousand sequential trades. A decision is made once per user and candle: its id is
derived from both, a redelivered message finds the stored decision, and the trade's
Idempotency-Key is derived from the decision id, so even a decision lost after trading cannot
become a second order. Refusals of the trade flow (risk limits, balance, filters, the kill switch)
are decisions too: stored as skipped with the reason. A dependency that is down is not a decision:
the error propagates, the message is retried, and after the queue's last attempt it rests in the
dead-letter queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from tradecore.domain.automation import CandleSignal, Decision, Outcome, Plan, SkipReason, decision_id, plan_for
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.trades import SignalSummary
from tradecore.domain.users import Permission, Principal, role_allows
from tradecore.errors import DependencyUnavailableError, NotFoundError, TradecoreError
from tradecore.observability import logger
from tradecore.ports import BotSettingsStore, TradingSwitch, UserStore
from tradecore.ports.automation import AutoTradeQueue, DecisionStore
from tradecore.services.trading.closing import PositionCloser
from tradecore.services.trading.execution import TradeExecutor
from tradecore.services.trading.intent import TradeIntent
from tradecore.services.trading.signals import ResolvedSignal

# the Principal the AutoTrader acts as carries no token: this names it in the logs
AUTOTRADER_TOKEN_ID = "autotrader"  # noqa: S105 - a label, not a secret


class AutoTrader:
    def __init__(
        self, *, bots: BotSettingsStore, decisions: DecisionStore, queue: AutoTradeQueue, users: UserStore,
        switch: TradingSwitch, executor: TradeExecutor, closer: PositionCloser,
        clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self._bots = bots
        self._decisions = decisions
        self._queue = queue
        self._users = users
        self._switch = switch
        self._executor = executor
        self._closer = closer
        self._clock = clock

    def fan_out(self, signal: CandleSignal) -> int:
        """Queue one decision per user automating ``signal.symbol``; how many were queued."""
        users = self._bots.users_automating(signal.symbol)
        queued = self._queue.send(users, signal) if users else 0
        logger.info("signal fanned out", extra={"signal_key": signal.key, "users": queued})
        return queued

    def decide(self, user_id: str, signal: CandleSignal) -> Decision:
        """The user's decision about ``signal``: the stored one if it was made, else made now (and
        traded when the rules say so). ``DependencyUnavailableError`` when it cannot be made now."""
        identity = decision_id(user_id, signal)
        made = self._decisions.get(user_id, identity)
        if made is not None:
            return made
        decision = self._make(user_id, signal, identity)
        if not self._decisions.add(decision):  # a concurrent delivery decided first: that one stands
            stored = self._decisions.get(user_id, identity)
            return stored or decision
        logger.info("automated decision", extra={"decision": decision.outcome.value,
                                                  "reason": decision.reason, "symbol": signal.symbol})  # fmt: skip
        return decision

    def _make(self, user_id: str, signal: CandleSignal, identity: str) -> Decision:
        now = self._now()
        settings = self._bots.get(user_id)
        if settings is None:
            return self._skip(user_id, signal, identity, Plan(None, SkipReason.DISABLED, "No bot settings"))
        user = self._users.get(user_id)
        if user is None or not user.active or not role_allows(user.role, Permission.TRADE):
            return self._skip(user_id, signal, identity, Plan(None, SkipReason.ROLE, "Your role may not trade"))
        if self._switch.halted():
            plan = Plan(None, SkipReason.KILL_SWITCH, "Trading is halted on the platform")
            return self._skip(user_id, signal, identity, plan)
        plan = plan_for(
            settings, signal, last_traded_at=self._decisions.last_traded_at(user_id, signal.symbol), now=now
        )
        if plan.side is None:
            return self._skip(user_id, signal, identity, plan)
        principal = Principal(user_id, user.role, AUTOTRADER_TOKEN_ID, now.timestamp(), int(now.timestamp()) + 60)
        try:
            trade_id = self._trade(principal, signal, identity, plan)
        except DependencyUnavailableError:
            raise  # not a decision: the message is retried
        except NotFoundError:
            return self._skip(user_id, signal, identity, Plan(None, SkipReason.NO_POSITION, "No position to close"))
        except TradecoreError as refusal:
            skipped = Plan(plan.side, SkipReason.REFUSED, refusal.message)
            return self._skip(user_id, signal, identity, skipped, code=refusal.code)
        return Decision(
            identity, user_id, signal.symbol, signal.timeframe, signal.candle_time, signal.signal,
            signal.confidence, Outcome.TRADED, None, plan.message, now, side=plan.side, trade_id=trade_id,
        )  # fmt: skip

    def _trade(self, principal: Principal, signal: CandleSignal, identity: str, plan: Plan) -> str:
        key = f"auto-{identity}"
        if plan.side is Side.SELL:
            return self._closer.close(principal, signal.symbol, key).trade.id
        intent = TradeIntent(
            symbol=signal.symbol, side=Side.BUY, type=OrderType.MARKET, quote_amount=plan.quote_amount,
            use_ai=True, stop_loss=plan.stop_loss, take_profit=plan.take_profit,
        )  # fmt: skip
        given = ResolvedSignal(
            SignalSummary(signal.signal, signal.confidence, signal.source, "ai_service", signal.analysis_id), False
        )
        return self._executor.execute(principal, key, intent, given_signal=given).trade.id

    def _skip(
        self, user_id: str, signal: CandleSignal, identity: str, plan: Plan, *, code: str | None = None
    ) -> Decision:
        return Decision(
            identity, user_id, signal.symbol, signal.timeframe, signal.candle_time, signal.signal,
            signal.confidence, Outcome.SKIPPED, plan.reason, plan.message, self._now(), side=plan.side, code=code,
        )  # fmt: skip

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)
