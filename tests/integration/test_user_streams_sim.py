# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""Users' own orders reach them through the stream task's user side, against the simulator's
WebSocket API: an order placed directly on the exchange with one user's key is told to that user
within a second and appears in their trades; no other user hears of it. Also: the platform's own
trade advanced by its order's events, a dropped connection re-subscribed, a removed key unsubscribed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tests.integration.exchange_sim_fixtures import SimServer, sim_server  # noqa: F401
from tests.support.accounts import ContextCipher
from tests.support.messages import RecordingPublisher
from tests.support.trading_fakes import InMemoryOutbox, InMemoryTradeStore, RecordingAccountCache
from tradecore.adapters.binance.user_streams import BinanceUserStreams
from tradecore.config import load_settings
from tradecore.domain.accounts import ConnectionStatus, ExchangeConnection, KeyPermissions, Network, TradingMode
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import TradeRecord, TradeStatus
from tradecore.services.realtime.user_events import UserEventHandler, external_client_order_id
from tradecore.services.realtime.user_stream_worker import UserStreamWorker
from tradecore.services.trading.events import TradeEvents
from tradecore.services.trading.journal import TradeJournal
from tradecore.services.trading.rendering import trade_body

T0 = datetime(2026, 11, 25, tzinfo=UTC)


class Listing:
    """The connection store's listing: users' keys, encrypted as the real store keeps them."""

    def __init__(self, cipher: ContextCipher) -> None:
        self.cipher = cipher
        self.connections: dict[str, ExchangeConnection] = {}

    def add(self, user_id: str, key: str, secret: str) -> None:
        self.connections[user_id] = ExchangeConnection(
            user_id=user_id, network=Network.SIMULATOR, api_key=key,
            secret_ciphertext=self.cipher.encrypt(secret, user_id=user_id), paper=True,
            permissions=KeyPermissions(can_trade=True, can_withdraw=False), status=ConnectionStatus.ACTIVE,
            created_at=T0, verified_at=T0,
        )  # fmt: skip

    def all_connections(self) -> list[ExchangeConnection]:
        return list(self.connections.values())


