"""The placement ledger on the ServiceStateTable (moto server over HTTP): the first mark of a client
order id wins across instances, a later one reads its time, a forgotten mark is gone, an expired one
counts as absent, and an unreachable table is an error, never "not sent"."""

from __future__ import annotations

import uuid

import pytest

from tests.support.auth import FakeClock, create_service_state_table
from tradecore.adapters.aws.placement_ledger import KEEP_SECONDS, DynamoPlacementLedger
from tradecore.errors import DependencyUnavailableError

REGION = "us-east-1"
T0 = 1_795_600_000.0


@pytest.fixture
def table(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    name = f"state-{uuid.uuid4().hex[:10]}"
    create_service_state_table(table_name=name)
    return name


def test_placement_ledger_first_mark_wins_and_later_attempts_read_its_time(table: str) -> None:
    clock = FakeClock(T0)
    first, second = DynamoPlacementLedger(table, REGION, clock=clock), DynamoPlacementLedger(table, REGION, clock=clock)

    assert first.mark_sending("user-1", "tc_abc", T0) is None
    assert second.mark_sending("user-1", "tc_abc", T0 + 30) == T0  # another instance sees the first mark
    assert second.mark_sending("user-2", "tc_abc", T0 + 30) is None  # another user's id is another order


def test_placement_ledger_forgotten_and_expired_marks_count_as_absent(table: str) -> None:
    clock = FakeClock(T0)
    ledger = DynamoPlacementLedger(table, REGION, clock=clock)
    ledger.mark_sending("user-1", "tc_forgotten", T0)
    ledger.forget("user-1", "tc_forgotten")
    assert ledger.mark_sending("user-1", "tc_forgotten", T0 + 1) is None

    ledger.mark_sending("user-1", "tc_old", T0)
    clock.advance(KEEP_SECONDS + 1)  # DynamoDB's TTL sweep may lag: the read decides
    assert ledger.mark_sending("user-1", "tc_old", clock()) is None


def test_placement_ledger_unreachable_table_raises(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(DependencyUnavailableError):
        DynamoPlacementLedger("state-missing", REGION).mark_sending("user-1", "tc_x", T0)
