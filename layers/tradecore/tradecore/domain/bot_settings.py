"""A user's bot settings: what the AutoTrader may do for them, and the risk limits every trade of
theirs (manual or automated) is checked against.

Pure values, validated on construction: a value out of range raises :class:`InvalidInputError`
with ``details["field"]`` naming the field and the message starting with it (the API answers 422).
Whether the symbols are ones the platform trades depends on the platform's list, so that is a
separate check (:func:`check_symbols`): stored settings still load after the list changes.

- ``automated_trading`` turns the AutoTrader on for ``symbols`` at ``timeframe`` candles; it needs
  at least one symbol.
- ``paused`` is the user's own pause: while it is on the AutoTrader records every automated trade
  it would have made as skipped ("paused"). Manual trades ignore the pause: a paused user can still
  buy and sell by hand, above all to get out of a position. (The platform's kill switch, which
  only an admin turns, stops both.)
- ``amount_per_trade_usdt`` sizes each automated BUY; ``max_trade_usdt`` caps any single trade
  (0 disables the cap), so the amount must fit under it.
- ``stop_loss_pct`` / ``take_profit_pct`` are in percent of the entry price (0 < pct ≤ 50), or None.
- ``cooldown_seconds`` is the least time between two automated trades of one symbol (0: only the
  one-trade-per-candle rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradecore.domain.realtime import CANDLE_INTERVALS
from tradecore.domain.risk import RiskLimits
from tradecore.errors import InvalidInputError

_ZERO = Decimal(0)
MAX_USDT = Decimal(10) ** 12  # far above any account; keeps every amount exact in Decimal128
USDT_PLACES = 8  # Binance quotes USDT to 8 decimals
MAX_PERCENT = Decimal(50)
MAX_OPEN_POSITIONS = 1000
MAX_COOLDOWN_SECONDS = 7 * 24 * 3600
DEFAULT_TIMEFRAME = "1h"
DEFAULT_AMOUNT_PER_TRADE_USDT = Decimal("100")
DEFAULT_COOLDOWN_SECONDS = 3600  # one 1h candle: a fresh signal, not the same move twice


def _refuse(field: str, problem: str) -> InvalidInputError:
    return InvalidInputError(f"{field}: {problem}", details={"field": field})


def _usdt(field: str, value: Decimal, *, positive: bool = False) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _refuse(field, "must be a number")
    if value < _ZERO or (positive and value == _ZERO):
        raise _refuse(field, "must be greater than 0" if positive else "must be 0 or more (0 disables it)")
    if value > MAX_USDT:
        raise _refuse(field, f"must be at most {MAX_USDT:,} USDT")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -USDT_PLACES:
        raise _refuse(field, f"has more than {USDT_PLACES} decimals")


def _count(field: str, value: int, most: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise _refuse(field, f"must be a whole number from 0 to {most}")


def _percent(field: str, value: Decimal | None) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or not _ZERO < value <= MAX_PERCENT:
        raise _refuse(field, f"must be more than 0 and at most {MAX_PERCENT} percent, or null for none")


@dataclass(frozen=True)
class BotSettings:
    """One user's settings (see the module docstring); ``updated_at`` is None until first saved."""

    automated_trading: bool
    paused: bool
    symbols: tuple[str, ...]
    timeframe: str
    min_confidence: float
    amount_per_trade_usdt: Decimal
    max_trade_usdt: Decimal
    max_position_usdt: Decimal
    max_open_positions: int
    daily_loss_limit_usdt: Decimal
    stop_loss_pct: Decimal | None
    take_profit_pct: Decimal | None
    cooldown_seconds: int
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        for flag in ("automated_trading", "paused"):
            if not isinstance(getattr(self, flag), bool):
                raise _refuse(flag, "must be true or false")
        self._check_symbols()
        if self.timeframe not in CANDLE_INTERVALS:
            raise _refuse("timeframe", f"must be one of Binance's intervals ({', '.join(sorted(CANDLE_INTERVALS))})")
        confidence = self.min_confidence
        if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
            raise _refuse("min_confidence", "must be from 0 to 1 (0.7 is 70%)")
        _usdt("amount_per_trade_usdt", self.amount_per_trade_usdt, positive=True)
        for cap in ("max_trade_usdt", "max_position_usdt", "daily_loss_limit_usdt"):
            _usdt(cap, getattr(self, cap))
        _count("max_open_positions", self.max_open_positions, MAX_OPEN_POSITIONS)
        _count("cooldown_seconds", self.cooldown_seconds, MAX_COOLDOWN_SECONDS)
        _percent("stop_loss_pct", self.stop_loss_pct)
        _percent("take_profit_pct", self.take_profit_pct)
        if _ZERO < self.max_trade_usdt < self.amount_per_trade_usdt:
            raise _refuse(
                "amount_per_trade_usdt",
                f"{self.amount_per_trade_usdt} USDT is above your per-trade limit (max_trade_usdt "
                f"{self.max_trade_usdt} USDT): every automated trade would be refused",
            )

    def _check_symbols(self) -> None:
        if not isinstance(self.symbols, tuple) or not all(isinstance(s, str) for s in self.symbols):
            raise _refuse("symbols", "must be a list of symbols")
        if len(set(self.symbols)) != len(self.symbols):
            raise _refuse("symbols", "lists a symbol twice")
        if self.automated_trading and not self.symbols:
            raise _refuse("symbols", "choose at least one symbol for automated trading")

    @property
    def automating(self) -> bool:
        """Whether the AutoTrader would trade for this user now (on, and not paused)."""
        return self.automated_trading and not self.paused

    def risk_limits(self) -> RiskLimits:
        """The limits the trade checks apply (``domain.risk``); ``min_confidence`` is the AI minimum."""
        return RiskLimits(
            max_trade_usdt=self.max_trade_usdt,
            max_position_usdt=self.max_position_usdt,
            max_open_positions=self.max_open_positions,
            daily_loss_limit_usdt=self.daily_loss_limit_usdt,
            min_ai_confidence=float(self.min_confidence),
        )


def default_bot_settings(limits: RiskLimits, *, timeframe: str = DEFAULT_TIMEFRAME) -> BotSettings:
    """A user's settings before they save any: automation off, the platform's risk limits
    (``RISK_*`` settings), and an amount per trade that fits under the per-trade cap."""
    amount = DEFAULT_AMOUNT_PER_TRADE_USDT
    if _ZERO < limits.max_trade_usdt < amount:
        amount = limits.max_trade_usdt
    return BotSettings(
        automated_trading=False,
        paused=False,
        symbols=(),
        timeframe=timeframe,
        min_confidence=limits.min_ai_confidence,
        amount_per_trade_usdt=amount,
        max_trade_usdt=limits.max_trade_usdt,
        max_position_usdt=limits.max_position_usdt,
        max_open_positions=limits.max_open_positions,
        daily_loss_limit_usdt=limits.daily_loss_limit_usdt,
        stop_loss_pct=None,
        take_profit_pct=None,
        cooldown_seconds=DEFAULT_COOLDOWN_SECONDS,
    )


def check_symbols(symbols: Iterable[str], platform_symbols: Iterable[str]) -> None:
    """``InvalidInputError`` (field ``symbols``) naming any symbol the platform does not trade."""
    allowed = tuple(platform_symbols)
    unknown = [symbol for symbol in symbols if symbol not in allowed]
    if unknown:
        raise _refuse("symbols", f"{', '.join(unknown)} not traded here; choose from {', '.join(allowed)}")
