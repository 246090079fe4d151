"""Token revocation in the shared service-state table, so every function instance sees it at once.

Two kinds of entry, both expiring when the tokens they could refuse have expired anyway:

* ``token#<jti>`` / ``revoked``: one token (logout, password change of the current token);
* ``user#<id>`` / ``tokens_not_before``: every token of a user issued before an instant
  (password change, role change, deactivation).

One ``get_many`` (a single BatchGetItem) answers both per request.
"""

from __future__ import annotations

from tradecore.ports import ServiceState

_REVOKED = "revoked"
_NOT_BEFORE = "tokens_not_before"


def _token_key(token_id: str) -> tuple[str, str]:
    return f"token#{token_id}", _REVOKED


def _user_key(user_id: str) -> tuple[str, str]:
    return f"user#{user_id}", _NOT_BEFORE


class StateTokenDenylist:
    """The :class:`~tradecore.ports.TokenDenylist` over :class:`~tradecore.ports.ServiceState`."""

    def __init__(self, state: ServiceState, *, max_token_lifetime_seconds: int) -> None:
        self._state = state
        self._max_lifetime = max_token_lifetime_seconds

    def revoke_token(self, token_id: str, *, until: int) -> None:
        pk, sk = _token_key(token_id)
        self._state.put(pk, sk, {}, expires_at=int(until) + 1)

    def revoke_user_tokens(self, user_id: str, *, issued_before: float) -> None:
        pk, sk = _user_key(user_id)
        # after one full token lifetime, every token issued before the instant has expired anyway
        expires_at = int(issued_before) + self._max_lifetime + 1
        self._state.put(pk, sk, {"not_before": issued_before}, expires_at=expires_at)

    def is_revoked(self, token_id: str, user_id: str, issued_at: float) -> bool:
        token_key, user_key = _token_key(token_id), _user_key(user_id)
        found = self._state.get_many([token_key, user_key])
        if token_key in found:
            return True
        cutoff = found.get(user_key)
        return cutoff is not None and issued_at < float(cutoff["not_before"])
