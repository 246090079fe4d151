"""Automated trading: a closed candle's signal, each user's decision about it, and the rules.

Spot only: a Long signal opens or adds to a position (within the user's limits), a Short signal
closes it, a Neutral signal does nothing. One decision per user, symbol, timeframe and candle: its
id is derived from them, so a redelivered message finds the decision instead of trading again,
and the trade's Idempotency-Key is derived the same way. Every decision is stored, traded or
skipped, with the reason in a trader's words.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from tradecore.domain.bot_settings import BotSettings
from tradecore.domain.orders import Side

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class CandleSignal:
    """The AI's signal for one closed candle (no user data: it is what the ``signals`` channel says)."""

    symbol: str
    timeframe: str
    candle_time: int  # open time of the closed candle, epoch ms
    signal: str  # Long | Short | Neutral
    confidence: float
    source: str  # llm | technical | cache
    price: Decimal  # the candle's close
    analysis_id: str | None = None

    @property
    def key(self) -> str:
        """What names this candle's decisions and trades: ``SYMBOL:timeframe:candle_time``."""
        return f"{self.symbol}:{self.timeframe}:{self.candle_time}"


class Outcome(StrEnum):
    TRADED = "traded"
    SKIPPED = "skipped"
    FAILED = "failed"  # the platform could not decide (a dependency was down): retried, then reported


class SkipReason(StrEnum):
    KILL_SWITCH = "kill_switch"
    PAUSED = "paused"
    DISABLED = "disabled"  # automation off, or not for this symbol or timeframe
    NEUTRAL = "neutral"
    CONFIDENCE = "confidence"
    COOLDOWN = "cooldown"
    NO_POSITION = "no_position"  # a Short signal and nothing to sell
    ROLE = "role"  # the user may no longer trade
    REFUSED = "refused"  # the trade flow refused it (a risk limit, the balance, the filters)


@dataclass(frozen=True)
class Decision:
    id: str
    user_id: str
    symbol: str
    timeframe: str
    candle_time: int
    signal: str
    confidence: float
    outcome: Outcome
    reason: SkipReason | None
    message: str
    created_at: datetime
    side: Side | None = None
    trade_id: str | None = None
    code: str | None = None  # the refusal's error code (risk_limit_exceeded, insufficient_funds, ...)


def decision_id(user_id: str, signal: CandleSignal) -> str:
    """One id per user and candle signal (32 hex digits of SHA-256)."""
    return hashlib.sha256(f"{user_id}\x00{signal.key}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Plan:
    """What the rules say to do with a signal: trade ``side`` (BUY spends ``quote_amount``), or skip."""

    side: Side | None
    reason: SkipReason | None
    message: str
    quote_amount: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None


def plan_for(settings: BotSettings, signal: CandleSignal, *, last_traded_at: datetime | None, now: datetime) -> Plan:
    """The user's decision before anything is checked against the exchange (pure; the kill switch
    and the role are the caller's, being platform state)."""
    if settings.paused:
        return Plan(None, SkipReason.PAUSED, "Automated trading is paused")
    if not settings.automated_trading or signal.symbol not in settings.symbols:
        return Plan(None, SkipReason.DISABLED, f"Automated trading is off for {signal.symbol}")
    if signal.timeframe != settings.timeframe:
        return Plan(None, SkipReason.DISABLED, f"Automated trading follows {settings.timeframe} candles")
    if signal.signal not in ("Long", "Short"):
        return Plan(None, SkipReason.NEUTRAL, "The signal is Neutral: nothing to do")
    if signal.confidence < settings.min_confidence:
        return Plan(
            None, SkipReason.CONFIDENCE,
            f"Confidence {signal.confidence:.0%} is below your minimum of {settings.min_confidence:.0%}",
        )  # fmt: skip
    if last_traded_at is not None and (now - last_traded_at).total_seconds() < settings.cooldown_seconds:
        wait = settings.cooldown_seconds - int((now - last_traded_at).total_seconds())
        return Plan(None, SkipReason.COOLDOWN, f"Cooling down after the last automated trade ({wait} s left)")
    if signal.signal == "Short":
        return Plan(Side.SELL, None, f"Short at {signal.confidence:.0%}: close the position")
    return Plan(
        Side.BUY, None, f"Long at {signal.confidence:.0%}: buy {settings.amount_per_trade_usdt} USDT",
        quote_amount=settings.amount_per_trade_usdt,
        stop_loss=_offset(signal.price, settings.stop_loss_pct, -1),
        take_profit=_offset(signal.price, settings.take_profit_pct, 1),
    )  # fmt: skip


def _offset(price: Decimal, percent: Decimal | None, direction: int) -> Decimal | None:
    if percent is None:
        return None
    return price * (1 + direction * percent / _HUNDRED)


@dataclass(frozen=True)
class DecisionPage:
    decisions: tuple[Decision, ...]
    next_cursor: str | None


def signal_to_json(signal: CandleSignal) -> dict[str, object]:
    """The signal as a queue message carries it (the price as a decimal string: exact)."""
    return {
        "symbol": signal.symbol, "timeframe": signal.timeframe, "candle_time": signal.candle_time,
        "signal": signal.signal, "confidence": signal.confidence, "source": signal.source,
        "price": str(signal.price), "analysis_id": signal.analysis_id,
    }  # fmt: skip


def signal_from_json(data: dict[str, object]) -> CandleSignal:
    """``ValueError`` (or ``KeyError``) for a message that is not a signal."""
    price = data["price"]
    if not isinstance(price, str):
        raise ValueError("price must be a decimal string")
    analysis_id = data.get("analysis_id")
    return CandleSignal(
        symbol=str(data["symbol"]), timeframe=str(data["timeframe"]), candle_time=int(str(data["candle_time"])),
        signal=str(data["signal"]), confidence=float(str(data["confidence"])), source=str(data["source"]),
        price=Decimal(price), analysis_id=None if analysis_id is None else str(analysis_id),
    )  # fmt: skip
