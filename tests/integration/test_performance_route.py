"""``GET /api/performance`` through the trade function's real handler, on SecantusDB, moto and the
simulator over sockets: the owner's figures after a buy and a sale on the simulator, worked out
from the fills the exchange reported, and the route x {anonymous, viewer, trader, admin, another
user}. One world per module (tests.support.trade_access_world), with two more trades of the owner."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from tests.conftest import TEST_JWT_SECRET, TEST_SERVICE_TOKEN, FakeLambdaContext
from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.accounts_world import trade_container
from tests.support.messages import RecordingPublisher
from tests.support.servers import MongoServer
from tests.support.trade_access_world import AccessWorld, market_buy, populate
from tests.support.trading_world import trading_settings
from tradecore.config import load_settings
from tradecore.domain.trades import TradeRecord

D = Decimal
CALLERS = [None, "viewer", "trader", "admin", "other"]
IDS = ["anonymous", "viewer", "trader", "admin", "another-user"]


@pytest.fixture(scope="module")
def world(mongo_server: MongoServer, moto_server: str, sim_server: SimServer) -> Iterator[AccessWorld]:
    """The access world, then the owner ("trader") buys 100 USDT of BTC at 50,000 and, the price
    up to 55,000, sells 0.001 BTC of it: one win, a part of the position still open."""
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
            populate(world)  # the owner bought ETH; the viewer bought BNB
            world.trades["owner_btc_buy"] = world.place("trader", market_buy("BTCUSDT", "100"))["id"]
            sim_server.set_price("BTCUSDT", "55000")
            sale = {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.001"}
            world.trades["owner_btc_sell"] = world.place("trader", sale)["id"]
            yield world
    client: pymongo.MongoClient = pymongo.MongoClient(mongo_server.uri, serverSelectionTimeoutMS=2000)
    client.drop_database(database)
    client.close()


def _stored(world: AccessWorld, name: str) -> TradeRecord:
    trade = world.container.trade_store.get(world.user_id("trader"), world.trades[name])
    assert trade is not None
    assert trade.fills, "the simulator itemises the fills of a market order"
    return trade


def _held_and_cost(buy: TradeRecord) -> tuple[Decimal, Decimal]:
    """A buy's coins (the simulator takes the fee in the coin bought) and what they cost."""
    assert {fill.commission_asset for fill in buy.fills} == {buy.base_asset}
    held = sum((f.quantity - f.commission for f in buy.fills), D(0))
    return held, sum((f.price * f.quantity for f in buy.fills), D(0))


def _same(got: Decimal, worked: Decimal) -> bool:
    """Equal up to Decimal's 28-digit rounding (the replay divides the cost as coins leave)."""
    return abs(got - worked) < D("1e-20")


def _eight(value: Decimal) -> str:
    return f"{value.quantize(D('0.00000001'), ROUND_HALF_EVEN).normalize():f}"


