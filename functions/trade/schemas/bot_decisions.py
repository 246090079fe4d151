"""The AutoTrader's decisions as the caller sees them: traded, or skipped and why."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from tradecore.domain.automation import Decision, DecisionPage


class DecisionBody(BaseModel):
    id: str = Field(description="One per user, symbol, timeframe and candle")
    symbol: str
    timeframe: str
    candle_time: int = Field(description="Open time (ms) of the closed candle the signal is about")
    signal: Literal["Long", "Short", "Neutral"]
    confidence: float = Field(ge=0, le=1)
    outcome: Literal["traded", "skipped", "failed"]
    reason: (
        Literal[
            "kill_switch", "paused", "disabled", "neutral", "confidence", "cooldown", "no_position", "role", "refused"
        ]
        | None
    ) = Field(description="Why it was skipped (null when traded)")
    message: str = Field(description="The decision in a trader's words")
    code: str | None = Field(description="The trade flow's refusal code (risk_limit_exceeded, insufficient_funds, ...)")
    side: Literal["BUY", "SELL"] | None = Field(description="The order it placed, or would have placed")
    trade_id: str | None = Field(description="The trade it placed (GET /api/trades/{trade_id})")
    created_at: str = Field(description="When it was made (ISO 8601)")


class DecisionPageBody(BaseModel):
    decisions: list[DecisionBody] = Field(description="Newest first")
    next_cursor: str | None


def decision_body(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.id, "symbol": decision.symbol, "timeframe": decision.timeframe,
        "candle_time": decision.candle_time, "signal": decision.signal, "confidence": decision.confidence,
        "outcome": decision.outcome.value, "reason": None if decision.reason is None else decision.reason.value,
        "message": decision.message, "code": decision.code,
        "side": None if decision.side is None else decision.side.value, "trade_id": decision.trade_id,
        "created_at": decision.created_at.isoformat(),
    }  # fmt: skip


def decision_page_body(page: DecisionPage) -> dict[str, Any]:
    return {"decisions": [decision_body(d) for d in page.decisions], "next_cursor": page.next_cursor}
