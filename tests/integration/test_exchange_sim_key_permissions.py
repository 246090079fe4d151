"""``GET /sapi/v1/account/apiRestrictions`` on the simulator, read by the real python-binance client,
and the admin knobs that make a key withdrawal-enabled or IP-restricted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from binance.client import Client
from binance.exceptions import BinanceAPIException

from tests.integration.exchange_sim_fixtures import SimServer

THIRTY_DAYS_MS = 30 * 86_400_000
FLAGS = {
    "ipRestrict", "createTime", "enableReading", "enableSpotAndMarginTrading", "enableWithdrawals",
    "enableInternalTransfer", "enableMargin", "enableFutures", "permitsUniversalTransfer", "enableVanillaOptions",
    "enableFixApiTrade", "enableFixReadOnly", "enablePortfolioMarginTrading",
}  # fmt: skip


def _client(sim_server: SimServer, key: str, secret: str) -> Any:
    client = Client(key, secret, ping=False)
    client.API_URL = sim_server.url + "/api"
    client.MARGIN_API_URL = sim_server.url + "/sapi"
    return client


def _permissions(sim_server: SimServer, key: str, secret: str) -> dict[str, Any]:
    result: dict[str, Any] = _client(sim_server, key, secret).get_account_api_permissions()
    return result


def test_a_new_key_reads_and_trades_never_withdraws_and_loses_trading_30_days_after_creation(
    sim_server: SimServer,
) -> None:
    key, secret = sim_server.new_account()
    permissions = _permissions(sim_server, key, secret)
    assert set(permissions) >= FLAGS
    assert permissions["enableReading"] is True
    assert permissions["enableSpotAndMarginTrading"] is True
    assert permissions["enableWithdrawals"] is False
    assert permissions["ipRestrict"] is False
    # Binance ends trading on keys without an IP whitelist 30 days after they were made
    assert permissions["tradingAuthorityExpirationTime"] == permissions["createTime"] + THIRTY_DAYS_MS


def test_the_knobs_at_creation_make_a_key_withdrawal_enabled_and_ip_restricted(sim_server: SimServer) -> None:
    created = sim_server.admin(
        "POST", "/sim/accounts", {"balances": {"USDT": "1"}, "withdrawals_enabled": True, "ip_restricted": True}
    )
    permissions = _permissions(sim_server, created["apiKey"], created["secretKey"])
    assert permissions["enableWithdrawals"] is True
    assert permissions["ipRestrict"] is True
    assert "tradingAuthorityExpirationTime" not in permissions  # only keys without a whitelist expire


def test_the_knob_turns_withdrawals_on_and_off_for_an_existing_key(sim_server: SimServer) -> None:
    key, secret = sim_server.new_account()
    answer = sim_server.admin("POST", f"/sim/accounts/{key}/permissions", {"withdrawals_enabled": True})
    assert answer == {"withdrawals_enabled": True, "ip_restricted": False}
    assert _permissions(sim_server, key, secret)["enableWithdrawals"] is True
    sim_server.admin("POST", f"/sim/accounts/{key}/permissions", {"withdrawals_enabled": False, "ip_restricted": True})
    permissions = _permissions(sim_server, key, secret)
    assert (permissions["enableWithdrawals"], permissions["ipRestrict"]) == (False, True)


def test_the_knob_answers_404_for_an_unknown_key(sim_server: SimServer) -> None:
    import requests

    response = requests.post(sim_server.url + "/sim/accounts/nope/permissions", json={}, timeout=10)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda key, secret: (key, secret + "x"), -1022),  # wrong secret: bad signature
        (lambda key, secret: ("unknown" + key, secret), -2015),  # unknown key
    ],
)
def test_the_read_is_signed(sim_server: SimServer, make: Callable[[str, str], tuple[str, str]], code: int) -> None:
    key, secret = make(*sim_server.new_account())
    with pytest.raises(BinanceAPIException) as caught:
        _permissions(sim_server, key, secret)
    assert caught.value.code == code
