"""A stop-loss that fills closes the position in the platform's books, with real parts: SecantusDB,
moto (KMS, the state table, the idempotency table), the trade flow's executor, and the simulator
over sockets (its user data stream, its OCO engine). Two users buy with a stop-loss and a take-profit,
the price falls through both stops; one user's stream is followed, the other's is not, so the first
is recorded by the stream and the second by reconciliation alone, the same way."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.accounts_world import trade_container
from tests.support.messages import RecordingPublisher
from tests.support.trading_world import trading_settings
from tradecore.adapters.binance.user_streams import BinanceUserStreams
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.accounts import ExchangeConnection, Network
from tradecore.domain.orders import OrderType, Side, oco_client_ids
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import ProtectionStatus, TradeRecord, TradeStatus
from tradecore.domain.users import Principal, Role
from tradecore.services.realtime.user_stream_worker import UserStreamWorker
from tradecore.services.trading.intent import TradeIntent

D = Decimal
BOUGHT = D("0.01")  # its 0.1% fee (0.00001 BTC) leaves 0.00999 on the lot step: the stop sells it all


@pytest.fixture
def container(
    mongo_settings: Settings, moto_server: str, sim_server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    sim_server.set_price("BTCUSDT", "50000")
    settings = trading_settings(mongo_settings, moto_server, sim_server.url, monkeypatch)
    with trade_container(settings) as c:
        c.__dict__["user_notifier"] = RecordingPublisher()
        yield c


class _Only:
    """The connection listing with only some users in it (the others' streams are not followed)."""

    def __init__(self, container: Container, users: set[str]) -> None:
        self.container, self.users = container, users

    def all_connections(self) -> list[ExchangeConnection]:
        return [c for c in self.container.connection_listing.all_connections() if c.user_id in self.users]


def _principal(user_id: str) -> Principal:
    return Principal(user_id, Role.TRADER, "token", 0.0, 2**31)


def _buy_protected(container: Container, user_id: str) -> TradeRecord:
    intent = TradeIntent("BTCUSDT", Side.BUY, OrderType.MARKET, quantity=BOUGHT, stop_loss=D("45000"),
                         take_profit=D("60000"))  # fmt: skip
    trade = container.trade_executor.execute(_principal(user_id), uuid.uuid4().hex, intent).trade
    assert trade.status is TradeStatus.FILLED
    assert trade.protection is not None
    assert trade.protection.status is ProtectionStatus.ACTIVE
    return trade


async def _until(check: Callable[[], Any], timeout: float = 10.0) -> None:
    started = time.monotonic()
    while not await asyncio.to_thread(check):
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def _leg(container: Container, parent: TradeRecord) -> TradeRecord | None:
    return container.trade_store.by_client_order_id(parent.user_id, oco_client_ids(parent.client_order_id).stop_loss)


def _assert_closed_by_its_stop(container: Container, parent: TradeRecord) -> TradeRecord:
    """The stop's own trade, the parent settled, and the position (as GET /api/positions builds it)
    flat, equal to the exchange balance, with the PnL the stop's fills realized."""
    leg = _leg(container, parent)
    assert leg is not None
    assert (leg.source, leg.side, leg.status, leg.extra["parent_trade_id"]) == (
        "stop_loss", Side.SELL, TradeStatus.FILLED, parent.id
    )  # fmt: skip
    assert leg.executed_quantity == BOUGHT - sum((f.commission for f in parent.fills), D(0))
    assert leg.fills
    settled = container.trade_store.get(parent.user_id, parent.id)
    assert settled is not None
    assert settled.protection is not None
    assert settled.protection.status is ProtectionStatus.DONE
    assert (settled.extra["protection_executed"], settled.extra["protection_canceled"]) == ("stop_loss", "take_profit")
    (view,) = container.position_service.positions(_principal(parent.user_id))
    balance = container.connection_service.exchange_for(parent.user_id).get_balances().get("BTC")
    assert view.position.quantity == 0
    assert view.position.quantity == (balance.total if balance else 0)
    # everything bought (fees in BTC) sold by the stop: its proceeds less its USDT fees, less the cost
    expected = leg.quote_amount - sum((f.commission for f in leg.fills), D(0)) - parent.quote_amount
    assert abs(view.position.realized_pnl - expected) < D("1e-12")
    assert view.position.realized_pnl < 0
    return leg


def test_protective_legs_stop_loss_closes_the_position_by_stream_and_by_reconciliation_alike(
    container: Container, sim_server: SimServer
) -> None:
    # GIVEN two users who bought 0.01 BTC at 50,000 with a stop at 45,000 and a target at 60,000
    streamed = _buy_protected(container, f"user-{uuid.uuid4().hex[:8]}")
    unheard = _buy_protected(container, f"user-{uuid.uuid4().hex[:8]}")
    # and the first user's account events followed by the stream task's user side
    stream = BinanceUserStreams(container.settings, backoff_base_seconds=0.2)
    worker = UserStreamWorker(
        _Only(container, {streamed.user_id}), container.secret_cipher, stream, container.user_event_handler.handle,
        Network.SIMULATOR, refresh_seconds=0.2,
    )  # fmt: skip

    async def scenario() -> None:
        task = asyncio.create_task(worker.run())
        try:
            await _until(lambda: stream.followed == {streamed.user_id})
            # WHEN the price falls through the stops
            await asyncio.to_thread(sim_server.set_price, "BTCUSDT", "44900")
            await _until(lambda: (leg := _leg(container, streamed)) is not None and leg.status is TradeStatus.FILLED)
            await asyncio.sleep(0.3)  # the parent's settlement follows its leg
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())

    # THEN the stream recorded the first user's stop as a trade and the position is closed
    leg = _assert_closed_by_its_stop(container, streamed)
    notifier = container.user_notifier
    assert isinstance(notifier, RecordingPublisher)
    executed = [d for u, k, d in notifier.notifications if u == streamed.user_id and k is MessageType.TRADE_EXECUTED]
    assert [d["client_order_id"] for d in executed][-1] == leg.client_order_id
    # AND reconciliation finds the streamed records right: nothing to repair, no position gap
    report = container.reconciler.reconcile_user(streamed.user_id)
    assert (report.repairs, report.position_gaps) == ((), ())

    # AND the second user's stop, never heard, is recorded by one reconciliation run the same way
    assert _leg(container, unheard) is None
    report = container.reconciler.reconcile_user(unheard.user_id)
    repaired = _assert_closed_by_its_stop(container, unheard)
    assert {k: v for k, v in report.counts.items() if v} == {"missing_trade": 1, "protection_gone": 1}
    assert (repaired.type, repaired.mode, sorted(repaired.extra)[:2]) == (leg.type, leg.mode, sorted(leg.extra)[:2])
    again = container.reconciler.reconcile_user(unheard.user_id)
    assert (again.repairs, again.found) == ((), 0)
