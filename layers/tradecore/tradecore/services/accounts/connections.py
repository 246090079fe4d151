"""Users' exchange connections: connect a key (validated by the exchange before anything is
stored), show it, remove it, and hand out the exchange client of a user's own account.

The secret is encrypted (user id as context) before it is stored and decrypted only in
:meth:`ConnectionService.exchange_for`, i.e. only in the functions that read accounts or place
orders. Decrypted credentials stay in this instance's memory for a short while, keyed by the
stored ciphertext, so a replaced or deleted key is never used again: the store is read every time,
KMS only when the ciphertext is new or the entry is stale.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from tradecore.domain.accounts import (
    ApiCredentials,
    ConnectionStatus,
    ExchangeConnection,
    KeyPermissions,
    Network,
    TradingMode,
)
from tradecore.domain.users import Principal
from tradecore.errors import (
    ConflictError,
    DependencyUnavailableError,
    ExchangeKeyRefusedError,
    ExchangeRejectedError,
    ForbiddenError,
    NotFoundError,
    OperationalError,
    WithdrawalEnabledKeyError,
)
from tradecore.ports.accounts import AccountCache, ConnectionStore, ExchangeDirectory, PaperAccounts, SecretCipher
from tradecore.ports.exchange import Exchange

logger = logging.getLogger(__name__)

HOW_TO_CONNECT = (
    "No exchange account is connected. Connect one with PUT /api/exchange/connection "
    '{"api_key": ..., "api_secret": ...} using a Binance key with spot trading enabled and withdrawals disabled.'
)
ORDERS_STAY = "Open orders stay on the exchange: cancel them there (or before disconnecting) if you do not want them."


@dataclass(frozen=True)
class ConnectionView:
    """What the user sees of their connection: never the secret, only the key's last characters."""

    network: Network
    mode: TradingMode
    key_hint: str
    paper: bool
    permissions: KeyPermissions
    status: ConnectionStatus
    verified_at: datetime
    warning: str | None
    egress_ip: str | None


@dataclass(frozen=True)
class Disconnected:
    removed: bool
    message: str = ORDERS_STAY


