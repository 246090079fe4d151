"""Trades: the execute request, a trade as the API shows it, pages of history, positions.

Amounts are decimal strings in answers (exact); requests accept strings or JSON numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradecore.domain.orders import OrderType, Side
from tradecore.services.trading.closing import CloseOutcome
from tradecore.services.trading.intent import TradeIntent
from tradecore.services.trading.outcome import ExecutionOutcome
from tradecore.services.trading.positions import PositionView
from tradecore.services.trading.rendering import money, trade_body

PositiveAmount = Field(default=None, gt=0, allow_inf_nan=False, max_digits=40)
SYMBOL = Field(pattern=r"^[A-Z0-9]{5,20}$", examples=["BTCUSDT"])


class ExecuteRequest(BaseModel):
    """Exactly one of ``quantity`` (base asset) and ``quote_amount`` (quote to spend or receive)."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = SYMBOL
    side: Literal["BUY", "SELL"]
    type: Literal["MARKET", "LIMIT"]
    quantity: Decimal | None = PositiveAmount
    quote_amount: Decimal | None = PositiveAmount
    price: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False, description="LIMIT orders only")
    use_ai: bool = False
    stop_loss: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False, description="BUY only: below entry")
    take_profit: Decimal | None = Field(default=None, gt=0, allow_inf_nan=False, description="BUY only: above entry")

    def intent(self) -> TradeIntent:
        return TradeIntent(
            symbol=self.symbol, side=Side(self.side), type=OrderType(self.type), quantity=self.quantity,
            quote_amount=self.quote_amount, price=self.price, use_ai=self.use_ai, stop_loss=self.stop_loss,
            take_profit=self.take_profit,
        )  # fmt: skip


class Amounts(BaseModel):
    quantity: str | None
    quote_amount: str | None
    price: str | None


class FeeBody(BaseModel):
    asset: str
    amount: str


class ProtectionBody(BaseModel):
    status: Literal["awaiting_fill", "active", "canceled", "failed", "done"]
    stop_loss: str | None
    take_profit: str | None
    quantity: str | None
    order_list_id: int | None
    order_id: int | None
    reason: str | None


class TradeBody(BaseModel):
    id: str
    client_order_id: str = Field(description="The exchange's client order id, derived from the user and the key")
    symbol: str
    side: Literal["BUY", "SELL"]
    type: str
    status: Literal["pending", "open", "partially_filled", "filled", "canceled", "rejected", "unknown"]
    mode: Literal["paper", "testnet", "live"]
    requested: Amounts
    sent: Amounts = Field(description="What left after rounding onto the symbol's filters")
    adjustments: list[str] = Field(description="Every rounding applied, in words")
    executed_quantity: str
    average_price: str | None
    quote_amount: str
    fees: list[FeeBody]
    protection: ProtectionBody | None
    reason: str | None = Field(description="Why it was rejected, or why its status is unknown")
    source: str
    created_at: str
    updated_at: str


class SignalBody(BaseModel):
    signal: Literal["Long", "Short", "Neutral"]
    confidence: float
    source: str = Field(description="llm, technical or cache: what the analyzer used")
    origin: Literal["ai_service", "stored_signal", "local_technical"] = Field(description="Which fallback answered")
    analysis_id: str | None
    degraded: bool
    reason: str | None


class ExecuteResponse(BaseModel):
    trade: TradeBody
    signal: SignalBody | None
    mode: Literal["paper", "testnet", "live"]
    degraded: bool = Field(description="A fallback answered (AI signal, or the record went to the outbox)")
    degraded_by: list[str] = Field(
        default_factory=list,
        description='What fell back and what it meant, "<dependency>: <words for the trader>" (e.g. "mongodb: ...")',
    )


class TradePageBody(BaseModel):
    trades: list[TradeBody]
    next_cursor: str | None


class PositionBody(BaseModel):
    symbol: str
    base_asset: str
    quote_asset: str
    quantity: str
    average_entry: str | None
    realized_pnl: str
    unrealized_pnl: str | None
    price: str | None
    market_value: str | None
    fees: list[FeeBody] = Field(description="Fees paid in other assets (e.g. BNB): reported, not in the PnL")


class PositionsBody(BaseModel):
    positions: list[PositionBody]
    method: Literal["average_cost"] = "average_cost"


class CloseBody(BaseModel):
    trade: TradeBody
    dust: str = Field(description="What stays: below the exchange's minimum order")
    protections_cancelled: int


def execute_body(outcome: ExecutionOutcome) -> dict[str, Any]:
    signal = None
    if outcome.signal is not None:
        s = outcome.signal.summary
        signal = {"signal": s.signal, "confidence": s.confidence, "source": s.source, "origin": s.origin,
                  "analysis_id": s.analysis_id, "degraded": outcome.signal.degraded,
                  "reason": outcome.signal.reason}  # fmt: skip
    return {
        "trade": trade_body(outcome.trade),
        "signal": signal,
        "mode": outcome.mode.value,
        "degraded": outcome.degraded,
        "degraded_by": list(outcome.degraded_by),
    }


def position_body(view: PositionView) -> dict[str, Any]:
    p = view.position
    return {
        "symbol": p.symbol, "base_asset": p.base_asset, "quote_asset": p.quote_asset, "quantity": money(p.quantity),
        "average_entry": money(p.average_entry), "realized_pnl": money(p.realized_pnl),
        "unrealized_pnl": money(view.unrealized_pnl) if p.is_open else None, "price": money(view.price),
        "market_value": money(view.market_value) if p.is_open else None,
        "fees": [{"asset": f.asset, "amount": money(f.amount)} for f in p.fees],
    }  # fmt: skip


def close_body(outcome: CloseOutcome) -> dict[str, Any]:
    return {"trade": trade_body(outcome.trade), "dust": money(outcome.dust),
            "protections_cancelled": outcome.protections_cancelled}  # fmt: skip
