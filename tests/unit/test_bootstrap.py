"""The composition root: typed providers, one clock for every wired time rule, leaves overridable."""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cached_property

import pytest

from tests.support.auth import (
    FakeClock,
    FastPasswordHasher,
    InMemoryServiceState,
    InMemoryUserStore,
    add_user,
    auth_container,
)
from tests.support.breaker import InMemoryBreakerStore
from tests.support.candles import make_candles
from tests.support.fake_analysis import FakeAnalysisStore
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.users import Role
from tradecore.errors import AuthenticationError, RateLimitedError
from tradecore.services.analysis.service import AnalysisRequest

PASSWORD = "a long enough passphrase"
DAY = 86_400


def _providers() -> dict[str, Callable[..., object]]:
    """Every public provider of the container: cached properties and methods, by name."""
    found: dict[str, Callable[..., object]] = {}
    for cls in reversed(Container.__mro__[:-1]):  # the most derived definition wins, as at runtime
        for name, attribute in vars(cls).items():
            if name.startswith("_"):
                continue
            if isinstance(attribute, cached_property):
                found[name] = attribute.func
            elif inspect.isfunction(attribute):
                found[name] = attribute
    return found


def test_every_provider_is_typed_and_none_returns_any() -> None:
    providers = _providers()
    assert {"clock", "service_state", "token_service", "auth_service", "exchange", "core_health"} <= set(providers)

    untyped = {name for name, func in providers.items() if "return" not in func.__annotations__}
    any_typed = {
        name for name, func in providers.items() if re.search(r"\bAny\b", str(func.__annotations__.get("return")))
    }

    assert untyped == set()
    assert any_typed == set()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # a fixed instant: a rule reading the real clock disagrees with it


@pytest.fixture
def container(make_settings: Callable[..., Settings], clock: FakeClock) -> Iterator[Container]:
    # GIVEN only the leaves overridden: the clock, the stores, the hasher
    container = bootstrap(
        make_settings(login_max_failures=2, login_window_seconds=900),
        clock=clock,
        service_state=InMemoryServiceState(clock),
        user_store=InMemoryUserStore(),
        password_hasher=FastPasswordHasher(),
        analysis_store=FakeAnalysisStore(),
        breaker_store=InMemoryBreakerStore(),
    )
    yield container
    if "analysis_service" in container.__dict__:
        container.analysis_service.pending.close()


def test_token_lifetime_runs_on_the_container_clock(container: Container, clock: FakeClock) -> None:
    session = container.auth_service.register("trader@example.com", PASSWORD)

    assert session.expires_at == int(clock.now) + DAY
    assert session.user.created_at == datetime.fromtimestamp(clock.now, UTC)
    clock.advance(DAY - 60)
    assert container.token_service.verify(session.token).user_id == session.user.user_id
    clock.advance(60 + container.settings.jwt_leeway_seconds + 1)
    with pytest.raises(AuthenticationError):
        container.token_service.verify(session.token)


def test_login_throttle_window_runs_on_the_container_clock(container: Container, clock: FakeClock) -> None:
    container.auth_service.register("trader@example.com", PASSWORD)
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            container.auth_service.login("trader@example.com", "wrong password, surely")

    with pytest.raises(RateLimitedError):
        container.auth_service.login("trader@example.com", PASSWORD)
    clock.advance(901)
    assert container.auth_service.login("trader@example.com", PASSWORD).user.email == "trader@example.com"


def test_analysis_timestamps_run_on_the_container_clock(container: Container, clock: FakeClock) -> None:
    keys = ("open_time", "open", "high", "low", "close", "volume")
    rows = [tuple(float(str(candle[k])) for k in keys) for candle in make_candles("up", 80)]

    record = container.analysis_service.analyze(
        AnalysisRequest(symbol="BTCUSDT", timeframe="1h", candles=rows), time.monotonic() + 10
    )

    assert record.timestamp == datetime.fromtimestamp(clock.now, UTC)


def test_an_overridden_leaf_reaches_everything_built_on_it(container: Container, clock: FakeClock) -> None:
    session = container.auth_service.register("trader@example.com", PASSWORD)
    container.auth_service.logout(container.token_service.verify(session.token))

    # another instance on the same state (as another Lambda on the same table) sees the logout:
    # the denylist, the token service and the auth service were all built on the overridden leaf
    other = bootstrap(container.settings, clock=clock, service_state=container.service_state)
    with pytest.raises(AuthenticationError):
        other.token_service.verify(session.token)


def test_an_unknown_override_is_refused(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(TypeError, match="unknown override 'clok'"):
        bootstrap(make_settings(), clok=FakeClock())


def test_auth_container_wires_the_auth_graph_on_its_leaves(make_settings: Callable[..., Settings]) -> None:
    clock = FakeClock()
    container = auth_container(make_settings(), clock=clock)

    user = add_user(container, Role.TRADER)
    token = container.token_service.issue(user)

    # users, tokens and their expiry all run on the one clock given
    assert user.created_at == user.updated_at == datetime.fromtimestamp(clock.now, UTC)
    assert container.token_service.verify(token).user_id == user.user_id
    clock.advance(DAY + container.settings.jwt_leeway_seconds + 1)
    with pytest.raises(AuthenticationError):
        container.token_service.verify(token)


def test_without_an_outbox_url_the_outbox_is_down_not_a_startup_failure(make_settings: Callable[..., Settings]) -> None:
    from tests.support.trade_records import full_trade_record
    from tradecore.errors import DependencyUnavailableError

    container = bootstrap(make_settings(trade_outbox_queue_url=None))

    # the journal then treats it as down: the trade flow refuses to send while MongoDB is down too
    with pytest.raises(DependencyUnavailableError, match="TRADE_OUTBOX_QUEUE_URL"):
        container.trade_outbox.put(full_trade_record())


def test_the_stream_task_posts_through_signed_aiohttp_and_functions_through_boto3_threads(
    make_settings: Callable[..., Settings],
) -> None:
    from tradecore.adapters.aws.signed_poster import SignedConnectionPoster
    from tradecore.services.realtime.delivery import ConcurrentPoster

    url = "https://abc.execute-api.us-east-1.amazonaws.com/dev"
    function = bootstrap(make_settings(websocket_management_url=url))
    task = bootstrap(make_settings(websocket_management_url=url, websocket_poster="async"))

    assert function.message_poster is None
    assert isinstance(function.fanout._poster, ConcurrentPoster)
    assert isinstance(task.message_poster, SignedConnectionPoster)
    assert task.fanout._poster is task.message_poster
