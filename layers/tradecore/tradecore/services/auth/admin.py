"""User administration: the admin routes' use cases and the local stack's demo account.

A change of role or active flag revokes the user's existing tokens at once, so it applies to the
next request rather than when the token expires. Admins cannot change themselves, so the
installation always keeps at least one admin. Nothing here logs a password or a hash.
"""

from __future__ import annotations

from collections.abc import Callable

from tradecore.domain.users import Principal, Role, User, check_password_policy, check_users_page, normalise_email
from tradecore.errors import ConflictError, NotFoundError
from tradecore.observability import logger
from tradecore.ports import PasswordHasher, UserStore
from tradecore.services.auth.records import UserRecords
from tradecore.services.auth.tokens import TokenService


class UserAdministration:
    """List, create and change users (admins only; the routes check the role)."""

    def __init__(
        self,
        users: UserStore,
        hasher: PasswordHasher,
        tokens: TokenService,
        records: UserRecords,
        clock: Callable[[], float],
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._tokens = tokens
        self._records = records
        self._clock = clock

    def list_users(self, *, limit: int = 100, offset: int = 0) -> list[User]:
        """One page of users in creation order; ``InvalidInputError`` when the page is out of bounds."""
        check_users_page(limit, offset)
        return self._users.list_users(limit=limit, offset=offset)

    def update_user(self, actor: Principal, user_id: str, *, role: Role | None, active: bool | None) -> User:
        """Change a user's role and/or active flag; their existing tokens are revoked so the change
        applies at once. Admins cannot change themselves (so one admin always remains)."""
        if user_id == actor.user_id:
            raise ConflictError("Administrators cannot change their own role or deactivate themselves")
        user = self._users.get(user_id)
        if user is None:
            raise NotFoundError("No such user")
        changes = {key: value for key, value in (("role", role), ("active", active)) if value is not None}
        if not changes:
            return user
        user = self._records.update(user, changes)
        self._tokens.revoke_all_before(user.user_id, self._clock())
        logger.info(
            "user updated by admin",
            extra={"target_user_id": user.user_id, "role": user.role.value, "active": user.active},
        )
        return user

    def create_user(self, email: str, password: str, role: Role) -> User:
        """An admin creates an account (the way in when registration is closed)."""
        email = normalise_email(email)
        check_password_policy(password)
        user = self._records.new_user(email, password, role)
        self._users.add(user)
        logger.info("user created by admin", extra={"new_user_id": user.user_id, "role": role.value})
        return user

    def ensure_demo_user(self, email: str, password: str, role: Role) -> User:
        """Create or repair the local stack's demo account so the printed credentials work."""
        email = normalise_email(email)
        existing = self._users.find_by_email(email)
        if existing is None:
            return self.create_user(email, password, role)
        changes: dict[str, object] = {}
        if not self._hasher.verify(existing.password_hash, password):
            changes["password_hash"] = self._hasher.hash(password)
        if existing.role is not role or not existing.active:
            changes.update(role=role, active=True)
        if changes:
            existing = self._records.update(existing, changes)
        return existing
