"""At most one message per key per interval, the newest value winning, never an older after a newer.

The stream worker coalesces prices and candle updates per channel with it (the spec's 100 ms): a
value is sent at once when its key is due, otherwise held until it is; a held value is replaced by a
newer one, and a value ranked older than one already accepted for its key is dropped. Pure: the
caller reads the clock through it and decides when to send.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Coalescer(Generic[K, V]):
    """Per-key throttle; ``clock`` is monotonic seconds."""

    def __init__(self, interval_seconds: float, clock: Callable[[], float]) -> None:
        self.interval = interval_seconds
        self._clock = clock
        self._sent_at: dict[K, float] = {}
        self._rank: dict[K, Any] = {}
        self._held: dict[K, V] = {}

    def offer(self, key: K, value: V, rank: Any, *, urgent: bool = False) -> V | None:
        """The value to send now, or ``None`` when it is held (not due yet) or stale (ranked below the
        newest accepted for ``key``). ``urgent`` sends at once whatever the interval (a closed candle)."""
        newest = self._rank.get(key)
        if newest is not None and rank < newest:
            return None
        self._rank[key] = rank
        now = self._clock()
        sent_at = self._sent_at.get(key)
        if urgent or sent_at is None or now - sent_at >= self.interval:
            self._held.pop(key, None)
            self._sent_at[key] = now
            return value
        self._held[key] = value
        return None

    def due(self) -> list[tuple[K, V]]:
        """The held values whose key is due now (removed, and marked sent)."""
        now = self._clock()
        ready = [key for key in self._held if now - self._sent_at[key] >= self.interval]
        for key in ready:
            self._sent_at[key] = now
        return [(key, self._held.pop(key)) for key in ready]

    def next_due(self) -> float | None:
        """When the earliest held value becomes due (clock seconds); ``None`` when nothing is held."""
        if not self._held:
            return None
        return min(self._sent_at[key] for key in self._held) + self.interval
