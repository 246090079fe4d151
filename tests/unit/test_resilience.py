"""One retry policy and one circuit breaker whose state every instance shares, on an injected clock."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from tests.support.auth import FakeClock, create_service_state_table
from tests.support.breaker import InMemoryBreakerStore
from tradecore.adapters.aws.breaker_store import DynamoBreakerStore
from tradecore.domain.breaker import BreakerPhase, BreakerPolicy, BreakerState
from tradecore.errors import CircuitOpenError
from tradecore.ports import BreakerStore
from tradecore.resilience import CircuitBreaker, RetryPolicy


class Boom(Exception):
    pass


class Shrug(Exception):
    pass


def _fail() -> None:
    raise Boom("down")


def _ok() -> str:
    return "ok"


def _two_instances(store: BreakerStore, clock: FakeClock) -> tuple[CircuitBreaker, CircuitBreaker]:
    """What two Lambda instances of one function hold: their own breaker objects, one shared state."""
    return (
        CircuitBreaker("openai", store, BreakerPolicy(), clock, neutral=(Shrug,)),
        CircuitBreaker("openai", store, BreakerPolicy(), clock, neutral=(Shrug,)),
    )


def _run_the_shared_cycle(store: BreakerStore) -> None:
    clock = FakeClock()
    a, b = _two_instances(store, clock)

    # five failures, spread over both instances, open the circuit for both
    for breaker in (a, b, a, b, a):
        with pytest.raises(Boom):
            breaker.call(_fail)
    calls: list[str] = []
    for breaker in (a, b):
        with pytest.raises(CircuitOpenError, match="openai: circuit breaker open"):
            breaker.call(lambda: calls.append("sent"))
    assert calls == []
    assert (a.phase(), b.phase()) == ("open", "open")

    # still open just before the reset time
    clock.advance(29.9)
    assert (a.admit(), b.admit()) == (False, False)

    # after it, exactly one probe across both instances
    clock.advance(0.1)
    assert a.admit() is True
    assert b.admit() is False
    a.record_success()

    # each success frees the lease for the next probe; the third closes the circuit
    assert b.call(_ok) == "ok"
    assert a.phase() == "half_open"
    assert a.call(_ok) == "ok"
    assert (a.phase(), b.phase()) == ("closed", "closed")
    assert (a.admit(), b.admit()) == (True, True)


def test_breaker_state_is_shared_by_two_instances_in_memory() -> None:
    _run_the_shared_cycle(InMemoryBreakerStore())


def test_breaker_state_is_shared_by_two_instances_on_dynamodb(aws: None) -> None:
    create_service_state_table(table_name="breaker-state")

    _run_the_shared_cycle(DynamoBreakerStore("breaker-state", "us-east-1"))


def test_breaker_store_on_dynamodb_refuses_a_stale_swap(aws: None) -> None:
    create_service_state_table(table_name="breaker-state")
    store = DynamoBreakerStore("breaker-state", "us-east-1")
    first = BreakerState(phase=BreakerPhase.OPEN, failures=5, opened_at=1_795_600_000.25, version=1)

    assert store.swap("x", first, expected_version=0) is True
    assert store.swap("x", first.next(failures=6), expected_version=0) is False  # another instance wrote first
    assert store.load("x") == first
    assert store.load("never-written") == BreakerState()


def test_breaker_a_failed_probe_reopens_for_another_full_reset_time() -> None:
    clock = FakeClock()
    a, b = _two_instances(InMemoryBreakerStore(), clock)
    for _ in range(5):
        with pytest.raises(Boom):
            a.call(_fail)
    clock.advance(30)

    with pytest.raises(Boom):
        b.call(_fail)  # the probe fails

    assert a.phase() == "open"
    clock.advance(29)
    assert a.admit() is False
    clock.advance(1)
    assert a.admit() is True


def test_breaker_a_probe_that_never_reports_frees_its_lease() -> None:
    clock = FakeClock()
    a, b = _two_instances(InMemoryBreakerStore(), clock)
    for _ in range(5):
        with pytest.raises(Boom):
            a.call(_fail)
    clock.advance(30)
    assert a.admit() is True  # then the instance dies mid-call

    assert b.admit() is False
    clock.advance(BreakerPolicy().probe_lease_seconds)
    assert b.admit() is True


def test_breaker_counts_consecutive_failures_only() -> None:
    clock = FakeClock()
    a, _ = _two_instances(InMemoryBreakerStore(), clock)
    for _ in range(4):
        with pytest.raises(Boom):
            a.call(_fail)
    a.call(_ok)
    for _ in range(4):
        with pytest.raises(Boom):
            a.call(_fail)

    assert a.phase() == "closed"


def test_breaker_neutral_errors_say_the_dependency_is_up() -> None:
    clock = FakeClock()
    a, _ = _two_instances(InMemoryBreakerStore(), clock)
    for _ in range(10):
        with pytest.raises(Shrug):
            a.call(lambda: (_ for _ in ()).throw(Shrug("malformed")))

    assert a.phase() == "closed"


def test_breaker_lets_calls_through_when_its_store_is_down() -> None:
    store = InMemoryBreakerStore()
    a, _ = _two_instances(store, FakeClock())
    store.down = True

    for _ in range(10):
        with pytest.raises(Boom):
            a.call(_fail)
    assert a.call(_ok) == "ok"
    assert (a.phase(), a.is_open()) == ("unknown", False)


def test_breaker_one_probe_among_many_concurrent_callers() -> None:
    clock = FakeClock()
    store = InMemoryBreakerStore()
    breakers = [CircuitBreaker("openai", store, BreakerPolicy(), clock) for _ in range(16)]
    for breaker in breakers[:5]:
        with pytest.raises(Boom):
            breaker.call(_fail)
    clock.advance(30)
    start = threading.Barrier(len(breakers))
    admitted: list[bool] = []

    def race(breaker: CircuitBreaker) -> None:
        start.wait()
        admitted.append(breaker.admit())

    threads = [threading.Thread(target=race, args=(breaker,)) for breaker in breakers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert admitted.count(True) == 1


class Clock:
    """A monotonic clock that sleeping moves forward."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _failing(times: int, error: Callable[[], Exception] = lambda: Boom("temporary")) -> Callable[[], str]:
    calls = {"n": 0}

    def call() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error()
        return f"ok after {calls['n']}"

    return call


