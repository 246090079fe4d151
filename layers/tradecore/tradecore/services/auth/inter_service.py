"""The internal API's guard: ``Authorization: Bearer {INTER_SERVICE_TOKEN}``, compared in constant time."""

from __future__ import annotations

import hmac

from pydantic import SecretStr

from tradecore.errors import AuthenticationError


def verify_service_token(expected: SecretStr | None, authorization: str | None) -> None:
    """Return quietly when ``authorization`` carries the service token; raise ``AuthenticationError`` otherwise.

    An unset token refuses everyone (a misconfigured service must not become an open one).
    """
    scheme, _, presented = (authorization or "").partition(" ")
    if expected is None or scheme.lower() != "bearer" or not presented:
        raise AuthenticationError("A valid service token is required")
    if not hmac.compare_digest(presented.strip().encode(), expected.get_secret_value().encode()):
        raise AuthenticationError("A valid service token is required")
