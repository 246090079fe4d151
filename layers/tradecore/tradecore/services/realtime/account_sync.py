"""The stream task's account sync: every ``interval_seconds`` (``ACCOUNT_SYNC_SECONDS``, 30 s), each
user of this shard with a dashboard open on the ``account`` channel gets their account read from the
exchange and an ``account_update`` carrying it (the same body as GET /api/account).

Only users with a live connection subscribed to ``account`` are read (an exchange read costs weight
on the user's own key), each once however many tabs they have, and only those of this task's shard
(the same stable hash as the user data streams). The read takes no refresh slot, so the sync never
uses up the user's own ``refresh=true``. Reads run off the event loop, at most ``concurrency`` at a
time; one user's failure never stops the others, and a round that cannot even list its users is
logged and tried again next time. The 1-minute scheduled sync is the safety net when this task is down.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from tradecore.domain.realtime import Connection, MessageType
from tradecore.errors import ConflictError, TradecoreError
from tradecore.observability import logger
from tradecore.ports.realtime import UserNotifier
from tradecore.services.accounts.account_body import account_body
from tradecore.services.accounts.account_view import AccountView
from tradecore.services.realtime.user_stream_worker import shard_of

ACCOUNT_CHANNEL = "account"


class Subscribers(Protocol):
    """The part of the ``ConnectionRegistry`` the sync reads."""

    def subscribers(self, channel: str) -> list[str]: ...
    def get(self, connection_id: str) -> Connection | None: ...


class AccountReads(Protocol):
    """Reads a user's account from the exchange without their refresh slot (``AccountService``)."""

    def sync(self, user_id: str) -> AccountView: ...


@dataclass(frozen=True)
class SyncRound:
    """What one round did: users updated, skipped (no exchange connection, key refused), failed."""

    synced: int = 0
    skipped: int = 0
    failed: int = 0


def sync_body(view: AccountView) -> dict[str, Any]:
    """``account_update``'s data: GET /api/account's body, and why it was sent."""
    return {"reason": "sync", **account_body(view)}


def read_account(accounts: AccountReads, user_id: str) -> tuple[str, str, AccountView | None]:
    """One user's account read from the exchange (the stream's 30 s sync and the 1-minute job):
    ``("synced", "", view)``, ``("skipped", why, None)`` when they have no usable connection (GET
    /api/account says why), ``("failed", why, None)`` otherwise; never raises."""
    try:
        return "synced", "", accounts.sync(user_id)
    except ConflictError as exc:  # no exchange connection, or the key was refused
        logger.debug("account not synced", extra={"user_id": user_id, "reason": exc.message})
        return "skipped", exc.message, None
    except TradecoreError as exc:
        logger.debug("account not synced", extra={"user_id": user_id, "reason": exc.message})
        return "failed", exc.message, None
    except Exception as exc:  # noqa: BLE001 - one user's failure must not stop the others
        logger.exception("account sync failed", extra={"user_id": user_id})
        return "failed", type(exc).__name__, None


@dataclass
class AccountSync:
    registry: Subscribers
    accounts: AccountReads
    notifier: UserNotifier
    shard_index: int = 0
    shard_count: int = 1
    interval_seconds: float = 30.0
    concurrency: int = 8
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _pool: ThreadPoolExecutor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # its own threads: the loop's default pool is shared with the user streams and may be smaller
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="account-sync")

    def users(self) -> list[str]:
        """This shard's users with a connection on ``account``, each once, in listing order
        (blocking: the registry); ``TradecoreError`` when the registry cannot be read."""
        wanted: dict[str, None] = {}
        for connection_id in self.registry.subscribers(ACCOUNT_CHANNEL):
            connection = self.registry.get(connection_id)
            if connection is None:  # it left between the listing and now
                continue
            if shard_of(connection.user_id, self.shard_count) == self.shard_index:
                wanted[connection.user_id] = None
        return list(wanted)

    def sync_user(self, user_id: str) -> tuple[str, str]:
        """Read one user's account and tell them (blocking): ``synced``, ``skipped`` or ``failed``,
        and why; never raises."""
        kind, reason, view = read_account(self.accounts, user_id)
        if view is not None:
            self.notifier.notify(user_id, MessageType.ACCOUNT_UPDATE, sync_body(view))  # best effort
        return kind, reason

    async def sync_once(self) -> SyncRound:
        """One round over this shard's subscribed users; a registry outage skips the round."""
        loop = asyncio.get_running_loop()
        try:
            users = await loop.run_in_executor(self._pool, self.users)
        except TradecoreError as exc:
            logger.warning("account sync skipped: connections not listed", extra={"reason": exc.message})
            return SyncRound()
        outcomes = await asyncio.gather(*(loop.run_in_executor(self._pool, self.sync_user, u) for u in users))
        kinds = [kind for kind, _ in outcomes]
        result = SyncRound(kinds.count("synced"), kinds.count("skipped"), kinds.count("failed"))
        if result.failed:  # once per round, not once per user: a dependency down fails them all
            reasons = sorted({reason for kind, reason in outcomes if kind == "failed"})
            logger.warning("accounts not synced", extra={"failed": result.failed, "reasons": reasons[:3]})
        return result

    async def run(self) -> None:
        """A round every ``interval_seconds`` (measured start to start; a slow round is followed at
        once) until cancelled."""
        try:
            while True:
                started = self.clock()
                try:
                    await self.sync_once()
                except Exception:  # noqa: BLE001 - the next round tries again
                    logger.exception("account sync round failed")
                await self.sleep(max(0.0, self.interval_seconds - (self.clock() - started)))
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
