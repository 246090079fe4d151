"""WebSocket test helpers: the ConnectionsTable as the template defines it, and a recording sender.

Posting to connections is a recording fake, since moto never reports a connection gone (DESIGN.md §8).
"""

from __future__ import annotations

from typing import Any

import boto3

from devstack.template.reader import SamTemplate
from tradecore.domain.realtime import MessageType

TABLE = "tradecore-connections"


def create_connections_table(region: str = "us-east-1") -> None:
    """The ConnectionsTable as the template defines it (keys, user index), in moto."""
    spec = SamTemplate.load().tables()["ConnectionsTable"].properties
    boto3.client("dynamodb", region_name=region).create_table(
        TableName=TABLE,
        **{key: spec[key] for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")},
    )


class RecordingSender:
    """The MessageSender port: records sends and closes; ids in ``gone`` answer as API Gateway's 410."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.gone: set[str] = set()
        self.closed: list[str] = []

    def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)

    def send(self, connection_id: str, message_type: MessageType, data: dict[str, Any], trace_id: str | None) -> bool:
        if connection_id in self.gone:
            return False
        self.sent.append((connection_id, message_type.value, data))
        return True
