"""In-memory fakes of the AutoTrader's ports, and the trading rig with them (``automation_rig``):
decisions (insert-once by id, as ``bot_decisions`` with ``_id`` = decision id), the queue (records
each message as SQS would carry it), and bot settings that are also the trade flow's risk settings
(one document in MongoDB serves both). Users live in the auth fakes' ``InMemoryUserStore``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tests.support.auth import InMemoryUserStore
from tests.support.trading_rig import USER, TradingRig, trading_rig
from tradecore.config import Settings
from tradecore.domain.automation import CandleSignal, Decision, DecisionPage, Outcome, signal_to_json
from tradecore.domain.bot_settings import BotSettings
from tradecore.domain.risk import RiskLimits
from tradecore.domain.users import Role, User
from tradecore.errors import DependencyUnavailableError

D = Decimal


def _down(dependency: str) -> DependencyUnavailableError:
    return DependencyUnavailableError(f"{dependency} is unavailable (fake)", dependency=dependency)


class InMemoryDecisionStore:
    def __init__(self) -> None:
        self.decisions: dict[str, Decision] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise _down("mongodb")

    def add(self, decision: Decision) -> bool:
        self._check()
        if decision.id in self.decisions:
            return False
        self.decisions[decision.id] = decision
        return True

    def get(self, user_id: str, decision_id: str) -> Decision | None:
        self._check()
        found = self.decisions.get(decision_id)
        return found if found is not None and found.user_id == user_id else None

    def last_traded_at(self, user_id: str, symbol: str) -> datetime | None:
        self._check()
        times = [
            d.created_at for d in self.decisions.values()
            if d.user_id == user_id and d.symbol == symbol and d.outcome is Outcome.TRADED
        ]  # fmt: skip
        return max(times, default=None)

    def page(self, user_id: str, *, limit: int = 50, cursor: str | None = None) -> DecisionPage:
        self._check()
        mine = sorted((d for d in self.decisions.values() if d.user_id == user_id),
                      key=lambda d: (d.created_at, d.id), reverse=True)  # fmt: skip
        return DecisionPage(tuple(mine[:limit]), None)

    def of_user(self, user_id: str) -> list[Decision]:
        return [d for d in self.decisions.values() if d.user_id == user_id]


@dataclass
class RecordingAutoTradeQueue:
    """The messages SQS would carry: ``{"user_id", "signal"}`` JSON bodies."""

    bodies: list[str] = field(default_factory=list)
    down: bool = False

    def send(self, user_ids: Sequence[str], signal: CandleSignal) -> int:
        if self.down:
            raise _down("sqs")
        self.bodies.extend(json.dumps({"user_id": u, "signal": signal_to_json(signal)}) for u in user_ids)
        return len(user_ids)

    def users(self) -> list[str]:
        return [json.loads(body)["user_id"] for body in self.bodies]


@dataclass
class InMemoryBotSettings:
    """``BotSettingsStore`` and, reading the same settings, ``RiskSettingsStore``."""

    by_user: dict[str, BotSettings] = field(default_factory=dict)
    down_for: set[str] = field(default_factory=set)  # users whose settings cannot be read (MongoDB down)

    def get(self, user_id: str) -> BotSettings | None:
        if user_id in self.down_for:
            raise _down("mongodb")
        return self.by_user.get(user_id)

    def put(self, user_id: str, settings: BotSettings) -> None:
        self.by_user[user_id] = settings

    def users_automating(self, symbol: str) -> list[str]:
        return sorted(u for u, s in self.by_user.items() if s.automated_trading and symbol in s.symbols)

    def limits(self, user_id: str) -> RiskLimits | None:
        settings = self.by_user.get(user_id)
        return None if settings is None else settings.risk_limits()


def bot_settings(**changes: Any) -> BotSettings:
    """Automation on for BTCUSDT at 1h candles, generous limits, 100 USDT a trade, no cooldown."""
    values: dict[str, Any] = {
        "automated_trading": True, "paused": False, "symbols": ("BTCUSDT",), "timeframe": "1h",
        "min_confidence": 0.7, "amount_per_trade_usdt": D("100"), "max_trade_usdt": D("1000"),
        "max_position_usdt": D("5000"), "max_open_positions": 5, "daily_loss_limit_usdt": D("500"),
        "stop_loss_pct": None, "take_profit_pct": None, "cooldown_seconds": 0,
    }  # fmt: skip
    return BotSettings(**{**values, **changes})


def candle_signal(signal: str = "Long", *, candle_time: int = 1_795_597_200_000, **changes: Any) -> CandleSignal:
    values: dict[str, Any] = {"symbol": "BTCUSDT", "timeframe": "1h", "confidence": 0.85, "source": "llm",
                              "price": D("50000"), "analysis_id": "a-1"}  # fmt: skip
    return CandleSignal(signal=signal, candle_time=candle_time, **{**values, **changes})


@dataclass
class AutomationRig:
    trading: TradingRig
    decisions: InMemoryDecisionStore
    queue: RecordingAutoTradeQueue
    bots: InMemoryBotSettings
    users: InMemoryUserStore

    def add_user(self, user_id: str = USER, role: Role = Role.TRADER, **settings: Any) -> None:
        now = datetime.fromtimestamp(self.trading.clock(), UTC)
        self.users.add(User(user_id, f"{user_id}@example.com", "x", role, True, now, now))
        self.bots.put(user_id, bot_settings(**settings))

    def set_role(self, user_id: str, role: Role) -> None:
        self.users.users[user_id] = replace(self.users.users[user_id], role=role)

    def decide(self, signal: CandleSignal, user_id: str = USER) -> Decision:
        return self.trading.container.auto_trader.decide(user_id, signal)


def automation_rig(settings: Settings, **overrides: Any) -> AutomationRig:
    """The trading rig (``USER`` connected) plus the AutoTrader's leaves in memory; ``USER`` is a
    trader automating BTCUSDT with :func:`bot_settings`."""
    decisions, queue = InMemoryDecisionStore(), RecordingAutoTradeQueue()
    bots, users = InMemoryBotSettings(), InMemoryUserStore()
    rig = trading_rig(
        settings, decision_store=decisions, autotrade_queue=queue, bot_settings_store=bots, risk_settings=bots,
        user_store=users, **overrides,
    )  # fmt: skip
    automation = AutomationRig(rig, decisions, queue, bots, users)
    automation.add_user()
    return automation
