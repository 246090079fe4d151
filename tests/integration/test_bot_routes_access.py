"""Bot settings and the admin's kill switch through the trade function's real handler, on SecantusDB,
moto and the simulator: every route x {anonymous, viewer, trader, admin, another user}, the 422s
naming the field, the saved limits binding the next trade, and a halt refusing every trade until an
admin resumes trading.

Each user reads and writes only their own settings (no user id in the path); a refused change
stores nothing; only an admin reads or turns the switch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import TEST_JWT_SECRET, TEST_SERVICE_TOKEN, FakeLambdaContext
from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.accounts_world import trade_container
from tests.support.auth import add_user
from tests.support.messages import RecordingPublisher
from tests.support.servers import MongoServer
from tests.support.trade_access_world import CALLERS as USERS
from tests.support.trade_access_world import PRICES, AccessWorld, Answer, market_buy
from tests.support.trading_world import trading_settings
from trade.schemas.bot import bot_settings_body
from tradecore.config import load_settings
from tradecore.domain.users import Role

CALLERS = [None, "viewer", "trader", "admin", "other"]
IDS = ["anonymous", "viewer", "trader", "admin", "another-user"]
ERROR_CODES = {401: "unauthorized", 403: "forbidden", 422: "validation_error"}
TRADER_SETTINGS = {"automated_trading": True, "symbols": ["ETHUSDT"], "max_open_positions": 2, "stop_loss_pct": "2.5"}


@pytest.fixture(scope="module")
def world(mongo_server: MongoServer, moto_server: str, sim_server: SimServer) -> Iterator[AccessWorld]:
    import pymongo

    mongo_server.start()
    database = f"t_{uuid.uuid4().hex[:12]}"
    base = load_settings(
        jwt_secret=TEST_JWT_SECRET, inter_service_token=TEST_SERVICE_TOKEN, mongodb_uri=mongo_server.uri,
        mongodb_database=database, mongodb_server_selection_timeout_ms=500,
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = trading_settings(base, moto_server, sim_server.url, monkeypatch)
        with trade_container(settings) as container:
            messages = RecordingPublisher()
            container.__dict__["user_notifier"] = messages
            container.__dict__["channel_publisher"] = messages
            world = AccessWorld(container, sim_server, FakeLambdaContext(timeout_ms=600_000), messages)
            for symbol, price in PRICES.items():
                sim_server.set_price(symbol, price)
            for user in USERS:  # GIVEN a viewer, the trader, an admin and another trader, with paper accounts
                role = {"viewer": Role.VIEWER, "admin": Role.ADMIN}.get(user, Role.TRADER)
                world.users[user] = add_user(container, role, email=f"bot-{user}@example.com")
                world.tokens[user] = container.token_service.issue(world.users[user])
                container.connection_service.exchange_for(world.user_id(user))
            saved = world.call("trade_bot_settings_put", "trader", body=TRADER_SETTINGS)
            assert saved.status == 200, saved.body
            yield world
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server.uri, serverSelectionTimeoutMS=2000)
    client.drop_database(database)
    client.close()


def _stored(world: AccessWorld) -> dict[str, Any]:
    """Every user's saved settings (None for never saved), straight from the store."""
    return {user: world.container.bot_settings_store.get(world.user_id(user)) for user in USERS}


def _refused(world: AccessWorld, answer: Answer, status: int, code: str | None = None) -> None:
    assert answer.status == status, answer.body
    error = answer.body["error"]
    assert (error["code"], error["trace_id"]) == (code or ERROR_CODES[status], answer.request_id)
    assert error["message"]
    assert answer.headers["x-request-id"] == answer.request_id


def _matrix(statuses: list[int]) -> list[Any]:
    return list(zip(CALLERS, statuses, strict=True))


# ------------------------------------------------------------------------------ bot settings


@pytest.mark.parametrize(("caller", "status"), _matrix([401, 200, 200, 200, 200]), ids=IDS)
def test_get_bot_settings_shows_each_caller_only_their_own(world: AccessWorld, caller: str | None, status: int) -> None:
    answer = world.call("trade_bot_settings_get", caller)
    if caller is None:
        _refused(world, answer, status)
        return
    assert answer.status == status, answer.body
    body = answer.body
    if caller == "trader":
        assert (body["automated_trading"], body["symbols"], body["max_open_positions"]) == (True, ["ETHUSDT"], 2)
        assert (body["stop_loss_pct"], body["automating"]) == ("2.5", True)
        assert body["updated_at"] is not None
    else:  # their own (the platform's defaults until they save), never the trader's
        container = world.container
        own = container.bot_settings_store.get(world.user_id(caller)) or container.default_bot_settings
        assert body == bot_settings_body(own)
        assert body["symbols"] != ["ETHUSDT"]
        if caller == "viewer":  # never allowed to save: the defaults
            assert body == bot_settings_body(container.default_bot_settings)


