"""One trading world shared by the route-access matrix: four users with real paper accounts on the
simulator (an owner holding a position and an open order, a trader demoted to viewer with trades of
their own, an admin, another trader), a caller that keeps the response headers, and a snapshot of
every order the simulator holds for them (read with python-binance and each user's own key)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.auth import add_user, api_event
from tests.support.messages import RecordingPublisher
from trade import app as trade_app
from tradecore.bootstrap import Container
from tradecore.domain.users import Role, User

EVENTS = Path(__file__).resolve().parents[2] / "events"
SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT")
PRICES = {"BTCUSDT": "50000", "ETHUSDT": "3000", "BNBUSDT": "600", "SOLUSDT": "150"}
CALLERS = ("viewer", "trader", "admin", "other")  # "trader" is the owner of the shared trades


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    request_id: str  # the X-Request-ID the call sent


@dataclass
class AccessWorld:
    container: Container
    sim: SimServer
    context: Any  # the Lambda context
    messages: RecordingPublisher
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    trades: dict[str, str] = field(default_factory=dict)  # name -> trade id
    _clients: dict[str, Any] = field(default_factory=dict)

    def call(
        self, sample: str, caller: str | None, *, path: str | None = None, query: str | None = None,
        body: dict[str, Any] | None = None, key: str | None = None,
    ) -> Answer:  # fmt: skip
        """Invoke the trade function's real handler with ``events/<sample>.json`` as ``caller``."""
        event = json.loads((EVENTS / f"{sample}.json").read_text())
        event = api_event(event, token=self.tokens[caller] if caller else None, body=body, path=path, query=query)
        request_id = f"access-{uuid.uuid4().hex}"
        event["headers"]["x-request-id"] = request_id
        event["headers"].pop("idempotency-key", None)
        if key is not None:
            event["headers"]["idempotency-key"] = key
        response = trade_app.handler(event, self.context)
        headers = {name.lower(): value for name, value in response["headers"].items()}
        return Answer(response["statusCode"], json.loads(response["body"]), headers, request_id)

    def execute(self, caller: str, order: dict[str, Any]) -> Answer:
        return self.call("trade_execute", caller, body=order, key=uuid.uuid4().hex)

    def place(self, caller: str, order: dict[str, Any]) -> dict[str, Any]:
        """Execute ``order`` for ``caller``; their trade as the API shows it."""
        answer = self.execute(caller, order)
        assert answer.status == 200, answer.body
        trade: dict[str, Any] = answer.body["trade"]
        return trade

    def user_id(self, caller: str) -> str:
        return self.users[caller].user_id

    def exchange_orders(self) -> set[tuple[str, str, str, str]]:
        """(user, symbol, client order id, status) of every order the simulator holds for our users."""
        orders = set()
        for caller in CALLERS:
            client = self._client(caller)
            for symbol in SYMBOLS:
                for order in client.get_all_orders(symbol=symbol):
                    orders.add((caller, symbol, order["clientOrderId"], order["status"]))
        return orders

    def _client(self, caller: str) -> Any:
        from binance.client import Client

        if caller not in self._clients:
            user_id = self.user_id(caller)
            connection = self.container.connection_store.get(user_id)
            assert connection is not None, f"{caller} has no paper account"
            secret = self.container.secret_cipher.decrypt(connection.secret_ciphertext, user_id=user_id)
            client = Client(connection.api_key, secret, ping=False)
            client.API_URL = self.sim.url + "/api"
            self._clients[caller] = client
        return self._clients[caller]


def populate(world: AccessWorld) -> None:
    """GIVEN the owner ("trader") holds ETH and an open BTC bid; the viewer traded BNB (a filled buy
    and an open bid) while still a trader; the admin and the other trader have empty paper accounts."""
    container = world.container
    for symbol, price in PRICES.items():
        world.sim.set_price(symbol, price)
    for caller in CALLERS:
        role = Role.TRADER if caller in ("viewer", "other") else Role(caller)
        world.users[caller] = add_user(container, role, email=f"access-{caller}@example.com")
        world.tokens[caller] = container.token_service.issue(world.users[caller])
        container.connection_service.exchange_for(world.user_id(caller))  # opens the paper account
    world.trades["owner_filled"] = world.place("trader", market_buy("ETHUSDT", "300"))["id"]
    world.trades["owner_open"] = open_bid(world, "trader", "BTCUSDT")
    world.trades["viewer_filled"] = world.place("viewer", market_buy("BNBUSDT", "60"))["id"]
    world.trades["viewer_open"] = open_bid(world, "viewer", "BNBUSDT")
    # an admin demotes the viewer: their history stays theirs, their new token may only read
    was = world.users["viewer"]
    demoted = container.user_store.update(
        was.user_id, {"role": Role.VIEWER, "updated_at": was.updated_at + timedelta(seconds=1)},
        expected_updated_at=was.updated_at,
    )  # fmt: skip
    world.users["viewer"], world.tokens["viewer"] = demoted, container.token_service.issue(demoted)


def market_buy(symbol: str, quote: str) -> dict[str, Any]:
    return {"symbol": symbol, "side": "BUY", "type": "MARKET", "quote_amount": quote}


def open_bid(world: AccessWorld, caller: str, symbol: str) -> str:
    """A LIMIT BUY 20 % under the price: it rests on the book (status open); its trade id."""
    price = int(PRICES[symbol]) * 8 // 10
    quantity = {"BTCUSDT": "0.001", "ETHUSDT": "0.02", "BNBUSDT": "0.1", "SOLUSDT": "0.5"}[symbol]
    trade = world.place(caller, {"symbol": symbol, "side": "BUY", "type": "LIMIT", "quantity": quantity,
                                 "price": str(price)})  # fmt: skip
    assert trade["status"] == "open", trade
    trade_id: str = trade["id"]
    return trade_id
