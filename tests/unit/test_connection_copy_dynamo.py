"""The connection copy on the ServiceStateTable (moto): the stored record round-trips exactly (the
ciphertext's bytes, the permissions, the instants), never goes back in time, a removal outranks
older copies, and an expired copy reads as none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.auth import FakeClock, create_service_state_table
from tradecore.adapters.aws.connection_copy import DynamoConnectionCopy
from tradecore.domain.accounts import ConnectionStatus, ExchangeConnection, KeyPermissions, Network
from tradecore.errors import OperationalError

TABLE = "unit-connection-copy"
CREATED = datetime(2026, 11, 20, 8, 30, 15, 123000, tzinfo=UTC)


def _connection(created: datetime = CREATED, api_key: str = "KEY-one") -> ExchangeConnection:
    return ExchangeConnection(
        user_id="u-1",
        network=Network.TESTNET,
        api_key=api_key,
        secret_ciphertext=b"\x00\x01kms-ciphertext\xff",
        paper=False,
        permissions=KeyPermissions(
            can_trade=True, can_withdraw=False, ip_restricted=None, trading_expires_at=created + timedelta(days=30)
        ),
        status=ConnectionStatus.ACTIVE,
        created_at=created,
        verified_at=created,
    )


@pytest.fixture
def copy(aws: None) -> tuple[DynamoConnectionCopy, FakeClock]:
    create_service_state_table(table_name=TABLE)
    clock = FakeClock()
    return DynamoConnectionCopy(TABLE, "us-east-1", clock=clock), clock


def test_connection_copy_dynamo_round_trips_the_stored_record(copy) -> None:
    table, _ = copy
    assert table.get("u-1") == (False, None)

    assert table.keep(_connection(), ttl_seconds=86400)

    assert table.get("u-1") == (True, _connection())


def test_connection_copy_dynamo_removal_outranks_older_copies(copy) -> None:
    table, _ = copy
    table.keep(_connection(), ttl_seconds=86400)

    assert table.forget("u-1", as_of=CREATED + timedelta(seconds=5), ttl_seconds=86400)
    stale = table.keep(_connection(), ttl_seconds=86400)  # a read that raced the removal

    assert (stale, table.get("u-1")) == (False, (True, None))


def test_connection_copy_dynamo_a_newer_connection_replaces_a_removal(copy) -> None:
    table, _ = copy
    table.forget("u-1", as_of=CREATED, ttl_seconds=86400)
    newer = _connection(CREATED + timedelta(minutes=1), api_key="KEY-two")

    assert table.keep(newer, ttl_seconds=86400)

    assert table.get("u-1") == (True, newer)


def test_connection_copy_dynamo_expired_copy_reads_as_none(copy) -> None:
    table, clock = copy
    table.keep(_connection(), ttl_seconds=60)

    clock.advance(61)

    assert table.get("u-1") == (False, None)


def test_connection_copy_dynamo_missing_table_needs_a_human(aws: None) -> None:
    table = DynamoConnectionCopy("no-such-table", "us-east-1", clock=FakeClock())

    with pytest.raises(OperationalError, match="ResourceNotFoundException"):
        table.get("u-1")
    with pytest.raises(OperationalError):
        table.keep(_connection(), ttl_seconds=60)