@pytest.mark.parametrize(("caller", "status"), _matrix([401, 403, 200, 200, 200]), ids=IDS)
def test_put_bot_settings_changes_only_the_callers_own(world: AccessWorld, caller: str | None, status: int) -> None:
    before = _stored(world)
    change = {"cooldown_seconds": 120 + len(caller or "")}
    answer = world.call("trade_bot_settings_put", caller, body=change)
    if status != 200:
        _refused(world, answer, status)
        assert _stored(world) == before
        return
    assert caller is not None
    assert answer.status == 200, answer.body
    assert answer.body["cooldown_seconds"] == change["cooldown_seconds"]
    after = _stored(world)
    assert after[caller] is not None
    assert after[caller].cooldown_seconds == change["cooldown_seconds"]
    assert {u: s for u, s in after.items() if u != caller} == {u: s for u, s in before.items() if u != caller}
    if caller == "trader":  # the fields not sent keep their values
        assert (after["trader"].symbols, after["trader"].max_open_positions) == (("ETHUSDT",), 2)


def test_put_bot_settings_sample_event_is_accepted_as_sent(world: AccessWorld) -> None:
    answer = world.call("trade_bot_settings_put", "other")  # the sample's own body
    assert answer.status == 200, answer.body
    assert (answer.body["symbols"], answer.body["daily_loss_limit_usdt"]) == (["BTCUSDT", "ETHUSDT"], "100")


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"min_confidence": 1.5}, "min_confidence"),
    ({"timeframe": "2m"}, "timeframe"),
    ({"symbols": ["BTCUSDT", "DOGEUSDT"]}, "symbols"),
    ({"stop_loss_pct": "75"}, "stop_loss_pct"),
    ({"amount_per_trade_usdt": "0"}, "amount_per_trade_usdt"),
    ({"max_trade_usdt": "-1"}, "max_trade_usdt"),
    ({"max_open_positions": None}, "max_open_positions"),
    ({"max_daily_loss_usdt": "100"}, "max_daily_loss_usdt"),  # an unknown field
    ({"amount_per_trade_usdt": "NaN"}, "amount_per_trade_usdt"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_BODIES)])
def test_put_bot_settings_out_of_range_answers_422_naming_the_field(
    world: AccessWorld, body: dict[str, Any], field: str
) -> None:
    before = _stored(world)
    answer = world.call("trade_bot_settings_put", "trader", body=body)
    _refused(world, answer, 422)
    assert field in answer.body["error"]["message"]
    assert _stored(world) == before


def test_put_bot_settings_limits_bind_the_callers_next_trade(world: AccessWorld) -> None:
    orders = world.exchange_orders()
    assert (
        world.call(
            "trade_bot_settings_put", "other", body={"max_trade_usdt": "30", "amount_per_trade_usdt": "20"}
        ).status
        == 200
    )
    try:
        refused = world.execute("other", market_buy("BTCUSDT", "50"))
        _refused(world, refused, 422, "risk_limit_exceeded")
        assert world.exchange_orders() == orders
    finally:
        assert world.call("trade_bot_settings_put", "other", body={"max_trade_usdt": "2000"}).status == 200
    assert world.execute("other", market_buy("BTCUSDT", "50")).status == 200


# ------------------------------------------------------------------------------ kill switch


@pytest.mark.parametrize(("caller", "status"), _matrix([401, 403, 403, 200, 403]), ids=IDS)
def test_get_trading_switch_only_for_admins(world: AccessWorld, caller: str | None, status: int) -> None:
    answer = world.call("trade_admin_trading_get", caller)
    if status != 200:
        _refused(world, answer, status)
        return
    assert answer.status == 200, answer.body
    assert answer.body["halted"] is False


@pytest.mark.parametrize(("caller", "status"), _matrix([401, 403, 403, 200, 403]), ids=IDS)
def test_put_trading_switch_only_for_admins(world: AccessWorld, caller: str | None, status: int) -> None:
    switch = world.container.trading_switch
    before = switch.state()
    answer = world.call("trade_admin_trading_put", caller, body={"halted": False, "reason": f"check by {caller}"})
    if status != 200:
        _refused(world, answer, status)
        assert switch.state() == before
        return
    assert answer.status == 200, answer.body
    admin = world.user_id("admin")
    assert answer.body == {**answer.body, "halted": False, "by": admin, "reason": "check by admin"}
    assert switch.state().by == admin


def test_put_trading_switch_halt_without_a_reason_is_refused(world: AccessWorld) -> None:
    answer = world.call("trade_admin_trading_put", "admin", body={"halted": True, "reason": "  "})
    _refused(world, answer, 422)
    assert "reason" in answer.body["error"]["message"]
    assert world.container.trading_switch.halted() is False


def test_kill_switch_refuses_every_trade_until_an_admin_resumes(world: AccessWorld) -> None:
    # GIVEN an admin halts trading (the sample event's own body)
    halt = world.call("trade_admin_trading_put", "admin")
    assert halt.status == 200, halt.body
    try:
        assert (halt.body["halted"], halt.body["by"]) == (True, world.user_id("admin"))
        assert world.call("trade_admin_trading_get", "admin").body["reason"] == "exchange incident: orders rejected"
        orders = world.exchange_orders()
        # WHEN a trader and the admin themself trade THEN both are refused and nothing reaches the exchange
        for caller in ("trader", "admin"):
            refused = world.execute(caller, market_buy("SOLUSDT", "30"))
            _refused(world, refused, 403, "trading_halted")
        assert world.exchange_orders() == orders
    finally:
        resume = world.call("trade_admin_trading_put", "admin", body={"halted": False})
        assert resume.status == 200, resume.body
    assert resume.body["halted"] is False
    placed = world.execute("trader", market_buy("SOLUSDT", "30"))
    assert placed.status == 200, placed.body
    assert placed.body["trade"]["status"] == "filled"
