"""GET /api/account through the trade function's real handler, on the container's fakes: every
caller (anonymous, viewer, trader, admin, another user) gets the expected status and only ever
their own balances; refresh is rate limited with Retry-After; no connection is a 409 saying how."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.support.account_fakes import FakeCache, FakeExchange, FakeExchanges, FakeMarket, balance
from tests.support.auth import FakeClock, add_user, api_event, auth_container
from trade import app as trade_app
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.users import Role

Invoke = Callable[..., tuple[int, dict[str, Any], dict[str, str]]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def exchanges() -> FakeExchanges:
    return FakeExchanges()


@pytest.fixture
def container(
    make_settings: Callable[..., Settings], clock: FakeClock, exchanges: FakeExchanges
) -> Iterator[Container]:
    container = auth_container(
        make_settings(),
        clock=clock,
        account_exchanges=exchanges,
        account_state=FakeCache(clock),
        exchange=FakeMarket({"BTCUSDT": "40000"}),
    )
    trade_app.app.state.container = container
    yield container
    trade_app.app.state.container = None


@pytest.fixture
def tokens(container: Container, exchanges: FakeExchanges) -> dict[str, str]:
    """A token per caller; each user but ``fresh`` has an account holding a different amount."""
    tokens = {}
    for number, name in enumerate(("viewer", "trader", "admin", "other", "fresh"), start=1):
        user = add_user(container, Role.TRADER if name in ("other", "fresh") else Role(name))
        tokens[name] = container.token_service.issue(user)
        if name != "fresh":
            exchanges.accounts[user.user_id] = FakeExchange({"USDT": balance("USDT", str(number), "0.5")})
    return tokens


@pytest.fixture
def invoke(load_event: Callable[[str], dict[str, Any]], lambda_context: Any) -> Invoke:
    def call(token: str | None, query: str = "") -> tuple[int, dict[str, Any], dict[str, str]]:
        response = trade_app.handler(api_event(load_event("trade_account"), token=token, query=query), lambda_context)
        return response["statusCode"], json.loads(response["body"]), response["headers"]

    return call


@pytest.mark.parametrize(
    ("caller", "status", "free"),
    [(None, 401, None), ("viewer", 200, "1"), ("trader", 200, "2"), ("admin", 200, "3"), ("other", 200, "4")],
    ids=["anonymous", "viewer", "trader", "admin", "another-user"],
)
def test_account_route_answers_each_caller_with_only_their_own_account(
    tokens: dict[str, str], invoke: Invoke, caller: str | None, status: int, free: str | None
) -> None:
    answered, body, _ = invoke(tokens[caller] if caller else None)
    assert answered == status
    if free is None:
        assert body["error"]["code"] == "unauthorized"
        return
    assert body["balances"] == [{"asset": "USDT", "free": free, "locked": "0.5"}]
    assert Decimal(body["equity_usdt"]) == Decimal(free) + Decimal("0.5")
    assert (body["source"], body["network"], body["mode"], body["unpriced"]) == ("exchange", "simulator", "paper", [])


def test_account_route_without_a_connection_is_409_saying_how_to_connect(
    tokens: dict[str, str], invoke: Invoke
) -> None:
    status, body, _ = invoke(tokens["fresh"])
    assert status == 409
    assert "PUT /api/exchange/connection" in body["error"]["message"]


def test_account_route_serves_the_cache_then_refresh_reads_through_once_per_window(
    tokens: dict[str, str], invoke: Invoke, container: Container, exchanges: FakeExchanges, clock: FakeClock
) -> None:
    trader = container.token_service.verify(tokens["trader"]).user_id
    assert invoke(tokens["trader"])[1]["source"] == "exchange"
    exchanges.accounts[trader].balances = {"BTC": balance("BTC", "0.25")}
    cached = invoke(tokens["trader"])[1]
    assert (cached["source"], cached["equity_usdt"]) == ("cache", "2.5")
    status, refreshed, _ = invoke(tokens["trader"], "refresh=true")
    assert (status, refreshed["source"], Decimal(refreshed["equity_usdt"])) == (200, "exchange", Decimal("10000"))
    clock.advance(4)
    status, body, headers = invoke(tokens["trader"], "refresh=true")
    assert (status, body["error"]["code"], headers["retry-after"]) == (429, "rate_limited", "6")


def test_account_route_refuses_a_refresh_that_is_not_a_boolean(tokens: dict[str, str], invoke: Invoke) -> None:
    assert invoke(tokens["trader"], "refresh=soon")[0] == 422


def test_account_route_writes_amounts_as_plain_decimals_never_exponents(
    tokens: dict[str, str], invoke: Invoke, container: Container, exchanges: FakeExchanges
) -> None:
    # Binance sends "0.00000000" for an empty locked amount; Decimal("0.00000000") prints as "0E-8"
    trader = container.token_service.verify(tokens["trader"]).user_id
    exchanges.accounts[trader].balances = {"BTC": balance("BTC", "0.00000001", "0.00000000")}
    status, body, _ = invoke(tokens["trader"])
    assert status == 200
    assert body["balances"] == [{"asset": "BTC", "free": "0.00000001", "locked": "0.00000000"}]
    assert body["equity_usdt"] == "0.00040000"
