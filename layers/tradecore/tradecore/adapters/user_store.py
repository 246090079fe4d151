"""Users in MongoDB (collection ``users``; unique index ``email_unique`` from the migrations).

Documents: ``_id`` (the user id), ``email`` (normalised), ``password_hash``, ``role``,
``active``, ``created_at``, ``updated_at``, ``password_changed_at``. Outages surface as
``DependencyUnavailableError`` (503) through :func:`translate_errors`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from tradecore.adapters.mongo import MongoGateway, translate_errors
from tradecore.domain.users import Role, User
from tradecore.errors import ConflictError, NotFoundError

_MUTABLE = ("role", "active", "password_hash", "updated_at", "password_changed_at")


def _to_document(user: User) -> dict[str, Any]:
    return {
        "_id": user.user_id,
        "email": user.email,
        "password_hash": user.password_hash,
        "role": user.role.value,
        "active": user.active,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "password_changed_at": user.password_changed_at,
    }


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _to_user(document: dict[str, Any]) -> User:
    created_at = _utc(document["created_at"])
    assert created_at is not None  # noqa: S101 - always written by add()
    return User(
        user_id=str(document["_id"]),
        email=document["email"],
        password_hash=document["password_hash"],
        role=Role(document["role"]),
        active=bool(document.get("active", True)),
        created_at=created_at,
        updated_at=_utc(document.get("updated_at")) or created_at,
        password_changed_at=_utc(document.get("password_changed_at")),
    )


class MongoUserStore:
    """The :class:`~tradecore.ports.UserStore` port over MongoDB."""

    def __init__(self, gateway: MongoGateway) -> None:
        self._gateway = gateway

    @property
    def _users(self) -> Collection:
        return self._gateway.db.users

    def add(self, user: User) -> None:
        """Insert ``user``; ``ConflictError`` when the email (or id) already exists."""
        try:
            with translate_errors("add user"):
                self._users.insert_one(_to_document(user))
        except DuplicateKeyError:
            raise ConflictError("An account with this email already exists") from None

    def get(self, user_id: str) -> User | None:
        with translate_errors("read user"):
            document = self._users.find_one({"_id": user_id})
        return _to_user(document) if document else None

    def find_by_email(self, email: str) -> User | None:
        with translate_errors("find user"):
            document = self._users.find_one({"email": email})
        return _to_user(document) if document else None

    def count(self) -> int:
        with translate_errors("count users"):
            return int(self._users.count_documents({}))

    def earliest_user_id(self) -> str | None:
        with translate_errors("first user"):
            document = self._users.find_one({}, {"_id": 1}, sort=[("created_at", ASCENDING), ("_id", ASCENDING)])
        return str(document["_id"]) if document else None

    def list_users(self, *, limit: int, offset: int) -> list[User]:
        with translate_errors("list users"):
            cursor = self._users.find({}).sort([("created_at", ASCENDING), ("_id", ASCENDING)]).skip(offset)
            return [_to_user(document) for document in cursor.limit(limit)]

    def save(self, user: User) -> None:
        """Write the mutable fields of ``user``; ``NotFoundError`` when it does not exist."""
        document = _to_document(user)
        with translate_errors("update user"):
            result = self._users.update_one({"_id": user.user_id}, {"$set": {key: document[key] for key in _MUTABLE}})
        if result.matched_count == 0:
            raise NotFoundError("No such user")
