"""The account view: balances, equity in USDT, where the answer came from.

Amounts are decimal strings, never JSON numbers: a number would pass through floats in most
clients and lose the exact amount.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from tradecore.domain.accounts import Network, TradingMode
from tradecore.services.accounts.account_view import AccountView

Amount = Field(pattern=r"^-?\d+(\.\d+)?$", description="A decimal amount, as a string")


class BalanceBody(BaseModel):
    asset: str
    free: str = Amount
    locked: str = Amount


class AccountBody(BaseModel):
    balances: list[BalanceBody] = Field(description="Assets held (free or locked); zero balances are left out")
    equity_usdt: str = Field(
        pattern=r"^-?\d+(\.\d+)?$",
        description="Free plus locked of every asset at its USDT last price; unpriced assets count 0",
    )
    unpriced: list[str] = Field(description="Assets without a USDT market: not in equity_usdt (a lower bound then)")
    as_of: str = Field(description="ISO 8601, UTC: when the exchange was read")
    source: Literal["cache", "exchange"]
    network: Network
    mode: TradingMode


def amount(value: Decimal) -> str:
    """Positional notation whatever the exponent: ``str(Decimal("0.00000000"))`` is ``"0E-8"``."""
    return format(value, "f")


def account_body(view: AccountView) -> dict[str, Any]:
    snapshot = view.snapshot
    return {
        "balances": [
            {"asset": asset, "free": amount(balance.free), "locked": amount(balance.locked)}
            for asset, balance in sorted(snapshot.balances.items())
        ],
        "equity_usdt": amount(snapshot.equity_usdt),
        "unpriced": list(snapshot.unpriced),
        "as_of": snapshot.as_of.isoformat(),
        "source": view.source.value,
        "network": snapshot.network.value,
        "mode": view.mode.value,
    }
