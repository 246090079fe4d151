"""The Powertools idempotency guard on the IdempotencyTable (moto server over HTTP, as the template
declares the table): one run per key, the first answer replayed, another body refused, a run in
progress reported, failures not remembered, 50 racing threads running once, a timed-out run freeing
its key, and an unusable table reported as unavailable."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest

from devstack.template.reader import SamTemplate
from tradecore.adapters.aws.idempotency import PowertoolsIdempotencyGuard
from tradecore.errors import (
    ConfigurationError,
    DependencyUnavailableError,
    IdempotencyKeyError,
    IdempotencyKeyReusedError,
    RequestInProgressError,
)

REGION = "us-east-1"
BODY = {"symbol": "BTCUSDT", "side": "BUY", "quantity": Decimal("0.00100")}


@pytest.fixture
def table(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh IdempotencyTable (keys and TTL as template.yaml declares them) on the moto server."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    spec = SamTemplate.load().tables()["IdempotencyTable"].properties
    name = f"idempotency-{uuid.uuid4().hex[:10]}"
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName=name, **{key: spec[key] for key in ("AttributeDefinitions", "KeySchema", "BillingMode")}
    )
    client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec["TimeToLiveSpecification"])
    return name


@pytest.fixture
def guard(table: str) -> PowertoolsIdempotencyGuard:
    return PowertoolsIdempotencyGuard(table, REGION)


class Counted:
    """A ``run`` that counts its calls and answers with them (so a second run would be visible)."""

    def __init__(self, answer: dict[str, Any] | None = None, *, wait: threading.Event | None = None) -> None:
        self.calls = 0
        self.answer = answer or {"trade": {"id": "t-1", "price": Decimal("43210.98")}}
        self.wait = wait
        self.started = threading.Event()
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
            call = self.calls
        self.started.set()
        if self.wait is not None:
            assert self.wait.wait(10), "the test never released the run"
        return {**self.answer, "call": call}


@pytest.fixture
def background() -> Iterator[Callable[[Callable[[], Any]], dict[str, Any]]]:
    """Start a callable on a thread; its result or exception lands in the returned dict."""
    threads: list[threading.Thread] = []

    def start(target: Callable[[], Any]) -> dict[str, Any]:
        outcome: dict[str, Any] = {}

        def body() -> None:
            try:
                outcome["result"] = target()
            except Exception as exc:  # noqa: BLE001 - handed to the test to assert on
                outcome["error"] = exc

        thread = threading.Thread(target=body, daemon=True)
        threads.append(thread)
        thread.start()
        return outcome

    yield start
    for thread in threads:
        thread.join(10)


def test_idempotency_guard_same_key_and_payload_runs_once_and_replays_the_first_answer(guard) -> None:
    run = Counted()
    first = guard.once("u-1#key-1", BODY, run)
    again = guard.once("u-1#key-1", dict(BODY), run)
    assert run.calls == 1
    assert first == again == {"trade": {"id": "t-1", "price": "43210.98"}, "call": 1}  # Decimals as strings


def test_idempotency_guard_answer_is_shared_by_another_instance_on_the_table(guard, table: str) -> None:
    run = Counted()
    first = guard.once("u-1#key-1", BODY, run)
    assert PowertoolsIdempotencyGuard(table, REGION).once("u-1#key-1", BODY, run) == first
    assert run.calls == 1


def test_idempotency_guard_another_payload_under_the_same_key_is_refused(guard) -> None:
    run = Counted()
    guard.once("u-1#key-1", BODY, run)
    with pytest.raises(IdempotencyKeyReusedError):
        guard.once("u-1#key-1", {**BODY, "quantity": Decimal("0.002")}, run)
    assert run.calls == 1


def test_idempotency_guard_different_keys_run_separately(guard) -> None:
    run = Counted()
    assert guard.once("u-1#key-1", BODY, run)["call"] == 1
    assert guard.once("u-2#key-1", BODY, run)["call"] == 2


def test_idempotency_guard_reports_a_run_in_progress_then_replays_its_answer(guard, background) -> None:
    release = threading.Event()
    run = Counted(wait=release)
    first = background(lambda: guard.once("u-1#key-1", BODY, run, remaining_ms=lambda: 60_000))
    try:
        assert run.started.wait(10)
        with pytest.raises(RequestInProgressError):
            guard.once("u-1#key-1", BODY, Counted())
    finally:
        release.set()
    deadline = time.monotonic() + 10
    while "result" not in first and "error" not in first and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first == {"result": {"trade": {"id": "t-1", "price": "43210.98"}, "call": 1}}
    assert guard.once("u-1#key-1", BODY, Counted()) == first["result"]
    assert run.calls == 1


def test_idempotency_guard_a_run_past_its_lambda_deadline_frees_the_key(guard, background) -> None:
    # GIVEN a run whose Lambda has no time left (it would have been killed by now)
    release = threading.Event()
    stuck = Counted(wait=release)
    background(lambda: guard.once("u-1#key-1", BODY, stuck, remaining_ms=lambda: 0))
    try:
        assert stuck.started.wait(10)
        time.sleep(0.05)
        # WHEN the client retries, THEN the retry runs instead of waiting for the day-long expiry
        retry = Counted({"trade": {"id": "t-1"}})
        assert guard.once("u-1#key-1", BODY, retry) == {"trade": {"id": "t-1"}, "call": 1}
    finally:
        release.set()


def test_idempotency_guard_does_not_store_an_exception(guard) -> None:
    def failing() -> dict[str, Any]:
        raise DependencyUnavailableError("exchange down", dependency="binance")

    with pytest.raises(DependencyUnavailableError, match="exchange down"):
        guard.once("u-1#key-1", BODY, failing)
    run = Counted()
    assert guard.once("u-1#key-1", BODY, run)["call"] == 1
    assert run.calls == 1


def test_idempotency_guard_fifty_racing_threads_run_once(guard) -> None:
    release = threading.Event()
    run = Counted(wait=release)
    start = threading.Barrier(50)
    outcomes: list[Any] = []
    lock = threading.Lock()

    def request() -> None:
        start.wait(10)
        try:
            outcome: Any = guard.once("u-1#key-1", BODY, run, remaining_ms=lambda: 60_000)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            outcome = exc
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=request, daemon=True) for _ in range(50)]
    for thread in threads:
        thread.start()
    assert run.started.wait(10)
    time.sleep(0.3)  # let the others meet the in-progress record
    release.set()
    for thread in threads:
        thread.join(20)

    answer = {"trade": {"id": "t-1", "price": "43210.98"}, "call": 1}
    assert run.calls == 1
    assert len(outcomes) == 50
    assert all(outcome == answer or isinstance(outcome, RequestInProgressError) for outcome in outcomes), outcomes
    assert answer in outcomes


def test_idempotency_guard_refuses_an_empty_key(guard) -> None:
    run = Counted()
    with pytest.raises(IdempotencyKeyError):
        guard.once("", BODY, run)
    assert run.calls == 0


def test_idempotency_guard_missing_table_is_unavailable(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    run = Counted()
    with pytest.raises(DependencyUnavailableError) as refused:
        PowertoolsIdempotencyGuard("no-such-table", REGION).once("u-1#key-1", BODY, run)
    assert refused.value.dependency == "dynamodb"
    assert run.calls == 0


def test_idempotency_guard_refuses_to_run_with_powertools_idempotency_disabled(
    guard: PowertoolsIdempotencyGuard, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the variable with which Powertools silently skips idempotency (meant for its tests)
    monkeypatch.setenv("POWERTOOLS_IDEMPOTENCY_DISABLED", "true")
    runs: list[int] = []

    def run() -> dict[str, bool]:
        runs.append(1)
        return {"ok": True}

    # WHEN a request comes THEN it is refused and nothing runs (a retried order could execute twice)
    with pytest.raises(ConfigurationError, match="POWERTOOLS_IDEMPOTENCY_DISABLED"):
        guard.once("user-1#k", {"a": 1}, run)
    assert runs == []
