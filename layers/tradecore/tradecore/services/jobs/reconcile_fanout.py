"""The scheduled reconciliation: one queued message per user with an exchange connection on this
deployment's network, so each user is reconciled by a worker of their own (DESIGN.md §7: 10 or
100,000 users cost the same wall time)."""

from __future__ import annotations

from dataclasses import dataclass

from tradecore.domain.accounts import Network
from tradecore.observability import logger
from tradecore.ports.accounts import ConnectionListing
from tradecore.ports.jobs import ReconcileQueue


@dataclass
class ReconcileFanout:
    connections: ConnectionListing
    queue: ReconcileQueue
    network: Network

    def users(self) -> list[str]:
        """The users to reconcile, each once, sorted (a connection to another network cannot be
        read with this deployment's exchange)."""
        return sorted({c.user_id for c in self.connections.all_connections() if c.network is self.network})

    def enqueue(self) -> int:
        """Queue every connected user; how many were queued. Raises the store's or the queue's
        ``DependencyUnavailableError`` (the next tick, five minutes on, tries again)."""
        users = self.users()
        queued = self.queue.send(users) if users else 0
        logger.info("reconciliation queued", extra={"users": queued})
        return queued
