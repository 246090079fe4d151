"""The trading services built by ``bootstrap()`` on in-memory fakes (no sockets): the wiring in
``bootstrap/trading.py`` is what runs, only the leaves are replaced."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tests.support.auth import FakeClock
from tests.support.fake_analysis import FakeAnalysisStore
from tests.support.messages import RecordingPublisher
from tests.support.trading_exchange import FakeExchange
from tests.support.trading_fakes import (
    FakeConnections,
    FakeRiskSettings,
    FakeSignalClient,
    FakeSwitch,
    InMemoryIdempotencyGuard,
    InMemoryOutbox,
    InMemoryPlacementLedger,
    InMemoryTradeStore,
    RecordingAccountCache,
)
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.realtime import MessageType
from tradecore.domain.users import Principal, Role
from tradecore.services.trading.intent import TradeIntent
from tradecore.services.trading.outcome import ExecutionOutcome

_AMOUNTS = ("quantity", "quote_amount", "price", "stop_loss", "take_profit")
USER = "user-1"
OTHER_USER = "user-2"


def principal(user_id: str = USER, role: Role = Role.TRADER) -> Principal:
    return Principal(user_id=user_id, role=role, token_id=f"tok-{user_id}", issued_at=0.0, expires_at=2**31)


def intent(side: Side = Side.BUY, type: OrderType = OrderType.MARKET, **values: Any) -> TradeIntent:
    """A BTCUSDT intent; string amounts become Decimals (``quantity="0.01"``)."""
    amounts: dict[str, Any] = {k: Decimal(v) if isinstance(v, str) and k in _AMOUNTS else v for k, v in values.items()}
    amounts.setdefault("symbol", "BTCUSDT")
    if "quantity" not in amounts and "quote_amount" not in amounts:
        amounts["quantity"] = Decimal("0.01")
    return TradeIntent(side=side, type=type, **amounts)


@dataclass
class TradingRig:
    container: Container
    exchange: FakeExchange
    connections: FakeConnections
    store: InMemoryTradeStore
    outbox: InMemoryOutbox
    guard: InMemoryIdempotencyGuard
    risk: FakeRiskSettings
    switch: FakeSwitch
    signals: FakeSignalClient
    messages: RecordingPublisher
    cache: RecordingAccountCache
    clock: FakeClock

    def execute(self, key: str = "key-1", user_id: str = USER, **body: Any) -> ExecutionOutcome:
        return self.container.trade_executor.execute(principal(user_id), key, intent(**body))

    def notified(self, user_id: str = USER) -> list[MessageType]:
        return [kind for user, kind, _ in self.messages.notifications if user == user_id]

    def published(self, channel: str) -> list[dict[str, Any]]:
        return [data for name, _, data in self.messages.messages if name == channel]


def trading_rig(settings: Settings, **overrides: Any) -> TradingRig:
    """``USER`` connected to a fresh :class:`FakeExchange` (which also serves market data); every
    other leaf of the trading graph in memory. ``overrides`` go to ``bootstrap()`` as they are."""
    exchange = FakeExchange()
    store, outbox, guard = InMemoryTradeStore(), InMemoryOutbox(), InMemoryIdempotencyGuard()
    risk, switch, signals = FakeRiskSettings(), FakeSwitch(), FakeSignalClient()
    messages, cache, clock = RecordingPublisher(), RecordingAccountCache(), FakeClock()
    connections = FakeConnections({USER: exchange})
    container = bootstrap(
        settings,
        **{
            "clock": clock, "sleep": clock.advance, "exchange": exchange, "connection_service": connections,
            "trade_store": store,
            "trade_outbox": outbox, "idempotency_guard": guard, "risk_settings": risk, "trading_switch": switch,
            "signal_client": signals, "analysis_store": FakeAnalysisStore(), "user_notifier": messages,
            "channel_publisher": messages, "account_cache": cache, "placement_ledger": InMemoryPlacementLedger(),
            **overrides,
        },
    )  # fmt: skip
    return TradingRig(container, exchange, connections, store, outbox, guard, risk, switch, signals, messages,
                      cache, clock)  # fmt: skip
