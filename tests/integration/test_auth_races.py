"""Auth races and bounds against the real user store (SecantusDB, MongoDB wire protocol), real threads."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from auth import app as auth_app
from tests.support.auth import FastPasswordHasher, api_event, auth_container
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.users import Role

PASSWORD = "a long enough passphrase"
REGISTRATIONS = 6


class SlowHasher(FastPasswordHasher):
    """Hashing takes as long as argon2 or longer, and the earlier a registration starts hashing the
    longer it takes: the registrations store their users in the reverse order of their ``created_at``."""

    def __init__(self, slowest: float) -> None:
        super().__init__()
        self._slowest = slowest
        self._started = 0
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        with self._lock:
            self._started += 1
            delay = self._slowest - 0.04 * self._started
        time.sleep(max(delay, 0.02))
        return super().hash(password)


@pytest.fixture
def real(mongo_settings: Settings) -> Container:
    container = bootstrap(mongo_settings)
    container.migrate()
    return container


def test_concurrent_first_registrations_make_exactly_one_admin(mongo_settings: Settings, real: Container) -> None:
    # GIVEN a fresh installation and six registrations that all count zero users before any is stored
    hasher = SlowHasher(slowest=0.04 * REGISTRATIONS + 0.2)
    service = auth_container(mongo_settings, users=real.user_store, hasher=hasher).auth_service
    start = threading.Barrier(REGISTRATIONS)
    roles: dict[str, Role] = {}
    failures: list[BaseException] = []

    def register(number: int) -> None:
        start.wait()
        try:
            roles[f"user{number}@example.com"] = service.register(f"user{number}@example.com", PASSWORD).user.role
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=register, args=(number,)) for number in range(REGISTRATIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # THEN every registration succeeded and exactly one user administers the installation
    assert failures == []
    stored = {user.email: user.role for user in real.user_store.list_users(limit=50, offset=0)}
    assert sorted(stored.values()).count(Role.ADMIN) == 1
    assert stored == roles  # each answer told its registrant the role that was stored


@pytest.fixture
def admin_token(mongo_settings: Settings, real: Container) -> Iterator[str]:
    container = auth_container(mongo_settings, users=real.user_store)
    auth_app.app.state.container = container
    yield container.token_service.issue(container.auth_service.create_user("admin@example.com", PASSWORD, Role.ADMIN))
    auth_app.app.state.container = None


@pytest.mark.parametrize("query", [f"offset={2**63}", f"offset={10**30}", f"limit=10&offset={2**64}"])
def test_admin_list_with_a_huge_offset_is_422_not_500(
    admin_token: str, query: str, load_event: Callable[[str], dict[str, Any]], lambda_context: Any
) -> None:
    event = api_event(load_event("auth_admin_list_users"), token=admin_token, query=query)

    response = auth_app.handler(event, lambda_context)

    body = json.loads(response["body"])
    assert (response["statusCode"], body["error"]["code"]) == (422, "validation_error")
