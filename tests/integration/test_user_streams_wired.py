# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""The stream task's user side as the container wires it, on SecantusDB and the simulator: users'
connections listed from MongoDB, an order placed directly on the exchange recorded in the real trade
store (source ``external``, findable in that user's trade pages) and told to that user only."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from decimal import Decimal

from tests.integration.exchange_sim_fixtures import SimServer, sim_server  # noqa: F401
from tests.support.accounts import ContextCipher
from tests.support.messages import RecordingPublisher
from tests.support.trading_fakes import RecordingAccountCache
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.accounts import ConnectionStatus, ExchangeConnection, KeyPermissions, Network
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import TradeQuery, TradeStatus

T0 = datetime(2026, 11, 25, tzinfo=UTC)


def test_user_streams_wired_external_order_lands_in_the_users_mongo_trades(
    mongo_settings: Settings, sim_server: SimServer
) -> None:
    from binance.client import Client

    cipher, messages = ContextCipher(), RecordingPublisher()
    settings = mongo_settings.model_copy(
        update={"binance_simulator_url": sim_server.url, "stream_accounts_refresh_seconds": 0.2}
    )
    container = bootstrap(
        settings, secret_cipher=cipher, user_notifier=messages, channel_publisher=messages,
        account_cache=RecordingAccountCache(),
    )  # fmt: skip
    container.migrate()
    keys = {}
    for user_id in ("wired-a", "wired-b"):
        key, secret = sim_server.new_account()
        keys[user_id] = (key, secret)
        container.connection_store.put(ExchangeConnection(
            user_id=user_id, network=Network.SIMULATOR, api_key=key,
            secret_ciphertext=cipher.encrypt(secret, user_id=user_id), paper=True,
            permissions=KeyPermissions(can_trade=True, can_withdraw=False), status=ConnectionStatus.ACTIVE,
            created_at=T0, verified_at=T0,
        ))  # fmt: skip
    stream = container.user_data_stream

    async def scenario() -> float:
        worker = asyncio.create_task(container.user_stream_worker.run())
        try:
            while stream.followed != {"wired-a", "wired-b"}:  # type: ignore[attr-defined]
                await asyncio.sleep(0.02)
            client = Client(*keys["wired-a"], ping=False)
            client.API_URL = sim_server.url + "/api"
            started = time.monotonic()
            await asyncio.to_thread(
                client.create_order, symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.002",
                newClientOrderId="phone_app_1",
            )  # fmt: skip
            while not any(k is MessageType.TRADE_EXECUTED for _, k, _ in messages.notifications):
                await asyncio.sleep(0.01)
            elapsed = time.monotonic() - started
            await asyncio.sleep(0.3)
            return elapsed
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)

    elapsed = asyncio.run(asyncio.wait_for(scenario(), timeout=10))
    assert elapsed < 1.0
    page = container.trade_store.page("wired-a", TradeQuery())
    assert [(t.source, t.status, t.executed_quantity, t.side.value) for t in page.trades] == [
        ("external", TradeStatus.FILLED, Decimal("0.002"), "SELL")
    ]
    assert page.trades[0].extra == {"exchange_client_order_id": "phone_app_1"}
    assert container.trade_store.page("wired-b", TradeQuery()).trades == ()
    assert {user for user, _, _ in messages.notifications} == {"wired-a"}
