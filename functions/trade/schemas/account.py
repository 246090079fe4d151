"""The account view: balances, equity in USDT, where the answer came from.

Amounts are decimal strings, never JSON numbers: a number would pass through floats in most
clients and lose the exact amount. The body itself is rendered by the service layer
(``account_body``), which the stream task's ``account_update`` shares.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tradecore.domain.accounts import Network, TradingMode
from tradecore.services.accounts.account_body import account_body, amount

__all__ = ["AccountBody", "BalanceBody", "account_body", "amount"]

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
