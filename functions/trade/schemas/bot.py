"""Bot settings as the API shows and takes them, and the admin's kill switch.

Amounts are decimal strings in answers (exact); requests accept strings or JSON numbers. The
ranges are checked once, in ``tradecore.domain.bot_settings`` (422 naming the field); the
descriptions here repeat them for readers of the OpenAPI document.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradecore.domain.bot_settings import BotSettings
from tradecore.domain.kill_switch import TradingSwitchState
from tradecore.errors import InvalidInputError
from tradecore.services.trading.rendering import money

_NULLABLE = frozenset({"stop_loss_pct", "take_profit_pct"})


def _amount(description: str) -> Any:
    return Field(default=None, allow_inf_nan=False, max_digits=40, description=description)


class BotSettingsBody(BaseModel):
    automated_trading: bool
    paused: bool = Field(description="Your pause: the AutoTrader skips while on; manual trades ignore it")
    automating: bool = Field(description="automated_trading and not paused")
    symbols: list[str]
    timeframe: str = Field(description="Candles whose close the AutoTrader acts on (a Binance interval)")
    min_confidence: float = Field(description="0..1: the least AI confidence any use_ai or automated trade needs")
    amount_per_trade_usdt: str
    max_trade_usdt: str = Field(description="Per-trade cap, manual trades too (0: none)")
    max_position_usdt: str = Field(description="Per-symbol position cap (0: none)")
    max_open_positions: int = Field(description="0: no limit")
    daily_loss_limit_usdt: str = Field(description="No new buys once today's realized loss reaches it (0: none)")
    stop_loss_pct: str | None
    take_profit_pct: str | None
    cooldown_seconds: int
    updated_at: str | None = Field(description="null: never saved, these are the platform's defaults")


class BotSettingsUpdate(BaseModel):
    """Only the fields to change; the others keep their values (``{"paused": true}`` pauses)."""

    model_config = ConfigDict(extra="forbid")

    automated_trading: bool | None = None
    paused: bool | None = None
    symbols: list[str] | None = Field(
        default=None, max_length=50, description="Platform symbols; at least one while automated_trading is on"
    )
    timeframe: str | None = Field(default=None, max_length=3, examples=["1h"])
    min_confidence: float | None = Field(default=None, allow_inf_nan=False, description="0 to 1")
    amount_per_trade_usdt: Decimal | None = _amount("> 0, at most max_trade_usdt")
    max_trade_usdt: Decimal | None = _amount(">= 0 (0: none)")
    max_position_usdt: Decimal | None = _amount(">= 0 (0: none)")
    max_open_positions: int | None = Field(default=None, description="0 to 1000 (0: none)")
    daily_loss_limit_usdt: Decimal | None = _amount(">= 0 (0: none)")
    stop_loss_pct: Decimal | None = _amount("0 < pct <= 50, or null for none")
    take_profit_pct: Decimal | None = _amount("0 < pct <= 50, or null for none")
    cooldown_seconds: int | None = Field(default=None, description="0 to 604800 between automated trades")

    def changes(self) -> dict[str, Any]:
        """The fields sent; ``InvalidInputError`` for a null where a value is required."""
        sent = {name: getattr(self, name) for name in self.model_fields_set}
        for name, value in sent.items():
            if value is None and name not in _NULLABLE:
                raise InvalidInputError(f"{name}: may not be null", details={"field": name})
        return sent


def bot_settings_body(settings: BotSettings) -> dict[str, Any]:
    s = settings
    return {
        "automated_trading": s.automated_trading, "paused": s.paused, "automating": s.automating,
        "symbols": list(s.symbols), "timeframe": s.timeframe, "min_confidence": s.min_confidence,
        "amount_per_trade_usdt": money(s.amount_per_trade_usdt), "max_trade_usdt": money(s.max_trade_usdt),
        "max_position_usdt": money(s.max_position_usdt), "max_open_positions": s.max_open_positions,
        "daily_loss_limit_usdt": money(s.daily_loss_limit_usdt), "stop_loss_pct": money(s.stop_loss_pct),
        "take_profit_pct": money(s.take_profit_pct), "cooldown_seconds": s.cooldown_seconds,
        "updated_at": None if s.updated_at is None else s.updated_at.isoformat().replace("+00:00", "Z"),
    }  # fmt: skip


class TradingSwitchBody(BaseModel):
    halted: bool = Field(description="While true no new order leaves for anyone, manual or automated")
    by: str | None = Field(description="The admin who turned it last")
    reason: str | None
    changed_at: str | None


class TradingSwitchUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    halted: bool
    reason: str = Field(default="", max_length=200, description="Required to halt: why trading stops")

    @model_validator(mode="after")
    def _reason_to_halt(self) -> TradingSwitchUpdate:
        self.reason = self.reason.strip()
        if self.halted and not self.reason:
            raise ValueError("reason: say why trading is halted")
        return self


def trading_switch_body(state: TradingSwitchState) -> dict[str, Any]:
    changed = None if state.changed_at is None else state.changed_at.isoformat().replace("+00:00", "Z")
    return {"halted": state.halted, "by": state.by, "reason": state.reason, "changed_at": changed}
