"""Users, passwords, tokens and login attempts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from tradecore.domain.users import Principal, User


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The token's principal; ``AuthenticationError`` if missing, expired, tampered or revoked."""
        ...


class TokenCodec(Protocol):
    """Signs claims into a token and reads them back; the token rules (lifetimes, revocation) stay
    with the service, so the signing library stays behind the adapter boundary."""

    def encode(self, claims: Mapping[str, object]) -> str: ...
    def decode(self, token: str) -> dict[str, object]:
        """The claims of a token signed with our key and algorithm that carries every required claim;
        ``AuthenticationError`` for any other. Times (``exp``, ``iat``) are not judged: the caller
        checks them on its injected clock."""
        ...


class UserStore(Protocol):
    """Users by id and by normalised email. Raises ``DependencyUnavailableError`` when down."""

    def add(self, user: User) -> None:
        """Store a new user; ``ConflictError`` when the email is taken."""
        ...

    def get(self, user_id: str) -> User | None: ...
    def find_by_email(self, email: str) -> User | None: ...
    def count(self) -> int: ...
    def claim_first_admin(self, user_id: str) -> bool:
        """Atomically claim the installation's one first-admin place for ``user_id``: ``True`` for the one
        claim that wins, ``False`` for every other (even when made at the same instant)."""
        ...

    def list_users(self, *, limit: int, offset: int) -> list[User]:
        """Users in creation order; ``limit`` and ``offset`` are already within the domain's bounds."""
        ...

    def update(
        self, user_id: str, changes: dict[str, Any], *, expected_updated_at: datetime, require_active: bool = False
    ) -> User:
        """Set only ``changes`` (among role, active, password_hash, password_changed_at, updated_at), and only
        while the stored user still has ``expected_updated_at`` (and is active when ``require_active``); returns
        the stored user. ``ConflictError`` when it changed meanwhile, ``NotFoundError`` when absent."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; with ``None`` a dummy hash is checked (same cost) → False."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class TokenDenylist(Protocol):
    def revoke_token(self, token_id: str, *, until: int) -> None: ...
    def revoke_user_tokens(self, user_id: str, *, issued_before: float) -> None: ...
    def is_revoked(self, token_id: str, user_id: str, issued_at: float) -> bool: ...


class LoginThrottle(Protocol):
    def reserve(self, email: str) -> None:
        """Take one attempt for ``email`` before verifying (a failure unless given back); raise
        ``RateLimitedError`` (with ``retry_after``) when its attempts in this window are used up."""
        ...

    def refund(self, email: str) -> None:
        """Give back the attempt taken by :meth:`reserve` (it did not fail)."""
        ...

    def clear(self, email: str) -> None:
        """Forget every attempt for ``email`` (a successful login)."""
        ...
