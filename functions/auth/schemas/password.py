"""Changing one's own password."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from auth.schemas import MAX_INPUT


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=MAX_INPUT)
    new_password: str = Field(min_length=1, max_length=MAX_INPUT)
