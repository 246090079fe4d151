"""Users in MongoDB (collection ``users``; unique index ``email_unique`` from the migrations).

Documents: ``_id`` (the user id), ``email`` (normalised), ``password_hash``, ``role``,
``active``, ``created_at``, ``updated_at``, ``password_changed_at``. ``updated_at`` doubles as the
version for optimistic concurrency: every update sets a strictly later one (see the auth service). Outages surface as
``DependencyUnavailableError`` (503) through :func:`translate_errors`.

The first admin is decided by one document in ``installation``: ``{_id: "first_admin", user_id}``,
inserted once. ``_id`` is unique in every collection, so of any number of concurrent claims exactly one
insert succeeds and no migration or extra index is needed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from tradecore.adapters.mongo.gateway import MongoGateway, translate_errors
from tradecore.domain.users import Role, User
from tradecore.errors import ConflictError, NotFoundError

_MUTABLE = ("role", "active", "password_hash", "updated_at", "password_changed_at")
FIRST_ADMIN_CLAIM = "first_admin"


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

    def claim_first_admin(self, user_id: str) -> bool:
        """Insert the first-admin claim for ``user_id``; ``False`` when another user's claim is there.

        A duplicate key can also be our own insert, retried by the driver after a lost reply: the
        stored claim decides, so a claim that won is never reported as lost.
        """
        claims = self._gateway.db.installation
        with translate_errors("claim first admin"):
            try:
                claims.insert_one({"_id": FIRST_ADMIN_CLAIM, "user_id": user_id})
            except DuplicateKeyError:
                claim = claims.find_one({"_id": FIRST_ADMIN_CLAIM})
                return claim is not None and claim.get("user_id") == user_id
        return True

    def list_users(self, *, limit: int, offset: int) -> list[User]:
        with translate_errors("list users"):
            cursor = self._users.find({}).sort([("created_at", ASCENDING), ("_id", ASCENDING)]).skip(offset)
            return [_to_user(document) for document in cursor.limit(limit)]

    def update(
        self, user_id: str, changes: dict[str, Any], *, expected_updated_at: datetime, require_active: bool = False
    ) -> User:
        """``$set`` only ``changes``, guarded by ``updated_at`` (the version read) and, for self-service
        changes, ``active: True``, so a stale snapshot can never write back over a concurrent change.

        ``ConflictError`` when the guard fails, ``NotFoundError`` when the user does not exist, 503 when down.
        """
        unknown = set(changes) - set(_MUTABLE)
        if unknown or not _millis(changes.get("updated_at") or expected_updated_at) > _millis(expected_updated_at):
            raise ValueError(f"an update sets mutable fields and a later updated_at, not {sorted(changes)}")
        fields = {key: value.value if isinstance(value, Role) else value for key, value in changes.items()}
        guard: dict[str, Any] = {"_id": user_id, "updated_at": expected_updated_at}
        if require_active:
            guard["active"] = True
        with translate_errors("update user"):
            document = self._users.find_one_and_update(guard, {"$set": fields}, return_document=ReturnDocument.AFTER)
            exists = document is not None or self._users.count_documents({"_id": user_id}, limit=1) > 0
        if document is None:
            if not exists:
                raise NotFoundError("No such user")
            raise ConflictError("This account was changed meanwhile; reload and try again")
        return _to_user(document)


def _millis(value: datetime) -> datetime:
    """MongoDB keeps datetimes to the millisecond (UTC): versions compare at that precision."""
    value = _utc(value) or value
    return value.replace(microsecond=value.microsecond // 1000 * 1000)
