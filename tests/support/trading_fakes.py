"""In-memory fakes of the trading ports for service-layer tests: a trade store that keeps the newest
version (as the Mongo one does), the outbox, the idempotency guard, risk settings, the kill switch,
the AI signal client, users' exchange connections and the account cache. Each can be made to fail
the way its real adapter does (``DependencyUnavailableError``). The exchange is in
:mod:`tests.support.trading_exchange`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.support.trading_exchange import FakeExchange
from tradecore.domain.orders import Kline
from tradecore.domain.risk import RiskLimits
from tradecore.domain.trades import ProtectionStatus, SignalSummary, TradePage, TradeQuery, TradeRecord
from tradecore.errors import ConflictError, DependencyUnavailableError, IdempotencyKeyReusedError

NO_CONNECTION = "connect an exchange account first: PUT /api/exchange/connection"


def _down(what: str, dependency: str) -> DependencyUnavailableError:
    return DependencyUnavailableError(f"{what} is unavailable (fake)", dependency=dependency)


class InMemoryTradeStore:
    """``trades`` keyed by client order id: a newer version replaces, an older or equal one is ignored."""

    def __init__(self) -> None:
        self.trades: dict[str, TradeRecord] = {}
        self.saved: list[TradeRecord] = []  # every copy that changed the store, in order
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise _down("MongoDB", "mongodb")

    def save(self, trade: TradeRecord) -> bool:
        self._check()
        current = self.trades.get(trade.client_order_id)
        if current is not None and current.version >= trade.version:
            return False
        self.trades[trade.client_order_id] = trade
        self.saved.append(trade)
        return True

    def get(self, user_id: str, trade_id: str) -> TradeRecord | None:
        self._check()
        return next((t for t in self.trades.values() if t.id == trade_id and t.user_id == user_id), None)

    def by_client_order_id(self, user_id: str, client_order_id: str) -> TradeRecord | None:
        self._check()
        trade = self.trades.get(client_order_id)
        return trade if trade is not None and trade.user_id == user_id else None

    def page(self, user_id: str, query: TradeQuery) -> TradePage:
        self._check()
        mine = [t for t in self.trades.values() if t.user_id == user_id]
        mine = [t for t in mine if query.symbol in (None, t.symbol) and query.status in (None, t.status)]
        mine.sort(key=lambda t: (t.created_at, t.id), reverse=True)
        return TradePage(tuple(mine[: query.limit]), None)

    def executed(self, user_id: str, symbol: str | None = None) -> list[TradeRecord]:
        self._check()
        found = [
            t for t in self.trades.values()
            if t.user_id == user_id and t.executed_quantity > 0 and symbol in (None, t.symbol)
        ]  # fmt: skip
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def protected(self, user_id: str, symbol: str) -> list[TradeRecord]:
        self._check()
        return [
            t for t in self.trades.values()
            if t.user_id == user_id and t.symbol == symbol
            and t.protection is not None and t.protection.status is ProtectionStatus.ACTIVE
        ]  # fmt: skip

    def of_user(self, user_id: str) -> list[TradeRecord]:
        return [t for t in self.trades.values() if t.user_id == user_id]


class InMemoryOutbox:
    def __init__(self) -> None:
        self.records: list[TradeRecord] = []
        self.down = False

    def put(self, trade: TradeRecord) -> None:
        if self.down:
            raise _down("SQS", "sqs")
        self.records.append(trade)


class InMemoryPlacementLedger:
    """Client order ids marked as leaving, with the first mark's time; ``down`` makes it unreachable."""

    def __init__(self) -> None:
        self.marks: dict[tuple[str, str], float] = {}
        self.down = False

    def mark_sending(self, user_id: str, client_order_id: str, at: float) -> float | None:
        if self.down:
            raise _down("DynamoDB", "dynamodb")
        key = (user_id, client_order_id)
        if key in self.marks:
            return self.marks[key]
        self.marks[key] = at
        return None

    def forget(self, user_id: str, client_order_id: str) -> None:
        if self.down:
            raise _down("DynamoDB", "dynamodb")
        self.marks.pop((user_id, client_order_id), None)


class InMemoryIdempotencyGuard:
    """The port's contract in memory: one run per key; the answer kept as JSON (as DynamoDB keeps it);
    another payload under a used key is refused; an exception is not stored."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[str, str]] = {}  # key -> (payload JSON, answer JSON)
        self.runs = 0

    def once(
        self,
        key: str,
        payload: Mapping[str, Any],
        run: Callable[[], dict[str, Any]],
        *,
        remaining_ms: Callable[[], int] | None = None,
    ) -> dict[str, Any]:
        request = json.dumps(dict(payload), sort_keys=True)
        stored = self.answers.get(key)
        if stored is not None:
            if stored[0] != request:
                raise IdempotencyKeyReusedError()
            return dict(json.loads(stored[1]))
        self.runs += 1
        answer = json.dumps(run())
        self.answers[key] = (request, answer)
        return dict(json.loads(answer))


@dataclass
class FakeRiskSettings:
    by_user: dict[str, RiskLimits] = field(default_factory=dict)
    down: bool = False

    def limits(self, user_id: str) -> RiskLimits | None:
        if self.down:
            raise _down("MongoDB", "mongodb")
        return self.by_user.get(user_id)


@dataclass
class FakeSwitch:
    halted_now: bool = False
    changes: list[tuple[bool, str]] = field(default_factory=list)

    def halted(self) -> bool:
        return self.halted_now

    def set_halted(self, halted: bool, *, by: str, reason: str = "") -> None:
        self.halted_now = halted
        self.changes.append((halted, by))


@dataclass
class FakeSignalClient:
    """The AI service: answers ``summary``, or raises ``error`` when set."""

    summary: SignalSummary = field(default_factory=lambda: SignalSummary("Long", 0.9, "llm", "ai_service", "a-1"))
    error: DependencyUnavailableError | None = None
    calls: list[tuple[str, str, int]] = field(default_factory=list)

    def analyze(self, symbol: str, timeframe: str, candles: Sequence[Kline], deadline: float) -> SignalSummary:
        self.calls.append((symbol, timeframe, len(candles)))
        if self.error is not None:
            raise self.error
        return self.summary


@dataclass
class FakeConnections:
    """Users' exchange connections (the connection service's ``exchange_for``)."""

    accounts: dict[str, FakeExchange] = field(default_factory=dict)

    def exchange_for(self, user_id: str) -> FakeExchange:
        if user_id not in self.accounts:
            raise ConflictError(NO_CONNECTION)
        return self.accounts[user_id]


@dataclass
class RecordingAccountCache:
    """The account cache as the trade flow uses it: which users' views were dropped."""

    invalidated: list[str] = field(default_factory=list)

    def invalidate(self, user_id: str) -> None:
        self.invalidated.append(user_id)
