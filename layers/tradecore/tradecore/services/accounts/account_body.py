"""The account view as every client sees it: GET /api/account's body and the stream task's
``account_update``, rendered in one place so the two never drift apart.

Amounts are decimal strings, never JSON numbers: a number would pass through floats in most
clients and lose the exact amount.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradecore.services.accounts.account_view import AccountView


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
