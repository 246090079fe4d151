"""Access tokens: every way a token can be wrong is a 401, and revocation works across instances."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import TEST_JWT_SECRET
from tests.support.auth import FakeClock, InMemoryServiceState
from tradecore.adapters.auth.jwt_codec import JwtTokenCodec
from tradecore.domain.users import Role, User
from tradecore.errors import AuthenticationError, ConfigurationError
from tradecore.services.auth.revocation import StateTokenDenylist
from tradecore.services.auth.tokens import REQUIRED_CLAIMS, TokenService

DAY = 24 * 3600
CODEC = JwtTokenCodec(TEST_JWT_SECRET, required_claims=REQUIRED_CLAIMS)


def _user(role: Role = Role.TRADER) -> User:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return User("u-1", "a@example.com", "h", role, True, now, now)


@pytest.fixture
def clock() -> FakeClock:
    import time

    return FakeClock(time.time())


@pytest.fixture
def tokens(clock: FakeClock) -> TokenService:
    denylist = StateTokenDenylist(InMemoryServiceState(clock), max_token_lifetime_seconds=DAY + 30)
    return TokenService(CODEC, denylist, clock=clock)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**overrides: Any) -> dict[str, Any]:
    import time

    now = int(time.time())
    claims: dict[str, Any] = {"sub": "u-1", "role": "admin", "iat": now, "exp": now + 3600, "jti": "j-1"}
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _hand_signed(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def test_tokens_issued_token_verifies_to_its_user_and_role(tokens: TokenService) -> None:
    principal = tokens.verify(tokens.issue(_user(Role.VIEWER)))

    assert (principal.user_id, principal.role) == ("u-1", Role.VIEWER)
    claims = jwt.decode(tokens.issue(_user()), TEST_JWT_SECRET, algorithms=["HS256"])
    assert set(REQUIRED_CLAIMS) <= set(claims)
    assert claims["exp"] - int(claims["iat"]) == DAY


def test_tokens_expired_token_is_refused(tokens: TokenService, clock: FakeClock) -> None:
    clock.advance(-(DAY + 120))
    old = tokens.issue(_user())
    clock.advance(DAY + 120)

    with pytest.raises(AuthenticationError, match="expired"):
        tokens.verify(old)


def test_tokens_a_token_verified_before_still_expires(tokens: TokenService, clock: FakeClock) -> None:
    token = tokens.issue(_user())
    assert tokens.verify(token).user_id == "u-1"  # verified once, remembered
    clock.advance(DAY + 60)

    with pytest.raises(AuthenticationError, match="expired"):
        tokens.verify(token)


def test_tokens_tampering_with_a_verified_token_is_still_refused(tokens: TokenService) -> None:
    token = tokens.issue(_user(Role.VIEWER))
    assert tokens.verify(token).role is Role.VIEWER

    with pytest.raises(AuthenticationError, match="not valid"):
        tokens.verify(_tamper_role(token))


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def _tamper_role(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def _flip_signature(token: str) -> str:
    head, _, signature = token.rpartition(".")
    return f"{head}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"


def _rsa_private_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encoding, fmt = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    return key.private_bytes(encoding, fmt, serialization.NoEncryption())


def _rsa_public_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


BAD_TOKENS: dict[str, Callable[[TokenService], str]] = {
    "tampered payload": lambda t: _tamper_role(t.issue(_user(Role.VIEWER))),
    "tampered signature": lambda t: _flip_signature(t.issue(_user())),
    "wrong secret": lambda t: jwt.encode(_claims(), "another-secret-of-32-bytes-length!!", algorithm="HS256"),
    "alg none": lambda t: jwt.encode(_claims(), None, algorithm="none"),  # type: ignore[arg-type]
    "alg none, hand made": lambda t: _unsigned({"alg": "none", "typ": "JWT"}, _claims()),
    "HS384 with the right secret": lambda t: jwt.encode(_claims(), TEST_JWT_SECRET, algorithm="HS384"),
    "HS512 with the right secret": lambda t: jwt.encode(_claims(), TEST_JWT_SECRET, algorithm="HS512"),
    "RS256 signed with a private key": lambda t: jwt.encode(_claims(), _rsa_private_pem(), algorithm="RS256"),
    "RS256 header over an HMAC of the secret": lambda t: _hand_signed(
        {"alg": "RS256", "typ": "JWT"}, _claims(), TEST_JWT_SECRET.encode()
    ),
    "HS256 keyed with a public key": lambda t: _hand_signed(
        {"alg": "HS256", "typ": "JWT"}, _claims(), _rsa_public_pem()
    ),
    "unknown role": lambda t: jwt.encode(_claims(role="root"), TEST_JWT_SECRET, algorithm="HS256"),
    "iat far in the future": lambda t: jwt.encode(_claims(iat=9_999_999_999), TEST_JWT_SECRET, algorithm="HS256"),
    "not a jwt": lambda t: "not.a.jwt",
    "garbage": lambda t: "Zm9v",
} | {
    f"missing {claim}": (lambda t, c=claim: jwt.encode(_claims(**{c: None}), TEST_JWT_SECRET, algorithm="HS256"))
    for claim in REQUIRED_CLAIMS
}


def test_tokens_hand_made_claims_verify_when_signed_properly(tokens: TokenService) -> None:
    # the control for the table below: its tokens fail for the one reason each names
    good = _hand_signed({"alg": "HS256", "typ": "JWT"}, _claims(), TEST_JWT_SECRET.encode())

    assert tokens.verify(good).role is Role.ADMIN


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("make_token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_tokens_bad_token_is_refused(tokens: TokenService, make_token: Callable[[TokenService], str]) -> None:
    with pytest.raises(AuthenticationError):
        tokens.verify(make_token(tokens))


@pytest.mark.parametrize("token", [None, ""])
def test_tokens_missing_token_is_refused(tokens: TokenService, token: str | None) -> None:
    with pytest.raises(AuthenticationError, match="required"):
        tokens.verify(token)


def test_tokens_revoked_token_is_refused_and_others_are_not(tokens: TokenService) -> None:
    revoked, kept = tokens.issue(_user()), tokens.issue(_user())

    tokens.revoke(tokens.verify(revoked))

    with pytest.raises(AuthenticationError, match="revoked"):
        tokens.verify(revoked)
    assert tokens.verify(kept).user_id == "u-1"


def test_tokens_revoke_all_before_spares_tokens_issued_after_even_in_the_same_second(
    tokens: TokenService, clock: FakeClock
) -> None:
    clock.now = 1_795_600_000.2
    before = tokens.issue(_user())
    clock.now = 1_795_600_000.5
    tokens.revoke_all_before("u-1", clock())
    clock.now = 1_795_600_000.7
    after = tokens.issue(_user())

    with pytest.raises(AuthenticationError, match="revoked"):
        tokens.verify(before)
    assert tokens.verify(after).user_id == "u-1"


def test_tokens_revocation_entries_expire_with_the_tokens(clock: FakeClock) -> None:
    state = InMemoryServiceState(clock)
    denylist = StateTokenDenylist(state, max_token_lifetime_seconds=DAY + 30)
    tokens = TokenService(CODEC, denylist, clock=clock)
    principal = tokens.verify(tokens.issue(_user()))
    tokens.revoke(principal)
    tokens.revoke_all_before("u-1", clock())

    records = [*state.revoked_tokens.values(), *state.tokens_not_before.values()]
    assert len(records) == 2
    assert all(record.expires_at <= clock() + DAY + 32 for record in records)
    assert all(record.expires_at >= principal.expires_at for record in records)


@pytest.mark.parametrize("when", [1_000_000_000.0, 4_102_444_800.0], ids=["2001", "2100"])
def test_tokens_every_time_rule_reads_the_injected_clock(when: float) -> None:
    # GIVEN a service whose clock is decades away from the real one
    clock = FakeClock(when)
    denylist = StateTokenDenylist(InMemoryServiceState(clock), max_token_lifetime_seconds=DAY + 30)
    tokens = TokenService(CODEC, denylist, clock=clock)
    token = tokens.issue(_user())

    # THEN validity follows that clock alone: valid now, valid within the leeway, expired after it
    assert tokens.verify(token).user_id == "u-1"
    clock.advance(DAY + 29)
    assert tokens.verify(token).user_id == "u-1"
    clock.advance(1)
    with pytest.raises(AuthenticationError, match="expired"):
        tokens.verify(token)


def test_tokens_issued_later_than_the_clock_allows_are_refused(tokens: TokenService, clock: FakeClock) -> None:
    clock.advance(31)  # beyond the 30 s leeway
    from_the_future = tokens.issue(_user())
    clock.advance(-31)

    with pytest.raises(AuthenticationError, match="not valid yet"):
        tokens.verify(from_the_future)


def test_tokens_a_revoked_token_stays_revoked_through_the_leeway(tokens: TokenService, clock: FakeClock) -> None:
    token = tokens.issue(_user())
    principal = tokens.verify(token)
    tokens.revoke(principal)

    # verification accepts an expired token for the leeway: the denylist entry must outlive it
    clock.now = principal.expires_at + 29
    with pytest.raises(AuthenticationError, match="revoked"):
        tokens.verify(token)


@pytest.mark.parametrize("secret", [None, "", "short-secret"])
def test_tokens_refuse_to_start_with_a_missing_or_short_secret(secret: str | None) -> None:
    with pytest.raises(ConfigurationError, match="JWT_SECRET"):
        TokenService(
            JwtTokenCodec(secret, required_claims=REQUIRED_CLAIMS),
            StateTokenDenylist(InMemoryServiceState(), max_token_lifetime_seconds=DAY),
        )
