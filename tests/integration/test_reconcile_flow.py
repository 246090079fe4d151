"""Reconciliation with real parts: SecantusDB, moto (KMS, the state table), and the simulator over
sockets with the user's own paper account. Each discrepancy is injected by writing to MongoDB or by
acting on the simulator directly, then ONE run detects and repairs them all and stores its report."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.accounts_world import trade_container
from tests.support.messages import RecordingPublisher
from tests.support.trading_world import trading_settings
from tradecore.bootstrap import Container
from tradecore.config import Settings
from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OcoRequest, OrderRequest, OrderResult, OrderType, Side
from tradecore.domain.realtime import MessageType
from tradecore.domain.trades import Protection, ProtectionStatus, TradeRecord, TradeStatus, client_order_id_for
from tradecore.ports import Exchange

D = Decimal


@pytest.fixture
def container(
    mongo_settings: Settings, moto_server: str, sim_server: SimServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    sim_server.set_price("BTCUSDT", "50000")
    settings = trading_settings(mongo_settings, moto_server, sim_server.url, monkeypatch)
    with trade_container(settings) as c:
        c.__dict__["user_notifier"] = RecordingPublisher()
        yield c


def _now() -> datetime:
    return datetime.fromtimestamp(time.time(), UTC)


def _intent(user_id: str, key: str, *, age: timedelta, **changes: Any) -> TradeRecord:
    """A trade as the money path records it before its order leaves (``pending``)."""
    at = _now() - age
    values: dict[str, Any] = {
        "id": uuid.uuid4().hex, "user_id": user_id, "client_order_id": client_order_id_for(user_id, key),
        "symbol": "BTCUSDT", "base_asset": "BTC", "quote_asset": "USDT", "side": Side.BUY, "type": OrderType.MARKET,
        "mode": TradingMode.PAPER, "status": TradeStatus.PENDING, "created_at": at, "updated_at": at,
        "sent_quantity": D("0.01"),
    }  # fmt: skip
    values.update(changes)
    return TradeRecord(**values)


def _buy(exchange: Exchange, client_order_id: str, quantity: str = "0.01") -> OrderResult:
    """A market buy placed on the simulator directly, with the user's key."""
    request = OrderRequest("BTCUSDT", Side.BUY, OrderType.MARKET, D(quantity), client_order_id=client_order_id)
    return exchange.place_order(request)


def test_reconcile_repairs_every_kind_of_discrepancy_in_one_run_and_stores_its_report(container: Container) -> None:
    user = f"user-{uuid.uuid4().hex[:8]}"
    exchange = container.connection_service.exchange_for(user)  # the user's paper account on the simulator
    store = container.trade_store

    # GIVEN an order on the exchange the database never heard of
    lost = _buy(exchange, client_order_id_for(user, "lost"))
    # an intent whose order never left (5 minutes old) and one that may still appear (10 s old)
    never = _intent(user, "never", age=timedelta(minutes=5))
    young = _intent(user, "young", age=timedelta(seconds=10))
    # an order whose answer was lost (recorded unknown), one recorded with the wrong fees
    unknown_order = _buy(exchange, client_order_id_for(user, "unknown"))
    unknown = _intent(user, "unknown", age=timedelta(minutes=1), status=TradeStatus.UNKNOWN)
    fee_order = _buy(exchange, client_order_id_for(user, "fee"))
    wrong_fees = tuple(replace(fill, commission=D(0)) for fill in fee_order.fills)
    fee = _intent(user, "fee", age=timedelta(minutes=1)).with_order(fee_order, _now())
    fee = replace(fee, fills=wrong_fees)
    # a trade protected by an OCO that was then cancelled on the exchange directly
    protected_order = _buy(exchange, client_order_id_for(user, "protected"))
    protected = _intent(user, "protected", age=timedelta(minutes=1)).with_order(protected_order, _now())
    oco = exchange.place_oco(OcoRequest("BTCUSDT", Side.SELL, D("0.005"), D("60000"), D("40000"), D("39000"),
                                        client_key=protected.client_order_id))  # fmt: skip
    shield = Protection(ProtectionStatus.ACTIVE, D("40000"), D("60000"), D("0.005"), oco.order_list_id,
                        oco.list_client_order_id)  # fmt: skip
    protected = protected.advanced(_now(), protection=shield)
    exchange.cancel_order_list("BTCUSDT", order_list_id=oco.order_list_id)
    # and a fill recorded that the exchange never had (the position no longer matches the balance)
    phantom = _intent(user, "phantom", age=timedelta(minutes=1), status=TradeStatus.FILLED,
                      executed_quantity=D("0.02"), quote_amount=D("1000"))  # fmt: skip
    for trade in (never, young, unknown, fee, protected, phantom):
        assert store.save(trade)

    # WHEN one reconciliation runs
    report = container.reconciler.reconcile_user(user)

    # THEN every discrepancy is repaired and marked
    missing = store.by_client_order_id(user, lost.client_order_id)
    assert missing is not None
    assert (missing.source, missing.status, missing.executed_quantity) == ("reconciled", TradeStatus.FILLED, D("0.01"))
    assert missing.fills == lost.fills
    never_after = store.by_client_order_id(user, never.client_order_id)
    assert never_after is not None
    assert never_after.status is TradeStatus.REJECTED
    assert store.by_client_order_id(user, young.client_order_id) == young
    unknown_after = store.by_client_order_id(user, unknown.client_order_id)
    assert unknown_after is not None
    assert (unknown_after.status, unknown_after.exchange_order_id) == (TradeStatus.FILLED, unknown_order.order_id)
    assert unknown_after.extra["reconciled"].startswith("status: unknown → filled; executed_quantity: 0 → 0.01")
    fee_after = store.by_client_order_id(user, fee.client_order_id)
    assert fee_after is not None
    assert fee_after.fees == fee.advanced(_now(), fills=fee_order.fills).fees
    assert "fees: none →" in fee_after.extra["reconciled"]
    protected_after = store.by_client_order_id(user, protected.client_order_id)
    assert protected_after is not None
    assert protected_after.protection is not None
    assert protected_after.protection.status is ProtectionStatus.CANCELED
    counts = {kind: count for kind, count in report.counts.items() if count}
    assert counts == {"missing_trade": 1, "never_placed": 1, "status": 1, "filled_quantity": 1, "average_price": 1,
                      "fee": 2, "protection_gone": 1, "position": 1}  # fmt: skip
    (gap,) = report.position_gaps
    assert gap.difference == D("-0.02")  # the phantom fill: reported, for a human
    assert any(phantom.client_order_id in error for error in report.errors)
    # the report is stored and the user told
    (stored,) = container.reconciliation_reports.latest(user)
    assert (stored.id, stored.counts, stored.repairs) == (report.id, report.counts, report.repairs)
    assert "user_id_created_at" in container.mongo.db["reconciliation_reports"].index_information()
    notifier = container.user_notifier
    assert isinstance(notifier, RecordingPublisher)
    assert [(u, t, d["found"]) for u, t, d in notifier.notifications] == [(user, MessageType.ACCOUNT_UPDATE, 9)]

    # AND a second run finds nothing more to repair (only the phantom's gap is reported again)
    again = container.reconciler.reconcile_user(user)
    assert (again.repairs, again.found) == ((), 1)
