"""Users' exchange connections that outlive a MongoDB outage: the store, read through a copy.

Trading goes on while MongoDB is down (DESIGN.md §5), and every order needs the user's key. Each
read of the store refreshes a copy of the stored record (the API key and the KMS ciphertext, never
the secret) in the ServiceStateTable, at most once per ``refresh_seconds`` per user and instance;
a read the store cannot answer is answered by that copy (``copy_seconds``, a day), and only when
there is none does the outage reach the caller (503).

A removed or replaced key must never come back from the copy: the copy is marked removed *before*
the store changes (a failure to mark refuses the change, 503, nothing changed), and the copy never
goes back in time (its writes are ordered by the connection's ``created_at``, the mark by the
instant of the change), so a read that raced the change cannot restore the old key either.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

from tradecore.domain.accounts import ExchangeConnection
from tradecore.errors import DependencyUnavailableError, TradecoreError
from tradecore.observability import logger
from tradecore.ports.accounts import ConnectionCopy, ConnectionStore

DAY_SECONDS = 24 * 3600


class CopiedConnectionStore:
    """The :class:`~tradecore.ports.ConnectionStore` port: ``store`` first, ``copy`` when it is down."""

    def __init__(
        self,
        store: ConnectionStore,
        copy: ConnectionCopy,
        *,
        copy_seconds: int = DAY_SECONDS,
        refresh_seconds: float = 3600,
        remembered: int = 1024,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store, self._copy = store, copy
        self._copy_seconds, self._refresh_seconds, self._remembered = copy_seconds, refresh_seconds, remembered
        self._clock = clock
        # user id -> (the connection copied, when): what this instance need not write again yet
        self._copied: OrderedDict[str, tuple[ExchangeConnection, float]] = OrderedDict()

    def get(self, user_id: str) -> ExchangeConnection | None:
        """The stored connection; the copy's while the store is down (``None`` when it was removed).
        ``DependencyUnavailableError`` when the store is down and there is no copy to read."""
        try:
            connection = self._store.get(user_id)
        except DependencyUnavailableError as store_error:
            return self._from_copy(user_id, store_error)
        if connection is not None:
            self._refresh(connection)
        return connection

    def put(self, connection: ExchangeConnection) -> None:
        """Replace the user's connection: the copy is marked removed first, then the store, then
        the new copy (best effort: the next read takes it)."""
        self._forget(connection.user_id, connection.created_at)
        self._store.put(connection)
        self._refresh(connection, force=True)

    def add(self, connection: ExchangeConnection) -> bool:
        added = self._store.add(connection)
        if added:
            self._refresh(connection, force=True)
        return added

    def delete(self, user_id: str) -> bool:
        """Remove the user's connection: the copy is marked removed first, then the store."""
        self._forget(user_id, datetime.fromtimestamp(self._clock(), UTC))
        return self._store.delete(user_id)

    def _from_copy(self, user_id: str, store_error: DependencyUnavailableError) -> ExchangeConnection | None:
        try:
            found, connection = self._copy.get(user_id)
        except TradecoreError as copy_error:
            logger.warning("connection copy unreadable too", extra={"reason": copy_error.message})
            raise store_error from copy_error
        if not found:
            raise store_error
        logger.warning(
            "connection store unavailable; using the connection's copy",
            extra={"reason": store_error.message, "removed": connection is None},
        )
        return connection

    def _forget(self, user_id: str, as_of: datetime) -> None:
        self._copied.pop(user_id, None)
        try:
            self._copy.forget(user_id, as_of=as_of, ttl_seconds=self._copy_seconds)
        except TradecoreError as exc:
            logger.error("connection copy not marked removed; the change is refused", extra={"reason": exc.message})
            raise DependencyUnavailableError(
                "Exchange connections cannot be changed right now; nothing was changed, try again shortly",
                dependency="dynamodb",
            ) from exc

    def _refresh(self, connection: ExchangeConnection, *, force: bool = False) -> None:
        now = self._clock()
        last = self._copied.get(connection.user_id)
        if not force and last is not None and last[0] == connection and now - last[1] < self._refresh_seconds:
            return
        try:
            self._copy.keep(connection, ttl_seconds=self._copy_seconds)
        except TradecoreError as exc:  # the store answered: only the outage fallback waits
            logger.warning("connection copy not refreshed", extra={"reason": exc.message})
            return
        self._copied[connection.user_id] = (connection, now)
        self._copied.move_to_end(connection.user_id)
        while len(self._copied) > self._remembered:
            self._copied.popitem(last=False)
