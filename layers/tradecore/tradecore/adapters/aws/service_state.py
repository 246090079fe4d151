"""The ServiceStateTable in DynamoDB: every capability's records, and the one place that keys them.

The item layout is the one deployed tables already hold (reads must keep finding it):

* ``RevokedToken``: ``token#<jti>`` / ``revoked``, with ``expires_at``;
* ``TokensNotBefore``: ``user#<id>`` / ``tokens_not_before``, with ``not_before`` and ``expires_at``;
* a login window: ``login#<sha256(email)>`` / ``failures``, with ``count``, ``window_started_at`` and
  ``expires_at``;
* ``ComponentStatus``: ``health`` / ``<component>``, with ``status`` and ``detail``, and (since the
  monitor's three-strikes rule) ``consecutive_failures`` and ``checked_at``, absent from older items.

Login windows are keyed by a hash of the email, so the table holds no addresses. Circuit breakers
live in the same table through their own adapter (:mod:`tradecore.adapters.aws.breaker_store`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence

from tradecore.adapters.aws.state_table import StateTable
from tradecore.domain.health import HealthStatus
from tradecore.domain.service_state import ComponentStatus, Revocations, RevokedToken, TokensNotBefore, WindowCount

_HEALTH = "health"
_KNOWN_STATUSES = frozenset(status.value for status in HealthStatus)


def _token_key(token_id: str) -> tuple[str, str]:
    return f"token#{token_id}", "revoked"


def _user_key(user_id: str) -> tuple[str, str]:
    return f"user#{user_id}", "tokens_not_before"


def _login_key(email: str) -> tuple[str, str]:
    return "login#" + hashlib.sha256(email.encode()).hexdigest(), "failures"


class ServiceStateTable:
    """The :class:`~tradecore.ports.ServiceState` ports over one DynamoDB table."""

    def __init__(self, table_name: str, region: str, *, clock: Callable[[], float] = time.time) -> None:
        self._table = StateTable(table_name, region, clock=clock)

    # --- token revocation ------------------------------------------------------------------------

    def save_revoked_token(self, record: RevokedToken) -> None:
        self._table.put(*_token_key(record.token_id), {}, expires_at=record.expires_at)

    def save_tokens_not_before(self, record: TokensNotBefore) -> None:
        attributes = {"not_before": record.not_before}
        self._table.put(*_user_key(record.user_id), attributes, expires_at=record.expires_at)

    def revocations(self, token_id: str, user_id: str) -> Revocations:
        """Both records through one BatchGetItem (the denylist is asked on every authenticated request)."""
        token_key, user_key = _token_key(token_id), _user_key(user_id)
        found = self._table.get_many([token_key, user_key])
        token, user = found.get(token_key), found.get(user_key)
        return Revocations(
            token=None if token is None else RevokedToken(token_id, int(token.get("expires_at", 0))),
            user=None
            if user is None
            else TokensNotBefore(user_id, float(user["not_before"]), int(user.get("expires_at", 0))),
        )

    # --- login windows ---------------------------------------------------------------------------

    def acquire_login_attempt(self, email: str, *, limit: int, window_seconds: int, now: float) -> WindowCount:
        return self._table.acquire_in_window(*_login_key(email), limit=limit, window_seconds=window_seconds, now=now)

    def release_login_attempt(self, email: str) -> None:
        self._table.release_in_window(*_login_key(email))

    def clear_login_attempts(self, email: str) -> None:
        self._table.delete(*_login_key(email))

    # --- component health ------------------------------------------------------------------------

    def component_statuses(self, components: Sequence[str]) -> dict[str, ComponentStatus]:
        found = self._table.get_many([(_HEALTH, component) for component in components])
        statuses = {}
        for (_, component), item in found.items():
            status = item.get("status")
            if status in _KNOWN_STATUSES:  # anything else reads as never recorded, not as a failed job
                checked_at = item.get("checked_at")
                statuses[component] = ComponentStatus(
                    component,
                    HealthStatus(status),
                    str(item.get("detail", "")),
                    int(item.get("consecutive_failures", 0)),
                    None if checked_at is None else float(checked_at),
                )
        return statuses

    def save_component_status(self, status: ComponentStatus) -> None:
        attributes: dict[str, object] = {
            "status": status.status.value,
            "detail": status.detail,
            "consecutive_failures": status.consecutive_failures,
        }
        if status.checked_at is not None:
            attributes["checked_at"] = status.checked_at
        self._table.put(_HEALTH, status.component, attributes)
