"""An in-memory BreakerStore with the same compare-and-set contract as the DynamoDB one."""

from __future__ import annotations

import threading

from tradecore.domain.breaker import BreakerState
from tradecore.errors import DependencyUnavailableError


class InMemoryBreakerStore:
    def __init__(self) -> None:
        self.states: dict[str, BreakerState] = {}
        self.down = False  # True: every call fails as an unreachable table would
        self._lock = threading.Lock()

    def load(self, name: str) -> BreakerState:
        self._check()
        with self._lock:
            return self.states.get(name, BreakerState())

    def swap(self, name: str, state: BreakerState, *, expected_version: int) -> bool:
        self._check()
        with self._lock:
            if self.states.get(name, BreakerState()).version != expected_version:
                return False
            self.states[name] = state
            return True

    def _check(self) -> None:
        if self.down:
            raise DependencyUnavailableError("breaker store down", dependency="dynamodb")
