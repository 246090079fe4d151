"""Jobs: the reconciliation reports and the queue that fans reconciliation out per user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tradecore.domain.reconciliation import ReconciliationReport


class ReconciliationReportStore(Protocol):
    """``reconciliation_reports`` (``user_id`` + ``created_at``); ``DependencyUnavailableError``
    when the store cannot be reached."""

    def add(self, report: ReconciliationReport) -> None:
        """Store it (a report stored twice under its id stays one)."""
        ...

    def latest(self, user_id: str, limit: int = 10) -> list[ReconciliationReport]:
        """The user's newest reports first."""
        ...


class ReconcileQueue(Protocol):
    """One message per user to reconcile (SQS), consumed by the reconciliation worker function."""

    def send(self, user_ids: Sequence[str]) -> int:
        """Queue one message per user; how many were queued. ``DependencyUnavailableError`` when any
        could not be (the rest stay queued; reconciling a user twice is harmless)."""
        ...
