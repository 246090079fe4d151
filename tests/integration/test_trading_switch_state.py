"""The kill switch's state as the admin route shows it (moto server over HTTP): never turned, halted
with who, why and when, resumed by another admin, and an unreadable item an error, not "off"."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import boto3
import pytest

from tests.support.auth import FakeClock, create_service_state_table
from tradecore.adapters.aws.trading_switch import DynamoTradingSwitch
from tradecore.domain.kill_switch import TradingSwitchState
from tradecore.errors import DependencyUnavailableError

REGION = "us-east-1"


@pytest.fixture
def table(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    name = f"state-{uuid.uuid4().hex[:10]}"
    create_service_state_table(table_name=name)
    return name


def test_trading_switch_state_never_turned_is_running_with_nobody_named(table: str) -> None:
    assert DynamoTradingSwitch(table, REGION).state() == TradingSwitchState(halted=False)


def test_trading_switch_state_names_who_halted_why_and_when_then_who_resumed(table: str) -> None:
    clock = FakeClock(1_795_600_000.0)
    switch = DynamoTradingSwitch(table, REGION, clock=clock)

    switch.set_halted(True, by="admin-1", reason="exchange incident")
    halted = DynamoTradingSwitch(table, REGION).state()  # another instance
    clock.now += 90
    switch.set_halted(False, by="admin-2")
    resumed = switch.state()

    assert halted == TradingSwitchState(
        True, "admin-1", "exchange incident", datetime(2026, 11, 25, 9, 46, 40, tzinfo=UTC)
    )
    assert resumed == TradingSwitchState(False, "admin-2", None, datetime(2026, 11, 25, 9, 48, 10, tzinfo=UTC))


def test_trading_switch_state_with_an_unreadable_time_still_reports_the_halt(table: str) -> None:
    boto3.resource("dynamodb", region_name=REGION).Table(table).put_item(
        Item={"pk": "platform#trading", "sk": "switch", "halted": True, "by": "ops", "at": "yesterday"}
    )
    assert DynamoTradingSwitch(table, REGION).state() == TradingSwitchState(True, "ops", None, None)


def test_trading_switch_state_unreadable_halted_is_an_error(table: str) -> None:
    boto3.resource("dynamodb", region_name=REGION).Table(table).put_item(
        Item={"pk": "platform#trading", "sk": "switch", "halted": "no"}
    )
    with pytest.raises(DependencyUnavailableError):
        DynamoTradingSwitch(table, REGION).state()
