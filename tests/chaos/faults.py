"""The faults a chaos attempt injects into one container: the process killed between two steps of the
money path, and MongoDB down for the trade records. Each wraps a real port; nothing is faked.

A kill is :class:`ProcessKilled`, a ``BaseException``: like a real kill nothing in the flow handles
it (no ``except Exception`` runs, Powertools leaves the idempotency record in progress; only Mangum,
around the whole app, turns it into a 500), and the harness throws the container away and builds a
fresh one, as a new Lambda process would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tradecore.domain.trades import TradeRecord, TradeStatus
from tradecore.errors import DependencyUnavailableError
from tradecore.services.trading.journal import RecordedIn, TradeJournal


class KillPoint(StrEnum):
    """Where the process dies (DESIGN.md §6 steps 4-6)."""

    AFTER_INTENT = "after_intent"  # the pending record is kept (store or outbox); no order yet
    AFTER_PLACE = "after_place"  # the exchange executed the order; nothing recorded of it
    AFTER_PROTECTION = "after_protection"  # the stop-loss / take-profit is on the exchange too
    BEFORE_FILL_STORED = "before_fill_stored"  # about to record the fill (or any later change)


class MongoOutage(StrEnum):
    """How the trade store fails during an attempt."""

    DOWN = "down"  # every call raises the taxonomy's unavailable error
    AFTER_INTENT = "after_intent"  # the pending record is saved, then MongoDB goes away


class ProcessKilled(BaseException):
    """The Lambda process died here (timeout, OOM, the host lost). Mangum answers 500 for it (it
    catches everything around the app), so each kill is also written down in a :class:`KillLog`."""


@dataclass
class KillLog:
    """Where the processes of a run were killed, in order."""

    kills: list[str] = field(default_factory=list)

    def kill(self, where: str) -> ProcessKilled:
        self.kills.append(where)
        return ProcessKilled(where)


class KillingJournal(TradeJournal):
    """The real journal (store, then outbox) with the process dying around one record."""

    def __init__(self, journal: TradeJournal, kill_at: KillPoint | None, log: KillLog) -> None:
        super().__init__(journal.store, journal.outbox)
        self.kill_at, self.log = kill_at, log

    def record(self, trade: TradeRecord, *, must: bool = True) -> RecordedIn:
        pending = trade.status is TradeStatus.PENDING
        if self.kill_at is KillPoint.BEFORE_FILL_STORED and not pending:
            raise self.log.kill(f"before recording {trade.client_order_id} as {trade.status.value}")
        where = super().record(trade, must=must)
        if self.kill_at is KillPoint.AFTER_INTENT and pending:
            raise self.log.kill(f"after recording the intent {trade.client_order_id} ({where.value})")
        return where


class KillingExchange:
    """A user's real exchange client; the process dies right after the exchange took an order."""

    def __init__(self, exchange: Any, kill_at: KillPoint | None, log: KillLog) -> None:
        self._exchange, self._kill_at, self._log, self._placed = exchange, kill_at, log, 0

    def place_order(self, *args: Any, **kwargs: Any) -> Any:
        result = self._exchange.place_order(*args, **kwargs)
        self._placed += 1
        if self._kill_at is KillPoint.AFTER_PLACE and self._placed == 1:
            raise self._log.kill(f"after placing {result.client_order_id}")
        if self._kill_at is KillPoint.AFTER_PROTECTION and self._placed > 1:
            raise self._log.kill(f"after placing the protective order {result.client_order_id}")
        return result

    def place_oco(self, *args: Any, **kwargs: Any) -> Any:
        result = self._exchange.place_oco(*args, **kwargs)
        if self._kill_at is KillPoint.AFTER_PROTECTION:
            raise self._log.kill(f"after placing the OCO {result.list_client_order_id}")
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._exchange, name)


class KillingConnections:
    """The connection service handing out :class:`KillingExchange` clients."""

    def __init__(self, connections: Any, kill_at: KillPoint | None, log: KillLog) -> None:
        self._connections, self._kill_at, self._log = connections, kill_at, log

    def exchange_for(self, user_id: str) -> KillingExchange:
        return KillingExchange(self._connections.exchange_for(user_id), self._kill_at, self._log)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connections, name)


@dataclass
class OutageStore:
    """The real trade store while MongoDB is up; the taxonomy's unavailable error once it is down."""

    store: Any
    outage: MongoOutage
    saves_left: int = 0

    def __post_init__(self) -> None:
        self.saves_left = 1 if self.outage is MongoOutage.AFTER_INTENT else 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.store, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.saves_left <= 0:
                raise DependencyUnavailableError("mongodb is unavailable (chaos)", dependency="mongodb")
            if name == "save":
                self.saves_left -= 1
            return attribute(*args, **kwargs)

        return call
