"""A user as the API shows it (never the password hash), and the admin's requests about users."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from auth.schemas import MAX_INPUT
from tradecore.domain.users import Role, User


class UserBody(BaseModel):
    """``User.public()``: what the API may show about a user."""

    id: str
    email: str
    role: Role
    active: bool
    created_at: str = Field(description="ISO 8601, UTC")
    updated_at: str = Field(description="ISO 8601, UTC")


class UsersPage(BaseModel):
    users: list[UserBody] = Field(description="In creation order")
    limit: int
    offset: int


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=MAX_INPUT)
    password: str = Field(min_length=1, max_length=MAX_INPUT)
    role: Role = Role.VIEWER


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    active: bool | None = None


def users_body(users: list[User], *, limit: int, offset: int) -> dict[str, Any]:
    return {"users": [user.public() for user in users], "limit": limit, "offset": offset}