class Rig:
    def __init__(self, sim: SimServer) -> None:
        self.sim = sim
        self.cipher = ContextCipher()
        self.listing = Listing(self.cipher)
        self.store = InMemoryTradeStore()
        self.messages = RecordingPublisher()
        events = TradeEvents(self.messages, self.messages, RecordingAccountCache(), trade_body)  # type: ignore[arg-type]
        self.handler = UserEventHandler(TradeJournal(self.store, InMemoryOutbox()), events, TradingMode.PAPER)
        settings = load_settings(binance_simulator_url=sim.url)
        self.stream = BinanceUserStreams(settings, backoff_base_seconds=0.2)
        self.worker = UserStreamWorker(
            self.listing, self.cipher, self.stream, self.handler.handle, Network.SIMULATOR, refresh_seconds=0.2
        )

    def user(self, user_id: str) -> tuple[str, str]:
        key, secret = self.sim.new_account()
        self.listing.add(user_id, key, secret)
        return key, secret

    def heard(self, user_id: str, kind: MessageType) -> list[dict[str, Any]]:
        return [data for user, k, data in self.messages.notifications if user == user_id and k is kind]

    def place(self, key: str, secret: str, **order: Any) -> dict[str, Any]:
        from binance.client import Client

        client = Client(key, secret, ping=False)
        client.API_URL = self.sim.url + "/api"
        return dict(client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001", **order))

    async def run(self, scenario: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.create_task(self.worker.run())
        try:
            await scenario()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def _until(check: Callable[[], Any], timeout: float = 5.0) -> float:
    """Seconds until ``check()`` is truthy (``AssertionError`` after ``timeout``)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def test_user_streams_order_placed_on_the_exchange_reaches_only_its_user_within_a_second(
    sim_server: SimServer,
) -> None:
    rig = Rig(sim_server)
    key_a, secret_a = rig.user("user-a")
    rig.user("user-b")
    elapsed: list[float] = []

    async def scenario() -> None:
        await _until(lambda: rig.stream.followed == {"user-a", "user-b"})
        started = time.monotonic()
        await asyncio.to_thread(rig.place, key_a, secret_a, newClientOrderId="web_direct_1")
        await _until(lambda: rig.heard("user-a", MessageType.TRADE_EXECUTED))
        elapsed.append(time.monotonic() - started)
        await asyncio.sleep(0.3)  # anything meant for B would have arrived by now

    asyncio.run(rig.run(scenario))
    assert elapsed[0] < 1.0
    trades = rig.store.of_user("user-a")
    assert [(t.source, t.status, t.executed_quantity) for t in trades] == [
        ("external", TradeStatus.FILLED, Decimal("0.001"))
    ]
    assert trades[0].client_order_id == external_client_order_id("user-a", "web_direct_1")
    assert rig.heard("user-a", MessageType.TRADE_EXECUTED)[0]["symbol"] == "BTCUSDT"
    assert [user for user, _, _ in rig.messages.notifications if user != "user-a"] == []
    assert rig.store.of_user("user-b") == []


def test_user_streams_platform_trade_is_advanced_by_its_orders_events(sim_server: SimServer) -> None:
    rig = Rig(sim_server)
    key, secret = rig.user("user-c")
    cid = "tc-" + "c" * 32
    rig.store.save(TradeRecord(
        id="t-c", user_id="user-c", client_order_id=cid, symbol="BTCUSDT", base_asset="BTC", quote_asset="USDT",
        side=Side.BUY, type=OrderType.MARKET, mode=TradingMode.PAPER, status=TradeStatus.PENDING, created_at=T0,
        updated_at=T0, sent_quantity=Decimal("0.001"),
    ))  # fmt: skip

    async def scenario() -> None:
        await _until(lambda: rig.stream.followed == {"user-c"})
        await asyncio.to_thread(rig.place, key, secret, newClientOrderId=cid)
        await _until(lambda: rig.store.trades[cid].status is TradeStatus.FILLED)

    asyncio.run(rig.run(scenario))
    trade = rig.store.trades[cid]
    assert (trade.id, trade.source, trade.executed_quantity) == ("t-c", "api", Decimal("0.001"))
    assert trade.fills
    assert len(rig.store.trades) == 1


def test_user_streams_resubscribe_after_a_drop_and_unsubscribe_a_removed_key(sim_server: SimServer) -> None:
    rig = Rig(sim_server)
    key_d, secret_d = rig.user("user-d")
    key_e, secret_e = rig.user("user-e")

    async def scenario() -> None:
        await _until(lambda: rig.stream.followed == {"user-d", "user-e"})
        await asyncio.to_thread(sim_server.admin, "POST", "/sim/faults", {"drop_streams": True})
        await _until(lambda: rig.stream.followed == set())
        await _until(lambda: rig.stream.followed == {"user-d", "user-e"})
        await asyncio.to_thread(rig.place, key_d, secret_d, newClientOrderId="after_drop")
        await _until(lambda: rig.heard("user-d", MessageType.TRADE_EXECUTED), timeout=2)
        # WHEN user E's connection is removed, E is no longer followed and E's orders go unheard
        del rig.listing.connections["user-e"]
        await _until(lambda: rig.stream.followed == {"user-d"})
        await asyncio.to_thread(rig.place, key_e, secret_e, newClientOrderId="after_removal")
        await asyncio.sleep(0.5)

    asyncio.run(rig.run(scenario))
    assert [t.extra["exchange_client_order_id"] for t in rig.store.of_user("user-d")] == ["after_drop"]
    assert rig.store.of_user("user-e") == []
    assert [user for user, _, _ in rig.messages.notifications if user != "user-d"] == []


def test_user_streams_refused_key_is_retried_and_never_blocks_the_others(sim_server: SimServer) -> None:
    rig = Rig(sim_server)
    rig.user("user-f")
    rig.listing.add("user-g", "no-such-key", "whatever")  # GIVEN a key the exchange refuses
    key_g, secret_g = sim_server.new_account()

    async def scenario() -> None:
        await _until(lambda: rig.stream.followed == {"user-f"})
        await asyncio.sleep(0.5)  # refreshes come and go: G stays refused, F stays followed
        assert rig.stream.followed == {"user-f"}
        rig.listing.add("user-g", key_g, secret_g)  # WHEN G connects a valid key
        await _until(lambda: rig.stream.followed == {"user-f", "user-g"})
        await asyncio.to_thread(rig.place, key_g, secret_g, newClientOrderId="g_1")
        await _until(lambda: rig.heard("user-g", MessageType.TRADE_EXECUTED), timeout=2)

    asyncio.run(rig.run(scenario))
    assert [t.source for t in rig.store.of_user("user-g")] == ["external"]
    assert rig.store.of_user("user-f") == []
