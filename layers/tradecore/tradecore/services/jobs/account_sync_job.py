"""The scheduled account sync (every minute): the safety net behind the stream task's 30 s sync.

Every user with an exchange connection gets their account read from the exchange (which refreshes
the shared account cache, :meth:`AccountService.sync`), the read stored as a snapshot in
``account_snapshots``, and an ``account_update`` pushed to their open dashboards (GET /api/account's
body, as the stream task sends it). Reads run at most ``concurrency`` at a time, so a thousand users
do not open a thousand exchange connections at once; one user's failure never stops the others. A
snapshot that cannot be stored does not hold back the update: the cache and the dashboard still get
the fresh account, and the run counts the user as synced with an unstored snapshot.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Protocol

from tradecore.domain.accounts import AccountSnapshot
from tradecore.domain.realtime import MessageType
from tradecore.observability import logger
from tradecore.ports.accounts import ConnectionListing
from tradecore.ports.realtime import UserNotifier
from tradecore.services.realtime.account_sync import AccountReads, read_account, sync_body


class SnapshotHistory(Protocol):
    """``account_snapshots``; ``DependencyUnavailableError`` when the store is down."""

    def add(self, user_id: str, snapshot: AccountSnapshot) -> None: ...


class UserOutcome(StrEnum):
    SYNCED = "synced"
    SKIPPED = "skipped"  # no usable connection (the key was refused): GET /api/account says why
    FAILED = "failed"


@dataclass(frozen=True)
class AccountSyncRun:
    """What one run did, in users."""

    users: int = 0
    synced: int = 0
    skipped: int = 0
    failed: int = 0
    snapshots_unstored: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"job": "account_sync", **asdict(self)}


@dataclass(frozen=True)
class AccountSyncJob:
    connections: ConnectionListing
    accounts: AccountReads
    snapshots: SnapshotHistory
    notifier: UserNotifier
    concurrency: int = 8

    def run(self) -> AccountSyncRun:
        """Sync every connected user; ``DependencyUnavailableError`` when the connections cannot be
        listed (nothing was done: the next minute tries again)."""
        users = list(dict.fromkeys(connection.user_id for connection in self.connections.all_connections()))
        if not users:
            return AccountSyncRun()
        with ThreadPoolExecutor(max_workers=max(1, min(self.concurrency, len(users)))) as pool:
            outcomes = list(pool.map(self.sync_user, users))
        kinds = [kind for kind, _ in outcomes]
        run = AccountSyncRun(
            users=len(users),
            synced=kinds.count(UserOutcome.SYNCED),
            skipped=kinds.count(UserOutcome.SKIPPED),
            failed=kinds.count(UserOutcome.FAILED),
            snapshots_unstored=sum(1 for _, stored in outcomes if not stored),
        )
        if run.failed or run.snapshots_unstored:  # once per run: a dependency down fails them all
            logger.warning("accounts not fully synced", extra=run.as_dict())
        return run

    def sync_user(self, user_id: str) -> tuple[UserOutcome, bool]:
        """Read, store and push one user's account: the outcome and whether the snapshot was
        stored (True when there was none to store). Never raises."""
        kind, _, view = read_account(self.accounts, user_id)
        if view is None:
            return UserOutcome(kind), True
        stored = self._store(user_id, view.snapshot)
        self.notifier.notify(user_id, MessageType.ACCOUNT_UPDATE, sync_body(view))
        return UserOutcome.SYNCED, stored

    def _store(self, user_id: str, snapshot: AccountSnapshot) -> bool:
        try:
            self.snapshots.add(user_id, snapshot)
        except Exception as exc:  # noqa: BLE001 - MongoDB down must not hold back the update
            logger.debug("account snapshot not stored", extra={"user_id": user_id, "reason": str(exc)})
            return False
        return True