class ConnectionService:
    """Exchange connections on the deployment's one network (``network``).

    ``paper`` opens simulator accounts; it is used only when ``network`` is the simulator, where
    a user without a connection gets a paper account of ``paper_usdt`` on first use.
    """

    def __init__(
        self,
        store: ConnectionStore,
        cipher: SecretCipher,
        directory: ExchangeDirectory,
        paper: PaperAccounts | None,
        *,
        network: Network,
        mainnet_enabled: bool,
        paper_usdt: Decimal,
        egress_ip: str | None = None,
        credentials_ttl_seconds: float = 300,
        credentials_cache_size: int = 256,
        clock: Callable[[], float] = time.time,
        account_cache: AccountCache | None = None,
    ) -> None:
        self._store, self._cipher, self._directory, self._paper = store, cipher, directory, paper
        self._account_cache = account_cache  # the account view's: it must follow the connection
        self._network, self._mainnet_enabled = network, mainnet_enabled
        self._paper_usdt, self._egress_ip = paper_usdt, egress_ip
        self._ttl, self._cache_size, self._clock = credentials_ttl_seconds, credentials_cache_size, clock
        # user id -> (ciphertext it came from, expiry, credentials)
        self._credentials: OrderedDict[str, tuple[bytes, float, ApiCredentials]] = OrderedDict()

    # ---------------------------------------------------------------- the user's routes
    def connect(self, principal: Principal, api_key: str, api_secret: str) -> ConnectionView:
        """Validate the key with a signed account read, then store it encrypted.

        Raises ``ForbiddenError`` on a mainnet deployment that has not enabled mainnet,
        ``ExchangeKeyRefusedError`` (422, the exchange's reason) for a key the exchange refuses or
        that may not trade, ``WithdrawalEnabledKeyError`` (422) for a mainnet key that may withdraw,
        ``DependencyUnavailableError`` (503) when the exchange or KMS cannot answer. Nothing is
        stored unless every check passed.
        """
        if self._network is Network.MAINNET and not self._mainnet_enabled:
            raise ForbiddenError("This deployment does not trade on Binance mainnet")
        exchange = self._directory.for_account(ApiCredentials(api_key, api_secret))
        permissions = self._verify(exchange)
        now = self._now()
        connection = ExchangeConnection(
            user_id=principal.user_id,
            network=self._network,
            api_key=api_key,
            secret_ciphertext=self._cipher.encrypt(api_secret, user_id=principal.user_id),
            paper=False,
            permissions=permissions,
            status=ConnectionStatus.ACTIVE,
            created_at=now,
            verified_at=now,
        )
        self._store.put(connection)
        self._credentials.pop(principal.user_id, None)
        self._forget_account(principal.user_id)
        return self._view(connection)

    def get(self, principal: Principal) -> ConnectionView:
        """The caller's connection; on the simulator a paper account is opened on first use,
        elsewhere ``NotFoundError`` (404) says how to connect."""
        connection = self._store.get(principal.user_id) or self._open_paper(principal.user_id)
        if connection is None:
            raise NotFoundError(HOW_TO_CONNECT)
        return self._view(connection)

    def delete(self, principal: Principal) -> Disconnected:
        """Forget the caller's key (``NotFoundError`` when there is none); orders already on the
        exchange are not touched, and the answer says so."""
        if not self._store.delete(principal.user_id):
            raise NotFoundError("No exchange account is connected")
        self._credentials.pop(principal.user_id, None)
        self._forget_account(principal.user_id)
        return Disconnected(removed=True)

    # ---------------------------------------------------------------- for trading and the account view
    def exchange_for(self, user_id: str) -> Exchange:
        """The exchange client of the user's own account.

        ``ConflictError`` (409) when the user has no connection (on the simulator one is opened
        instead) or it belongs to another network than this deployment's.
        """
        connection = self._store.get(user_id) or self._open_paper(user_id)
        if connection is None:
            raise ConflictError(HOW_TO_CONNECT)
        if connection.network is not self._network:
            raise ConflictError(
                f"Your exchange connection is for {connection.network.value}, but this deployment trades on "
                f"{self._network.value}: connect a {self._network.value} key with PUT /api/exchange/connection."
            )
        try:
            credentials = self._decrypted(connection)
        except OperationalError:
            if not (connection.paper and self._network is Network.SIMULATOR):
                raise
            # only locally: moto's KMS forgets its keys when the local stack restarts, the stored
            # paper connection outlives them; a paper account is worth nothing, so open a new one
            logger.warning("paper account secret no longer decrypts; opening a new paper account")
            reopened = self._open_paper(user_id, replacing=True)
            assert reopened is not None  # noqa: S101 - simulator with paper accounts, checked above
            credentials = self._decrypted(reopened)
        return self._directory.for_account(credentials)

    # ---------------------------------------------------------------- internals
    def _verify(self, exchange: Exchange) -> KeyPermissions:
        try:
            exchange.get_balances()  # a signed read: proves the key and secret belong together
            # trade, withdraw, IP whitelist, when trading ends (the testnet says only can_trade)
            permissions = exchange.get_key_permissions()
        except ExchangeRejectedError as exc:
            reason = exc.reason or exc.message
            raise ExchangeKeyRefusedError(
                f"The exchange refused this key: {reason}", exchange_code=exc.exchange_code, reason=reason
            ) from None
        if self._network is Network.MAINNET and permissions.can_withdraw is not False:
            # unknown counts as possible: a key that may move money out is never stored
            raise WithdrawalEnabledKeyError()
        if not permissions.can_trade:
            raise ExchangeKeyRefusedError("This key may not trade: enable spot trading for it and connect it again")
        return permissions

    def _open_paper(self, user_id: str, *, replacing: bool = False) -> ExchangeConnection | None:
        """A new paper account stored as the user's connection (simulator only, else ``None``);
        ``replacing`` a stored one that can no longer be used, else only where there is none."""
        if self._network is not Network.SIMULATOR or self._paper is None:
            return None
        credentials = self._paper.open(self._paper_usdt)
        now = self._now()
        connection = ExchangeConnection(
            user_id=user_id,
            network=Network.SIMULATOR,
            api_key=credentials.api_key,
            secret_ciphertext=self._cipher.encrypt(credentials.api_secret, user_id=user_id),
            paper=True,
            permissions=KeyPermissions(can_trade=True, can_withdraw=False),
            status=ConnectionStatus.ACTIVE,
            created_at=now,
            verified_at=now,
        )
        if replacing:
            self._store.put(connection)
            self._forget_account(user_id)
            return connection
        if self._store.add(connection):
            return connection
        # another instance's first use stored its paper account first: everyone trades that one
        # (ours stays unused on the simulator), never two accounts for one user
        return self._store.get(user_id)

    def _forget_account(self, user_id: str) -> None:
        """Drop the cached account view of the key just replaced or removed (on every instance), so
        it never shows an account the user no longer holds. The change itself is already stored:
        a cache outage costs at most one cache lifetime of a stale view, not the request."""
        if self._account_cache is None:
            return
        try:
            self._account_cache.invalidate(user_id)
        except DependencyUnavailableError:
            logger.warning("account cache unavailable; the previous account view expires on its own")

    def _decrypted(self, connection: ExchangeConnection) -> ApiCredentials:
        now = self._clock()
        cached = self._credentials.get(connection.user_id)
        if cached is not None and cached[0] == connection.secret_ciphertext and cached[1] > now:
            self._credentials.move_to_end(connection.user_id)
            return cached[2]
        secret = self._cipher.decrypt(connection.secret_ciphertext, user_id=connection.user_id)
        credentials = ApiCredentials(connection.api_key, secret)
        if self._ttl > 0:
            self._credentials[connection.user_id] = (connection.secret_ciphertext, now + self._ttl, credentials)
            self._credentials.move_to_end(connection.user_id)
            while len(self._credentials) > self._cache_size:
                self._credentials.popitem(last=False)
        return credentials

    def _view(self, connection: ExchangeConnection) -> ConnectionView:
        return ConnectionView(
            network=connection.network,
            mode=connection.network.mode,
            key_hint=connection.key_hint,
            paper=connection.paper,
            permissions=connection.permissions,
            status=connection.status,
            verified_at=connection.verified_at,
            warning=connection.expiry_warning(self._now()),
            egress_ip=self._egress_ip,
        )

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)
