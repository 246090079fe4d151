"""Sessions: register and log in (public), who am I, log out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from auth.schemas.session import Credentials, CurrentUser, SessionBody, session_body
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["auth"])

_SESSION_DENIED = {
    401: "Wrong email or password (the same answer for an unknown email), or the account is deactivated",
    409: "The account kept changing while the login was checked; try again",
    429: "Too many failed logins for this email; wait for Retry-After seconds",
}


@router.post(
    "/api/auth/register",
    status_code=201,
    response_model=SessionBody,
    responses=error_responses(
        400,
        403,
        409,
        422,
        503,
        reasons={
            403: "Self-registration is closed (REGISTRATION_MODE=closed): an administrator creates accounts",
            409: "An account with this email exists",
            422: "Not an email address, or the password breaks the policy (10 to 128 characters)",
            503: "The user database cannot be reached; registrations are refused until it can",
        },
    ),
)
def register(body: Credentials, container: ContainerDep) -> dict[str, Any]:
    """Self-registration: 201 with a session; the first user of an installation becomes its admin."""
    return session_body(container.auth_service.register(body.email, body.password))


@router.post(
    "/api/auth/login",
    response_model=SessionBody,
    responses=error_responses(400, 401, 409, 422, 429, 503, reasons=_SESSION_DENIED),
)
def login(body: Credentials, container: ContainerDep) -> dict[str, Any]:
    """A session for valid credentials (token from the account as stored after the password check); 401
    otherwise or when deactivated meanwhile, 429 with Retry-After after 5 failures, 409 if it keeps changing."""
    return session_body(container.auth_service.login(body.email, body.password))


@router.get(
    "/api/auth/me",
    response_model=CurrentUser,
    response_model_exclude_unset=True,
    responses=error_responses(401, 503, reasons={503: "The token cannot be checked against the revocation list"}),
)
def me(user: ReadUser, container: ContainerDep) -> dict[str, Any]:
    """The caller's account. While MongoDB is down, what the verified token proves (``source: token``)."""
    return container.auth_service.who_am_i(user)


@router.post(
    "/api/auth/logout",
    status_code=204,
    responses=error_responses(401, 503),
)
def logout(user: ReadUser, container: ContainerDep) -> Response:
    """Revoke the token of this request."""
    container.auth_service.logout(user)
    return Response(status_code=204)
