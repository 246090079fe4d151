"""The local stack's database preparation: migrations, then the printed demo account, through the
container's own auth service (no guessing whether it exists: a broken wiring fails the start)."""

from __future__ import annotations

from collections.abc import Callable

from devstack.local.runner import DEMO_EMAIL, DEMO_PASSWORD, seed_database
from tests.support.auth import auth_container
from tradecore.config import Settings
from tradecore.domain.users import Role


def test_seed_database_migrates_then_the_printed_demo_login_works_as_admin(
    make_settings: Callable[..., Settings],
) -> None:
    migrations: list[int] = []

    def migrate() -> int:
        migrations.append(1)
        return 1

    container = auth_container(make_settings(), migrate=migrate)

    seed_database(container)

    assert migrations == [1]
    session = container.auth_service.login(DEMO_EMAIL, DEMO_PASSWORD)
    assert session.user.role is Role.ADMIN
    assert session.user.email == DEMO_EMAIL


def test_seed_database_twice_keeps_one_demo_account(make_settings: Callable[..., Settings]) -> None:
    container = auth_container(make_settings(), migrate=lambda: 0)

    seed_database(container)
    seed_database(container)

    assert container.user_store.count() == 1
    assert container.auth_service.login(DEMO_EMAIL, DEMO_PASSWORD).user.role is Role.ADMIN
