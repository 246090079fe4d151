"""Concurrent wrong-password logins against the ServiceStateTable (moto): the throttle reserves each
attempt atomically before the slow password check, so guesses racing each other are all counted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.auth import (
    DEFAULT_PASSWORD,
    FastPasswordHasher,
    InMemoryUserStore,
    add_user,
    auth_container,
    create_service_state_table,
)
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.users import Role, User
from tradecore.errors import AuthenticationError, DependencyUnavailableError, RateLimitedError
from tradecore.services.auth.service import AuthService

TABLE = "unit-throttle-race"
MAX_FAILURES = 3
GUESSES = 12


class CountingHasher(FastPasswordHasher):
    """Counts verifications; each one is slow (like argon2) so concurrent logins overlap in it."""

    def __init__(self) -> None:
        super().__init__()
        self.verifications = 0
        self._lock = threading.Lock()

    def verify(self, password_hash: str | None, password: str) -> bool:
        with self._lock:
            self.verifications += 1
        time.sleep(0.05)
        return super().verify(password_hash, password)


def _instance(settings: Settings, users: InMemoryUserStore, hasher: CountingHasher) -> AuthService:
    """One function instance: its own container (boto3 table handle and services) as bootstrap wires
    it, on the shared DynamoDB table and the shared users."""
    return bootstrap(settings, user_store=users, password_hasher=hasher).auth_service


@pytest.fixture
def serialised_moto(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB applies each conditional write atomically; moto checks then writes without a lock, so
    racing threads could both pass a condition. Serialise moto's writes to model the real service."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "get_item"):
        original = getattr(DynamoDBBackend, name)

        def serialised(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, serialised)


def test_concurrent_wrong_passwords_get_at_most_max_failures_verifications(
    serialised_moto: None, make_settings: Callable[..., Settings]
) -> None:
    # GIVEN one account and GUESSES instances ready to try a wrong password at the same moment
    create_service_state_table(table_name=TABLE)
    hasher, users = CountingHasher(), InMemoryUserStore()
    now = datetime.now(UTC)
    users.add(
        User(
            user_id="u-1",
            email="victim@example.com",
            password_hash=hasher.hash(DEFAULT_PASSWORD),
            role=Role.TRADER,
            active=True,
            created_at=now,
            updated_at=now,
        )
    )
    settings = make_settings(service_state_table=TABLE, login_max_failures=MAX_FAILURES, login_window_seconds=900)
    instances = [_instance(settings, users, hasher) for _ in range(GUESSES)]
    start = threading.Barrier(GUESSES)

    def guess(service: AuthService) -> tuple[int, int | None]:
        start.wait()
        try:
            service.login("victim@example.com", "not the password")
        except RateLimitedError as exc:
            return 429, exc.retry_after
        except AuthenticationError:
            return 401, None
        return 200, None

    # WHEN they all guess
    with ThreadPoolExecutor(GUESSES) as pool:
        outcomes = list(pool.map(guess, instances))

    # THEN only MAX_FAILURES guesses reached the password check; the rest were refused before it
    assert hasher.verifications == MAX_FAILURES
    assert sorted(status for status, _ in outcomes) == [401] * MAX_FAILURES + [429] * (GUESSES - MAX_FAILURES)
    assert all(890 <= retry_after <= 900 for status, retry_after in outcomes if retry_after is not None)
    with pytest.raises(RateLimitedError):  # even the right password waits for the window to end
        instances[0].login("victim@example.com", DEFAULT_PASSWORD)
    assert hasher.verifications == MAX_FAILURES


class DownUserStore(InMemoryUserStore):
    def find_by_email(self, email: str) -> User | None:
        raise DependencyUnavailableError("MongoDB down", dependency="mongodb")


def test_attempts_refused_by_an_outage_or_a_deactivated_account_are_given_back(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(login_max_failures=2)
    down = auth_container(settings, users=DownUserStore())
    for _ in range(4):  # an outage is not a guess: never 429
        with pytest.raises(DependencyUnavailableError):
            down.auth_service.login("t@example.com", DEFAULT_PASSWORD)

    container = auth_container(settings)
    user = add_user(container, Role.TRADER, email="t@example.com")
    container.user_store.update(
        user.user_id,
        {"active": False, "updated_at": user.updated_at + timedelta(seconds=1)},
        expected_updated_at=user.updated_at,
    )
    for _ in range(4):  # the right password on a deactivated account is not a failed guess either
        with pytest.raises(AuthenticationError, match="deactivated"):
            container.auth_service.login("t@example.com", DEFAULT_PASSWORD)
