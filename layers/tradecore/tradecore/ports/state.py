"""Small shared state every function instance sees (the ServiceStateTable in AWS), as typed records.

Each capability has its own small port and speaks its own records (:mod:`tradecore.domain.service_state`);
which key a record lives under is the adapter's business, so no service builds storage keys and a
new capability's state cannot collide with another's by a mistyped prefix. One table implements
them all (:class:`ServiceState`), and so does one in-memory fake: the composition root builds it once
and hands each service only the narrow port it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tradecore.domain.breaker import BreakerState
from tradecore.domain.service_state import (
    ComponentStatus,
    Revocations,
    RevokedToken,
    TokensNotBefore,
    WindowCount,
)


class RevocationState(Protocol):
    """The token denylist's records. Raises ``DependencyUnavailableError`` when the store is down."""

    def save_revoked_token(self, record: RevokedToken) -> None: ...
    def save_tokens_not_before(self, record: TokensNotBefore) -> None:
        """Store (replace) the user's cutoff."""
        ...

    def revocations(self, token_id: str, user_id: str) -> Revocations:
        """The live records that could refuse this token, in one round trip (every request pays it)."""
        ...


class LoginAttemptState(Protocol):
    """Failed-login counters per account in fixed windows; the store keeps no email address."""

    def acquire_login_attempt(self, email: str, *, limit: int, window_seconds: int, now: float) -> WindowCount:
        """Atomically take one of ``limit`` slots of the account's current window (a new window starts
        once it has elapsed); ``granted=False`` (nothing taken) while the window is full."""
        ...

    def release_login_attempt(self, email: str) -> None:
        """Give one taken slot back (never below zero; nothing when there is no window)."""
        ...

    def clear_login_attempts(self, email: str) -> None:
        """Forget the account's window."""
        ...


class ComponentStatusState(Protocol):
    """The health monitor's last recorded status of each component."""

    def component_statuses(self, components: Sequence[str]) -> dict[str, ComponentStatus]:
        """The recorded statuses among ``components`` (absent: never recorded), in one round trip."""
        ...

    def save_component_status(self, status: ComponentStatus) -> None: ...


class ServiceState(RevocationState, LoginAttemptState, ComponentStatusState, Protocol):
    """Every capability's records in the one shared table (what the composition root builds once)."""


class BreakerStore(Protocol):
    """The circuit breakers' shared state (the service-state table in AWS), one record per name."""

    def load(self, name: str) -> BreakerState:
        """The current state (a fresh closed one when none was written); ``DependencyUnavailableError``
        when the store cannot be read."""
        ...

    def swap(self, name: str, state: BreakerState, *, expected_version: int) -> bool:
        """Write ``state`` only if the stored version is still ``expected_version``; False when another
        instance wrote first."""
        ...
