"""Lost updates: a self-service change from a stale snapshot must never undo an admin's change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.support.auth import DEFAULT_PASSWORD, FastPasswordHasher, add_user, auth_container
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.users import Role
from tradecore.errors import AuthenticationError, ConflictError

NEW_PASSWORD = "a brand new passphrase"


class InterleavingHasher(FastPasswordHasher):
    """Runs ``during_verify`` once inside the next verification (the slow step after the read)."""

    def __init__(self) -> None:
        super().__init__()
        self.during_verify: Callable[[], object] | None = None

    def verify(self, password_hash: str | None, password: str) -> bool:
        hook, self.during_verify = self.during_verify, None
        if hook is not None:
            hook()
        return super().verify(password_hash, password)


@pytest.fixture
def hasher() -> InterleavingHasher:
    return InterleavingHasher()


@pytest.fixture
def container(make_settings: Callable[..., Settings], hasher: InterleavingHasher) -> Container:
    return auth_container(make_settings(), hasher=hasher)


@pytest.mark.parametrize(
    ("role", "active", "expected"),
    [(None, False, (Role.TRADER, False)), (Role.VIEWER, None, (Role.VIEWER, True))],
    ids=["deactivated", "demoted"],
)
def test_password_change_from_a_stale_snapshot_loses_to_the_admin(
    container: Container,
    hasher: InterleavingHasher,
    role: Role | None,
    active: bool | None,
    expected: tuple[Role, bool],
) -> None:
    # GIVEN a trader who has read their record (change_password) while an admin changes it
    admin, trader = add_user(container, Role.ADMIN), add_user(container, Role.TRADER)
    actor = container.token_service.verify(container.token_service.issue(admin))
    principal = container.token_service.verify(container.token_service.issue(trader))
    hasher.during_verify = lambda: container.auth_service.update_user(actor, trader.user_id, role=role, active=active)

    # WHEN the password change writes with its stale snapshot
    with pytest.raises(ConflictError):
        container.auth_service.change_password(principal, DEFAULT_PASSWORD, NEW_PASSWORD)

    # THEN the admin's change stands and the password is unchanged (no session was handed out)
    stored = container.user_store.get(trader.user_id)
    assert (stored.role, stored.active) == expected
    assert stored.password_hash == trader.password_hash


def test_updates_write_only_their_fields_and_refuse_a_stale_version(container: Container) -> None:
    trader = add_user(container, Role.TRADER)
    store = container.user_store
    later = trader.updated_at + timedelta(milliseconds=1)
    demoted = store.update(
        trader.user_id, {"role": Role.VIEWER, "updated_at": later}, expected_updated_at=trader.updated_at
    )

    with pytest.raises(ConflictError):
        store.update(
            trader.user_id,
            {"password_hash": "x", "updated_at": later + timedelta(milliseconds=1)},
            expected_updated_at=trader.updated_at,
        )
    with pytest.raises(ValueError, match="later updated_at"):  # a write that would not move the version
        store.update(trader.user_id, {"role": Role.ADMIN}, expected_updated_at=later)
    assert store.get(trader.user_id) == demoted


def test_login_rehash_does_not_reactivate_a_user_deactivated_meanwhile(
    container: Container, hasher: InterleavingHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, trader = add_user(container, Role.ADMIN), add_user(container, Role.TRADER, email="t@example.com")
    actor = container.token_service.verify(container.token_service.issue(admin))
    monkeypatch.setattr(hasher, "needs_rehash", lambda password_hash: True)
    hasher.during_verify = lambda: container.auth_service.update_user(actor, trader.user_id, role=None, active=False)

    with pytest.raises(AuthenticationError):
        container.auth_service.login("t@example.com", DEFAULT_PASSWORD)
    assert container.user_store.get(trader.user_id).active is False
