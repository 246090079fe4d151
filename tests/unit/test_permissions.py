"""The one permission dependency: every role against every permission, through a real FastAPI app.

Later routes declare ``ReadUser`` / ``TradeUser`` / ``AdminUser`` (or ``require(...)``); this
matrix is their contract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import LogCapture
from tests.support.auth import add_user, auth_container, bearer
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.users import ROLE_PERMISSIONS, Permission, Principal, Role, role_allows
from tradecore.http_api import create_app
from tradecore.http_auth import AdminUser, ReadUser, TradeUser, bearer_token
from tradecore.observability import logger

EXPECTED = {
    (Role.ADMIN, Permission.READ): True,
    (Role.ADMIN, Permission.TRADE): True,
    (Role.ADMIN, Permission.ADMIN): True,
    (Role.TRADER, Permission.READ): True,
    (Role.TRADER, Permission.TRADE): True,
    (Role.TRADER, Permission.ADMIN): False,
    (Role.VIEWER, Permission.READ): True,
    (Role.VIEWER, Permission.TRADE): False,
    (Role.VIEWER, Permission.ADMIN): False,
}


@pytest.fixture
def container(make_settings: Callable[..., Settings]) -> Container:
    return auth_container(make_settings())


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app("permissions-test", container_factory=lambda: container)

    @app.get("/read")
    def read(user: ReadUser) -> dict[str, str]:
        logger.info("inside a protected route")
        return {"user_id": user.user_id}

    @app.post("/trade")
    def trade(user: TradeUser) -> dict[str, str]:
        return {"user_id": user.user_id}

    @app.get("/admin")
    def admin(user: AdminUser) -> dict[str, str]:
        return {"user_id": user.user_id}

    with TestClient(app) as test_client:
        yield test_client


ROUTES = {Permission.READ: ("GET", "/read"), Permission.TRADE: ("POST", "/trade"), Permission.ADMIN: ("GET", "/admin")}


def test_permission_table_is_the_expected_matrix() -> None:
    assert {(role, perm): role_allows(role, perm) for role in Role for perm in Permission} == EXPECTED
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize(("role", "permission"), list(EXPECTED), ids=[f"{r}-{p}" for r, p in EXPECTED])
def test_permission_dependency_allows_or_forbids_each_role(
    client: TestClient, container: Container, role: Role, permission: Permission
) -> None:
    user = add_user(container, role)
    method, path = ROUTES[permission]

    response = client.request(method, path, headers=bearer(container, user))

    if EXPECTED[(role, permission)]:
        assert response.status_code == 200
        assert response.json() == {"user_id": user.user_id}
    else:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("permission", list(Permission))
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-token"},
    ],
    ids=["none", "empty", "no token", "basic", "garbage"],
)
def test_permission_dependency_answers_401_without_a_valid_token(
    client: TestClient, permission: Permission, headers: dict[str, str]
) -> None:
    method, path = ROUTES[permission]

    response = client.request(method, path, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_permission_dependency_refuses_a_revoked_token(client: TestClient, container: Container) -> None:
    user = add_user(container, Role.ADMIN)
    headers = bearer(container, user)
    container.token_service.revoke(container.token_service.verify(headers["Authorization"][7:]))

    assert client.get("/read", headers=headers).status_code == 401


def test_permission_dependency_binds_the_user_id_into_later_log_lines(
    client: TestClient, container: Container, log_capture: LogCapture
) -> None:
    user = add_user(container, Role.VIEWER)

    client.get("/read", headers=bearer(container, user))

    inside = [line for line in log_capture.records() if line["message"] == "inside a protected route"]
    assert inside
    assert inside[0]["user_id"] == user.user_id


def test_permission_dependency_returns_the_principal_of_the_token(container: Container) -> None:
    user = add_user(container, Role.TRADER)
    principal = container.token_service.verify(bearer_token(bearer(container, user)["Authorization"]))

    assert isinstance(principal, Principal)
    assert principal.can(Permission.TRADE)
    assert not principal.can(Permission.ADMIN)
    assert principal.owns(user.user_id)
    assert not principal.owns("someone-else")


def test_permission_dependency_documents_the_bearer_scheme_not_a_header_parameter(client: TestClient) -> None:
    document = client.app.openapi()

    assert document["components"]["securitySchemes"]["userToken"] == {
        **document["components"]["securitySchemes"]["userToken"],
        "type": "http",
        "scheme": "bearer",
    }
    for path, method in (("/read", "get"), ("/trade", "post"), ("/admin", "get")):
        operation = document["paths"][path][method]
        assert operation["security"] == [{"userToken": []}]
        assert "parameters" not in operation  # the header is the scheme's, not an input to validate (no 422)
