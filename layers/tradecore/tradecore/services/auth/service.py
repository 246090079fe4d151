"""Auth use cases: register, login, logout, password change; user administration (``admin.py``)
is reached through :class:`AuthService` too, so callers see one service.

Rules: the first user administers the installation; later self-registered users are viewers
until an admin promotes them; ``REGISTRATION_MODE=closed`` refuses self-registration (admins
create users), except for ``BOOTSTRAP_ADMIN_EMAIL`` on an installation with no users yet, so a
closed production stack can get its first admin without an open window for anyone else.
Unknown email and wrong password take the same path (a dummy hash is verified) and get the
same answer. Nothing here ever logs a password, a hash or a token.

Every write sets only the fields its operation changes and only while the record is still the
version it read (``updated_at``); self-service writes also need the account to be active. So a
password change racing an admin's deactivation or demotion can never write the old state back:
it gets ``ConflictError`` (409) and no token.

The slow argon2 steps (~170 ms) open windows for races, closed like this: a login's token is
confirmed against the record as stored *after* the password check, so a deactivation, demotion or
password change landing meanwhile is what the login answers (see :meth:`AuthService.login`); two
first registrations that both counted no users are told apart by one atomic claim in the store
(:meth:`UserStore.claim_first_admin`), never by comparing timestamps stamped before the hash.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tradecore.domain.users import Principal, Role, User, check_password_policy, normalise_email, role_for_new_user
from tradecore.errors import (
    AuthenticationError,
    ConflictError,
    DependencyUnavailableError,
    ForbiddenError,
    InvalidInputError,
)
from tradecore.observability import logger
from tradecore.ports import LoginThrottle, PasswordHasher, UserStore
from tradecore.services.auth.admin import UserAdministration
from tradecore.services.auth.records import UserRecords, at
from tradecore.services.auth.tokens import TokenService

INVALID_CREDENTIALS = "Invalid email or password"
REGISTRATION_CLOSED = "Self-registration is closed; an administrator creates accounts"
REGISTRATION_UNAVAILABLE = "Registration is unavailable: the user database cannot be reached. Try again later."
DEACTIVATED = "This account is deactivated; contact an administrator"
# how many times a login reissues its token while the account keeps changing under it
LOGIN_ISSUE_ATTEMPTS = 3


@dataclass(frozen=True)
class Session:
    """A user and a fresh access token for them."""

    user: User
    token: str
    expires_at: int


class AuthService:
    def __init__(
        self,
        users: UserStore,
        hasher: PasswordHasher,
        tokens: TokenService,
        throttle: LoginThrottle,
        *,
        registration_open: bool = True,
        bootstrap_admin_email: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._tokens = tokens
        self._throttle = throttle
        self._registration_open = registration_open
        self._bootstrap_admin = normalise_email(bootstrap_admin_email) if bootstrap_admin_email else None
        self._clock = clock
        self._records = UserRecords(users, hasher, clock)
        self._admin = UserAdministration(users, hasher, tokens, self._records, clock)

    def register(self, email: str, password: str) -> Session:
        """Self-registration. ``ForbiddenError`` when closed, ``ConflictError`` for a taken email,
        ``InvalidInputError`` for a bad email or password, 503 while MongoDB is unreachable."""
        email = normalise_email(email)
        closed = not self._registration_open
        if closed and email != self._bootstrap_admin:
            raise ForbiddenError(REGISTRATION_CLOSED)
        check_password_policy(password)
        try:
            first_user = self._users.count() == 0
            if closed and not first_user:
                raise ForbiddenError(REGISTRATION_CLOSED)
            user = self._records.new_user(email, password, Role.VIEWER)
            self._users.add(user)  # the unique email settles same-email races before any role is given
            # every registration that counted no users may claim; the store lets exactly one win
            if first_user and self._users.claim_first_admin(user.user_id):
                user = self._records.update(user, {"role": role_for_new_user(first_user=True)})
        except DependencyUnavailableError as exc:
            raise DependencyUnavailableError(REGISTRATION_UNAVAILABLE, dependency="mongodb") from exc
        logger.info("user registered", extra={"new_user_id": user.user_id, "role": user.role.value})
        return self._session(user)

    def login(self, email: str, password: str) -> Session:
        """A session for valid credentials; ``AuthenticationError`` (same message for unknown email and
        wrong password), ``RateLimitedError`` after too many failures, 503 while MongoDB is down."""
        try:
            email = normalise_email(email)
        except InvalidInputError:
            email = ""  # no such account: take the same path as an unknown email
        self._throttle.reserve(email)  # before the slow verification: concurrent guesses are each counted
        try:
            user = self._users.find_by_email(email) if email else None
            valid = self._hasher.verify(user.password_hash if user else None, password)
        except Exception:
            self._throttle.refund(email)  # an outage is not a failed guess
            raise
        if not valid or user is None:
            logger.info("login failed")  # the reserved attempt stays taken: it counts as a failure
            raise AuthenticationError(INVALID_CREDENTIALS)
        try:
            session = self._session_as_stored(user, password)
        except Exception:
            self._throttle.refund(email)  # the password was right: not a failed guess
            raise
        self._throttle.clear(email)
        logger.info("login succeeded", extra={"login_user_id": session.user.user_id})
        return session

    def _session_as_stored(self, user: User, password: str) -> Session:
        """A session for ``user`` (read before the password check) as the store holds them *after* it.

        An admin may deactivate or demote the user during the ~170 ms check and revoke their tokens at
        that instant, or the password may change: a token issued from the copy read before the check
        would outlive that revocation with the old role. So each token is confirmed by a read after it
        was issued; if the record changed, the fresh one is judged (deactivated → 401, password no longer
        the one checked → 401) and the token issued again. ``ConflictError`` if it keeps changing.
        """
        verified_hash = user.password_hash
        current: User | None = user
        for _ in range(LOGIN_ISSUE_ATTEMPTS):
            user = _may_log_in(current, verified_hash)
            if self._hasher.needs_rehash(user.password_hash):
                try:
                    user = self._records.update(
                        user, {"password_hash": self._hasher.hash(password)}, require_active=True
                    )
                except ConflictError:
                    current = self._users.get(user.user_id)  # changed meanwhile: judge the fresh record
                    continue
                verified_hash = user.password_hash
            session = self._session(user)
            # a change after this read revokes the token just issued (the admin revokes after writing)
            current = self._users.get(user.user_id)
            if current == user:
                return session
        raise ConflictError("This account was changed meanwhile; try again")

    def logout(self, principal: Principal) -> None:
        """Revoke the caller's token until it would expire anyway."""
        self._tokens.revoke(principal)
        logger.info("logged out")

    def current_user(self, principal: Principal) -> User:
        """The caller's user record (503 while MongoDB is down; :meth:`who_am_i` falls back instead)."""
        user = self._users.get(principal.user_id)
        if user is None or not user.active:
            raise AuthenticationError("This account no longer exists or is deactivated")
        return user

    def who_am_i(self, principal: Principal) -> dict[str, Any]:
        """The caller's account (``source: database``); while MongoDB is down, what the verified token
        proves (``source: token``): a logged-in user keeps seeing who they are during an outage."""
        try:
            return {**self.current_user(principal).public(), "source": "database"}
        except DependencyUnavailableError:
            return {
                "id": principal.user_id,
                "email": None,
                "role": principal.role.value,
                "active": True,
                "source": "token",
            }

    def change_password(self, principal: Principal, current_password: str, new_password: str) -> Session:
        """Set a new password and revoke every token issued before now; returns a fresh session.

        The current password is checked (and throttled like a login), so a stolen token alone
        cannot take the account over. ``ConflictError`` when an admin changed the account meanwhile.
        """
        check_password_policy(new_password)
        user = self.current_user(principal)
        self._throttle.reserve(user.email)
        if not self._hasher.verify(user.password_hash, current_password):
            raise ForbiddenError("The current password is not correct")  # the reserved attempt stays taken
        self._throttle.refund(user.email)
        now = self._clock()
        # guarded by the snapshot read above and by active: a concurrent deactivation or demotion wins (409)
        changes = {"password_hash": self._hasher.hash(new_password), "password_changed_at": at(now)}
        user = self._records.update(user, changes, require_active=True)
        self._tokens.revoke(principal)
        self._tokens.revoke_all_before(user.user_id, now)
        logger.info("password changed; earlier tokens revoked")
        return self._session(user)

    # --- user administration (admin.py) ----------------------------------------------------------
    def list_users(self, *, limit: int = 100, offset: int = 0) -> list[User]:
        """One page of users in creation order; ``InvalidInputError`` when the page is out of bounds."""
        return self._admin.list_users(limit=limit, offset=offset)

    def update_user(self, actor: Principal, user_id: str, *, role: Role | None, active: bool | None) -> User:
        """Change a user's role and/or active flag, their tokens revoked at once; ``ConflictError`` for
        the actor themselves, ``NotFoundError`` for an unknown user."""
        return self._admin.update_user(actor, user_id, role=role, active=active)

    def create_user(self, email: str, password: str, role: Role) -> User:
        """An admin creates an account (the way in when registration is closed)."""
        return self._admin.create_user(email, password, role)

    def ensure_demo_user(self, email: str, password: str, role: Role) -> User:
        """Create or repair the local stack's demo account so the printed credentials work."""
        return self._admin.ensure_demo_user(email, password, role)

    def _session(self, user: User) -> Session:
        issued = self._tokens.issue_with_principal(user)
        return Session(user=user, token=issued.token, expires_at=issued.principal.expires_at)


def _may_log_in(user: User | None, verified_hash: str) -> User:
    """``user`` when the password just checked is still theirs and they are active; else the refusal."""
    if user is None or user.password_hash != verified_hash:
        raise AuthenticationError(INVALID_CREDENTIALS)
    if not user.active:
        raise AuthenticationError(DEACTIVATED)
    return user
