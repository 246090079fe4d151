"""Auth use cases on in-memory fakes: registration rules, login, throttling, revocation, admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.support.auth import DEFAULT_PASSWORD, FakeClock, add_user, auth_container
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.users import Role
from tradecore.errors import (
    AuthenticationError,
    ConflictError,
    DependencyUnavailableError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
)

PASSWORD = "a long enough passphrase"


@pytest.fixture
def clock() -> FakeClock:
    import time

    return FakeClock(time.time())


@pytest.fixture
def container(make_settings: Callable[..., Settings], clock: FakeClock) -> Container:
    return auth_container(make_settings(), clock=clock)


def test_register_first_user_is_admin_and_later_users_are_viewers(container: Container) -> None:
    first = container.auth_service.register("Boss@Example.com", PASSWORD)
    second = container.auth_service.register("someone@example.com", PASSWORD)

    assert first.user.role is Role.ADMIN
    assert first.user.email == "boss@example.com"
    assert second.user.role is Role.VIEWER
    assert container.token_service.verify(second.token).role is Role.VIEWER


def test_register_duplicate_email_conflicts_whatever_its_case(container: Container) -> None:
    container.auth_service.register("dup@example.com", PASSWORD)

    with pytest.raises(ConflictError):
        container.auth_service.register("  DUP@example.COM ", PASSWORD)
    assert container.user_store.count() == 1


def test_register_refused_when_registration_is_closed(make_settings: Callable[..., Settings]) -> None:
    container = auth_container(make_settings(registration_mode="closed"))

    with pytest.raises(ForbiddenError, match="closed"):
        container.auth_service.register("a@example.com", PASSWORD)
    assert container.user_store.count() == 0


def test_closed_registration_lets_only_the_bootstrap_admin_in_and_only_first(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(registration_mode="closed", bootstrap_admin_email="Owner@example.com")
    container = auth_container(settings)

    with pytest.raises(ForbiddenError):
        container.auth_service.register("someone@example.com", PASSWORD)
    owner = container.auth_service.register("owner@example.com", PASSWORD)
    container.user_store.users.clear()
    add_user(container, Role.ADMIN)
    with pytest.raises(ForbiddenError):
        container.auth_service.register("owner@example.com", PASSWORD)  # not the first user any more

    assert owner.user.role is Role.ADMIN


@pytest.mark.parametrize(("email", "password"), [("not-an-email", PASSWORD), ("a@example.com", "short")])
def test_register_refuses_bad_email_or_password(container: Container, email: str, password: str) -> None:
    with pytest.raises(InvalidInputError):
        container.auth_service.register(email, password)
    assert container.user_store.count() == 0


class DownUserStore:
    def __getattr__(self, name: str) -> Callable[..., object]:
        def fail(*_: object, **__: object) -> object:
            raise DependencyUnavailableError("MongoDB is unavailable (x)", dependency="mongodb")

        return fail


def test_register_while_mongodb_is_down_is_a_clear_503(make_settings: Callable[..., Settings]) -> None:
    container = auth_container(make_settings(), users=DownUserStore())

    with pytest.raises(DependencyUnavailableError, match="Registration is unavailable"):
        container.auth_service.register("a@example.com", PASSWORD)


def test_login_returns_a_token_for_the_right_password(container: Container) -> None:
    user = add_user(container, Role.TRADER, email="t@example.com")

    session = container.auth_service.login("T@example.com", DEFAULT_PASSWORD)

    assert container.token_service.verify(session.token).user_id == user.user_id


def test_login_unknown_email_and_wrong_password_take_the_same_path(container: Container) -> None:
    add_user(container, Role.TRADER, email="t@example.com")
    hasher = container.password_hasher

    with pytest.raises(AuthenticationError) as wrong:
        container.auth_service.login("t@example.com", "not the password")
    with pytest.raises(AuthenticationError) as unknown:
        container.auth_service.login("nobody@example.com", DEFAULT_PASSWORD)
    with pytest.raises(AuthenticationError) as malformed:
        container.auth_service.login("not-an-email", DEFAULT_PASSWORD)

    assert wrong.value.message == unknown.value.message == malformed.value.message
    assert hasher.dummy_checks == 2  # the unknown and the malformed email verified the dummy hash


def test_login_locks_out_after_five_failures_even_with_the_right_password(
    container: Container, clock: FakeClock
) -> None:
    add_user(container, Role.TRADER, email="t@example.com")
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            container.auth_service.login("t@example.com", "wrong password!")
        clock.advance(10)

    with pytest.raises(RateLimitedError) as locked:
        container.auth_service.login("t@example.com", DEFAULT_PASSWORD)

    assert locked.value.retry_after == 15 * 60 - 50
    clock.advance(15 * 60)
    assert container.auth_service.login("t@example.com", DEFAULT_PASSWORD).token


def test_login_throttles_unknown_emails_too(container: Container) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            container.auth_service.login("ghost@example.com", "whatever password")

    with pytest.raises(RateLimitedError):
        container.auth_service.login("ghost@example.com", "whatever password")


def test_login_success_clears_earlier_failures(container: Container) -> None:
    add_user(container, Role.TRADER, email="t@example.com")
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            container.auth_service.login("t@example.com", "wrong password!")
    container.auth_service.login("t@example.com", DEFAULT_PASSWORD)

    for _ in range(4):
        with pytest.raises(AuthenticationError):
            container.auth_service.login("t@example.com", "wrong password!")
    assert container.auth_service.login("t@example.com", DEFAULT_PASSWORD).token


def test_login_refuses_a_deactivated_account(container: Container) -> None:
    user = add_user(container, Role.TRADER, email="t@example.com")
    container.user_store.update(
        user.user_id,
        {"active": False, "updated_at": user.updated_at + timedelta(seconds=1)},
        expected_updated_at=user.updated_at,
    )

    with pytest.raises(AuthenticationError, match="deactivated"):
        container.auth_service.login("t@example.com", DEFAULT_PASSWORD)


def test_logout_revokes_only_that_token(container: Container) -> None:
    user = add_user(container, Role.TRADER)
    one, other = container.token_service.issue(user), container.token_service.issue(user)

    container.auth_service.logout(container.token_service.verify(one))

    with pytest.raises(AuthenticationError, match="revoked"):
        container.token_service.verify(one)
    assert container.token_service.verify(other).user_id == user.user_id


def test_change_password_revokes_every_earlier_token_and_returns_a_working_one(
    container: Container, clock: FakeClock
) -> None:
    user = add_user(container, Role.TRADER, email="t@example.com")
    current, elsewhere = container.token_service.issue(user), container.token_service.issue(user)
    clock.advance(0.2)

    session = container.auth_service.change_password(
        container.token_service.verify(current), DEFAULT_PASSWORD, "a brand new passphrase"
    )

    for old in (current, elsewhere):
        with pytest.raises(AuthenticationError):
            container.token_service.verify(old)
    assert container.token_service.verify(session.token).user_id == user.user_id
    assert container.auth_service.login("t@example.com", "a brand new passphrase").token
    with pytest.raises(AuthenticationError):
        container.auth_service.login("t@example.com", DEFAULT_PASSWORD)


def test_change_password_needs_the_current_password(container: Container) -> None:
    user = add_user(container, Role.TRADER)
    principal = container.token_service.verify(container.token_service.issue(user))

    with pytest.raises(ForbiddenError, match="current password"):
        container.auth_service.change_password(principal, "not my password", "a brand new passphrase")
    assert container.token_service.verify(container.token_service.issue(user))


def test_admin_promotion_applies_at_once_by_revoking_old_tokens(container: Container, clock: FakeClock) -> None:
    admin, viewer = add_user(container, Role.ADMIN), add_user(container, Role.VIEWER)
    old = container.token_service.issue(viewer)
    actor = container.token_service.verify(container.token_service.issue(admin))
    clock.advance(0.01)

    updated = container.auth_service.update_user(actor, viewer.user_id, role=Role.TRADER, active=None)

    assert updated.role is Role.TRADER
    with pytest.raises(AuthenticationError):
        container.token_service.verify(old)
    fresh = container.auth_service.login(viewer.email, DEFAULT_PASSWORD)
    assert container.token_service.verify(fresh.token).role is Role.TRADER


def test_admin_cannot_change_themselves_or_unknown_users(container: Container) -> None:
    admin = add_user(container, Role.ADMIN)
    actor = container.token_service.verify(container.token_service.issue(admin))

    with pytest.raises(ConflictError):
        container.auth_service.update_user(actor, admin.user_id, role=Role.VIEWER, active=None)
    with pytest.raises(NotFoundError):
        container.auth_service.update_user(actor, "nobody", role=Role.VIEWER, active=None)


def test_ensure_demo_user_creates_then_repairs_the_account(container: Container) -> None:
    created = container.auth_service.ensure_demo_user("Demo@Example.com", PASSWORD, Role.TRADER)
    container.user_store.update(
        created.user_id,
        {"role": Role.VIEWER, "active": False, "updated_at": created.updated_at + timedelta(seconds=1)},
        expected_updated_at=created.updated_at,
    )

    repaired = container.auth_service.ensure_demo_user("demo@example.com", PASSWORD, Role.TRADER)

    assert repaired.user_id == created.user_id
    assert (repaired.role, repaired.active) == (Role.TRADER, True)
    assert container.auth_service.login("demo@example.com", PASSWORD).user.role is Role.TRADER
    assert container.user_store.count() == 1
