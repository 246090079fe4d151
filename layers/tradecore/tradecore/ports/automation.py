"""Automated trading: the decisions it records and the queue that fans a signal out per user."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from tradecore.domain.automation import CandleSignal, Decision, DecisionPage


class DecisionStore(Protocol):
    """``bot_decisions``; every method raises ``DependencyUnavailableError`` when the store is down."""

    def add(self, decision: Decision) -> bool:
        """Store it; False when a decision with its id exists (that one stands)."""
        ...

    def get(self, user_id: str, decision_id: str) -> Decision | None: ...

    def last_traded_at(self, user_id: str, symbol: str) -> datetime | None:
        """When the user's newest ``traded`` decision for ``symbol`` was made (the cooldown's start)."""
        ...

    def page(self, user_id: str, *, limit: int = 50, cursor: str | None = None) -> DecisionPage:
        """Newest first; ``InvalidInputError`` for a cursor this store did not give."""
        ...


class AutoTradeQueue(Protocol):
    """One message per user and signal (SQS), consumed by the AutoTrader's worker function."""

    def send(self, user_ids: Sequence[str], signal: CandleSignal) -> int:
        """Queue a decision for each user; how many were queued. ``DependencyUnavailableError`` when
        the queue cannot be reached (some may have been sent: each decision happens at most once)."""
        ...
