"""WebSocket connections in DynamoDB (ConnectionsTable), and posting to them.

Items: ``connection_id`` (key), ``user_id``, ``role``, ``token_id``, ``channels`` (list),
``channels_version`` (bumped by every change of ``channels``: concurrent frames compare-and-set on it),
``connected_at``, ``expires_at`` (TTL: API Gateway closes a connection after 2 hours, so older items
are stale).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tradecore.adapters.aws.dynamodb_errors import conditional_check_failed
from tradecore.adapters.aws.dynamodb_errors import translate_dynamodb_errors as _dynamodb
from tradecore.domain.realtime import Connection, MessageType, Subscriptions, frame
from tradecore.domain.users import Role
from tradecore.errors import ConflictError, DependencyUnavailableError

MAX_CONNECTION_SECONDS = 2 * 60 * 60
# HTTP connections the @connections client keeps: fan-out posts from a pool of threads (32 by
# default) and botocore keeps only 10, so more would be opened and dropped on every message.
SENDER_POOL_CONNECTIONS = 64


class DynamoConnectionRegistry:
    """Who is connected and what they subscribed to."""

    def __init__(self, table_name: str, region: str, *, clock: Callable[[], float] = time.time) -> None:
        self._table = boto3.resource("dynamodb", region_name=region).Table(table_name)
        self._clock = clock

    def add(self, connection_id: str, user_id: str, role: Role, token_id: str = "") -> None:
        now = int(self._clock())
        item: dict[str, Any] = {
            "connection_id": connection_id,
            "user_id": user_id,
            "role": role.value,
            "token_id": token_id,  # a revoked token ends the connections it opened
            "channels": [],
            "channels_version": 0,
            "connected_at": now,
            "expires_at": now + MAX_CONNECTION_SECONDS + 60,
        }
        with _dynamodb("register connection"):
            self._table.put_item(Item=item)

    def remove(self, connection_id: str) -> None:
        with _dynamodb("remove connection"):
            self._table.delete_item(Key={"connection_id": connection_id})

    def get(self, connection_id: str) -> Connection | None:
        with _dynamodb("read connection"):
            item: dict[str, Any] | None = self._table.get_item(Key={"connection_id": connection_id}).get("Item")
        return None if item is None else _connection(item)

    def subscriptions(self, connection_id: str) -> Subscriptions | None:
        """The channels and their version, read consistently (the version guards the next write)."""
        with _dynamodb("read subscriptions"):
            item = self._table.get_item(
                Key={"connection_id": connection_id},
                ConsistentRead=True,
                ProjectionExpression="channels, channels_version",
            ).get("Item")
        if item is None:
            return None
        return Subscriptions(frozenset(item.get("channels", [])), int(item.get("channels_version", 0)))

    def set_channels(self, connection_id: str, channels: list[str], *, expected_version: int) -> None:
        """Replace the channels if still at ``expected_version``; ``ConflictError`` otherwise or if gone."""
        # items written before versions existed have none: they count as version 0
        unchanged = Attr("channels_version").eq(expected_version)
        if expected_version == 0:
            unchanged = unchanged | Attr("channels_version").not_exists()
        with _dynamodb("update subscriptions"):
            try:
                self._table.update_item(
                    Key={"connection_id": connection_id},
                    UpdateExpression="SET channels = :c, channels_version = :next",
                    ConditionExpression=Attr("connection_id").exists() & unchanged,
                    ExpressionAttributeValues={":c": channels, ":next": expected_version + 1},
                )
            except ClientError as exc:
                if conditional_check_failed(exc):
                    raise ConflictError("subscriptions changed meanwhile, or the connection is gone") from exc
                raise

    def subscribers(self, channel: str) -> list[str]:
        """Connection ids subscribed to ``channel`` (a scan: fine at the scale of one trading desk)."""
        kwargs: dict[str, Any] = {
            "FilterExpression": Attr("channels").contains(channel),
            "ProjectionExpression": "connection_id",
        }
        return self._paged(self._table.scan, kwargs, "list subscribers")

    def of_user(self, user_id: str, token_id: str | None = None, channel: str | None = None) -> list[str]:
        """Connection ids of one user (only those opened with ``token_id``, or subscribed to
        ``channel``, when given), through the ``user_id-index`` GSI (it projects every attribute)."""
        kwargs: dict[str, Any] = {
            "IndexName": "user_id-index",
            "KeyConditionExpression": Key("user_id").eq(user_id),
            "ProjectionExpression": "connection_id",
        }
        conditions = []
        if token_id is not None:
            conditions.append(Attr("token_id").eq(token_id))
        if channel is not None:
            conditions.append(Attr("channels").contains(channel))
        if conditions:
            kwargs["FilterExpression"] = conditions[0] if len(conditions) == 1 else conditions[0] & conditions[1]
        return self._paged(self._table.query, kwargs, "list user connections")

    def _paged(self, call: Any, kwargs: dict[str, Any], operation: str) -> list[str]:
        ids: list[str] = []
        with _dynamodb(operation):
            while True:
                page = call(**kwargs)
                ids.extend(item["connection_id"] for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    return ids
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _connection(item: dict[str, Any]) -> Connection:
    """The item as a value; attributes added later (token id, version) default for older items."""
    return Connection(
        connection_id=item["connection_id"],
        user_id=item["user_id"],
        role=Role(item["role"]),
        token_id=item.get("token_id", ""),
        channels=frozenset(item.get("channels", [])),
        channels_version=int(item.get("channels_version", 0)),
        connected_at=int(item.get("connected_at", 0)),
        expires_at=int(item.get("expires_at", 0)),
    )


class ApiGatewayMessageSender:
    """Posts messages through the API Gateway management API (``@connections``); safe to share
    between threads (a boto3 client is, and it keeps a pool of connections for them)."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        self._client = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(max_pool_connections=SENDER_POOL_CONNECTIONS),
        )

    def send(self, connection_id: str, message_type: MessageType, data: dict[str, Any], trace_id: str | None) -> bool:
        """Deliver one message; ``False`` when the connection is gone (410), so the caller can forget it."""
        payload = frame(message_type, data, trace_id)
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=payload)
        # GoneException is a ClientError subclass: catch it first, or stale connections are never removed
        except self._client.exceptions.GoneException:
            return False
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailableError("WebSocket delivery failed", dependency="websocket") from exc
        return True

    def close(self, connection_id: str) -> None:
        """``DELETE @connections/{id}``; a connection already gone is fine."""
        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except self._client.exceptions.GoneException:
            return
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailableError("WebSocket disconnect failed", dependency="websocket") from exc
