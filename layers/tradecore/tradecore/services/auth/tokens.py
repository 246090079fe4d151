"""Access tokens: signed tokens carrying ``sub``, ``role``, ``iat``, ``exp`` (24 h) and ``jti``.

Signing and checking go through the :class:`~tradecore.ports.TokenCodec` port (HS256 JWTs, PyJWT,
in ``adapters/auth/jwt_codec.py``): it refuses any token not signed with our key and algorithm or
missing a claim of :data:`REQUIRED_CLAIMS`. Verification needs only the codec and the denylist
(service-state table), never MongoDB: issued tokens keep working while MongoDB is down.

``iat`` carries milliseconds: a password change revokes every token issued *before* it, and a
token issued right after it in the same second must stay valid.

Every time rule reads the one injected clock: the codec checks signature, algorithm and the
presence of every claim but no time (a JWT library's ``exp``/``iat`` checks read the real clock);
:meth:`TokenService._check_times` applies ``exp`` and ``iat`` (with the leeway) on every request.

A token whose signature and claims were verified once is remembered (keyed by the exact token
string, so any other token, tampered or not, is verified in full); a remembered token still has
its expiry and the denylist checked on every request.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import LRUCache

from tradecore.domain.users import Principal, Role, User
from tradecore.errors import AuthenticationError
from tradecore.ports import SessionTerminator, TokenCodec, TokenDenylist

# every access token carries these; the codec refuses a token without one of them
REQUIRED_CLAIMS = ("sub", "role", "iat", "exp", "jti")
SECONDS_PER_HOUR = 3600
VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True)
class IssuedToken:
    token: str
    principal: Principal


class TokenService:
    """Issues and verifies access tokens; revocation goes through the :class:`TokenDenylist` port."""

    def __init__(
        self,
        codec: TokenCodec,
        denylist: TokenDenylist,
        *,
        expiry_hours: int = 24,
        leeway_seconds: int = 30,
        clock: Callable[[], float] = time.time,
        sessions: SessionTerminator | None = None,
    ) -> None:
        self._codec = codec  # it holds the signing key (JWT_SECRET, checked when the codec is made)
        self._denylist = denylist
        self._sessions = sessions
        self._verified: LRUCache[str, Principal] = LRUCache(maxsize=VERIFIED_CACHE_SIZE)
        self._verified_lock = threading.Lock()
        self.lifetime_seconds = expiry_hours * SECONDS_PER_HOUR
        self._leeway = leeway_seconds
        self._clock = clock

    def issue(self, user: User) -> str:
        """A signed token for ``user`` (its current role), valid for the configured lifetime."""
        return self.issue_with_principal(user).token

    def issue_with_principal(self, user: User) -> IssuedToken:
        now = self._clock()
        issued_at = _millis(now)
        principal = Principal(
            user_id=user.user_id,
            role=user.role,
            token_id=secrets.token_urlsafe(16),  # 128 random bits, shorter than hex: cheaper to verify
            issued_at=issued_at,
            expires_at=int(now) + self.lifetime_seconds,
        )
        claims: dict[str, object] = {
            "sub": principal.user_id,
            "role": principal.role.value,
            "iat": principal.issued_at,
            "exp": principal.expires_at,
            "jti": principal.token_id,
        }
        return IssuedToken(self._codec.encode(claims), principal)

    def verify(self, token: str | None) -> Principal:
        """The principal of a valid token.

        Raises :class:`AuthenticationError` when the token is missing, malformed, signed with
        another key or algorithm, expired, missing a claim, or revoked; and
        ``DependencyUnavailableError`` when the denylist cannot be read (we fail closed).
        """
        if not token:
            raise AuthenticationError("Authentication required: send a bearer token")
        with self._verified_lock:
            principal = self._verified.get(token)
        if principal is None:
            principal = self._decode(token)
            with self._verified_lock:
                self._verified[token] = principal
        self._check_times(principal)
        if self._denylist.is_revoked(principal.token_id, principal.user_id, principal.issued_at):
            raise AuthenticationError("The token has been revoked; log in again")
        return principal

    def _check_times(self, principal: Principal) -> None:
        """Expiry and issue time against the injected clock, each with the leeway."""
        now = self._clock()
        if principal.expires_at + self._leeway <= now:
            raise AuthenticationError("The token has expired; log in again")
        if principal.issued_at > now + self._leeway:
            raise AuthenticationError("The token is not valid yet")

    def _decode(self, token: str) -> Principal:
        """Signature, algorithm and the presence of every claim, checked by the codec; the principal
        they describe. Times are checked by :meth:`_check_times`, on our clock."""
        return _principal(self._codec.decode(token))

    def revoke(self, principal: Principal) -> None:
        """Revoke one token for as long as verification could still accept it (expiry + leeway)."""
        self._denylist.revoke_token(principal.token_id, until=principal.expires_at + self._leeway)
        if self._sessions is not None:
            self._sessions.end_sessions(principal.user_id, principal.token_id)

    def revoke_all_before(self, user_id: str, when: float) -> None:
        """Revoke every token of ``user_id`` issued before ``when`` (password change, role change)."""
        self._denylist.revoke_user_tokens(user_id, issued_before=_millis(when))
        if self._sessions is not None:
            self._sessions.end_sessions(user_id)


def _millis(epoch_seconds: float) -> float:
    # both sides floor to the millisecond, so a token issued after a revocation instant never
    # compares as issued before it
    return math.floor(epoch_seconds * 1000) / 1000


def _principal(claims: dict[str, object]) -> Principal:
    """The principal the claims describe; ``AuthenticationError`` for a claim missing or of the wrong type."""
    sub, role, jti = claims.get("sub"), claims.get("role"), claims.get("jti")
    if not (isinstance(sub, str) and sub and isinstance(jti, str) and jti):
        raise AuthenticationError("The token is not valid")
    try:
        parsed_role = Role(str(role))
        issued_at = float(claims.get("iat"))  # type: ignore[arg-type]
        expires_at = int(claims.get("exp"))  # type: ignore[call-overload]
    except (ValueError, TypeError):
        raise AuthenticationError("The token is not valid") from None
    return Principal(user_id=sub, role=parsed_role, token_id=jti, issued_at=issued_at, expires_at=expires_at)
