"""The copy of users' exchange connections in the ServiceStateTable, read when MongoDB is down.

Items (keys are this module's business alone): ``connection#<user id>`` / ``copy``, holding the
stored record as MongoDB has it (``api_key``, ``secret_ciphertext`` — the KMS ciphertext as a binary,
never the secret —, ``network``, ``paper``, ``permissions``, ``status``, ``created_at``,
``verified_at``) and ``version`` (epoch milliseconds), or a removal marker (``removed``) with the
instant the connection was removed or replaced.

Every write is conditional on ``version`` never going back: a copy taken from a read that raced a
removal (older than the marker) is refused, so a removed key never comes back from the copy.
Expired items (``expires_at``, DynamoDB's TTL sweep lags) read as absent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from tradecore.adapters.aws.dynamodb_errors import conditional_check_failed, translate_dynamodb_errors
from tradecore.domain.accounts import ConnectionStatus, ExchangeConnection, KeyPermissions, Network
from tradecore.errors import OperationalError

_SK = "copy"
_NEWER_ONLY = "attribute_not_exists(pk) OR version <= :version"


def _pk(user_id: str) -> str:
    return f"connection#{user_id}"


def version_of(instant: datetime) -> int:
    """An instant as the copy orders its writes (epoch milliseconds)."""
    return int(instant.timestamp() * 1000)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _record(connection: ExchangeConnection) -> dict[str, Any]:
    permissions = connection.permissions
    return {
        "network": connection.network.value,
        "api_key": connection.api_key,
        "secret_ciphertext": connection.secret_ciphertext,
        "paper": connection.paper,
        "can_trade": permissions.can_trade,
        "can_withdraw": permissions.can_withdraw,
        "ip_restricted": permissions.ip_restricted,
        "trading_expires_at": _iso(permissions.trading_expires_at),
        "status": connection.status.value,
        "created_at": connection.created_at.isoformat(),
        "verified_at": connection.verified_at.isoformat(),
    }


def _connection(user_id: str, item: dict[str, Any]) -> ExchangeConnection | None:
    """The connection of a stored item; ``None`` for one this code cannot read (a miss)."""
    try:
        secret = item["secret_ciphertext"]
        expires = item.get("trading_expires_at")
        return ExchangeConnection(
            user_id=user_id,
            network=Network(item["network"]),
            api_key=str(item["api_key"]),
            secret_ciphertext=bytes(getattr(secret, "value", secret)),  # boto3 hands back a Binary
            paper=bool(item.get("paper", False)),
            permissions=KeyPermissions(
                can_trade=bool(item.get("can_trade", True)),
                can_withdraw=item.get("can_withdraw"),
                ip_restricted=item.get("ip_restricted"),
                trading_expires_at=None if expires is None else datetime.fromisoformat(expires),
            ),
            status=ConnectionStatus(item["status"]),
            created_at=datetime.fromisoformat(item["created_at"]),
            verified_at=datetime.fromisoformat(item["verified_at"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


class DynamoConnectionCopy:
    """The ``ConnectionCopy`` port (:mod:`tradecore.ports.accounts`) over the
    ServiceStateTable. ``DependencyUnavailableError`` when DynamoDB cannot be reached,
    ``OperationalError`` when it refuses (no such table, no permission)."""

    def __init__(self, table_name: str, region: str, *, clock: Callable[[], float] = time.time) -> None:
        self._table = boto3.resource("dynamodb", region_name=region).Table(table_name)
        self._clock = clock

    def get(self, user_id: str) -> tuple[bool, ExchangeConnection | None]:
        """(whether there is a copy, its connection: ``None`` once removed)."""
        try:
            with translate_dynamodb_errors("connection copy get"):
                item = self._table.get_item(Key={"pk": _pk(user_id), "sk": _SK}, ConsistentRead=True).get("Item")
        except ClientError as exc:
            raise _misconfigured(exc) from exc
        if item is None or int(item.get("expires_at", 0)) <= self._clock():
            return False, None
        if item.get("removed"):
            return True, None
        connection = _connection(user_id, item)
        return connection is not None, connection

    def keep(self, connection: ExchangeConnection, *, ttl_seconds: int) -> bool:
        """Write the copy unless a newer one (or a later removal) is there; False when refused."""
        attributes = {**_record(connection), "version": version_of(connection.created_at)}
        return self._write(connection.user_id, attributes, ttl_seconds)

    def forget(self, user_id: str, *, as_of: datetime, ttl_seconds: int) -> bool:
        """Mark the connection removed as of ``as_of`` (its copies from before never come back)."""
        return self._write(user_id, {"removed": True, "version": version_of(as_of)}, ttl_seconds)

    def _write(self, user_id: str, attributes: dict[str, Any], ttl_seconds: int) -> bool:
        item = {**attributes, "pk": _pk(user_id), "sk": _SK, "expires_at": int(self._clock()) + ttl_seconds}
        item = {name: value for name, value in item.items() if value is not None}
        try:
            with translate_dynamodb_errors("connection copy put"):
                self._table.put_item(
                    Item=item, ConditionExpression=_NEWER_ONLY, ExpressionAttributeValues={":version": item["version"]}
                )
        except ClientError as exc:
            if conditional_check_failed(exc):
                return False
            raise _misconfigured(exc) from exc
        return True


def _misconfigured(exc: ClientError) -> OperationalError:
    """Any other refusal (no such table, no permission) needs a human, not a retry."""
    code = exc.response.get("Error", {}).get("Code", "unknown")
    return OperationalError(f"The connection copy cannot be used ({code})")
