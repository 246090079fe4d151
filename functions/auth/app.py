"""Auth API (``/api/auth/*``, ``/api/admin/users*``): one FastAPI app, one Lambda per endpoint.

Public: register and login. Everything else goes through ``tradecore.http_auth``'s dependency.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from auth.schemas import Credentials, NewUser, PasswordChange, UserUpdate, session_body, users_body
from tradecore.domain.users import USERS_MAX_OFFSET, USERS_PAGE_MAX
from tradecore.http_api import ContainerDep, create_app, lambda_entry
from tradecore.http_auth import AdminUser, ReadUser

app = create_app("auth")


@app.post("/api/auth/register", status_code=201, tags=["auth"])
def register(body: Credentials, container: ContainerDep) -> dict[str, Any]:
    """Self-registration: 201 with a session; 409 taken email, 403 closed, 503 MongoDB down."""
    return session_body(container.auth_service.register(body.email, body.password))


@app.post("/api/auth/login", tags=["auth"])
def login(body: Credentials, container: ContainerDep) -> dict[str, Any]:
    """A session for valid credentials (token from the account as stored after the password check); 401
    otherwise or when deactivated meanwhile, 429 with Retry-After after 5 failures, 409 if it keeps changing."""
    return session_body(container.auth_service.login(body.email, body.password))


@app.get("/api/auth/me", tags=["auth"])
def me(user: ReadUser, container: ContainerDep) -> dict[str, Any]:
    """The caller's account. While MongoDB is down, what the verified token proves (``source: token``)."""
    return container.auth_service.who_am_i(user)


@app.post("/api/auth/logout", status_code=204, tags=["auth"])
def logout(user: ReadUser, container: ContainerDep) -> Response:
    """Revoke the token of this request."""
    container.auth_service.logout(user)
    return Response(status_code=204)


@app.post("/api/auth/password", tags=["auth"])
def change_password(body: PasswordChange, user: ReadUser, container: ContainerDep) -> dict[str, Any]:
    """Change the caller's password; every earlier token is revoked and a fresh session returned."""
    session = container.auth_service.change_password(user, body.current_password, body.new_password)
    return session_body(session)


@app.get("/api/admin/users", tags=["admin"])
def list_users(
    _: AdminUser,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=USERS_PAGE_MAX)] = 100,
    offset: Annotated[int, Query(ge=0, le=USERS_MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """One page of users in creation order; 422 when ``limit`` or ``offset`` is out of bounds."""
    return users_body(container.auth_service.list_users(limit=limit, offset=offset), limit=limit, offset=offset)


@app.post("/api/admin/users", status_code=201, tags=["admin"])
def create_user(body: NewUser, _: AdminUser, container: ContainerDep) -> dict[str, Any]:
    """Create an account (the way in when REGISTRATION_MODE=closed)."""
    return container.auth_service.create_user(body.email, body.password, body.role).public()


@app.patch("/api/admin/users/{user_id}", tags=["admin"])
def update_user(user_id: str, body: UserUpdate, admin: AdminUser, container: ContainerDep) -> dict[str, Any]:
    """Change a user's role and/or deactivate them; their current tokens stop working at once."""
    return container.auth_service.update_user(admin, user_id, role=body.role, active=body.active).public()


handler = lambda_entry(app)
