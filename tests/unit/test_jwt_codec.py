"""The PyJWT token codec: signature, algorithm and required claims are its checks; times are not."""

from __future__ import annotations

from collections.abc import Callable

import jwt
import pytest

from tests.conftest import TEST_JWT_SECRET
from tradecore.adapters.auth.jwt_codec import JwtTokenCodec
from tradecore.errors import AuthenticationError, ConfigurationError
from tradecore.ports import TokenCodec

REQUIRED = ("sub", "role", "iat", "exp", "jti")
CLAIMS = {"sub": "u-1", "role": "trader", "iat": 1_000_000_000.25, "exp": 1_000_086_400, "jti": "j-1"}


@pytest.fixture
def codec() -> TokenCodec:
    return JwtTokenCodec(TEST_JWT_SECRET, required_claims=REQUIRED)


def test_jwt_codec_decodes_what_it_encoded(codec: TokenCodec) -> None:
    assert codec.decode(codec.encode(CLAIMS)) == CLAIMS


def test_jwt_codec_writes_hs256_tokens_any_jwt_library_reads(codec: TokenCodec) -> None:
    token = codec.encode(CLAIMS)

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert jwt.decode(token, TEST_JWT_SECRET, algorithms=["HS256"], options={"verify_exp": False}) == CLAIMS


def test_jwt_codec_leaves_times_to_the_caller(codec: TokenCodec) -> None:
    # expired in 2001 and issued in 2100 by the real clock: the token service judges both on its own clock
    expired = codec.encode({**CLAIMS, "exp": 1_000_000_000})
    from_the_future = codec.encode({**CLAIMS, "iat": 4_102_444_800, "nbf": 4_102_444_800})

    assert codec.decode(expired)["exp"] == 1_000_000_000
    assert codec.decode(from_the_future)["iat"] == 4_102_444_800


@pytest.mark.parametrize("claim", REQUIRED)
def test_jwt_codec_refuses_a_token_missing_a_required_claim(codec: TokenCodec, claim: str) -> None:
    token = jwt.encode({k: v for k, v in CLAIMS.items() if k != claim}, TEST_JWT_SECRET, algorithm="HS256")

    with pytest.raises(AuthenticationError, match="not valid"):
        codec.decode(token)


FOREIGN_TOKENS: dict[str, Callable[[], str]] = {
    "another key": lambda: jwt.encode(CLAIMS, "another-secret-of-32-bytes-length!!", algorithm="HS256"),
    "another algorithm": lambda: jwt.encode(CLAIMS, TEST_JWT_SECRET, algorithm="HS512"),
    "alg none": lambda: jwt.encode(CLAIMS, None, algorithm="none"),  # type: ignore[arg-type]
    "not a jwt": lambda: "not.a.jwt",
    "empty": lambda: "",
}


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("make_token", FOREIGN_TOKENS.values(), ids=FOREIGN_TOKENS.keys())
def test_jwt_codec_refuses_a_token_it_did_not_sign(codec: TokenCodec, make_token: Callable[[], str]) -> None:
    with pytest.raises(AuthenticationError, match="not valid"):
        codec.decode(make_token())


@pytest.mark.parametrize("secret", [None, "", "x" * 31, "é" * 15])
def test_jwt_codec_refuses_to_start_without_a_256_bit_secret(secret: str | None) -> None:
    with pytest.raises(ConfigurationError, match="JWT_SECRET"):
        JwtTokenCodec(secret, required_claims=REQUIRED)


def test_jwt_codec_accepts_a_secret_of_exactly_32_bytes() -> None:
    codec = JwtTokenCodec("é" * 16, required_claims=REQUIRED)  # 16 characters, 32 bytes

    assert codec.decode(codec.encode(CLAIMS))["sub"] == "u-1"
