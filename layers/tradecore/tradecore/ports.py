"""The interfaces the services need; adapters implement them, tests fake them.

Services import only these Protocols, never an adapter or a vendor SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from tradecore.domain.analysis_record import AnalysisRecord
from tradecore.domain.breaker import BreakerState
from tradecore.domain.health import ComponentHealth
from tradecore.domain.orders import (
    Balance,
    Kline,
    OcoRequest,
    OcoResult,
    OrderRequest,
    OrderResult,
    SymbolRules,
    Trade,
)
from tradecore.domain.realtime import MessageType, SessionsEnded, Subscriptions
from tradecore.domain.signals import MarketView, Verdict
from tradecore.domain.users import Principal, User


class HealthProbe(Protocol):
    """Checks one dependency; must answer within its own short timeout and never raise."""

    name: str

    def check(self) -> ComponentHealth: ...


class SchemaInfo(Protocol):
    def schema_version(self) -> int: ...


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The token's principal; ``AuthenticationError`` if missing, expired, tampered or revoked."""
        ...


class ConnectionRegistry(Protocol):
    """Open WebSocket connections and their channel subscriptions."""

    def add(self, connection_id: str, user_id: str, role: str, token_id: str = "") -> None: ...
    def remove(self, connection_id: str) -> None: ...
    def get(self, connection_id: str) -> dict[str, Any] | None: ...
    def subscriptions(self, connection_id: str) -> Subscriptions | None:
        """The connection's channels and their version; ``None`` when it is not registered."""
        ...

    def set_channels(self, connection_id: str, channels: list[str], *, expected_version: int) -> None:
        """Replace the channels only if they are still at ``expected_version`` (compare-and-set);
        ``ConflictError`` when they changed meanwhile or the connection is gone."""
        ...

    def subscribers(self, channel: str) -> list[str]: ...
    def of_user(self, user_id: str, token_id: str | None = None) -> list[str]:
        """The user's connection ids; with ``token_id`` only those opened with that token."""
        ...


class MessageSender(Protocol):
    """Posts one message to one connection; ``False`` when the connection is gone."""

    def send(
        self, connection_id: str, message_type: MessageType, data: dict[str, Any], trace_id: str | None
    ) -> bool: ...

    def close(self, connection_id: str) -> None:
        """Disconnect a client (nothing happens when it is already gone)."""
        ...


class SessionTerminator(Protocol):
    """Ends the live sessions (WebSocket connections) a revocation applies to; never raises."""

    def end_sessions(self, user_id: str, token_id: str | None = None) -> SessionsEnded: ...


# --- auth and users (issue 6) ----------------------------------------------------------------


