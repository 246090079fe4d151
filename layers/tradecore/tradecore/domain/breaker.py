"""The circuit breaker's rules, as pure transitions over a shared, versioned state.

Every instance of a function reads and writes the same state (in the service-state table), so
five failures anywhere open the circuit everywhere, and after the reset time exactly one caller,
on any instance, probes the dependency at a time. Each transition returns the state to write (or
``None`` when nothing changes); the store writes it only if the version it was computed from is
still current, so two instances racing over one transition cannot both win.

States: ``closed`` (calls pass; consecutive failures are counted) → ``open`` after ``fail_max``
failures (calls refused until ``reset_seconds`` have passed) → ``half_open`` (one probe at a
time holds a lease; a failure reopens, ``success_threshold`` successes close).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class BreakerPhase(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerState:
    phase: BreakerPhase = BreakerPhase.CLOSED
    failures: int = 0  # consecutive failures while closed
    successes: int = 0  # successful probes while half-open
    opened_at: float = 0.0
    probe_until: float = 0.0  # while half-open: no other probe before this instant
    version: int = 0  # bumped by every write; the store's compare-and-set reads it

    def next(self, **changes: object) -> BreakerState:
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class BreakerPolicy:
    fail_max: int = 5
    reset_seconds: float = 30.0
    success_threshold: int = 3
    # a probe that never reports back (its instance died) frees the lease after this long
    probe_lease_seconds: float = 30.0

    def admit(self, state: BreakerState, now: float) -> tuple[bool, BreakerState | None]:
        """Whether a call may go out now, and the state to write for it (a probe takes the lease)."""
        if state.phase is BreakerPhase.CLOSED:
            return True, None
        if state.phase is BreakerPhase.OPEN and now < state.opened_at + self.reset_seconds:
            return False, None
        if state.phase is BreakerPhase.HALF_OPEN and now < state.probe_until:
            return False, None  # another caller's probe is in flight
        successes = state.successes if state.phase is BreakerPhase.HALF_OPEN else 0
        probing = state.next(
            phase=BreakerPhase.HALF_OPEN, successes=successes, probe_until=now + self.probe_lease_seconds
        )
        return True, probing

    def on_success(self, state: BreakerState) -> BreakerState | None:
        if state.phase is BreakerPhase.CLOSED:
            return state.next(failures=0) if state.failures else None
        if state.phase is BreakerPhase.HALF_OPEN:
            if state.successes + 1 >= self.success_threshold:
                return BreakerState(version=state.version + 1)
            return state.next(successes=state.successes + 1, probe_until=0.0)  # the next caller probes
        return None  # a call admitted before the circuit opened: it changes nothing

    def on_failure(self, state: BreakerState, now: float) -> BreakerState | None:
        if state.phase is BreakerPhase.CLOSED:
            if state.failures + 1 >= self.fail_max:
                return state.next(phase=BreakerPhase.OPEN, failures=state.failures + 1, opened_at=now)
            return state.next(failures=state.failures + 1)
        if state.phase is BreakerPhase.HALF_OPEN:
            return state.next(phase=BreakerPhase.OPEN, successes=0, opened_at=now, probe_until=0.0)
        return None
