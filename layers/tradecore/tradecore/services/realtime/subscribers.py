"""Who subscribes to a channel, remembered for a moment so fan-out reads the registry once per window.

A price tick goes to a channel several times a second; reading the ConnectionsTable for each would
cost a query (today a scan) per message. The list of a channel is instead kept for ``max_age``
seconds (2 s by default): a client that subscribes starts receiving within that window, and one
that leaves (or is found gone) is dropped from every list in this process at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# How long a channel's subscriber list is used before the registry is read again.
SUBSCRIBERS_MAX_AGE_SECONDS = 2.0


class SubscriberCache:
    """Channel → connection ids, read through ``load`` at most once per channel per ``max_age``.

    Thread-safe: concurrent publishers of one channel share a single registry read. When a refresh
    fails and an older list exists, the older list is used until the next window (fan-out goes on
    while the registry is briefly unavailable); without one, the error reaches the caller.
    """

    def __init__(
        self,
        load: Callable[[str], list[str]],
        *,
        max_age: float = SUBSCRIBERS_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._max_age = max_age
        self._clock = clock
        self._entries: dict[str, tuple[float, tuple[str, ...]]] = {}
        self._guard = threading.Lock()
        self._channel_locks: dict[str, threading.Lock] = {}

    def subscribers(self, channel: str) -> tuple[str, ...]:
        """The channel's connection ids, at most ``max_age`` seconds old (errors as ``load`` raises)."""
        fresh = self._fresh(channel)
        if fresh is not None:
            return fresh
        with self._lock_of(channel):
            fresh = self._fresh(channel)  # another thread may have refreshed it while we waited
            if fresh is not None:
                return fresh
            try:
                ids = tuple(self._load(channel))
            except Exception:
                stale = self._entries.get(channel)
                if stale is None:
                    raise
                ids = stale[1]  # keep serving the last list; try the registry again next window
            with self._guard:
                self._entries[channel] = (self._clock(), ids)
            return ids

    def forget(self, connection_id: str) -> None:
        """Drop a connection from every cached list (it left, or API Gateway reported it gone)."""
        with self._guard:
            for channel, (loaded_at, ids) in list(self._entries.items()):
                if connection_id in ids:
                    self._entries[channel] = (loaded_at, tuple(cid for cid in ids if cid != connection_id))

    def _fresh(self, channel: str) -> tuple[str, ...] | None:
        with self._guard:
            entry = self._entries.get(channel)
        if entry is None or self._clock() - entry[0] >= self._max_age:
            return None
        return entry[1]

    def _lock_of(self, channel: str) -> threading.Lock:
        with self._guard:
            return self._channel_locks.setdefault(channel, threading.Lock())