class UserStore(Protocol):
    """Users by id and by normalised email. Raises ``DependencyUnavailableError`` when down."""

    def add(self, user: User) -> None:
        """Store a new user; ``ConflictError`` when the email is taken."""
        ...

    def get(self, user_id: str) -> User | None: ...
    def find_by_email(self, email: str) -> User | None: ...
    def count(self) -> int: ...
    def claim_first_admin(self, user_id: str) -> bool:
        """Atomically claim the installation's one first-admin place for ``user_id``: ``True`` for the one
        claim that wins, ``False`` for every other (even when made at the same instant)."""
        ...

    def list_users(self, *, limit: int, offset: int) -> list[User]:
        """Users in creation order; ``limit`` and ``offset`` are already within the domain's bounds."""
        ...

    def update(
        self, user_id: str, changes: dict[str, Any], *, expected_updated_at: datetime, require_active: bool = False
    ) -> User:
        """Set only ``changes`` (among role, active, password_hash, password_changed_at, updated_at), and only
        while the stored user still has ``expected_updated_at`` (and is active when ``require_active``); returns
        the stored user. ``ConflictError`` when it changed meanwhile, ``NotFoundError`` when absent."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; with ``None`` a dummy hash is checked (same cost) → False."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True)
class WindowCount:
    """An atomic counter within a fixed time window (``window_started_at`` in epoch seconds).

    ``granted`` is False when :meth:`ServiceState.acquire_in_window` found the window full.
    """

    count: int
    window_started_at: float
    granted: bool = True


class ServiceState(Protocol):
    """Small shared state with expiry (DynamoDB ServiceStateTable), seen by every function instance.

    Items past ``expires_at`` are treated as absent even before DynamoDB's TTL sweep deletes them.
    """

    def put(self, pk: str, sk: str, attributes: dict[str, Any], *, expires_at: int | None = None) -> None: ...
    def get(self, pk: str, sk: str) -> dict[str, Any] | None: ...
    def get_many(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]: ...
    def delete(self, pk: str, sk: str) -> None: ...
    def increment_in_window(self, pk: str, sk: str, *, window_seconds: int, now: float) -> WindowCount:
        """Add one to the counter of the current window (a new window starts once it has elapsed)."""
        ...

    def acquire_in_window(self, pk: str, sk: str, *, limit: int, window_seconds: int, now: float) -> WindowCount:
        """Atomically take one of ``limit`` slots of the current window (a new window starts once it has
        elapsed); ``granted=False`` (nothing taken) while the window is full."""
        ...

    def release_in_window(self, pk: str, sk: str) -> None:
        """Give one taken slot back (never below zero; nothing when there is no window)."""
        ...


class TokenDenylist(Protocol):
    def revoke_token(self, token_id: str, *, until: int) -> None: ...
    def revoke_user_tokens(self, user_id: str, *, issued_before: float) -> None: ...
    def is_revoked(self, token_id: str, user_id: str, issued_at: float) -> bool: ...


class LoginThrottle(Protocol):
    def reserve(self, email: str) -> None:
        """Take one attempt for ``email`` before verifying (a failure unless given back); raise
        ``RateLimitedError`` (with ``retry_after``) when its attempts in this window are used up."""
        ...

    def refund(self, email: str) -> None:
        """Give back the attempt taken by :meth:`reserve` (it did not fail)."""
        ...

    def clear(self, email: str) -> None:
        """Forget every attempt for ``email`` (a successful login)."""
        ...


# --- AI analysis (issue 5) -------------------------------------------------------------------


class Analyzer(Protocol):
    """Turns a market view into a verdict. ``configured`` is False when it cannot run at all.

    ``deadline`` is a ``time.monotonic()`` instant the answer must come before. Raises
    ``DependencyUnavailableError`` (with the reason) when it cannot answer in time or at all.
    """

    configured: bool

    def analyze(self, view: MarketView, deadline: float) -> Verdict: ...


class AnalysisStore(Protocol):
    """Stored analyses (``ai_analysis_results``). Raises ``DependencyUnavailableError`` when down."""

    def save(self, record: AnalysisRecord) -> None: ...
    def save_many(self, records: list[AnalysisRecord]) -> int:
        """Insert all, skipping ids already stored (idempotent); returns how many were new."""
        ...

    def newest(
        self, symbol: str, timeframe: str, candle_time: int, input_digest: str, not_before: datetime
    ) -> AnalysisRecord | None:
        """The newest analysis for this closed candle and market state (digest) stored at or after ``not_before``."""
        ...


class Broadcaster(Protocol):
    """Hands a message to every subscriber of ``channel``; must not raise (best effort)."""

    def publish(self, channel: str, message_type: str, data: dict[str, Any]) -> None: ...


class Exchange(Protocol):
    """The exchange (Binance, its testnet, or the local simulator): domain methods, Decimal money.

    Errors are the tradecore taxonomy: InvalidInputError (filters, checked before sending),
    InsufficientFundsError, InvalidOrderError, NotFoundError, ExchangeAuthError, and
    DependencyUnavailableError (temporary ones were already retried).
    """

    @property
    def stream_url(self) -> str:
        """Base WebSocket URL of the exchange's market and user data streams."""
        ...

    def ping(self) -> None:
        """One unretried round trip, for health checks; raises when the exchange is unreachable."""
        ...

    def get_exchange_info(self) -> dict[str, SymbolRules]: ...

    def get_symbol_rules(self, symbol: str) -> SymbolRules: ...

    def get_price(self, symbol: str) -> Decimal: ...

    def get_prices(self, symbols: list[str] | None = None) -> dict[str, Decimal]: ...

    def get_klines(
        self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[Kline]: ...

    def get_balances(self) -> dict[str, Balance]: ...

    def place_order(self, request: OrderRequest, reference_price: Decimal | None = None) -> OrderResult: ...

    def get_order(
        self, symbol: str, *, client_order_id: str | None = None, order_id: int | None = None
    ) -> OrderResult: ...

    def cancel_order(
        self, symbol: str, *, client_order_id: str | None = None, order_id: int | None = None
    ) -> OrderResult: ...

    def open_orders(self, symbol: str | None = None) -> list[OrderResult]: ...

    def my_trades(self, symbol: str, limit: int = 500) -> list[Trade]: ...

    def place_oco(self, request: OcoRequest) -> OcoResult:
        """Place the OCO under ids derived from ``request.client_key`` (required); after a failure
        that may have placed it, the list is looked up, never resent: ``OrderStatusUnknownError``
        when that cannot settle it."""
        ...

    def get_order_list(self, *, order_list_id: int | None = None, list_client_order_id: str | None = None) -> OcoResult:
        """One order list by exchange id or list client id (``legs`` named, no ``orders``);
        NotFoundError when unknown."""
        ...

    def cancel_order_list(
        self, symbol: str, *, order_list_id: int | None = None, list_client_order_id: str | None = None
    ) -> OcoResult:
        """Cancel every open leg of an order list; NotFoundError when unknown or already done."""
        ...

    def create_listen_key(self) -> str: ...

    def keepalive_listen_key(self, listen_key: str) -> None: ...

    def close_listen_key(self, listen_key: str) -> None: ...


class BreakerStore(Protocol):
    """The circuit breakers' shared state (the service-state table in AWS), one record per name."""

    def load(self, name: str) -> BreakerState:
        """The current state (a fresh closed one when none was written); ``DependencyUnavailableError``
        when the store cannot be read."""
        ...

    def swap(self, name: str, state: BreakerState, *, expected_version: int) -> bool:
        """Write ``state`` only if the stored version is still ``expected_version``; False when another
        instance wrote first."""
        ...
