"""A trade request's outcome as the idempotency table keeps it: the same key replays it exactly,
including the exchange's refusal (recorded as a rejected trade, answered as an error)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradecore.domain.accounts import TradingMode
from tradecore.domain.trade_json import trade_from_json, trade_to_json
from tradecore.domain.trades import SignalSummary, TradeRecord, TradeStatus
from tradecore.errors import ExchangeRejectedError, InsufficientFundsError, InvalidOrderError
from tradecore.services.trading.journal import RecordedIn
from tradecore.services.trading.signals import ResolvedSignal

_REFUSALS: dict[str, type[ExchangeRejectedError]] = {
    InsufficientFundsError.code: InsufficientFundsError,
    InvalidOrderError.code: InvalidOrderError,
}


@dataclass(frozen=True)
class ExecutionOutcome:
    trade: TradeRecord
    signal: ResolvedSignal | None
    mode: TradingMode
    degraded: bool
    recorded_in: RecordedIn = RecordedIn.STORE
    degraded_by: tuple[str, ...] = ()  # what fell back, "<dependency>: <what it meant>", for the trader

    def raise_refusal(self) -> ExecutionOutcome:
        """Raise the exchange's refusal of a rejected trade (a 4xx naming the trade); else ``self``."""
        trade = self.trade
        if trade.status is not TradeStatus.REJECTED:
            return self
        code = trade.extra.get("code", ExchangeRejectedError.code)
        exchange_code = trade.extra.get("exchange_code") or None
        error = _REFUSALS.get(code, ExchangeRejectedError)(
            f"The exchange refused the order: {trade.reason}",
            exchange_code=int(exchange_code) if exchange_code else None,
            reason=trade.reason or "",
            details={"trade_id": trade.id, "client_order_id": trade.client_order_id},
        )
        raise error

    def to_json(self) -> dict[str, Any]:
        signal = None
        if self.signal is not None:
            s = self.signal.summary
            signal = {
                "signal": s.signal, "confidence": s.confidence, "source": s.source, "origin": s.origin,
                "analysis_id": s.analysis_id, "degraded": self.signal.degraded, "reason": self.signal.reason,
            }  # fmt: skip
        return {
            "trade": trade_to_json(self.trade),
            "signal": signal,
            "mode": self.mode.value,
            "degraded": self.degraded,
            "recorded_in": self.recorded_in.value,
            "degraded_by": list(self.degraded_by),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExecutionOutcome:
        raw = data.get("signal")
        signal = None
        if raw is not None:
            summary = SignalSummary(raw["signal"], float(raw["confidence"]), raw["source"], raw["origin"],
                                    raw.get("analysis_id"))  # fmt: skip
            signal = ResolvedSignal(summary, bool(raw["degraded"]), raw.get("reason"))
        return cls(
            trade_from_json(data["trade"]),
            signal,
            TradingMode(data["mode"]),
            bool(data["degraded"]),
            RecordedIn(data.get("recorded_in", RecordedIn.STORE.value)),
            tuple(data.get("degraded_by", ())),
        )
