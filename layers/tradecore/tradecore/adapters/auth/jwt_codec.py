"""The :class:`~tradecore.ports.TokenCodec` port with PyJWT: HS256 JSON Web Tokens.

Decoding pins the algorithm (``algorithms=["HS256"]``), so ``alg: none`` and algorithm confusion
(an RS256/HS384 header, a public key used as an HMAC secret) are refused before any claim is read,
and every required claim must be present. PyJWT's own ``exp``/``iat``/``nbf`` checks read the real
clock, so they are off: the token service applies them on its injected clock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import jwt

from tradecore.errors import AuthenticationError, ConfigurationError

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key must be at least 256 bits


class JwtTokenCodec:
    """Signs and checks HS256 tokens with ``secret`` (``JWT_SECRET``)."""

    def __init__(self, secret: str | None, *, required_claims: Collection[str]) -> None:
        """``ConfigurationError`` when the secret is missing or shorter than 32 bytes: a weak HMAC
        key would let anyone who guesses it mint tokens, so the function refuses to start."""
        if not secret or len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(f"JWT_SECRET must be set and at least {MIN_SECRET_BYTES} bytes long")
        self._secret = secret
        self._options: jwt.types.Options = {
            "require": list(required_claims),
            "verify_exp": False,
            "verify_iat": False,
            "verify_nbf": False,
        }

    def encode(self, claims: Mapping[str, object]) -> str:
        return jwt.encode(dict(claims), self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> dict[str, object]:
        """The claims, after the signature, the algorithm and the presence of every required claim
        were checked; ``AuthenticationError`` (the same message, whatever was wrong) otherwise."""
        try:
            claims: dict[str, object] = jwt.decode(token, self._secret, algorithms=[ALGORITHM], options=self._options)
        except jwt.InvalidTokenError:
            raise AuthenticationError("The token is not valid") from None
        return claims
