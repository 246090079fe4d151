"""User administration (admins only): list, create, change role or active flag."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from auth.schemas.users import NewUser, UserBody, UsersPage, UserUpdate, users_body
from tradecore.domain.users import USERS_MAX_OFFSET, USERS_PAGE_MAX
from tradecore.http_api import ContainerDep
from tradecore.http_auth import AdminUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["admin"])

_NOT_ADMIN = {403: "The caller is not an admin"}


@router.get(
    "/api/admin/users",
    response_model=UsersPage,
    responses=error_responses(401, 403, 422, 503, reasons={**_NOT_ADMIN, 422: "limit or offset out of bounds"}),
)
def list_users(
    _: AdminUser,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=USERS_PAGE_MAX)] = 100,
    offset: Annotated[int, Query(ge=0, le=USERS_MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """One page of users in creation order; 422 when ``limit`` or ``offset`` is out of bounds."""
    return users_body(container.auth_service.list_users(limit=limit, offset=offset), limit=limit, offset=offset)


@router.post(
    "/api/admin/users",
    status_code=201,
    response_model=UserBody,
    responses=error_responses(
        400, 401, 403, 409, 422, 503, reasons={**_NOT_ADMIN, 409: "An account with this email exists"}
    ),
)
def create_user(body: NewUser, _: AdminUser, container: ContainerDep) -> dict[str, Any]:
    """Create an account (the way in when REGISTRATION_MODE=closed)."""
    return container.auth_service.create_user(body.email, body.password, body.role).public()


@router.patch(
    "/api/admin/users/{user_id}",
    response_model=UserBody,
    responses=error_responses(
        400,
        401,
        403,
        404,
        409,
        422,
        503,
        reasons={
            **_NOT_ADMIN,
            404: "No such user",
            409: "Admins cannot change themselves, or the user was changed meanwhile",
        },
    ),
)
def update_user(user_id: str, body: UserUpdate, admin: AdminUser, container: ContainerDep) -> dict[str, Any]:
    """Change a user's role and/or deactivate them; their current tokens stop working at once."""
    return container.auth_service.update_user(admin, user_id, role=body.role, active=body.active).public()
