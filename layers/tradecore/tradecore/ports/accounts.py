"""Users' exchange accounts: stored connections, the secret's encryption, exchange clients per
account, paper accounts, and the shared account cache."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from tradecore.domain.accounts import AccountSnapshot, ApiCredentials, ExchangeConnection
from tradecore.ports.exchange import Exchange


class ConnectionStore(Protocol):
    """``exchange_connections`` (one per user). Raises ``DependencyUnavailableError`` when down."""

    def get(self, user_id: str) -> ExchangeConnection | None: ...
    def put(self, connection: ExchangeConnection) -> None:
        """Create or replace the user's connection."""
        ...

    def add(self, connection: ExchangeConnection) -> bool:
        """Store it only if the user has none; False when they have one (a concurrent first use won)."""
        ...

    def delete(self, user_id: str) -> bool:
        """Remove it; False when there was none."""
        ...


class ConnectionListing(Protocol):
    """Every stored connection (the stream task follows each account's own events);
    ``DependencyUnavailableError`` when the store is down."""

    def all_connections(self) -> list[ExchangeConnection]: ...


class SecretCipher(Protocol):
    """Encrypts users' API secrets (KMS in AWS, moto's KMS locally) bound to the user id: a ciphertext
    of one user never decrypts for another."""

    def encrypt(self, plaintext: str, *, user_id: str) -> bytes: ...
    def decrypt(self, ciphertext: bytes, *, user_id: str) -> str: ...


class ExchangeDirectory(Protocol):
    """Exchange clients: one per account (a bounded cache per container) and one shared client for
    public market data, all on the deployment's network."""

    def for_account(self, credentials: ApiCredentials) -> Exchange: ...
    def market_data(self) -> Exchange: ...


class PaperAccounts(Protocol):
    """Opens simulator accounts (simulator mode only)."""

    def open(self, initial_usdt: Decimal) -> ApiCredentials: ...


class AccountCache(Protocol):
    """Account snapshots every instance shares (ServiceStateTable), with a time to live."""

    def get(self, user_id: str) -> AccountSnapshot | None: ...
    def put(self, user_id: str, snapshot: AccountSnapshot, *, ttl_seconds: int) -> None: ...
    def invalidate(self, user_id: str) -> None: ...


class ConnectionCopy(Protocol):
    """The copy (ServiceStateTable). Every method raises ``DependencyUnavailableError`` when down,
    ``OperationalError`` when misconfigured."""

    def get(self, user_id: str) -> tuple[bool, ExchangeConnection | None]:
        """(whether there is a copy — never taken or expired: False —, its connection, ``None``
        once the connection was removed)."""
        ...

    def keep(self, connection: ExchangeConnection, *, ttl_seconds: int) -> bool:
        """Write it unless the copy holds something newer; False when refused."""
        ...

    def forget(self, user_id: str, *, as_of: datetime, ttl_seconds: int) -> bool:
        """Mark the connection removed as of ``as_of``."""
        ...
