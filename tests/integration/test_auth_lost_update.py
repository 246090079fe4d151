"""Lost updates against the real user store (SecantusDB): field-specific, version-guarded writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from tests.support.auth import FastPasswordHasher, auth_container
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.users import Role, User
from tradecore.errors import AuthenticationError, ConflictError

PASSWORD = "a long enough passphrase"
NEW_PASSWORD = "another long passphrase"


class InterleavingHasher(FastPasswordHasher):
    def __init__(self) -> None:
        super().__init__()
        self.during_verify: Callable[[], object] | None = None

    def verify(self, password_hash: str | None, password: str) -> bool:
        hook, self.during_verify = self.during_verify, None
        if hook is not None:
            hook()
        return super().verify(password_hash, password)


def test_stale_password_change_is_refused_and_the_user_stays_inactive(mongo_settings: Settings) -> None:
    # GIVEN users in MongoDB and an auth service on the real store
    real = bootstrap(mongo_settings)
    real.migrate()
    hasher = InterleavingHasher()
    container = auth_container(mongo_settings, users=real.user_store, hasher=hasher)
    service = container.auth_service
    admin = service.create_user("admin@example.com", PASSWORD, Role.ADMIN)
    trader = service.create_user("trader@example.com", PASSWORD, Role.TRADER)
    actor = container.token_service.verify(container.token_service.issue(admin))
    principal = container.token_service.verify(container.token_service.issue(trader))

    # WHEN the trader's password change reads the user, the admin deactivates them, then the change writes
    hasher.during_verify = lambda: service.update_user(actor, trader.user_id, role=None, active=False)
    with pytest.raises(ConflictError):
        service.change_password(principal, PASSWORD, NEW_PASSWORD)

    # THEN the user stays inactive with the old password, and cannot log in with either
    stored = real.user_store.get(trader.user_id)
    assert stored.active is False
    assert hasher.verify(stored.password_hash, PASSWORD)
    for password in (PASSWORD, NEW_PASSWORD):
        with pytest.raises(AuthenticationError):
            service.login("trader@example.com", password)


def test_real_store_update_sets_only_the_given_fields_under_its_guards(mongo_settings: Settings) -> None:
    real = bootstrap(mongo_settings)
    real.migrate()
    service = auth_container(mongo_settings, users=real.user_store).auth_service
    store = real.user_store
    user = service.create_user("u@example.com", PASSWORD, Role.TRADER)
    read = store.get(user.user_id)

    demoted = store.update(
        user.user_id, {"role": Role.VIEWER, "updated_at": _later(read)}, expected_updated_at=read.updated_at
    )
    with pytest.raises(ConflictError):
        store.update(
            user.user_id, {"password_hash": "stale", "updated_at": _later(demoted)}, expected_updated_at=read.updated_at
        )
    inactive = store.update(
        user.user_id, {"active": False, "updated_at": _later(demoted)}, expected_updated_at=demoted.updated_at
    )
    with pytest.raises(ConflictError):  # self-service writes need an active user
        store.update(
            user.user_id,
            {"password_hash": "x", "updated_at": _later(inactive)},
            expected_updated_at=inactive.updated_at,
            require_active=True,
        )

    stored = store.get(user.user_id)
    assert (stored.role, stored.active, stored.password_hash) == (Role.VIEWER, False, read.password_hash)


def _later(user: User) -> datetime:
    return user.updated_at + timedelta(milliseconds=1)
