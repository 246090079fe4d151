"""Trading: the trade records, their outbox, idempotency, the AI service, users' bot settings and
risk limits, and the platform's kill switch."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from tradecore.domain.bot_settings import BotSettings
from tradecore.domain.kill_switch import TradingSwitchState
from tradecore.domain.orders import Kline
from tradecore.domain.risk import RiskLimits
from tradecore.domain.trades import SignalSummary, TradePage, TradeQuery, TradeRecord


class TradeStore(Protocol):
    """``trades`` (unique ``client_order_id``). Every method raises ``DependencyUnavailableError`` when
    the store cannot be reached; every read is scoped to one user."""

    def save(self, trade: TradeRecord) -> bool:
        """Insert the trade, or replace the stored copy when ``trade.version`` is newer; an older or
        equal copy changes nothing (False). Copies may arrive in any order (the outbox drain)."""
        ...

    def get(self, user_id: str, trade_id: str) -> TradeRecord | None: ...

    def by_client_order_id(self, user_id: str, client_order_id: str) -> TradeRecord | None: ...

    def page(self, user_id: str, query: TradeQuery) -> TradePage:
        """Newest first; ``InvalidInputError`` for a cursor this store did not give."""
        ...

    def executed(self, user_id: str, symbol: str | None = None) -> list[TradeRecord]:
        """The user's trades with anything executed, oldest first (positions are built from them)."""
        ...

    def protected(self, user_id: str, symbol: str) -> list[TradeRecord]:
        """The user's trades of ``symbol`` whose protection (stop-loss / take-profit) is active."""
        ...


class TradeOutbox(Protocol):
    """The durable queue trade records wait in while the store is down (SQS; drained by the jobs).
    Raises ``DependencyUnavailableError`` when the queue cannot be reached."""

    def put(self, trade: TradeRecord) -> None: ...


class PlacementLedger(Protocol):
    """Which client order ids have been sent before (the ServiceStateTable): the one record that
    survives a process killed mid-trade while MongoDB is down or its intent is still in the outbox."""

    def mark_sending(self, user_id: str, client_order_id: str, at: float) -> float | None:
        """Note that the order is about to leave at ``at`` (epoch seconds): ``None`` the first time,
        else when an earlier attempt marked it. ``DependencyUnavailableError`` when the table is down."""
        ...

    def forget(self, user_id: str, client_order_id: str) -> None:
        """Drop the mark of an order that certainly did not leave (the exchange was not reached)."""
        ...


class IdempotencyGuard(Protocol):
    """Runs a request at most once per key (Powertools idempotency on the IdempotencyTable)."""

    def once(
        self,
        key: str,
        payload: Mapping[str, Any],
        run: Callable[[], dict[str, Any]],
        *,
        remaining_ms: Callable[[], int] | None = None,
    ) -> dict[str, Any]:
        """``run()``'s answer, computed once per ``key``: the same key with the same ``payload`` gets
        the stored answer without running; another payload raises ``IdempotencyKeyReusedError``;
        a run still in progress raises ``RequestInProgressError``. An exception from ``run`` is not
        stored (the next call runs again). ``remaining_ms`` (the Lambda's remaining time) bounds how
        long an in-progress marker of a crashed run can block the key.
        ``DependencyUnavailableError`` when the table cannot be reached."""
        ...


class SignalClient(Protocol):
    """The AI service's ``/ai/analyze`` (service token, ``X-Request-ID``, retries and the shared
    breaker inside). Raises ``DependencyUnavailableError`` (``CircuitOpenError`` while the breaker is
    open) when it cannot answer before ``deadline`` (a ``time.monotonic()`` instant)."""

    def analyze(self, symbol: str, timeframe: str, candles: Sequence[Kline], deadline: float) -> SignalSummary: ...


class RiskSettingsStore(Protocol):
    """Users' own risk limits (``bot_settings``); ``None`` when the user has not set any."""

    def limits(self, user_id: str) -> RiskLimits | None: ...


class BotSettingsStore(Protocol):
    """``bot_settings`` (one document per user, unique ``user_id``); every method raises
    ``DependencyUnavailableError`` when the store cannot be reached."""

    def get(self, user_id: str) -> BotSettings | None:
        """The user's saved settings; ``None`` when they never saved any."""
        ...

    def put(self, user_id: str, settings: BotSettings) -> None:
        """Replace the user's settings (their risk limits too: ``RiskSettingsStore`` reads them)."""
        ...

    def users_automating(self, symbol: str) -> list[str]:
        """The ids of users with automated trading on for ``symbol``, paused ones included (the
        AutoTrader records their skipped decisions), sorted."""
        ...


class TradingSwitch(Protocol):
    """The platform's kill switch, shared by every instance (the ServiceStateTable)."""

    def halted(self) -> bool:
        """Whether trading is halted; ``DependencyUnavailableError`` when it cannot be read (callers
        refuse to trade then: an unknown switch is not an off switch)."""
        ...

    def set_halted(self, halted: bool, *, by: str, reason: str = "") -> None: ...

    def state(self) -> TradingSwitchState:
        """The switch with who turned it last, why and when; ``DependencyUnavailableError`` as
        :meth:`halted`."""
        ...
