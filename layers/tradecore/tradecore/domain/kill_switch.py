"""The platform's kill switch as an admin sees it: whether trading is halted, who turned it last,
why and when. While it is on no new order leaves for anyone, manual or automated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TradingSwitchState:
    """``by`` / ``reason`` / ``changed_at`` are None while the switch was never turned."""

    halted: bool
    by: str | None = None
    reason: str | None = None
    changed_at: datetime | None = None