def _policy(clock: Clock, **options: object) -> RetryPolicy:
    defaults: dict[str, object] = {
        "delays": (1.0, 3.0),
        "retryable": lambda exc: isinstance(exc, Boom),
        "sleep": clock.sleep,
        "monotonic": clock.monotonic,
    }
    return RetryPolicy(**(defaults | options))  # type: ignore[arg-type]


def test_retry_attempts_now_then_after_each_delay() -> None:
    clock = Clock()

    assert _policy(clock).call(_failing(2)) == "ok after 3"
    assert clock.slept == [1.0, 3.0]


def test_retry_gives_up_after_the_last_attempt_with_the_original_error() -> None:
    clock = Clock()

    with pytest.raises(Boom, match="temporary"):
        _policy(clock).call(_failing(3))
    assert clock.slept == [1.0, 3.0]


def test_retry_never_retries_what_the_predicate_refuses() -> None:
    clock = Clock()

    with pytest.raises(Shrug):
        _policy(clock).call(_failing(1, lambda: Shrug("final")))
    assert clock.slept == []


def test_retry_waits_at_least_the_servers_floor() -> None:
    clock = Clock()
    policy = _policy(clock, wait_floor=lambda exc: 7.0)

    policy.call(_failing(1))

    assert clock.slept == [7.0]


def test_retry_starts_no_attempt_the_deadline_cannot_fit() -> None:
    clock = Clock()
    policy = _policy(clock, min_attempt_seconds=0.5)

    # 3.6 s left: attempt 1 now, attempt 2 after 1 s (2.6 s left), attempt 3 would start with -0.4 s
    with pytest.raises(Boom):
        policy.call_until(clock.now + 3.6, _failing(5))
    assert clock.slept == [1.0]


def test_retry_exponential_schedule_caps_at_eight_times_the_base() -> None:
    policy = RetryPolicy.exponential(6, 0.25, retryable=lambda exc: True)

    assert (policy.attempts, tuple(policy.delays)) == (6, (0.25, 0.5, 1.0, 2.0, 2.0))
