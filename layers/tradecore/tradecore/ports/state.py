"""Small shared state every function instance sees (the ServiceStateTable in AWS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tradecore.domain.breaker import BreakerState


@dataclass(frozen=True)
class WindowCount:
    """An atomic counter within a fixed time window (``window_started_at`` in epoch seconds).

    ``granted`` is False when :meth:`ServiceState.acquire_in_window` found the window full.
    """

    count: int
    window_started_at: float
    granted: bool = True


class ServiceState(Protocol):
    """Small shared state with expiry (DynamoDB ServiceStateTable), seen by every function instance.

    Items past ``expires_at`` are treated as absent even before DynamoDB's TTL sweep deletes them.
    """

    def put(self, pk: str, sk: str, attributes: dict[str, Any], *, expires_at: int | None = None) -> None: ...
    def get(self, pk: str, sk: str) -> dict[str, Any] | None: ...
    def get_many(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]: ...
    def delete(self, pk: str, sk: str) -> None: ...
    def increment_in_window(self, pk: str, sk: str, *, window_seconds: int, now: float) -> WindowCount:
        """Add one to the counter of the current window (a new window starts once it has elapsed)."""
        ...

    def acquire_in_window(self, pk: str, sk: str, *, limit: int, window_seconds: int, now: float) -> WindowCount:
        """Atomically take one of ``limit`` slots of the current window (a new window starts once it has
        elapsed); ``granted=False`` (nothing taken) while the window is full."""
        ...

    def release_in_window(self, pk: str, sk: str) -> None:
        """Give one taken slot back (never below zero; nothing when there is no window)."""
        ...


class BreakerStore(Protocol):
    """The circuit breakers' shared state (the service-state table in AWS), one record per name."""

    def load(self, name: str) -> BreakerState:
        """The current state (a fresh closed one when none was written); ``DependencyUnavailableError``
        when the store cannot be read."""
        ...

    def swap(self, name: str, state: BreakerState, *, expected_version: int) -> bool:
        """Write ``state`` only if the stored version is still ``expected_version``; False when another
        instance wrote first."""
        ...
