"""Every trading route x {anonymous, viewer, trader, admin, another user} through the trade
function's real handler, on SecantusDB, moto (KMS, ServiceStateTable, IdempotencyTable, outbox) and
the simulator over sockets. One world per module (see tests.support.trade_access_world).

Roles: a viewer reads (their own data) and may not trade or cancel; a trader and an admin trade
(``role_allows``: admin holds TRADE) but only on their own account; another user's trade answers
like an unknown one (404) and never shows in anyone else's lists. A refused call answers the error
envelope with the request's X-Request-ID, and sends, changes and announces nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.conftest import TEST_JWT_SECRET, TEST_SERVICE_TOKEN, FakeLambdaContext
from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.accounts_world import trade_container
from tests.support.messages import RecordingPublisher
from tests.support.servers import MongoServer
from tests.support.trade_access_world import AccessWorld, Answer, market_buy, open_bid, populate
from tests.support.trading_world import trading_settings
from tradecore.config import load_settings
from tradecore.domain.users import Permission, Role, role_allows

CALLERS = [None, "viewer", "trader", "admin", "other"]
IDS = ["anonymous", "viewer", "trader", "admin", "another-user"]
ERROR_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found"}


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
            populate(world)
            yield world
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server.uri, serverSelectionTimeoutMS=2000)
    client.drop_database(database)
    client.close()


class Refusal:
    """Records the world before a call expected to be refused; :meth:`check` proves nothing moved."""

    def __init__(self, world: AccessWorld) -> None:
        self.world = world
        self.orders = world.exchange_orders()
        self.notified = len(world.messages.notifications) + len(world.messages.messages)
        self.owner_open = world.container.trade_store.get(world.user_id("trader"), world.trades["owner_open"])

    def check(self, answer: Answer, status: int) -> None:
        assert answer.status == status, answer.body
        error = answer.body["error"]
        assert (error["code"], error["trace_id"]) == (ERROR_CODES[status], answer.request_id)
        assert error["message"]
        assert "Traceback" not in error["message"]
        assert answer.headers["x-request-id"] == answer.request_id
        assert self.world.exchange_orders() == self.orders  # no order placed or cancelled
        assert len(self.world.messages.notifications) + len(self.world.messages.messages) == self.notified
        owner_open = self.world.container.trade_store.get(self.world.user_id("trader"), self.world.trades["owner_open"])
        assert owner_open == self.owner_open


def _admin_may(permission: Permission) -> bool:
    return role_allows(Role.ADMIN, permission)


def test_admin_holds_read_and_trade_so_the_matrix_expects_success_on_their_own_account() -> None:
    assert _admin_may(Permission.READ)
    assert _admin_may(Permission.TRADE)
    assert not role_allows(Role.VIEWER, Permission.TRADE)


# ------------------------------------------------------------------------------------- reads


@pytest.mark.parametrize(("caller", "status"), list(zip(CALLERS, [401, 200, 200, 200, 200], strict=True)), ids=IDS)
def test_list_trades_shows_each_caller_only_their_own(world: AccessWorld, caller: str | None, status: int) -> None:
    refusal = Refusal(world)
    answer = world.call("trade_list", caller, query="")  # every symbol
    if caller is None:
        refusal.check(answer, status)
        return
    assert answer.status == status, answer.body
    listed = {trade["id"] for trade in answer.body["trades"]}
    assert all(world.container.trade_store.get(world.user_id(caller), trade_id) for trade_id in listed)
    owners = {world.trades["owner_filled"], world.trades["owner_open"]}
    assert owners <= listed if caller == "trader" else not owners & listed
    if caller == "viewer":  # their history from before the demotion
        assert listed == {world.trades["viewer_filled"], world.trades["viewer_open"]}


@pytest.mark.parametrize(("caller", "status"), list(zip(CALLERS, [401, 404, 200, 404, 404], strict=True)), ids=IDS)
def test_get_trade_of_the_owner_answers_404_to_everyone_else(
    world: AccessWorld, caller: str | None, status: int
) -> None:
    refusal = Refusal(world)
    trade_id = world.trades["owner_filled"]
    answer = world.call("trade_get", caller, path=f"/api/trades/{trade_id}")
    if status != 200:
        refusal.check(answer, status)
        return
    assert answer.status == 200, answer.body
    assert (answer.body["id"], answer.body["symbol"], answer.body["status"]) == (trade_id, "ETHUSDT", "filled")


def test_get_trade_a_viewer_reads_their_own_trade(world: AccessWorld) -> None:
    trade_id = world.trades["viewer_filled"]
    answer = world.call("trade_get", "viewer", path=f"/api/trades/{trade_id}")
    assert answer.status == 200, answer.body
    assert (answer.body["id"], answer.body["symbol"], answer.body["side"]) == (trade_id, "BNBUSDT", "BUY")


@pytest.mark.parametrize(("caller", "status"), list(zip(CALLERS, [401, 200, 200, 200, 200], strict=True)), ids=IDS)
def test_positions_show_each_caller_only_their_own(world: AccessWorld, caller: str | None, status: int) -> None:
    refusal = Refusal(world)
    answer = world.call("trade_positions", caller)
    if caller is None:
        refusal.check(answer, status)
        return
    assert answer.status == status, answer.body
    by_symbol = {position["symbol"]: position for position in answer.body["positions"]}
    # only the owner ever holds ETH and only the viewer BNB in this world
    assert ("ETHUSDT" in by_symbol) is (caller == "trader")
    assert ("BNBUSDT" in by_symbol) is (caller == "viewer")
    if caller in ("trader", "viewer"):
        held = by_symbol["ETHUSDT" if caller == "trader" else "BNBUSDT"]
        assert Decimal(held["quantity"]) > 0
        assert held["price"] is not None
        assert held["unrealized_pnl"] is not None


# ------------------------------------------------------------------------------------ writes


@pytest.mark.parametrize(("caller", "status"), list(zip(CALLERS, [401, 403, 200, 200, 200], strict=True)), ids=IDS)
def test_execute_places_an_order_only_for_traders_and_admins(
    world: AccessWorld, caller: str | None, status: int
) -> None:
    refusal = Refusal(world)
    answer = world.call("trade_execute", caller, body=market_buy("BTCUSDT", "50"), key=uuid.uuid4().hex)
    if status != 200:
        refusal.check(answer, status)
        return
    assert caller is not None
    assert answer.status == 200, answer.body
    trade = answer.body["trade"]
    assert (trade["status"], trade["symbol"], answer.body["mode"]) == ("filled", "BTCUSDT", "paper")
    stored = world.container.trade_store.get(world.user_id(caller), trade["id"])
    assert stored is not None
    assert stored.executed_quantity > 0
    assert ("BTCUSDT", trade["client_order_id"], "FILLED") in {o[1:] for o in world.exchange_orders() if o[0] == caller}


CANCELS = [  # (caller, whose open order, status)
    (None, "owner", 401),
    ("viewer", "owner", 403),
    ("viewer", "viewer", 403),
    ("trader", "fresh", 200),
    ("admin", "fresh", 200),
    ("admin", "owner", 404),
    ("other", "owner", 404),
]


@pytest.mark.parametrize(("caller", "whose", "status"), CANCELS, ids=[f"{c or 'anonymous'}-{w}" for c, w, _ in CANCELS])
def test_cancel_order_cancels_only_the_callers_own_open_order(
    world: AccessWorld, caller: str | None, whose: str, status: int
) -> None:
    if whose == "fresh":
        assert caller is not None
        trade_id = open_bid(world, caller, "SOLUSDT")
    else:
        trade_id = world.trades[f"{whose}_open"]
    refusal = Refusal(world)
    answer = world.call("trade_cancel_order", caller, path=f"/api/orders/{trade_id}")
    if status != 200:
        refusal.check(answer, status)  # the order is still NEW on the exchange and open in the store
        return
    assert caller is not None
    assert answer.status == 200, answer.body
    assert (answer.body["id"], answer.body["status"]) == (trade_id, "canceled")
    mine = {o[2]: o[3] for o in world.exchange_orders() if o[0] == caller}
    assert mine[answer.body["client_order_id"]] == "CANCELED"


CLOSES = [(None, "ETHUSDT", 401), ("viewer", "BNBUSDT", 403), ("trader", "SOLUSDT", 200)]
CLOSES += [("admin", "SOLUSDT", 200), ("other", "ETHUSDT", 404)]


@pytest.mark.parametrize(("caller", "symbol", "status"), CLOSES, ids=IDS)
def test_close_position_sells_only_the_callers_own_holding(
    world: AccessWorld, caller: str | None, symbol: str, status: int
) -> None:
    if status == 200:  # GIVEN a holding of the caller's own in a symbol nobody else holds in the end
        assert caller is not None
        world.place(caller, market_buy(symbol, "60"))
    refusal = Refusal(world)
    answer = world.call("trade_close_position", caller, path=f"/api/positions/{symbol}/close", key=uuid.uuid4().hex)
    if status != 200:
        refusal.check(answer, status)
        return
    assert caller is not None
    assert answer.status == 200, answer.body
    trade = answer.body["trade"]
    assert (trade["symbol"], trade["side"], trade["status"]) == (symbol, "SELL", "filled")
    assert Decimal(answer.body["dust"]) < Decimal("0.001")  # below SOLUSDT's step
    sells = {o[2] for o in world.exchange_orders() if o[0] == caller and o[1] == symbol}
    assert trade["client_order_id"] in sells
