"""The stream task's user side: every connected account of this shard followed on the exchange's
user data stream, and each event applied to that user's trades and told to them alone.

The set of accounts is read every ``refresh_seconds`` (new connections are followed, removed or
replaced keys dropped); a store outage keeps the last set. Users are spread over stream tasks by a
stable hash of their id (``shard_index`` of ``shard_count``), so every account is followed by
exactly one task whatever order the listing comes in. Secrets are decrypted only when their
ciphertext is new to this task. Events are applied one at a time, in order, off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from tradecore.domain.accounts import ApiCredentials, ConnectionStatus, Network
from tradecore.domain.user_events import UserEvent
from tradecore.errors import TradecoreError
from tradecore.observability import logger
from tradecore.ports.accounts import ConnectionListing, SecretCipher
from tradecore.ports.stream import UserDataStream


def shard_of(user_id: str, shard_count: int) -> int:
    """The shard a user's account belongs to: SHA-256 of the id (never Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha256(user_id.encode()).digest()[:8], "big") % shard_count


@dataclass
class UserStreamWorker:
    listing: ConnectionListing
    cipher: SecretCipher
    stream: UserDataStream
    apply: Callable[[UserEvent], None]  # UserEventHandler.handle
    network: Network
    shard_index: int = 0
    shard_count: int = 1
    refresh_seconds: float = 30.0
    _secrets: dict[str, tuple[bytes, ApiCredentials]] = field(default_factory=dict, init=False, repr=False)

    def accounts(self) -> dict[str, ApiCredentials]:
        """The key pairs of this shard's active connections on the deployment's network (blocking:
        the store, and KMS for new ciphertexts); ``TradecoreError`` when the store is down."""
        wanted: dict[str, ApiCredentials] = {}
        for connection in self.listing.all_connections():
            user_id = connection.user_id
            if connection.network is not self.network or connection.status is not ConnectionStatus.ACTIVE:
                continue
            if shard_of(user_id, self.shard_count) != self.shard_index:
                continue
            known = self._secrets.get(user_id)
            if known is not None and known[0] == connection.secret_ciphertext:
                wanted[user_id] = known[1]
                continue
            try:
                secret = self.cipher.decrypt(connection.secret_ciphertext, user_id=user_id)
            except TradecoreError as exc:
                logger.warning("account not followed: its secret does not decrypt",
                               extra={"user_id": user_id, "reason": exc.message})  # fmt: skip
                continue
            credentials = ApiCredentials(connection.api_key, secret)
            self._secrets[user_id] = (connection.secret_ciphertext, credentials)
            wanted[user_id] = credentials
        for gone in set(self._secrets) - set(wanted):
            del self._secrets[gone]
        return wanted

    async def run(self) -> None:
        """Refresh the accounts and apply their events until cancelled."""
        refresh = asyncio.create_task(self._refresh(), name="user-accounts-refresh")
        try:
            async for event in self.stream.events():
                await asyncio.to_thread(self.apply, event)
        finally:
            refresh.cancel()

    async def _refresh(self) -> None:
        followed: set[str] = set()
        while True:
            try:
                accounts = await asyncio.to_thread(self.accounts)
                if set(accounts) != followed:
                    logger.info("following accounts", extra={"accounts": len(accounts), "was": len(followed)})
                    followed = set(accounts)
                self.stream.set_accounts(accounts)
            except TradecoreError as exc:
                logger.warning("connected accounts not listed; following the last set", extra={"reason": exc.message})
            except Exception:  # noqa: BLE001 - the next refresh tries again
                logger.exception("connected accounts not refreshed")
            await asyncio.sleep(self.refresh_seconds)
