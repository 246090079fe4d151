"""A fully populated trade record (every optional field set, Decimals with telling digits) for codec
and outbox tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradecore.domain.accounts import TradingMode
from tradecore.domain.orders import OrderType, Side
from tradecore.domain.trades import Protection, ProtectionStatus, SignalSummary, TradeFill, TradeRecord, TradeStatus

D = Decimal
T0 = datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)


def full_trade_record(*, user_id: str = "u-1", version: int = 7) -> TradeRecord:
    return TradeRecord(
        id="t-1", user_id=user_id, client_order_id="tc-0123456789abcdef0123456789abcdef", symbol="BTCUSDT",
        base_asset="BTC", quote_asset="USDT", side=Side.BUY, type=OrderType.LIMIT, mode=TradingMode.PAPER,
        status=TradeStatus.PARTIALLY_FILLED, created_at=T0, updated_at=T0 + timedelta(seconds=1),
        requested_quantity=D("0.001234567"), requested_quote_amount=D("50.00"), requested_price=D("43210.987654321"),
        sent_quantity=D("0.00123"), sent_quote_amount=D("53.15"), sent_price=D("43210.98"),
        executed_quantity=D("0.00100"), quote_amount=D("43.21098000"),
        fills=(
            TradeFill(D("43210.98"), D("0.00060"), D("6.0E-7"), "BTC", 7),
            TradeFill(D("43210.98"), D("0.00040"), D("0.01728"), "USDT", None),
        ),
        exchange_order_id=123456789012, adjustments=("quantity rounded down to the step 0.00001",),
        signal=SignalSummary("Long", 0.83, "llm", "ai_service", "a-1"),
        protection=Protection(ProtectionStatus.ACTIVE, D("40000.00"), D("47000.00"), D("0.00100"), 55, "ol-1"),
        reason=None, source="bot", version=version, extra={"note": "x"},
    )  # fmt: skip
