"""The ServiceStateTable adapter on moto's DynamoDB: expiry, batch reads, windowed counters,
and the denylist and login throttle running on it."""

from __future__ import annotations

import time

import pytest

from tests.support.auth import create_service_state_table
from tradecore.adapters.aws.service_state import ServiceStateTable
from tradecore.errors import RateLimitedError
from tradecore.services.auth.revocation import StateTokenDenylist
from tradecore.services.auth.throttle import StateLoginThrottle

TABLE = "unit-service-state"


@pytest.fixture
def table(aws: None) -> ServiceStateTable:
    create_service_state_table(table_name=TABLE)
    return ServiceStateTable(TABLE, "us-east-1")


def test_service_state_put_get_delete_round_trip_with_numbers(table: ServiceStateTable) -> None:
    table.put("p", "s", {"not_before": 1795600000.123, "count": 3, "name": "x"}, expires_at=int(time.time()) + 60)

    assert table.get("p", "s") == {
        "not_before": 1795600000.123,
        "count": 3,
        "name": "x",
        "expires_at": pytest.approx(time.time() + 60, abs=2),
    }
    table.delete("p", "s")
    assert table.get("p", "s") is None


def test_service_state_items_past_expiry_read_as_absent(table: ServiceStateTable) -> None:
    # DynamoDB's TTL sweep lags (and moto never runs it): the adapter must not trust it
    table.put("p", "old", {}, expires_at=int(time.time()) - 1)
    table.put("p", "new", {}, expires_at=int(time.time()) + 60)

    assert table.get("p", "old") is None
    assert set(table.get_many([("p", "old"), ("p", "new"), ("p", "missing")])) == {("p", "new")}


def test_service_state_counter_counts_within_a_window_and_restarts_after(table: ServiceStateTable) -> None:
    start = 1_795_600_000.0
    counts = [table.increment_in_window("c", "k", window_seconds=60, now=start + i).count for i in range(3)]

    restarted = table.increment_in_window("c", "k", window_seconds=60, now=start + 61)

    assert counts == [1, 2, 3]
    assert (restarted.count, restarted.window_started_at) == (1, start + 61)


def test_service_state_denylist_and_throttle_work_on_the_table(table: ServiceStateTable) -> None:
    denylist = StateTokenDenylist(table, max_token_lifetime_seconds=86_400)
    now = time.time()
    denylist.revoke_token("jti-1", until=int(now) + 3600)
    denylist.revoke_user_tokens("u-2", issued_before=now)

    assert denylist.is_revoked("jti-1", "u-1", now)
    assert not denylist.is_revoked("jti-2", "u-1", now)
    assert denylist.is_revoked("jti-3", "u-2", now - 1)
    assert not denylist.is_revoked("jti-4", "u-2", now + 1)

    throttle = StateLoginThrottle(table, max_failures=2, window_seconds=900)
    throttle.reserve("a@example.com")
    throttle.reserve("a@example.com")
    with pytest.raises(RateLimitedError) as locked:
        throttle.reserve("a@example.com")
    assert 890 <= locked.value.retry_after <= 900
    assert not any("example.com" in pk for pk in _all_pks())  # the table holds no addresses
    throttle.reserve("b@example.com")
    throttle.refund("a@example.com")  # a success gives its attempt back
    throttle.reserve("a@example.com")
    throttle.clear("a@example.com")
    throttle.reserve("a@example.com")


def test_service_state_acquire_stops_at_the_limit_and_restarts_after_the_window(table: ServiceStateTable) -> None:
    start = 1_795_600_000.0
    slots = [table.acquire_in_window("c", "k", limit=2, window_seconds=60, now=start + i) for i in range(3)]

    assert [(slot.count, slot.granted) for slot in slots] == [(1, True), (2, True), (2, False)]
    assert slots[2].window_started_at == start
    table.release_in_window("c", "k")
    table.release_in_window("c", "k")
    table.release_in_window("c", "k")  # never below zero
    table.release_in_window("c", "absent")  # nothing to give back
    assert table.acquire_in_window("c", "k", limit=2, window_seconds=60, now=start + 3).count == 1
    assert table.get("c", "absent") is None
    restarted = table.acquire_in_window("c", "k", limit=2, window_seconds=60, now=start + 61)
    assert (restarted.count, restarted.window_started_at, restarted.granted) == (1, start + 61, True)


def _all_pks() -> list[str]:
    import boto3

    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    return [item["pk"]["S"] for item in items]
