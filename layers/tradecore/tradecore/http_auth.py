"""The one FastAPI dependency every non-public route uses: authenticate, then check a permission.

Usage in any function's app::

    from tradecore.http_auth import TradeUser          # = Annotated[Principal, require(Permission.TRADE)]

    @app.post("/api/trades/execute")
    def execute(body: TradeRequest, user: TradeUser, container: ContainerDep) -> ...:
        ...  # user.user_id scopes every read/write to the caller's own data

Missing, malformed, expired, tampered or revoked tokens → 401; a valid token whose role lacks
the permission → 403. The user id is bound into every later log line of the request. Public
routes (login, register, health) simply do not declare it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase

from tradecore.domain.users import Permission, Principal
from tradecore.errors import AuthenticationError, ForbiddenError
from tradecore.http_api import ContainerDep
from tradecore.observability import bind_user

_SCHEME = "bearer"


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; ``AuthenticationError`` otherwise."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != _SCHEME or not token.strip():
        raise AuthenticationError("Authentication required: send 'Authorization: Bearer <token>'")
    return token.strip()


class BearerHeader(SecurityBase):
    """The raw ``Authorization`` header, declared as an HTTP bearer scheme so the OpenAPI document
    says how to authenticate. It judges nothing: :func:`bearer_token` (or the caller) does."""

    def __init__(self, scheme_name: str, description: str) -> None:
        self.model = HTTPBearerModel(description=description)
        self.scheme_name = scheme_name

    async def __call__(self, request: Request) -> str | None:
        return request.headers.get("Authorization")


USER_TOKEN = BearerHeader("userToken", "The access token from /api/auth/login or /api/auth/register")


def require(permission: Permission) -> Any:
    """A ``Depends`` that returns the caller's :class:`Principal` when it holds ``permission``."""

    # async, so bind_user runs in the request's own context and reaches the route's log lines
    # (sync dependencies run in a worker thread on a copy of the context)
    async def authenticated(
        container: ContainerDep,
        authorization: Annotated[str | None, Security(USER_TOKEN)],
    ) -> Principal:
        principal: Principal = container.token_service.verify(bearer_token(authorization))
        bind_user(principal.user_id)
        if not principal.can(permission):
            raise ForbiddenError(f"Your role ({principal.role.value}) does not allow this ({permission.value})")
        return principal

    dependency: Callable[..., Awaitable[Principal]] = authenticated
    return Depends(dependency)


ReadUser = Annotated[Principal, require(Permission.READ)]
TradeUser = Annotated[Principal, require(Permission.TRADE)]
AdminUser = Annotated[Principal, require(Permission.ADMIN)]
