"""Changing one's own password (which ends every other session)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from auth.schemas.password import PasswordChange
from auth.schemas.session import SessionBody, session_body
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["auth"])


@router.post(
    "/api/auth/password",
    response_model=SessionBody,
    responses=error_responses(
        400,
        401,
        403,
        409,
        422,
        429,
        503,
        reasons={
            403: "The current password is not correct",
            409: "An administrator changed the account meanwhile",
            422: "The new password breaks the policy (10 to 128 characters)",
            429: "Too many wrong current passwords; wait for Retry-After seconds",
        },
    ),
)
def change_password(body: PasswordChange, user: ReadUser, container: ContainerDep) -> dict[str, Any]:
    """Change the caller's password; every earlier token is revoked and a fresh session returned."""
    session = container.auth_service.change_password(user, body.current_password, body.new_password)
    return session_body(session)
