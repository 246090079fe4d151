"""How every outbound call survives a bad moment: one retry policy and one shared circuit breaker.

:class:`RetryPolicy` (tenacity underneath) retries only the errors its predicate accepts, waits
the scheduled delay or the server's own floor (a 429's ``Retry-After``), whichever is longer, and
never starts an attempt the caller's deadline cannot fit. The Binance adapter, the OpenAI
analyzer and every later outbound call use it, so "retry" means one thing everywhere.

:class:`CircuitBreaker` keeps its state in a :class:`~tradecore.ports.BreakerStore` (the
service-state table in AWS) that every instance shares, and reads the injected clock; the rules
are :mod:`tradecore.domain.breaker`. When the store itself cannot be reached the breaker lets
calls through: it protects a dependency, it must not become an outage of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception

from tradecore.domain.breaker import BreakerPhase, BreakerPolicy, BreakerState
from tradecore.errors import CircuitOpenError, DependencyUnavailableError
from tradecore.observability import logger
from tradecore.ports import BreakerStore

P = ParamSpec("P")
T = TypeVar("T")

_MAX_SWAP_ROUNDS = 5


def _no_floor(_: BaseException) -> float | None:
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt now, then once after each of ``delays``; retry only what ``retryable`` accepts.

    ``deadline`` (a ``monotonic`` instant) bounds the whole call: no attempt starts with less than
    ``min_attempt_seconds`` left before it. The last error is re-raised as it was.
    """

    delays: Sequence[float]
    retryable: Callable[[BaseException], bool]
    min_attempt_seconds: float = 0.0
    wait_floor: Callable[[BaseException], float | None] = _no_floor
    before_retry: Callable[[RetryCallState], None] | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic

    @classmethod
    def exponential(cls, attempts: int, base_seconds: float, **options: object) -> RetryPolicy:
        """``attempts`` in all, waiting ``base``, ``2 base``, ``4 base``, ``8 base`` (the cap) between them."""
        delays = tuple(base_seconds * 2 ** min(i, 3) for i in range(max(attempts - 1, 0)))
        return cls(delays=delays, **options)  # type: ignore[arg-type]

    @property
    def attempts(self) -> int:
        return len(self.delays) + 1

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` under this policy, with no deadline."""
        return self.call_until(None, fn, *args, **kwargs)

    def call_until(self, deadline: float | None, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` under this policy, no attempt starting too close to ``deadline``."""
        retrying = Retrying(
            retry=retry_if_exception(self.retryable),
            wait=self._wait,
            stop=lambda state: self._stop(state, deadline),
            sleep=self.sleep,
            before_sleep=self.before_retry,
            reraise=True,
        )
        return retrying(fn, *args, **kwargs)

    def remaining(self, deadline: float) -> float:
        return deadline - self.monotonic()

    def _delay_after(self, attempt_number: int) -> float:
        return self.delays[attempt_number - 1] if attempt_number <= len(self.delays) else 0.0

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        floor = self.wait_floor(error) if error is not None else None
        return max(self._delay_after(state.attempt_number), floor or 0.0)

    def _stop(self, state: RetryCallState, deadline: float | None) -> bool:
        if state.attempt_number >= self.attempts:
            return True
        if deadline is None:
            return False
        return self.remaining(deadline) - self._wait(state) < self.min_attempt_seconds


@dataclass
class CircuitBreaker:
    """A circuit breaker named ``name`` whose state every instance shares through ``store``.

    Errors of the ``neutral`` types (the dependency answered, but not usefully) count as
    successes: they say the dependency is up.
    """

    name: str
    store: BreakerStore
    policy: BreakerPolicy = field(default_factory=BreakerPolicy)
    clock: Callable[[], float] = time.time
    neutral: tuple[type[BaseException], ...] = ()

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` when the circuit lets it through; ``CircuitOpenError`` when not."""
        if not self.admit():
            raise CircuitOpenError(f"{self.name}: circuit breaker open", dependency=self.name)
        try:
            result = fn(*args, **kwargs)
        except self.neutral:
            self.record_success()
            raise
        except Exception:
            self.record_failure()
            raise
        self.record_success()
        return result

    def admit(self) -> bool:
        """Whether a call may go out now (a half-open probe takes the one lease)."""
        decided = self._swap(lambda state: self.policy.admit(state, self.clock()))
        return True if decided is None else decided  # the store is unreachable: fail open

    def record_success(self) -> None:
        self._swap(lambda state: (True, self.policy.on_success(state)))

    def record_failure(self) -> None:
        self._swap(lambda state: (True, self.policy.on_failure(state, self.clock())))

    def state(self) -> BreakerState | None:
        """The shared state, or ``None`` when the store cannot be read."""
        try:
            return self.store.load(self.name)
        except DependencyUnavailableError:
            return None

    def phase(self) -> str:
        state = self.state()
        return state.phase.value if state is not None else "unknown"

    def is_open(self) -> bool:
        state = self.state()
        return state is not None and state.phase is not BreakerPhase.CLOSED

    def _swap(self, decide: Callable[[BreakerState], tuple[bool, BreakerState | None]]) -> bool | None:
        """Apply one transition with compare-and-set; the decision, or ``None`` if the store is down."""
        try:
            for _ in range(_MAX_SWAP_ROUNDS):
                current = self.store.load(self.name)
                decision, new = decide(current)
                if new is None or self.store.swap(self.name, new, expected_version=current.version):
                    return decision
        except DependencyUnavailableError as exc:
            logger.warning(
                "circuit breaker state unavailable; letting the call through",
                extra={"breaker": self.name, "reason": str(exc)},
            )
            return None
        return False  # others kept changing the state: do not add a call to the contention
