"""Performance: the figures of ``GET /api/performance`` as the API shows them.

Money is a decimal string (exact); ratios (win rate, profit factor, expectancy, drawdown percent)
are rounded to 8 decimal places. Definitions: ``tradecore.domain.performance``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from trade.schemas.trades import FeeBody
from tradecore.domain.performance import Figures, Performance, SymbolPerformance
from tradecore.services.trading.rendering import money

_PLACES = Decimal("0.00000001")


class FeesBody(BaseModel):
    quote: str = Field(description="Paid in the quote asset: already deducted in the PnL")
    other: list[FeeBody] = Field(
        description="Paid in other assets: the base asset (in the PnL through the coins it took) or e.g. BNB "
        "(not valued, not in the PnL)"
    )


class FiguresBody(BaseModel):
    realized_pnl: str
    fees: FeesBody
    trades: int = Field(description="Trades with anything executed (one order, however many fills)")
    closed_trades: int = Field(description="Sells of coins held: a win when they realized > 0, a loss when < 0")
    wins: int
    losses: int
    win_rate: str | None = Field(description="wins / closed_trades (0-1); null without closed trades")
    gross_profit: str
    gross_loss: str = Field(description="The losses' sum as a positive amount")
    profit_factor: str | None = Field(description="gross_profit / gross_loss; null without losses (see the flag)")
    profit_factor_infinite: bool = Field(description="Wins and no losses: the factor is unbounded")
    expectancy: str | None = Field(description="realized_pnl / closed_trades; null without closed trades")


class SymbolBody(FiguresBody):
    symbol: str
    base_asset: str
    quote_asset: str = Field(description="The currency of this line's money")
    in_totals: bool = Field(description="Quoted in the report's currency, so part of the totals")
    open_quantity: str
    average_entry: str | None
    unrealized_pnl: str | None = Field(description="Null when open and no price is known")


class DrawdownBody(BaseModel):
    amount: str = Field(description="The largest fall of the equity curve from a peak to a later trough")
    percent: str | None = Field(description="Of that peak (0-100); null when the peak was not above 0")
    peak: str
    trough: str


class DayBody(BaseModel):
    day: str = Field(description="A UTC day, YYYY-MM-DD")
    realized_pnl: str
    cumulative_pnl: str


class PerformanceBody(FiguresBody):
    currency: str = Field(description="The currency of the totals, the curve and the series")
    start: str | None = Field(alias="from", description="Inclusive; null: since the first trade")
    end: str = Field(alias="to", description="Exclusive; now when not asked")
    unrealized_pnl: str | None = Field(
        description="Open positions at the last prices; null when the exchange cannot say or the period ends "
        "in the past"
    )
    total_pnl: str | None
    max_drawdown: DrawdownBody
    per_symbol: list[SymbolBody]
    daily: list[DayBody]
    method: Literal["average_cost"] = "average_cost"


def ratio(value: Decimal | None) -> str | None:
    return None if value is None else money(value.quantize(_PLACES, ROUND_HALF_EVEN))


def _figures(f: Figures) -> dict[str, Any]:
    return {
        "realized_pnl": money(f.realized_pnl),
        "fees": {"quote": money(f.quote_fees), "other": [{"asset": x.asset, "amount": money(x.amount)}
                                                          for x in f.other_fees]},
        "trades": f.trades, "closed_trades": f.closed_trades, "wins": f.wins, "losses": f.losses,
        "win_rate": ratio(f.win_rate), "gross_profit": money(f.gross_profit), "gross_loss": money(f.gross_loss),
        "profit_factor": ratio(f.profit_factor), "profit_factor_infinite": f.profit_factor_infinite,
        "expectancy": ratio(f.expectancy),
    }  # fmt: skip


def _symbol(line: SymbolPerformance) -> dict[str, Any]:
    return {
        **_figures(line.figures), "symbol": line.symbol, "base_asset": line.base_asset,
        "quote_asset": line.quote_asset, "in_totals": line.in_totals, "open_quantity": money(line.open_quantity),
        "average_entry": money(line.average_entry), "unrealized_pnl": money(line.unrealized_pnl),
    }  # fmt: skip


def performance_body(p: Performance) -> dict[str, Any]:
    d = p.drawdown
    start = p.period.start
    return {
        **_figures(p.totals), "currency": p.currency,
        "from": None if start is None else start.isoformat().replace("+00:00", "Z"),
        "to": p.period.end.isoformat().replace("+00:00", "Z"),
        "unrealized_pnl": money(p.unrealized_pnl), "total_pnl": money(p.total_pnl),
        "max_drawdown": {"amount": money(d.amount), "percent": ratio(d.percent), "peak": money(d.peak),
                         "trough": money(d.trough)},
        "per_symbol": [_symbol(line) for line in p.per_symbol],
        "daily": [{"day": day.day.isoformat(), "realized_pnl": money(day.realized_pnl),
                   "cumulative_pnl": money(day.cumulative_pnl)} for day in p.daily],
    }  # fmt: skip
