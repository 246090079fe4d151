"""The ServiceStateTable adapter on moto's DynamoDB: its storage layer (expiry, batch reads, windowed
counters), the typed records it stores in the item layout deployed tables hold, and the denylist,
login throttle and health monitor running on it."""

from __future__ import annotations

import hashlib
import time
from decimal import Decimal

import pytest

from tests.support.auth import FakeClock, create_service_state_table
from tradecore.adapters.aws.service_state import ServiceStateTable
from tradecore.adapters.aws.state_table import StateTable
from tradecore.domain.health import HealthStatus
from tradecore.domain.service_state import ComponentStatus, Revocations, RevokedToken, TokensNotBefore
from tradecore.errors import RateLimitedError
from tradecore.services.auth.revocation import StateTokenDenylist
from tradecore.services.auth.throttle import StateLoginThrottle

TABLE = "unit-service-state"


@pytest.fixture
def table(aws: None) -> StateTable:
    create_service_state_table(table_name=TABLE)
    return StateTable(TABLE, "us-east-1")


@pytest.fixture
def state(table: StateTable) -> ServiceStateTable:
    return ServiceStateTable(TABLE, "us-east-1")


def test_service_state_put_get_delete_round_trip_with_numbers(table: StateTable) -> None:
    table.put("p", "s", {"not_before": 1795600000.123, "count": 3, "name": "x"}, expires_at=int(time.time()) + 60)

    assert table.get("p", "s") == {
        "not_before": 1795600000.123,
        "count": 3,
        "name": "x",
        "expires_at": pytest.approx(time.time() + 60, abs=2),
    }
    table.delete("p", "s")
    assert table.get("p", "s") is None


def test_service_state_items_past_expiry_read_as_absent(table: StateTable) -> None:
    # DynamoDB's TTL sweep lags (and moto never runs it): the adapter must not trust it
    table.put("p", "old", {}, expires_at=int(time.time()) - 1)
    table.put("p", "new", {}, expires_at=int(time.time()) + 60)

    assert table.get("p", "old") is None
    assert set(table.get_many([("p", "old"), ("p", "new"), ("p", "missing")])) == {("p", "new")}


def test_service_state_counter_counts_within_a_window_and_restarts_after(table: StateTable) -> None:
    start = 1_795_600_000.0
    counts = [table.increment_in_window("c", "k", window_seconds=60, now=start + i).count for i in range(3)]

    restarted = table.increment_in_window("c", "k", window_seconds=60, now=start + 61)

    assert counts == [1, 2, 3]
    assert (restarted.count, restarted.window_started_at) == (1, start + 61)


def test_service_state_denylist_and_throttle_work_on_the_table(state: ServiceStateTable) -> None:
    denylist = StateTokenDenylist(state, max_token_lifetime_seconds=86_400)
    now = time.time()
    denylist.revoke_token("jti-1", until=int(now) + 3600)
    denylist.revoke_user_tokens("u-2", issued_before=now)

    assert denylist.is_revoked("jti-1", "u-1", now)
    assert not denylist.is_revoked("jti-2", "u-1", now)
    assert denylist.is_revoked("jti-3", "u-2", now - 1)
    assert not denylist.is_revoked("jti-4", "u-2", now + 1)

    throttle = StateLoginThrottle(state, max_failures=2, window_seconds=900)
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


def test_service_state_acquire_stops_at_the_limit_and_restarts_after_the_window(table: StateTable) -> None:
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


NOW = 1_795_600_000


def _raw_items() -> dict[tuple[str, str], dict[str, object]]:
    """Every item as DynamoDB holds it, attribute values in their wire form."""
    import boto3

    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    return {(item["pk"]["S"], item["sk"]["S"]): item for item in items}


