"""The platform kill switch on the ServiceStateTable (moto server over HTTP): off until set, a halt
seen by every instance at once with who, why and when recorded, turned back on, and any failure to
read it an error rather than "not halted"."""

from __future__ import annotations

import uuid

import boto3
import pytest

from tests.support.auth import FakeClock, create_service_state_table
from tests.support.servers import free_port
from tradecore.adapters.aws.trading_switch import DynamoTradingSwitch
from tradecore.errors import DependencyUnavailableError

REGION = "us-east-1"


@pytest.fixture
def table(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    name = f"state-{uuid.uuid4().hex[:10]}"
    create_service_state_table(table_name=name)
    return name


def stored_item(table: str) -> dict:
    key = {"pk": "platform#trading", "sk": "switch"}
    return dict(boto3.resource("dynamodb", region_name=REGION).Table(table).get_item(Key=key)["Item"])


def test_trading_switch_is_off_when_never_set(table: str) -> None:
    assert DynamoTradingSwitch(table, REGION).halted() is False


def test_trading_switch_halt_is_seen_by_another_instance_with_who_why_and_when(table: str) -> None:
    clock = FakeClock(1_795_600_000.0)
    DynamoTradingSwitch(table, REGION, clock=clock).set_halted(True, by="admin-1", reason="exchange incident")

    assert DynamoTradingSwitch(table, REGION).halted() is True
    item = stored_item(table)
    assert (item["halted"], item["by"], item["reason"]) == (True, "admin-1", "exchange incident")
    assert item["at"] == "2026-11-25T09:46:40+00:00"  # the injected clock's instant, in UTC


def test_trading_switch_can_be_turned_back_on(table: str) -> None:
    switch = DynamoTradingSwitch(table, REGION)
    switch.set_halted(True, by="admin-1", reason="incident")
    switch.set_halted(False, by="admin-2")
    assert switch.halted() is False
    assert (stored_item(table)["by"], stored_item(table)["reason"]) == ("admin-2", "")


def test_trading_switch_unreadable_value_is_not_an_off_switch(table: str) -> None:
    boto3.resource("dynamodb", region_name=REGION).Table(table).put_item(
        Item={"pk": "platform#trading", "sk": "switch", "halted": "no"}
    )
    with pytest.raises(DependencyUnavailableError):
        DynamoTradingSwitch(table, REGION).halted()


def test_trading_switch_missing_table_is_unavailable(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    switch = DynamoTradingSwitch("no-such-table", REGION)
    with pytest.raises(DependencyUnavailableError) as refused:
        switch.halted()
    assert refused.value.dependency == "dynamodb"
    with pytest.raises(DependencyUnavailableError):
        switch.set_halted(True, by="admin-1")


def test_trading_switch_unreachable_dynamodb_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nobody listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(DependencyUnavailableError):
        DynamoTradingSwitch("tradecore-service-state", REGION).halted()
