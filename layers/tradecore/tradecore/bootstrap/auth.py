"""Auth wiring: tokens, their denylist, passwords, users, the login throttle, the auth service.

Every time rule here reads the container's one clock, so a test that overrides ``clock=`` moves
token lifetimes, throttle windows and account timestamps together.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.ports import (
        LoginThrottle,
        PasswordHasher,
        SessionTerminator,
        TokenCodec,
        TokenDenylist,
        UserStore,
    )
    from tradecore.services.auth.service import AuthService
    from tradecore.services.auth.tokens import TokenService


class AuthWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by RealtimeWiring

        @property
        def session_terminator(self) -> SessionTerminator | None: ...

    @cached_property
    def token_denylist(self) -> TokenDenylist:
        from tradecore.services.auth.revocation import StateTokenDenylist

        lifetime = self.settings.jwt_expiry_hours * 3600 + self.settings.jwt_leeway_seconds
        return StateTokenDenylist(self.service_state, max_token_lifetime_seconds=lifetime)

    @cached_property
    def token_codec(self) -> TokenCodec:
        """HS256 JWTs keyed with JWT_SECRET (``ConfigurationError`` when it is missing or short)."""
        from tradecore.adapters.auth.jwt_codec import JwtTokenCodec
        from tradecore.services.auth.tokens import REQUIRED_CLAIMS

        secret = self.settings.jwt_secret.get_secret_value() if self.settings.jwt_secret else None
        return JwtTokenCodec(secret, required_claims=REQUIRED_CLAIMS)

    @cached_property
    def token_service(self) -> TokenService:
        from tradecore.services.auth.tokens import TokenService

        return TokenService(
            self.token_codec,
            self.token_denylist,
            expiry_hours=self.settings.jwt_expiry_hours,
            leeway_seconds=self.settings.jwt_leeway_seconds,
            clock=self.clock,
            # with a WebSocket API, revoking a token also closes the connections it opened
            sessions=self.session_terminator,
        )

    @cached_property
    def password_hasher(self) -> PasswordHasher:
        from tradecore.adapters.auth.passwords import Argon2PasswordHasher

        return Argon2PasswordHasher()

    @cached_property
    def user_store(self) -> UserStore:
        from tradecore.adapters.mongo.user_store import MongoUserStore

        return MongoUserStore(self.mongo)

    @cached_property
    def login_throttle(self) -> LoginThrottle:
        from tradecore.services.auth.throttle import StateLoginThrottle

        return StateLoginThrottle(
            self.service_state,
            max_failures=self.settings.login_max_failures,
            window_seconds=self.settings.login_window_seconds,
            clock=self.clock,
        )

    @cached_property
    def auth_service(self) -> AuthService:
        from tradecore.config import RegistrationMode
        from tradecore.services.auth.service import AuthService

        return AuthService(
            self.user_store,
            self.password_hasher,
            self.token_service,
            self.login_throttle,
            registration_open=self.settings.registration_mode is RegistrationMode.OPEN,
            bootstrap_admin_email=self.settings.bootstrap_admin_email,
            clock=self.clock,
        )
