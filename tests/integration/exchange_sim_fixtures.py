"""The exchange simulator as a real server process, and python-binance clients pointed at it.

Test modules import these fixtures (``from tests.integration.exchange_sim_fixtures import *``).
The market runs in manual mode: it moves only when a test advances the clock or sets a price,
so order outcomes are deterministic.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.support.servers import free_port, wait_for_port


@dataclass
class SimServer:
    url: str
    process: subprocess.Popen[bytes]

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(method, self.url + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def new_account(self, balances: dict[str, str] | None = None) -> tuple[str, str]:
        body = {"api_key": "k" + uuid.uuid4().hex, "balances": balances or {"USDT": "10000", "BTC": "1", "ETH": "5"}}
        created = self.admin("POST", "/sim/accounts", body)
        return created["apiKey"], created["secretKey"]

    def set_price(self, symbol: str, price: str) -> None:
        self.admin("POST", "/sim/price", {"symbol": symbol, "price": price})


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimServer]:
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="exchange-sim-")
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.exchange_sim", "--port", str(port), "--data-dir", data_dir,
         "--manual-market", "--history-minutes", "300", "--orders-per-10s", "100000",
         "--weight-per-minute", "1000000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, timeout=30)
        yield SimServer(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def binance_client(sim_server: SimServer) -> Callable[..., Any]:
    """A factory of python-binance clients for fresh simulator accounts."""
    from binance.client import Client

    def build(balances: dict[str, str] | None = None, key: str | None = None, secret: str | None = None) -> Any:
        if key is None:
            key, secret = sim_server.new_account(balances)
        client = Client(key, secret, ping=False)
        client.API_URL = sim_server.url + "/api"
        return client

    return build
