"""A user's risk limits, and the checks a trade must pass before its order leaves.

Pure rules, no I/O: the caller gathers the exposure (order value, the symbol's position value,
the open positions, today's realized PnL, all in USDT) and these functions refuse with a
sentence a trader understands and the numbers in ``details``.

- The per-trade cap binds both sides: a huge SELL is as likely a typo as a huge BUY.
- The per-symbol position cap, the open-position count and the daily loss limit bind BUYs only:
  a SELL reduces the position and the risk, so it is always allowed, above all after losses.
- The daily loss limit is reached when today's realized PnL is at or below minus the limit.
- A cap of 0 (or less) disables it, as the settings document.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from tradecore.domain.orders import Side
from tradecore.domain.trades import SignalSummary
from tradecore.errors import RiskLimitError, SignalRefusedError

_ZERO = Decimal(0)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class RiskLimits:
    """The limits one user trades under (their bot settings; the platform's defaults otherwise).

    Values are in USDT. A cap of 0 disables that cap. ``min_ai_confidence`` (0..1) applies to
    trades placed with ``use_ai``.
    """

    max_trade_usdt: Decimal
    max_position_usdt: Decimal
    max_open_positions: int
    daily_loss_limit_usdt: Decimal
    min_ai_confidence: float


@dataclass(frozen=True)
class RiskExposure:
    """What a trade would change, valued in USDT at the current price: the order, the user's
    position in its symbol before it, the symbols they hold open, and today's realized PnL."""

    side: Side
    symbol: str
    order_value_usdt: Decimal
    position_value_usdt: Decimal
    open_position_symbols: frozenset[str]
    realized_pnl_today_usdt: Decimal


def _amount(value: Decimal, rounding: str = ROUND_HALF_EVEN) -> str:
    """``12,000.00``: two decimals with thousands separators."""
    return f"{value.quantize(_CENT, rounding=rounding):,.2f}"


def _limit(value: Decimal) -> str:
    """``10,000`` for a whole limit, ``10,000.50`` otherwise: the limit as the user typed it."""
    return f"{value:,.0f}" if value == value.to_integral_value() else _amount(value)


def check_trade_risk(limits: RiskLimits, exposure: RiskExposure) -> None:
    """Raise :class:`RiskLimitError` for the first limit the trade would break (per-trade cap, then
    for a BUY the daily loss limit, the open-position count and the per-symbol cap);
    ``details["limit"]`` names the :class:`RiskLimits` field."""
    _check_trade_cap(limits, exposure)
    if exposure.side is not Side.BUY:
        return
    _check_daily_loss(limits, exposure)
    _check_open_positions(limits, exposure)
    _check_position_cap(limits, exposure)


def _check_trade_cap(limits: RiskLimits, exposure: RiskExposure) -> None:
    cap = limits.max_trade_usdt
    if cap > _ZERO and exposure.order_value_usdt > cap:
        # rounded up, so a value over the limit never reads as equal to it
        worth = _amount(exposure.order_value_usdt, ROUND_CEILING)
        raise RiskLimitError(
            f"This order is worth {worth} USDT; your per-trade limit is {_limit(cap)} USDT.",
            details={"limit": "max_trade_usdt", "limit_usdt": str(cap), "order_value_usdt": str(worth)},
        )


def _check_daily_loss(limits: RiskLimits, exposure: RiskExposure) -> None:
    limit = limits.daily_loss_limit_usdt
    realized = exposure.realized_pnl_today_usdt
    if limit > _ZERO and realized <= -limit:
        raise RiskLimitError(
            f"You have lost {_amount(-realized)} USDT today, which reaches your daily loss limit of "
            f"{_limit(limit)} USDT; no new buys until tomorrow, but you can still sell.",
            details={
                "limit": "daily_loss_limit_usdt",
                "limit_usdt": str(limit),
                "realized_pnl_today_usdt": str(realized),
            },
        )


def _check_open_positions(limits: RiskLimits, exposure: RiskExposure) -> None:
    most = limits.max_open_positions
    held = exposure.open_position_symbols
    if most > 0 and exposure.symbol not in held and len(held) >= most:
        raise RiskLimitError(
            f"You already have {len(held)} open positions ({', '.join(sorted(held))}) and your limit is {most}; "
            f"close one before buying {exposure.symbol}.",
            details={"limit": "max_open_positions", "limit_count": str(most), "open_positions": sorted(held)},
        )


def _check_position_cap(limits: RiskLimits, exposure: RiskExposure) -> None:
    cap = limits.max_position_usdt
    after = exposure.position_value_usdt + exposure.order_value_usdt
    if cap > _ZERO and after > cap:
        raise RiskLimitError(
            f"Your {exposure.symbol} position would be worth {_amount(after, ROUND_CEILING)} USDT after this order "
            f"({_amount(exposure.position_value_usdt)} held + {_amount(exposure.order_value_usdt)} ordered); "
            f"your per-symbol limit is {_limit(cap)} USDT.",
            details={"limit": "max_position_usdt", "limit_usdt": str(cap), "position_value_usdt": str(after)},
        )


_NEEDED = {Side.BUY: "long", Side.SELL: "short"}
_ORIGINS = {
    "local_technical": "technical analysis fallback",
    "stored_signal": "stored signal from an earlier analysis",
}
_AI_SOURCES = {
    "llm": "AI service",
    "technical": "AI service's technical analysis",
    "cache": "AI service's cached analysis",
}


def signal_source_label(signal: SignalSummary) -> str:
    """Where the signal came from, in words: the fallback that answered, else what the AI used."""
    if signal.origin in _ORIGINS:
        return _ORIGINS[signal.origin]
    return _AI_SOURCES.get(signal.source, f"{signal.origin} ({signal.source})")


def check_signal(limits: RiskLimits, side: Side, signal: SignalSummary) -> None:
    """Raise :class:`SignalRefusedError` unless the signal points the trade's way (Long for a BUY,
    Short for a SELL; Neutral supports neither) with at least ``min_ai_confidence``. A confidence
    that is not a number (NaN) supports nothing."""
    source = signal_source_label(signal)
    details = {
        "signal": signal.signal,
        "confidence": signal.confidence,
        "min_confidence": limits.min_ai_confidence,
        "source": signal.source,
        "origin": signal.origin,
    }
    if signal.signal.strip().lower() != _NEEDED[side]:
        raise SignalRefusedError(
            f"The {source} says {signal.signal} for this symbol, which does not support a {side.value}; "
            "no order was sent.",
            details=details,
        )
    if not math.isfinite(signal.confidence) or signal.confidence < limits.min_ai_confidence:
        raise SignalRefusedError(
            f"The {source} supports this {side.value} with {_percent(signal.confidence)} confidence; "
            f"you require at least {_percent(limits.min_ai_confidence)}, so no order was sent.",
            details=details,
        )


def _percent(fraction: float) -> str:
    """``69.9%``: rounded down to a tenth, so a confidence just under the minimum never reads as equal."""
    if not math.isfinite(fraction):
        return "unknown"
    tenths = math.floor(round(fraction * 1000, 6))  # round first: 0.7 * 1000 is 699.999...
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"
