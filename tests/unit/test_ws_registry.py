"""The ConnectionsTable adapter (moto): connections come back as ``Connection`` values, the stored item
layout stays what deployed tables hold, and its times follow the injected clock."""

from __future__ import annotations

import boto3

from tests.support.auth import FakeClock
from tests.support.connections import TABLE, create_connections_table
from tradecore.adapters.aws.connections import MAX_CONNECTION_SECONDS, DynamoConnectionRegistry
from tradecore.domain.realtime import Connection, Subscriptions
from tradecore.domain.users import Role

NOW = 1_795_600_000


def _raw(connection_id: str) -> dict[str, object]:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE)
    item: dict[str, object] = table.get_item(Key={"connection_id": connection_id})["Item"]
    return item


def test_registry_get_returns_the_connection_as_a_value(aws: None) -> None:
    create_connections_table()
    registry = DynamoConnectionRegistry(TABLE, "us-east-1", clock=FakeClock(NOW + 0.9))
    registry.add("c-1", "u-1", Role.TRADER, "t-1")
    registry.set_channels("c-1", ["signals", "trades"], expected_version=0)

    connection = registry.get("c-1")

    assert connection == Connection(
        connection_id="c-1",
        user_id="u-1",
        role=Role.TRADER,
        token_id="t-1",
        channels=frozenset({"signals", "trades"}),
        channels_version=1,
        connected_at=NOW,
        expires_at=NOW + MAX_CONNECTION_SECONDS + 60,
    )
    assert connection.role is Role.TRADER
    assert (
        connection.subscriptions == registry.subscriptions("c-1") == Subscriptions(frozenset({"signals", "trades"}), 1)
    )
    # the stored layout is the one deployed tables already hold: the role by name, channels as a list
    assert (_raw("c-1")["role"], _raw("c-1")["channels"]) == ("trader", ["signals", "trades"])
    assert registry.get("c-unknown") is None


def test_registry_reads_items_written_before_token_ids_and_versions(aws: None) -> None:
    create_connections_table()
    boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE).put_item(
        Item={
            "connection_id": "c-old",
            "user_id": "u-2",
            "role": "viewer",
            "channels": ["signals"],
            "connected_at": NOW,
            "expires_at": NOW + 7260,
        }
    )

    connection = DynamoConnectionRegistry(TABLE, "us-east-1").get("c-old")

    assert connection is not None
    assert (connection.role, connection.token_id, connection.channels_version) == (Role.VIEWER, "", 0)
    assert connection.channels == frozenset({"signals"})


def test_registry_of_user_filters_by_channel_and_token(aws: None) -> None:
    create_connections_table()
    registry = DynamoConnectionRegistry(TABLE, "us-east-1", clock=FakeClock(NOW))
    for connection_id, user_id, token_id, channels in [
        ("c-trades", "u-1", "t-1", ["trades", "prices:BTCUSDT"]),
        ("c-account", "u-1", "t-2", ["account"]),
        ("c-prices", "u-1", "t-1", ["prices:BTCUSDT"]),
        ("c-other", "u-2", "t-3", ["trades", "account"]),
    ]:
        registry.add(connection_id, user_id, Role.TRADER, token_id)
        registry.set_channels(connection_id, channels, expected_version=0)

    assert sorted(registry.of_user("u-1")) == ["c-account", "c-prices", "c-trades"]
    assert registry.of_user("u-1", channel="trades") == ["c-trades"]
    assert registry.of_user("u-1", channel="account") == ["c-account"]
    assert registry.of_user("u-1", token_id="t-1", channel="trades") == ["c-trades"]
    assert registry.of_user("u-1", token_id="t-2", channel="trades") == []
