"""The records each capability keeps in the shared service state (the ServiceStateTable in AWS).

They are values with meaning (a revoked token, a user's tokens-not-before instant, a login window,
a component's status); how they are keyed and laid out in storage is the adapter's business alone.
Times are epoch seconds; a record with ``expires_at`` is gone once that instant has passed.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradecore.domain.health import HealthStatus


@dataclass(frozen=True)
class RevokedToken:
    """One token refused before it expires (logout; the current token of a password change).

    ``expires_at`` is past the token's own expiry (leeway included): after it, the token is refused
    anyway and the record can go.
    """

    token_id: str
    expires_at: int


@dataclass(frozen=True)
class TokensNotBefore:
    """Every token of ``user_id`` issued before ``not_before`` is refused (password or role change,
    deactivation); ``expires_at`` is one token lifetime after ``not_before``."""

    user_id: str
    not_before: float
    expires_at: int


@dataclass(frozen=True)
class Revocations:
    """The records that could refuse one token: its own, and its user's (read together, once per request)."""

    token: RevokedToken | None = None
    user: TokensNotBefore | None = None


@dataclass(frozen=True)
class WindowCount:
    """An atomic counter within a fixed time window (a login window: the failed attempts of one account).

    ``granted`` is False when taking a slot found the window full (nothing was taken).
    """

    count: int
    window_started_at: float
    granted: bool = True


@dataclass(frozen=True)
class ComponentStatus:
    """The status the health monitor last recorded for one component (so it can tell what changed).

    ``status`` is the flag users are told about: ``ok`` until ``consecutive_failures`` reaches the
    monitor's threshold, then the failing check's own status (``degraded`` or ``down``).
    ``checked_at`` is the monitor's last check (epoch seconds; None in records written before it).
    """

    component: str
    status: HealthStatus
    detail: str = ""
    consecutive_failures: int = 0
    checked_at: float | None = None

    @property
    def flagged(self) -> bool:
        return self.status is not HealthStatus.OK
