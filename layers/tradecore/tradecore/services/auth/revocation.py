"""Token revocation in the shared service state, so every function instance sees it at once.

Two kinds of record, both expiring when the tokens they could refuse have expired anyway:

* a :class:`RevokedToken`: one token (logout, password change of the current token);
* a user's :class:`TokensNotBefore`: every token of a user issued before an instant
  (password change, role change, deactivation).

One read (:meth:`RevocationState.revocations`, a single round trip) answers both per request.
"""

from __future__ import annotations

from tradecore.domain.service_state import RevokedToken, TokensNotBefore
from tradecore.ports import RevocationState


class StateTokenDenylist:
    """The :class:`~tradecore.ports.TokenDenylist` over :class:`~tradecore.ports.RevocationState`."""

    def __init__(self, state: RevocationState, *, max_token_lifetime_seconds: int) -> None:
        self._state = state
        self._max_lifetime = max_token_lifetime_seconds

    def revoke_token(self, token_id: str, *, until: int) -> None:
        self._state.save_revoked_token(RevokedToken(token_id, expires_at=int(until) + 1))

    def revoke_user_tokens(self, user_id: str, *, issued_before: float) -> None:
        # after one full token lifetime, every token issued before the instant has expired anyway
        expires_at = int(issued_before) + self._max_lifetime + 1
        self._state.save_tokens_not_before(TokensNotBefore(user_id, issued_before, expires_at=expires_at))

    def is_revoked(self, token_id: str, user_id: str, issued_at: float) -> bool:
        found = self._state.revocations(token_id, user_id)
        if found.token is not None:
            return True
        return found.user is not None and issued_at < found.user.not_before
