"""A user's own order events through the whole local stack (``python -m devstack``), as a browser sees them.

Two users connect their own simulator accounts; an order placed directly on the simulator with one
user's key (a phone app, another bot) reaches that user's ``trades`` socket as ``order_update`` /
``trade_executed`` within a second and lands in their trade history, and the other user hears
nothing of it. Path: the simulator's WebSocket API user data stream → the stream task's user side →
the trade journal (MongoDB) → fan-out → the local ``@connections`` → the client.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import websockets

from tests.support.devstack import DevstackProcess, running_devstack_process
from tests.support.servers import MongoServer
from tradecore.services.realtime.user_events import external_client_order_id

DEMO_LOGIN = {"email": "demo@tradecore.local", "password": "demo-password-123"}
OTHER = {"email": "other-trader@example.com", "password": "another long passphrase"}
USER_EVENTS = ("order_update", "trade_executed")
pytestmark = pytest.mark.timeout(300)  # the whole stack starts in the module's fixture


@pytest.fixture(scope="module")
def devstack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevstackProcess]:
    data = Path(tmp_path_factory.mktemp("realtime-stack")) / "data"
    # a database of its own: the demo user's connection this test replaces is encrypted under this
    # stack's KMS key, which no later stack of the session has
    mongo = MongoServer()
    mongo.start()
    # the stream task re-reads the connected accounts every second instead of every 30 s
    env = {"MONGODB_URI": mongo.uri, "STREAM_ACCOUNTS_REFRESH_SECONDS": "1"}
    try:
        with running_devstack_process(data, env, timeout=120) as stack:
            yield stack
    finally:
        mongo.close()


def _token(core: str, credentials: dict[str, str]) -> str:
    login = requests.post(f"{core}/api/auth/login", json=credentials, timeout=30)
    login.raise_for_status()
    return str(login.json()["access_token"])


def _connect_own_account(sim: str, core: str, token: str) -> Any:
    """A fresh simulator account connected as the user's exchange account; its python-binance client."""
    from binance.client import Client

    account = requests.post(f"{sim}/sim/accounts", json={"balances": {"USDT": "100000"}}, timeout=10)
    account.raise_for_status()
    key, secret = account.json()["apiKey"], account.json()["secretKey"]
    requests.put(
        f"{core}/api/exchange/connection",
        json={"api_key": key, "api_secret": secret},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).raise_for_status()
    client = Client(key, secret, ping=False)
    client.API_URL = f"{sim}/api"
    return client


async def _user_events(socket: Any, timeout: float) -> list[dict[str, Any]]:
    """The order events read from ``socket`` within ``timeout`` seconds."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = json.loads(await asyncio.wait_for(socket.recv(), left))
        except TimeoutError:
            break
        if message.get("type") in USER_EVENTS:
            events.append(message)
    return events


def test_an_order_placed_on_the_exchange_reaches_only_its_owners_browser_within_a_second(
    devstack: DevstackProcess,
) -> None:
    core, sim = devstack.core_url, f"http://127.0.0.1:{devstack.ports['EXCHANGE_SIM_PORT']}"
    owner_token = _token(core, DEMO_LOGIN)  # the demo user is the local stack's admin
    me = requests.get(f"{core}/api/auth/me", headers={"Authorization": f"Bearer {owner_token}"}, timeout=30)
    owner_user_id = me.json()["id"]
    requests.post(
        f"{core}/api/admin/users",
        json={**OTHER, "role": "trader"},
        headers={"Authorization": f"Bearer {owner_token}"},
        timeout=30,
    ).raise_for_status()
    other_token = _token(core, OTHER)
    owner_exchange = _connect_own_account(sim, core, owner_token)
    _connect_own_account(sim, core, other_token)

    def place(client_order_id: str) -> None:
        owner_exchange.create_order(
            symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001", newClientOrderId=client_order_id
        )

    async def scenario() -> tuple[float, list[dict[str, Any]], list[dict[str, Any]]]:
        async with (
            websockets.connect(f"{devstack.ws_url}?token={owner_token}") as owner,
            websockets.connect(f"{devstack.ws_url}?token={other_token}") as other,
        ):
            for socket in (owner, other):
                await socket.send(json.dumps({"action": "subscribe", "channels": ["trades"]}))
            # GIVEN the stream task follows the newly connected key (it re-reads accounts every second)
            followed_by = time.monotonic() + 60
            for attempt in range(1000):
                assert time.monotonic() < followed_by, "the stream task never followed the owner's account"
                await asyncio.to_thread(place, f"warmup_{attempt}")
                if await _user_events(owner, 2.0):
                    break
            await asyncio.sleep(1.0)
            await _user_events(owner, 0.2)  # what the warm-up orders still had in flight
            # WHEN an order is placed directly on the exchange with the owner's key
            started = time.monotonic()
            await asyncio.to_thread(place, "phone_app_order_1")
            mine = await _user_events(owner, 1.0)
            elapsed = time.monotonic() - started
            theirs = await _user_events(other, 0.5)
            return elapsed, mine, theirs

    elapsed, mine, theirs = asyncio.run(scenario())

    # THEN its events reached the owner's socket within a second, and nobody else's
    assert mine, "no order_update/trade_executed reached the owner within 1 s"
    assert elapsed < 1.5
    assert theirs == []
    # AND the order is in the owner's trade history, recorded from the exchange
    history = requests.get(
        f"{core}/api/trades", headers={"Authorization": f"Bearer {owner_token}"}, params={"limit": 50}, timeout=30
    )
    history.raise_for_status()
    trades = history.json()["trades"]
    stored_id = external_client_order_id(owner_user_id, "phone_app_order_1")  # namespaced per user
    external = [t for t in trades if t["client_order_id"] == stored_id]
    assert [(t["source"], t["side"], t["status"]) for t in external] == [("external", "BUY", "filled")]
    other_history = requests.get(f"{core}/api/trades", headers={"Authorization": f"Bearer {other_token}"}, timeout=30)
    assert other_history.json()["trades"] == []
