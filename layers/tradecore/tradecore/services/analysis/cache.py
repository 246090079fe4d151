"""In-process caching for analyses: a thread-safe TTL cache and single-flight de-duplication.

FastAPI runs sync routes in a thread pool, so identical requests can arrive at once in one
process. :class:`SingleFlight` lets the first caller do the work while the others wait for its
result, so 100 identical requests make one upstream call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import TTLCache

T = TypeVar("T")


class LockedTTLCache(Generic[T]):
    """A ``cachetools.TTLCache`` behind a lock (cachetools caches are not thread-safe)."""

    def __init__(self, maxsize: int, ttl: float) -> None:
        self._cache: TTLCache[Hashable, T] = TTLCache(maxsize=maxsize, ttl=ttl)
        self._lock = threading.Lock()
        self.enabled = ttl > 0

    def get(self, key: Hashable) -> T | None:
        if not self.enabled:
            return None
        with self._lock:
            return self._cache.get(key)

    def put(self, key: Hashable, value: T) -> None:
        if self.enabled:
            with self._lock:
                self._cache[key] = value


class _Call(Generic[T]):
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


class SingleFlight(Generic[T]):
    """Runs ``work`` once per key at a time; concurrent callers with the same key share its outcome."""

    def __init__(self) -> None:
        self._calls: dict[Hashable, _Call[T]] = {}
        self._lock = threading.Lock()

    def run(self, key: Hashable, work: Callable[[], T]) -> tuple[T, bool]:
        """``(result, shared)``: ``shared`` is True for callers that waited on another's call.

        The leader's exception is raised in every waiting caller too.
        """
        with self._lock:
            call = self._calls.get(key)
            leader = call is None
            if call is None:
                call = self._calls[key] = _Call()
        if not leader:
            call.done.wait()
            if call.error is not None:
                raise call.error
            return call.value, True  # type: ignore[return-value]
        try:
            call.value = work()
            return call.value, False
        except BaseException as exc:
            call.error = exc
            raise
        finally:
            with self._lock:
                self._calls.pop(key, None)
            call.done.set()
