"""Users, roles and permissions: the pure rules of who may do what.

A role grants a fixed set of permissions (:data:`ROLE_PERMISSIONS`); routes ask for a permission,
never for a role, so adding a role never means touching a route. Emails are normalised before
they are stored or looked up; passwords follow one policy (10-128 characters, no composition
rules, as NIST SP 800-63B recommends).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from tradecore.errors import InvalidInputError

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
EMAIL_MAX_LENGTH = 254
# Paging of the admin's user list: a page is at most USERS_PAGE_MAX users, and an offset past
# USERS_MAX_OFFSET is refused (MongoDB skips 8-byte offsets only, and a huge skip is a full scan).
USERS_PAGE_MAX = 500
USERS_MAX_OFFSET = 100_000

# One "@", a non-empty local part without spaces, and a dotted domain of letters, digits and hyphens.
_EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


class Role(StrEnum):
    ADMIN = "admin"
    TRADER = "trader"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ = "read"  # see own account, trades, positions, market data, signals
    TRADE = "trade"  # place/close trades and change own bot settings
    ADMIN = "admin"  # manage users


ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({Permission.READ, Permission.TRADE, Permission.ADMIN}),
    Role.TRADER: frozenset({Permission.READ, Permission.TRADE}),
    Role.VIEWER: frozenset({Permission.READ}),
}


def role_allows(role: Role, permission: Permission) -> bool:
    """Whether ``role`` grants ``permission``."""
    return permission in ROLE_PERMISSIONS[role]


def normalise_email(raw: str) -> str:
    """The canonical form of an email address (NFKC, trimmed, lower case).

    Raises :class:`InvalidInputError` when it is not a plausible address. The whole address is
    lower-cased: mailbox providers treat local parts case-insensitively, and two accounts that
    differ only by case would be a support and phishing hazard.
    """
    email = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if len(email) > EMAIL_MAX_LENGTH or not _EMAIL_PATTERN.match(email):
        raise InvalidInputError("email: not a valid email address")
    return email


def check_password_policy(password: str) -> None:
    """Raise :class:`InvalidInputError` unless ``password`` has 10-128 characters.

    No composition rules (digits, symbols): length is what makes a password strong. The message
    never repeats the password.
    """
    length = len(password or "")
    if length < PASSWORD_MIN_LENGTH or length > PASSWORD_MAX_LENGTH:
        raise InvalidInputError(f"password: must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters long")


def check_users_page(limit: int, offset: int) -> None:
    """Raise :class:`InvalidInputError` unless ``1 <= limit <= USERS_PAGE_MAX`` and
    ``0 <= offset <= USERS_MAX_OFFSET`` (an unbounded offset overflows MongoDB's skip: a 500)."""
    if not 1 <= limit <= USERS_PAGE_MAX:
        raise InvalidInputError(f"limit: must be 1 to {USERS_PAGE_MAX}")
    if not 0 <= offset <= USERS_MAX_OFFSET:
        raise InvalidInputError(f"offset: must be 0 to {USERS_MAX_OFFSET}")


@dataclass(frozen=True)
class User:
    """A platform user. ``password_hash`` never leaves the auth service (see :meth:`public`)."""

    user_id: str
    email: str
    password_hash: str = field(repr=False)
    role: Role
    active: bool
    created_at: datetime
    updated_at: datetime
    password_changed_at: datetime | None = None

    def with_changes(self, **changes: Any) -> User:
        return replace(self, **changes)

    def public(self) -> dict[str, Any]:
        """What the API may show about this user (never the hash)."""
        return {
            "id": self.user_id,
            "email": self.email,
            "role": self.role.value,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request, as proven by a verified token."""

    user_id: str
    role: Role
    token_id: str
    issued_at: float
    expires_at: int

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)

    def owns(self, user_id: str) -> bool:
        """Whether a record belonging to ``user_id`` is this caller's own data."""
        return self.user_id == user_id


def role_for_new_user(*, first_user: bool) -> Role:
    """The first user of a fresh installation administers it; everyone after starts as a viewer."""
    return Role.ADMIN if first_user else Role.VIEWER
