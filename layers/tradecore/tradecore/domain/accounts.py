"""A user's exchange account: the connection (whose key, which network, what it may do) and the
account view (balances and equity). Pure values; the secret is only ever held encrypted here.

One network per deployment (the simulator locally, testnet or mainnet in AWS), so the prices a
user sees and the fills they get always come from the same exchange.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from tradecore.domain.orders import Balance

# Binance ends trading on keys without an IP whitelist after 30 days; warn this long before
TRADING_EXPIRY_WARNING = timedelta(days=7)


class Network(StrEnum):
    SIMULATOR = "simulator"
    TESTNET = "testnet"
    MAINNET = "mainnet"

    @property
    def mode(self) -> TradingMode:
        """What the trader is told: paper money, test money, or their real money."""
        return {Network.SIMULATOR: TradingMode.PAPER, Network.TESTNET: TradingMode.TESTNET}.get(self, TradingMode.LIVE)


class TradingMode(StrEnum):
    PAPER = "paper"
    TESTNET = "testnet"
    LIVE = "live"


class ConnectionStatus(StrEnum):
    ACTIVE = "active"  # verified by a signed read
    INVALID = "invalid"  # the exchange refused the key at the last verification


@dataclass(frozen=True)
class ApiCredentials:
    """A key pair in the clear: only between decryption and the exchange client, never stored or logged."""

    api_key: str
    api_secret: str = field(repr=False)


@dataclass(frozen=True)
class KeyPermissions:
    """What the exchange says a key may do (``/sapi/v1/account/apiRestrictions`` on mainnet and the
    simulator; ``None`` where the network does not say)."""

    can_trade: bool
    can_withdraw: bool | None = None
    ip_restricted: bool | None = None
    trading_expires_at: datetime | None = None


@dataclass(frozen=True)
class ExchangeConnection:
    """One user's exchange account. ``secret_ciphertext`` is the KMS ciphertext of the API secret,
    encrypted with the user id as encryption context (so it decrypts for that user only)."""

    user_id: str
    network: Network
    api_key: str
    secret_ciphertext: bytes = field(repr=False)
    paper: bool
    permissions: KeyPermissions
    status: ConnectionStatus
    created_at: datetime
    verified_at: datetime

    @property
    def key_hint(self) -> str:
        """The last four characters of the key: enough to recognise it, useless to anyone else."""
        return "…" + self.api_key[-4:]

    def expiry_warning(self, now: datetime) -> str | None:
        """A sentence for the trader when the key's trading permission ends soon (or has ended)."""
        expires = self.permissions.trading_expires_at
        if expires is None:
            return None
        if expires <= now:
            return "The exchange has ended trading on this key: whitelist an IP for it, or connect a new key."
        if expires - now <= TRADING_EXPIRY_WARNING:
            return (
                f"The exchange ends trading on this key on {expires:%Y-%m-%d %H:%M} UTC unless it is "
                "restricted to trusted IPs."
            )
        return None


@dataclass(frozen=True)
class AccountSnapshot:
    """Balances and their value in USDT at current prices, as of one read of the exchange.

    ``unpriced`` lists the assets held that have no USDT market: they count 0 in ``equity_usdt``, so
    the equity is a lower bound whenever it is not empty.
    """

    balances: dict[str, Balance]
    equity_usdt: Decimal
    as_of: datetime
    network: Network
    unpriced: tuple[str, ...] = ()
