"""Users' exchange connections in MongoDB (collection ``exchange_connections``, one per user;
unique index ``user_unique`` from migration 2).

Documents: ``_id`` and ``user_id`` (the user id), ``network``, ``api_key``, ``secret_ciphertext``
(BSON binary: the KMS ciphertext, never the secret), ``paper``, ``permissions`` (a subdocument),
``status``, ``created_at``, ``verified_at``. Outages surface as ``DependencyUnavailableError`` (503).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson.binary import Binary
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from tradecore.adapters.mongo.gateway import MongoGateway, translate_errors
from tradecore.domain.accounts import ConnectionStatus, ExchangeConnection, KeyPermissions, Network

COLLECTION = "exchange_connections"


def _utc(value: datetime | None) -> datetime | None:
    # MongoDB hands back naive datetimes that are UTC
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _to_document(connection: ExchangeConnection) -> dict[str, Any]:
    permissions = connection.permissions
    return {
        "_id": connection.user_id,
        "user_id": connection.user_id,
        "network": connection.network.value,
        "api_key": connection.api_key,
        "secret_ciphertext": Binary(connection.secret_ciphertext),
        "paper": connection.paper,
        "permissions": {
            "can_trade": permissions.can_trade,
            "can_withdraw": permissions.can_withdraw,
            "ip_restricted": permissions.ip_restricted,
            "trading_expires_at": permissions.trading_expires_at,
        },
        "status": connection.status.value,
        "created_at": connection.created_at,
        "verified_at": connection.verified_at,
    }


def _to_connection(document: dict[str, Any]) -> ExchangeConnection:
    permissions = document.get("permissions") or {}
    created_at = _utc(document["created_at"])
    verified_at = _utc(document["verified_at"])
    assert created_at is not None  # noqa: S101 - always written by put()
    assert verified_at is not None  # noqa: S101 - always written by put()
    return ExchangeConnection(
        user_id=str(document["user_id"]),
        network=Network(document["network"]),
        api_key=document["api_key"],
        secret_ciphertext=bytes(document["secret_ciphertext"]),
        paper=bool(document.get("paper", False)),
        permissions=KeyPermissions(
            can_trade=bool(permissions.get("can_trade", True)),
            can_withdraw=permissions.get("can_withdraw"),
            ip_restricted=permissions.get("ip_restricted"),
            trading_expires_at=_utc(permissions.get("trading_expires_at")),
        ),
        status=ConnectionStatus(document["status"]),
        created_at=created_at,
        verified_at=verified_at,
    )


class MongoConnectionStore:
    """The :class:`~tradecore.ports.ConnectionStore` port over MongoDB."""

    def __init__(self, gateway: MongoGateway) -> None:
        self._gateway = gateway

    @property
    def _connections(self) -> Collection:
        return self._gateway.db[COLLECTION]

    def get(self, user_id: str) -> ExchangeConnection | None:
        with translate_errors("read exchange connection"):
            document = self._connections.find_one({"_id": user_id})
        return _to_connection(document) if document else None

    def put(self, connection: ExchangeConnection) -> None:
        with translate_errors("store exchange connection"):
            self._connections.replace_one({"_id": connection.user_id}, _to_document(connection), upsert=True)

    def add(self, connection: ExchangeConnection) -> bool:
        with translate_errors("add exchange connection"):
            try:
                self._connections.insert_one(_to_document(connection))
            except DuplicateKeyError:
                return False
        return True

    def all_connections(self) -> list[ExchangeConnection]:
        """Every user's connection (the :class:`~tradecore.ports.accounts.ConnectionListing` port)."""
        with translate_errors("list exchange connections"):
            return [_to_connection(document) for document in self._connections.find({})]

    def delete(self, user_id: str) -> bool:
        with translate_errors("delete exchange connection"):
            return self._connections.delete_one({"_id": user_id}).deleted_count > 0
