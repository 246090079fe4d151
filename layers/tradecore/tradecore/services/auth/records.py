"""User records as the auth use cases write them: new users with a hashed password, and updates
that set only the fields an operation changes, only while the record is the version it read.

``updated_at`` is that version: each write stamps it strictly later than the one it replaces (at
MongoDB's millisecond precision), so a writer that read an older record gets ``ConflictError``
instead of writing its stale copy back over a concurrent change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from tradecore.domain.users import Role, User
from tradecore.ports import PasswordHasher, UserStore


class UserRecords:
    """Creates and updates users through the :class:`UserStore` port, on the injected clock."""

    def __init__(self, users: UserStore, hasher: PasswordHasher, clock: Callable[[], float]) -> None:
        self._users = users
        self._hasher = hasher
        self._clock = clock

    def new_user(self, email: str, password: str, role: Role) -> User:
        """A user not yet stored: a fresh id, ``password`` hashed, created and updated now."""
        now = at(self._clock())
        return User(
            user_id=uuid.uuid4().hex,
            email=email,
            password_hash=self._hasher.hash(password),
            role=role,
            active=True,
            created_at=now,
            updated_at=now,
        )

    def update(self, user: User, changes: Mapping[str, object], *, require_active: bool = False) -> User:
        """Write only ``changes`` if ``user`` (the snapshot read) is still current; ``ConflictError`` if not."""
        stamp = _next_stamp(user.updated_at, self._clock())
        return self._users.update(
            user.user_id,
            {**changes, "updated_at": stamp},
            expected_updated_at=user.updated_at,
            require_active=require_active,
        )


def at(epoch_seconds: float) -> datetime:
    """The UTC instant of ``epoch_seconds``."""
    return datetime.fromtimestamp(epoch_seconds, tz=UTC)


def _next_stamp(previous: datetime, now: float) -> datetime:
    """A new ``updated_at`` strictly after ``previous`` at MongoDB's millisecond precision, so it works as
    a version even when two writes land within one millisecond or the clock steps back."""
    floor = previous.replace(microsecond=previous.microsecond // 1000 * 1000) + timedelta(milliseconds=1)
    stamp = at(now)
    stamp = stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)
    return max(stamp, floor)
