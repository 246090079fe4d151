"""A small auth world on fakes: one user of each role, tokens of every kind, and outages on demand."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.auth import InMemoryServiceState, InMemoryUserStore, add_user, auth_container
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.users import Role, User
from tradecore.errors import AuthenticationError, DependencyUnavailableError


class Outage:
    """A port that answers normally until ``down``; then every call is DependencyUnavailableError."""

    def __init__(self, port: Any, dependency: str) -> None:
        self._port, self._dependency, self.down = port, dependency, False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._port, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise DependencyUnavailableError(f"{self._dependency} is unavailable", dependency=self._dependency)
            return attribute(*args, **kwargs)

        return call


@dataclass
class World:
    """A container whose user store (MongoDB) and service-state table (DynamoDB) can go down, with
    users ``admin``, ``trader``, ``viewer`` (``<role>@example.com``) and a deactivated
    ``gone@example.com``, all with ``DEFAULT_PASSWORD``; tokens for each role, ``deactivated``
    (issued before the deactivation) and ``revoked`` (a trader's, revoked)."""

    container: Container
    mongo: Outage
    state: Outage
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, make_settings: Callable[..., Settings], *, registration: str = "open", **overrides: Any) -> World:
        mongo = Outage(InMemoryUserStore(), "mongodb")
        state = Outage(InMemoryServiceState(), "dynamodb")
        settings = make_settings(registration_mode=registration)
        container = auth_container(settings, users=mongo, service_state=state, **overrides)
        world = cls(container, mongo, state)
        for role in Role:
            world.users[role.value] = add_user(container, role, email=f"{role.value}@example.com")
            world.tokens[role.value] = container.token_service.issue(world.users[role.value])
        gone = add_user(container, Role.TRADER, email="gone@example.com")
        world.tokens["deactivated"] = container.token_service.issue(gone)
        container.user_store.users[gone.user_id] = gone.with_changes(active=False)
        revoked = container.token_service.issue(world.users["trader"])
        container.token_service.revoke(container.token_service.verify(revoked))
        world.tokens["revoked"] = revoked
        return world

    def throttle(self, email: str) -> None:
        """Use up ``email``'s failed logins."""
        for _ in range(self.container.settings.login_max_failures):
            with contextlib.suppress(AuthenticationError):
                self.container.auth_service.login(email, "not the password at all")
