"""Logging in and out: credentials in, a session (token and user) out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from auth.schemas import MAX_INPUT
from auth.schemas.users import UserBody
from tradecore.domain.users import Role
from tradecore.services.auth.service import Session


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=MAX_INPUT)
    password: str = Field(min_length=1, max_length=MAX_INPUT)


class SessionBody(BaseModel):
    access_token: str = Field(description="A JWT; send it as 'Authorization: Bearer <access_token>'")
    token_type: Literal["bearer"]
    expires_at: int = Field(description="Epoch seconds")
    user: UserBody


class CurrentUser(BaseModel):
    """The caller. ``source: token`` while MongoDB is down: only what the verified token proves
    (no email, no timestamps)."""

    id: str
    email: str | None
    role: Role
    active: bool
    source: Literal["database", "token"]
    created_at: str | None = Field(default=None, description="ISO 8601, UTC; absent when source is token")
    updated_at: str | None = Field(default=None, description="ISO 8601, UTC; absent when source is token")


def session_body(session: Session) -> dict[str, Any]:
    return {
        "access_token": session.token,
        "token_type": "bearer",
        "expires_at": session.expires_at,
        "user": session.user.public(),
    }
