"""Fakes for users' exchange connections: an in-memory store, a cipher that binds ciphertexts to
the user id (as KMS's encryption context does), an exchange directory whose keys the test decides,
and paper accounts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from tradecore.domain.accounts import ApiCredentials, ExchangeConnection, KeyPermissions
from tradecore.domain.orders import Balance
from tradecore.errors import DependencyUnavailableError, ExchangeAuthError, OperationalError


class InMemoryConnectionStore:
    def __init__(self) -> None:
        self.connections: dict[str, ExchangeConnection] = {}
        self.puts = 0

    def get(self, user_id: str) -> ExchangeConnection | None:
        return self.connections.get(user_id)

    def put(self, connection: ExchangeConnection) -> None:
        self.puts += 1
        self.connections[connection.user_id] = connection

    def add(self, connection: ExchangeConnection) -> bool:
        if connection.user_id in self.connections:
            return False
        self.put(connection)
        return True

    def delete(self, user_id: str) -> bool:
        return self.connections.pop(user_id, None) is not None


class ContextCipher:
    """Reversible, not secret (XOR): what matters is that the ciphertext is not the plaintext and
    decrypts only for the user it was encrypted for."""

    def __init__(self) -> None:
        self.decrypts = 0

    @staticmethod
    def _mask(data: bytes, user_id: str) -> bytes:
        key = (user_id.encode() * (len(data) // max(1, len(user_id)) + 1))[: len(data)]
        return bytes(a ^ b ^ 0x5A for a, b in zip(data, key, strict=True))

    def encrypt(self, plaintext: str, *, user_id: str) -> bytes:
        return b"ctx:" + user_id.encode() + b":" + self._mask(plaintext.encode(), user_id)

    def decrypt(self, ciphertext: bytes, *, user_id: str) -> str:
        self.decrypts += 1
        prefix = b"ctx:" + user_id.encode() + b":"
        if not ciphertext.startswith(prefix):
            raise OperationalError("KMS refused to decrypt an exchange secret (InvalidCiphertextException)")
        return self._mask(ciphertext[len(prefix) :], user_id).decode()


@dataclass
class FakeAccountExchange:
    """The exchange as seen with one key pair: balances, and what the key may do."""

    credentials: ApiCredentials
    balances: dict[str, Balance]
    permissions: KeyPermissions
    down: bool = False
    refused: str | None = None

    def get_balances(self) -> dict[str, Balance]:
        if self.down:
            raise DependencyUnavailableError("Binance is unavailable", dependency="binance")
        if self.refused:
            raise ExchangeAuthError(exchange_code=-2015, reason=self.refused)
        return self.balances

    def get_key_permissions(self) -> KeyPermissions:
        return self.permissions


@dataclass
class FakeDirectory:
    """Keys the exchange knows (``accounts``: api_key → (secret, permissions)); any other pair is refused."""

    accounts: dict[str, tuple[str, KeyPermissions]] = field(default_factory=dict)
    down: bool = False
    opened: list[ApiCredentials] = field(default_factory=list)

    def add_key(self, api_key: str, api_secret: str, *, can_withdraw: bool | None = False) -> None:
        self.accounts[api_key] = (api_secret, KeyPermissions(can_trade=True, can_withdraw=can_withdraw))

    def for_account(self, credentials: ApiCredentials) -> FakeAccountExchange:
        known = self.accounts.get(credentials.api_key)
        valid = known is not None and known[0] == credentials.api_secret
        return FakeAccountExchange(
            credentials,
            {"USDT": Balance("USDT", Decimal(100), Decimal(0))},
            known[1] if known else KeyPermissions(can_trade=False),
            down=self.down,
            refused=None if valid else "Signature for this request is not valid.",
        )

    def market_data(self) -> FakeAccountExchange:
        raise AssertionError("connections never use the market-data client")


class FakePaperAccounts:
    def __init__(self, directory: FakeDirectory) -> None:
        self._directory = directory
        self._ids = itertools.count(1)
        self.opened: list[Decimal] = []

    def open(self, initial_usdt: Decimal) -> ApiCredentials:
        number = next(self._ids)
        credentials = ApiCredentials(f"paper-key-{number:04d}", f"paper-secret-{number:04d}")
        self._directory.add_key(credentials.api_key, credentials.api_secret)
        self.opened.append(initial_usdt)
        return credentials
