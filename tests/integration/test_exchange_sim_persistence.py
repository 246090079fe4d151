"""Accounts, balances and open orders survive a simulator restart (state under --data-dir)."""

from __future__ import annotations

import subprocess
import sys
import tempfile

import requests
from binance.client import Client

from tests.support.servers import free_port, wait_for_port


def _start(port: int, data_dir: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.exchange_sim", "--port", str(port), "--data-dir", data_dir,
         "--manual-market", "--history-minutes", "30"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_port(port, timeout=30)
    return process


def test_state_survives_a_restart() -> None:
    data_dir = tempfile.mkdtemp(prefix="exchange-sim-restart-")
    port = free_port()
    process = _start(port, data_dir)
    url = f"http://127.0.0.1:{port}"
    try:
        requests.post(f"{url}/sim/accounts", json={"api_key": "keep", "api_secret": "s", "balances": {"USDT": "500"}},
                      timeout=5)  # fmt: skip
        client = Client("keep", "s", ping=False)
        client.API_URL = url + "/api"
        order = client.order_limit_buy(symbol="BTCUSDT", quantity="0.001", price="20000", newClientOrderId="persist-1")
    finally:
        process.terminate()  # a clean stop saves the state
        process.wait(timeout=10)
    process = _start(port, data_dir)
    try:
        again = client.get_order(symbol="BTCUSDT", origClientOrderId="persist-1")
        assert (again["orderId"], again["status"]) == (order["orderId"], "NEW")
        usdt = next(b for b in client.get_account()["balances"] if b["asset"] == "USDT")
        assert (usdt["free"], usdt["locked"]) == ("480.00000000", "20.00000000")
        assert client.order_limit_buy(symbol="BTCUSDT", quantity="0.001", price="20000")["orderId"] > order["orderId"]
    finally:
        process.terminate()
        process.wait(timeout=10)
