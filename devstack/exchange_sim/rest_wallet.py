"""Signed ``/sapi/`` endpoints: what an API key may do (``GET /sapi/v1/account/apiRestrictions``).

The platform reads this before it stores a user's mainnet key, and refuses a key that may
withdraw; the simulator serves it so that refusal can be tested end to end. A key's flags are
set through the admin API (``withdrawals_enabled``, ``ip_restricted`` on ``/sim/accounts``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from devstack.exchange_sim.http_common import json_response, signed_account
from devstack.exchange_sim.ledger import Account

routes = web.RouteTableDef()

# Binance ends spot trading on keys without an IP whitelist this long after they were made
TRADING_AUTHORITY_MS = 30 * 86_400_000


def api_restrictions_json(account: Account) -> dict[str, Any]:
    """The Binance shape: every flag, and ``tradingAuthorityExpirationTime`` only for keys that
    are not IP-restricted (a whitelisted key keeps trading)."""
    body: dict[str, Any] = {
        "ipRestrict": account.ip_restricted,
        "createTime": account.create_time,
        "enableReading": True,
        "enableSpotAndMarginTrading": True,
        "enableWithdrawals": account.withdrawals_enabled,
        "enableInternalTransfer": False,
        "enableMargin": False,
        "enableFutures": False,
        "permitsUniversalTransfer": False,
        "enableVanillaOptions": False,
        "enableFixApiTrade": False,
        "enableFixReadOnly": False,
        "enablePortfolioMarginTrading": False,
    }
    if not account.ip_restricted:
        body["tradingAuthorityExpirationTime"] = account.create_time + TRADING_AUTHORITY_MS
    return body


@routes.get("/sapi/v1/account/apiRestrictions")
async def api_restrictions(request: web.Request) -> web.Response:
    return json_response(api_restrictions_json(signed_account(request)))
