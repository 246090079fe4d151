"""A user's risk limits, and the checks a trade must pass before its order leaves.

Pure Decimal rules, no I/O. (The checks are filled in by :func:`check_trade_risk` and
:func:`check_signal`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class RiskLimits:
    """The limits one user trades under (their bot settings; the platform's defaults otherwise).

    Values are in USDT. A cap of 0 disables that cap.
    """

    max_trade_usdt: Decimal
    max_position_usdt: Decimal
    max_open_positions: int
    daily_loss_limit_usdt: Decimal
    min_ai_confidence: float
