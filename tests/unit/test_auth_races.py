"""Races around the slow argon2 steps (issue 9, 2f and 2h), interleaved deterministically on fakes.

A login reads the user, then spends ~170 ms verifying the password; a registration counts the users,
then spends as long hashing. Whatever an admin or another registration does in that window must be
what the token and the stored roles reflect afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.auth import DEFAULT_PASSWORD, FakeClock, InterleavingHasher, add_user, auth_container
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.users import Principal, Role, User
from tradecore.errors import AuthenticationError

PASSWORD = "a long enough passphrase"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hasher() -> InterleavingHasher:
    return InterleavingHasher()


@pytest.fixture
def container(make_settings: Callable[..., Settings], clock: FakeClock, hasher: InterleavingHasher) -> Container:
    return auth_container(make_settings(), clock=clock, hasher=hasher)


def _admin_and_trader(container: Container) -> tuple[Principal, User]:
    admin = add_user(container, Role.ADMIN)
    trader = add_user(container, Role.TRADER, email="t@example.com")
    return container.token_service.verify(container.token_service.issue(admin)), trader


def _admin_change(
    container: Container,
    clock: FakeClock,
    actor: Principal,
    user_id: str,
    *,
    role: Role | None = None,
    active: bool | None = None,
) -> Callable[[], object]:
    """The admin's update as it would land 50 ms into the login's verification."""

    def run() -> object:
        clock.advance(0.05)
        return container.auth_service.update_user(actor, user_id, role=role, active=active)

    return run


def test_login_racing_a_deactivation_gets_no_token(
    container: Container, clock: FakeClock, hasher: InterleavingHasher
) -> None:
    # GIVEN a trader logging in while an admin deactivates them during the password check
    actor, trader = _admin_and_trader(container)
    hasher.during_verify = _admin_change(container, clock, actor, trader.user_id, active=False)

    # WHEN the login finishes THEN it is refused like any deactivated login
    with pytest.raises(AuthenticationError, match="deactivated"):
        container.auth_service.login("t@example.com", DEFAULT_PASSWORD)
    assert container.user_store.get(trader.user_id).active is False


def test_login_racing_a_demotion_gets_a_token_with_the_new_role(
    container: Container, clock: FakeClock, hasher: InterleavingHasher
) -> None:
    # GIVEN a trader logging in while an admin demotes them to viewer during the password check
    actor, trader = _admin_and_trader(container)
    hasher.during_verify = _admin_change(container, clock, actor, trader.user_id, role=Role.VIEWER)
    clock.advance(1)

    session = container.auth_service.login("t@example.com", DEFAULT_PASSWORD)

    # THEN the token (still valid: issued after the admin's revocation) carries the demoted role
    assert container.token_service.verify(session.token).role is Role.VIEWER
    assert session.user.role is Role.VIEWER


def test_login_token_is_confirmed_against_the_stored_version(
    container: Container, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a demotion that lands after the password check, between the last read and the issuance
    actor, trader = _admin_and_trader(container)
    store, issue = container.user_store, container.token_service.issue_with_principal
    demote = _admin_change(container, clock, actor, trader.user_id, role=Role.VIEWER)
    pending = [demote]

    def issue_then_demote(user: User) -> object:
        issued = issue(user)
        if pending:
            pending.pop()()
        return issued

    monkeypatch.setattr(container.token_service, "issue_with_principal", issue_then_demote)

    session = container.auth_service.login("t@example.com", DEFAULT_PASSWORD)

    # THEN the token handed out is one issued from the stored (demoted) record
    assert container.token_service.verify(session.token).role is Role.VIEWER
    assert store.get(trader.user_id).role is Role.VIEWER


def test_login_with_a_password_changed_during_the_check_is_refused(
    container: Container, clock: FakeClock, hasher: InterleavingHasher
) -> None:
    # GIVEN a login with the old password while the owner changes it from another session
    trader = add_user(container, Role.TRADER, email="t@example.com")
    owner = container.token_service.verify(container.token_service.issue(trader))

    def change_password() -> object:
        clock.advance(0.05)
        return container.auth_service.change_password(owner, DEFAULT_PASSWORD, NEW_PASSWORD)

    hasher.during_verify = change_password
    clock.advance(1)

    # THEN the old password opens no session once it is no longer the account's
    with pytest.raises(AuthenticationError, match="Invalid email or password"):
        container.auth_service.login("t@example.com", DEFAULT_PASSWORD)
    assert container.auth_service.login("t@example.com", NEW_PASSWORD).token


def test_two_interleaved_first_registrations_make_exactly_one_admin(
    container: Container, clock: FakeClock, hasher: InterleavingHasher
) -> None:
    # GIVEN a fresh installation where a second registration runs while the first one hashes
    # (both counted zero users; the first one's created_at is the earlier)
    def second_registration() -> object:
        clock.advance(0.05)
        return container.auth_service.register("second@example.com", PASSWORD)

    hasher.during_hash = second_registration

    first = container.auth_service.register("first@example.com", PASSWORD)

    # THEN exactly one of them administers the installation, and its answer says so
    roles = {user.email: user.role for user in container.user_store.users.values()}
    assert sorted(roles.values()) == [Role.ADMIN, Role.VIEWER]
    assert first.user.role is roles["first@example.com"]
    assert container.token_service.verify(first.token).role is first.user.role
