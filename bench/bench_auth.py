"""Auth costs per request: token verification (the hot path of every route) and login.

* Token verification with an in-memory denylist: what the code itself costs (HS256 check, claim
  validation, the denylist lookup through the port). Target ≤ 0.1 ms.
* The same with the DynamoDB-backed denylist (one consistent BatchGetItem per request), against
  a moto server on loopback. Caveat: moto is not DynamoDB; in AWS, a same-region consistent
  BatchGetItem usually takes a few milliseconds, so this figure shows the shape, not the cost.
* Login p50 with the real argon2id hasher (argon2-cffi defaults = RFC 9106 low-memory profile);
  argon2 dominates it by design. Users and throttle state are in memory, so MongoDB and DynamoDB
  round trips come on top.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bench.result import Result, median, percentile
from tradecore.domain.users import Role, User

if TYPE_CHECKING:
    from tradecore.ports import TokenCodec

SECRET = "bench-jwt-secret-0123456789abcdef0123"  # noqa: S105 - benchmark-only value
VERIFY_SAMPLES = 20_000
FIRST_SIGHT_SAMPLES = 4_000
DYNAMO_SAMPLES = 300
LOGIN_SAMPLES = 15
PASSWORD = "a long enough passphrase"  # noqa: S105 - benchmark-only value


def _user() -> User:
    now = datetime.now(UTC)
    return User(uuid.uuid4().hex, "bench@example.com", "unused", Role.TRADER, True, now, now)


def _per_call_ms(call: object, samples: int) -> list[float]:
    timings = []
    for _ in range(samples):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _codec() -> TokenCodec:
    from tradecore.adapters.auth.jwt_codec import JwtTokenCodec
    from tradecore.services.auth.tokens import REQUIRED_CLAIMS

    return JwtTokenCodec(SECRET, required_claims=REQUIRED_CLAIMS)


def _verify_in_memory() -> list[Result]:
    import jwt

    from tests.support.auth import InMemoryServiceState
    from tradecore.services.auth.revocation import StateTokenDenylist
    from tradecore.services.auth.tokens import TokenService

    tokens = TokenService(_codec(), StateTokenDenylist(InMemoryServiceState(), max_token_lifetime_seconds=86_430))
    token = tokens.issue(_user())
    _per_call_ms(lambda: tokens.verify(token), 500)  # warm up
    # a session's later requests: the token was verified once, expiry and denylist still checked
    timings = _per_call_ms(lambda: tokens.verify(token), VERIFY_SAMPLES)
    # a token this instance has not seen yet: signature and claims verified in full
    fresh = [tokens.issue(_user()) for _ in range(FIRST_SIGHT_SAMPLES)]
    fresh_iter = iter(fresh)
    first_sight = _per_call_ms(lambda: tokens.verify(next(fresh_iter)), FIRST_SIGHT_SAMPLES)
    # PyJWT's own decode of the same token, measured alongside: the floor under machine load
    required = ["sub", "role", "iat", "exp", "jti"]
    floor = _per_call_ms(
        lambda: jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": required}), VERIFY_SAMPLES
    )
    note = f"token seen before: expiry + in-memory denylist; {VERIFY_SAMPLES} calls"
    return [
        Result("auth.verify_token.p50", median(timings), "ms", target=0.1, note=note),
        Result("auth.verify_token.p99", percentile(timings, 99), "ms", note=note),
        Result(
            "auth.verify_token_first_sight.p50",
            median(first_sight),
            "ms",
            note=f"new token: HS256 + claims + denylist; {FIRST_SIGHT_SAMPLES} tokens",
        ),
        Result("auth.pyjwt_decode_only.p50", median(floor), "ms", note="reference: PyJWT decode alone"),
    ]


def _verify_dynamodb() -> list[Result]:
    from moto.server import ThreadedMotoServer

    from tests.support.auth import create_service_state_table
    from tests.support.servers import free_port
    from tradecore.adapters.aws.service_state import ServiceStateTable
    from tradecore.services.auth.revocation import StateTokenDenylist
    from tradecore.services.auth.tokens import TokenService

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {key: os.environ.get(key) for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(
        {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    )
    try:
        create_service_state_table(table_name="bench-state")
        denylist = StateTokenDenylist(ServiceStateTable("bench-state", "us-east-1"), max_token_lifetime_seconds=86_430)
        tokens = TokenService(_codec(), denylist)
        token = tokens.issue(_user())
        _per_call_ms(lambda: tokens.verify(token), 20)
        timings = _per_call_ms(lambda: tokens.verify(token), DYNAMO_SAMPLES)
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    note = "denylist = consistent BatchGetItem on a moto server over loopback (not real DynamoDB)"
    return [Result("auth.verify_token_dynamodb_moto.p50", median(timings), "ms", note=note)]


def _login() -> list[Result]:
    from tests.support.auth import InMemoryServiceState, InMemoryUserStore
    from tradecore.adapters.auth.passwords import Argon2PasswordHasher
    from tradecore.services.auth.revocation import StateTokenDenylist
    from tradecore.services.auth.service import AuthService
    from tradecore.services.auth.throttle import StateLoginThrottle
    from tradecore.services.auth.tokens import TokenService

    state = InMemoryServiceState()
    hasher = Argon2PasswordHasher()
    tokens = TokenService(_codec(), StateTokenDenylist(state, max_token_lifetime_seconds=86_430))
    throttle = StateLoginThrottle(state, max_failures=5, window_seconds=900)
    service = AuthService(InMemoryUserStore(), hasher, tokens, throttle)
    service.register("bench@example.com", PASSWORD)
    login = _per_call_ms(lambda: service.login("bench@example.com", PASSWORD), LOGIN_SAMPLES)
    unknown = _per_call_ms(lambda: _failed_login(service), 5)
    p = hasher.parameters
    params = f"argon2id t={p['time_cost']} m={p['memory_cost_kib'] // 1024} MiB p={p['parallelism']}"
    return [
        Result("auth.login.p50", median(login), "ms", note=f"{params} (RFC 9106 low-memory); in-memory stores"),
        Result("auth.login_unknown_email.p50", median(unknown), "ms", note="dummy hash verified: same cost"),
    ]


def _failed_login(service: object) -> None:
    from tradecore.errors import AuthenticationError

    with contextlib.suppress(AuthenticationError):
        service.login(f"{uuid.uuid4().hex}@example.com", PASSWORD)  # type: ignore[attr-defined]


def run() -> list[Result]:
    from tradecore.observability import configure_logging

    configure_logging("WARNING")  # the login loop would print a line per attempt
    return _verify_in_memory() + _verify_dynamodb() + _login()