def test_performance_of_the_owner_equals_the_figures_worked_from_the_fills(world: AccessWorld) -> None:
    eth_buy, btc_buy, btc_sell = (_stored(world, n) for n in ("owner_filled", "owner_btc_buy", "owner_btc_sell"))
    prices = world.container.exchange.get_prices(["BTCUSDT", "ETHUSDT"])
    # BTC: average = cost / coins held; the sale realizes (price - average) * quantity per fill, less its USDT fee
    btc_held, btc_cost = _held_and_cost(btc_buy)
    btc_average = btc_cost / btc_held
    assert {fill.commission_asset for fill in btc_sell.fills} == {"USDT"}
    realized = sum(((f.price - btc_average) * f.quantity - f.commission for f in btc_sell.fills), D(0))
    assert realized > 0  # sold at 55,000 what cost about 50,000
    btc_left = btc_held - D("0.001")
    # unrealized: every open holding at the last price, (price - average) * quantity
    eth_held, eth_cost = _held_and_cost(eth_buy)
    unrealized = (prices["BTCUSDT"] - btc_average) * btc_left + (prices["ETHUSDT"] - eth_cost / eth_held) * eth_held

    answer = world.call("trade_performance", "trader", query="")
    assert answer.status == 200, answer.body
    body = answer.body
    assert (body["currency"], body["from"], body["method"]) == ("USDT", None, "average_cost")
    assert (body["trades"], body["closed_trades"], body["wins"], body["losses"]) == (3, 1, 1, 0)  # the open bid: none
    assert D(body["realized_pnl"]) == realized
    assert _same(D(body["unrealized_pnl"]), unrealized)
    assert _same(D(body["total_pnl"]), realized + unrealized)
    assert D(body["fees"]["quote"]) == sum((f.commission for f in btc_sell.fills), D(0))
    assert [(f["asset"], D(f["amount"])) for f in body["fees"]["other"]] == [
        ("ETH", sum((f.commission for f in eth_buy.fills), D(0))),  # bought first
        ("BTC", sum((f.commission for f in btc_buy.fills), D(0))),
    ]
    assert (body["win_rate"], body["profit_factor"], body["profit_factor_infinite"]) == ("1", None, True)
    assert (D(body["gross_profit"]), body["gross_loss"]) == (realized, "0")
    assert body["expectancy"] == _eight(realized)  # realized / 1 closed trade
    # the curve only rises with the sale's fills; only the unrealized PnL can make it fall
    assert _same(D(body["max_drawdown"]["amount"]), max(D(0), -unrealized))
    assert sum(D(day["realized_pnl"]) for day in body["daily"]) == realized
    assert body["daily"][-1]["day"] == datetime.fromtimestamp(world.container.clock(), UTC).date().isoformat()
    lines = {line["symbol"]: line for line in body["per_symbol"]}
    assert sorted(lines) == ["BTCUSDT", "ETHUSDT"]
    assert (lines["BTCUSDT"]["trades"], D(lines["BTCUSDT"]["open_quantity"])) == (2, btc_left)
    assert D(lines["BTCUSDT"]["realized_pnl"]) == realized
    assert (lines["ETHUSDT"]["trades"], lines["ETHUSDT"]["closed_trades"], lines["ETHUSDT"]["realized_pnl"]) == (
        1, 0, "0"
    )  # fmt: skip
    # the same PnL as the positions the owner sees
    positions = {p["symbol"]: p for p in world.call("trade_positions", "trader").body["positions"]}
    assert D(positions["BTCUSDT"]["realized_pnl"]) == realized


@pytest.mark.parametrize("caller", CALLERS, ids=IDS)
def test_performance_shows_each_caller_only_their_own(world: AccessWorld, caller: str | None) -> None:
    answer = world.call("trade_performance", caller, query="")
    if caller is None:
        assert answer.status == 401, answer.body
        assert (answer.body["error"]["code"], answer.body["error"]["trace_id"]) == ("unauthorized", answer.request_id)
        assert answer.headers["x-request-id"] == answer.request_id
        return
    assert answer.status == 200, answer.body
    symbols = [line["symbol"] for line in answer.body["per_symbol"]]
    expected = {"viewer": ["BNBUSDT"], "trader": ["BTCUSDT", "ETHUSDT"], "admin": [], "other": []}[caller]
    assert symbols == expected
    assert answer.body["trades"] == {"viewer": 1, "trader": 3}.get(caller, 0)
    if caller in ("admin", "other"):  # nothing of the owner's: zeros, no ratios
        body = answer.body
        assert (body["realized_pnl"], body["unrealized_pnl"], body["win_rate"], body["profit_factor"]) == (
            "0", "0", None, None
        )  # fmt: skip
        assert (body["daily"], body["profit_factor_infinite"]) == ([], False)


def test_performance_of_a_past_period_has_no_trades_and_no_unrealized_pnl(world: AccessWorld) -> None:
    answer = world.call("trade_performance", "trader", query="from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z")
    assert answer.status == 200, answer.body
    body = answer.body
    assert (body["from"], body["to"], body["trades"], body["realized_pnl"]) == (
        "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", 0, "0"
    )  # fmt: skip
    assert (body["unrealized_pnl"], body["per_symbol"], body["daily"]) == ("0", [], [])  # nothing held back then


@pytest.mark.parametrize("query", [
    "from=2024-03-02T00:00:00Z&to=2024-03-01T00:00:00Z",  # from after to
    "from=2024-03-01T00:00:00Z&to=2024-03-01T00:00:00Z",  # empty
    "to=2999-01-01T00:00:00Z",  # the future
    "from=yesterday",
])  # fmt: skip
def test_performance_refuses_a_bad_period_with_422(world: AccessWorld, query: str) -> None:
    answer = world.call("trade_performance", "trader", query=query)
    assert answer.status == 422, answer.body
    assert answer.body["error"]["trace_id"] == answer.request_id
