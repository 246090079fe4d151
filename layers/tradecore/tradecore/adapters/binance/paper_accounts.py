"""Paper accounts: a user's own account on the local exchange simulator, opened through its admin
API (``POST /sim/accounts``), so paper trading is the same code path as real trading (a key pair,
signed requests, the user's own balances) with simulated money.

Only the simulator has such an API: on testnet or mainnet users bring their own keys, so opening
one there is a :class:`~tradecore.errors.ConflictError`, never a silent fallback to a shared account.
"""

from __future__ import annotations

from decimal import Decimal

import httpx

from tradecore.config import ExchangeMode, Settings
from tradecore.domain.accounts import ApiCredentials
from tradecore.errors import ConflictError, DependencyUnavailableError

ADMIN_TIMEOUT_SECONDS = 5.0


class SimulatorPaperAccounts:
    """The :class:`~tradecore.ports.PaperAccounts` port on the simulator at ``BINANCE_SIMULATOR_URL``."""

    def __init__(self, settings: Settings, *, timeout_seconds: float = ADMIN_TIMEOUT_SECONDS) -> None:
        self._enabled = settings.exchange_mode is ExchangeMode.SIMULATOR
        self._url = settings.binance_simulator_url.rstrip("/") + "/sim/accounts"
        self._timeout = timeout_seconds

    def open(self, initial_usdt: Decimal) -> ApiCredentials:
        """A new simulator account holding ``initial_usdt`` USDT and nothing else: its key pair.

        ``DependencyUnavailableError`` when the simulator is down or fails; the key pair it answers
        is never logged (only the caller stores it, encrypted)."""
        if not self._enabled:
            raise ConflictError("Paper accounts exist only on the simulator: connect an exchange API key instead")
        try:
            response = httpx.post(self._url, json={"balances": {"USDT": str(initial_usdt)}}, timeout=self._timeout)
            response.raise_for_status()
            body = response.json()
            return ApiCredentials(str(body["apiKey"]), str(body["secretKey"]))
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise DependencyUnavailableError(
                "The exchange simulator could not open a paper account", dependency="exchange_simulator"
            ) from exc
