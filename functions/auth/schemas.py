"""Request and response bodies of the auth API.

Length bounds here only stop absurd payloads early; the password policy (10-128 characters) and
email normalisation are the domain's (``tradecore.domain.users``), so every entry point shares them.
Validation messages never echo the submitted values.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tradecore.domain.users import Role, User
from tradecore.services.auth.service import Session

_MAX_INPUT = 1024


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=_MAX_INPUT)
    password: str = Field(min_length=1, max_length=_MAX_INPUT)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=_MAX_INPUT)
    new_password: str = Field(min_length=1, max_length=_MAX_INPUT)


class NewUser(Credentials):
    role: Role = Role.VIEWER


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    active: bool | None = None


def session_body(session: Session) -> dict[str, Any]:
    return {
        "access_token": session.token,
        "token_type": "bearer",
        "expires_at": session.expires_at,
        "user": session.user.public(),
    }


def users_body(users: list[User], *, limit: int, offset: int) -> dict[str, Any]:
    return {"users": [user.public() for user in users], "limit": limit, "offset": offset}