def test_service_state_records_are_stored_in_the_deployed_item_layout(aws: None) -> None:
    # deployed tables hold items written before the records existed: the layout must not move
    create_service_state_table(table_name=TABLE)
    state = ServiceStateTable(TABLE, "us-east-1", clock=FakeClock(NOW))
    state.save_revoked_token(RevokedToken("jti-1", expires_at=NOW + 3601))
    state.save_tokens_not_before(TokensNotBefore("u-1", NOW + 0.25, expires_at=NOW + 86_431))
    state.save_component_status(ComponentStatus("ai", HealthStatus.DEGRADED, "slow", 3, NOW + 0.5))
    state.acquire_login_attempt("a@example.com", limit=3, window_seconds=900, now=NOW)

    login_pk = "login#" + hashlib.sha256(b"a@example.com").hexdigest()
    assert _raw_items() == {
        ("token#jti-1", "revoked"): {
            "pk": {"S": "token#jti-1"},
            "sk": {"S": "revoked"},
            "expires_at": {"N": str(NOW + 3601)},
        },
        ("user#u-1", "tokens_not_before"): {
            "pk": {"S": "user#u-1"},
            "sk": {"S": "tokens_not_before"},
            "not_before": {"N": f"{NOW}.25"},
            "expires_at": {"N": str(NOW + 86_431)},
        },
        ("health", "ai"): {
            "pk": {"S": "health"},
            "sk": {"S": "ai"},
            "status": {"S": "degraded"},
            "detail": {"S": "slow"},
            "consecutive_failures": {"N": "3"},  # added with the monitor's three-strikes rule
            "checked_at": {"N": f"{NOW}.5"},
        },
        (login_pk, "failures"): {
            "pk": {"S": login_pk},
            "sk": {"S": "failures"},
            "count": {"N": "1"},
            "window_started_at": {"N": repr(float(NOW))},
            "expires_at": {"N": str(NOW + 901)},
        },
    }


def test_service_state_reads_items_written_in_the_deployed_layout(aws: None) -> None:
    import boto3

    create_service_state_table(table_name=TABLE)
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    for item in (
        {"pk": "token#jti-old", "sk": "revoked", "expires_at": NOW + 60},
        {"pk": "user#u-old", "sk": "tokens_not_before", "not_before": Decimal("1795599999.5"), "expires_at": NOW + 60},
        {"pk": "user#u-gone", "sk": "tokens_not_before", "not_before": NOW - 99, "expires_at": NOW - 1},
        {"pk": "health", "sk": "mongodb", "status": "down", "detail": "timeout"},
        {"pk": "health", "sk": "stream", "status": "confused", "detail": ""},
    ):
        table.put_item(Item=item)
    state = ServiceStateTable(TABLE, "us-east-1", clock=FakeClock(NOW))

    assert state.revocations("jti-old", "u-old") == Revocations(
        RevokedToken("jti-old", NOW + 60), TokensNotBefore("u-old", 1_795_599_999.5, NOW + 60)
    )
    assert state.revocations("jti-new", "u-gone") == Revocations()  # expired by the injected clock
    # an unknown status reads as never recorded (the monitor records it afresh), not as a failed job
    assert state.component_statuses(["mongodb", "stream", "ai"]) == {
        "mongodb": ComponentStatus("mongodb", HealthStatus.DOWN, "timeout")
    }
    flagged = ComponentStatus("ai", HealthStatus.DOWN, "unreachable", 4, NOW + 0.5)
    state.save_component_status(flagged)
    assert state.component_statuses(["ai"]) == {"ai": flagged}


def test_service_state_expiry_follows_the_injected_clock(aws: None) -> None:
    create_service_state_table(table_name=TABLE)
    clock = FakeClock(NOW)
    state = ServiceStateTable(TABLE, "us-east-1", clock=clock)
    state.save_revoked_token(RevokedToken("jti-1", expires_at=NOW + 10))

    clock.advance(9)
    assert state.revocations("jti-1", "u-1").token == RevokedToken("jti-1", NOW + 10)
    clock.advance(1)
    assert state.revocations("jti-1", "u-1").token is None


def _all_pks() -> list[str]:
    import boto3

    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=TABLE)["Items"]
    return [item["pk"]["S"] for item in items]
