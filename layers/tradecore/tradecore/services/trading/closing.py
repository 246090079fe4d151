"""Closing a position: cancel its protection, sell what can be sold, report the dust.

It sells the smaller of the recorded position and what the account holds free (plus the coins the
position's own protection held), rounded down onto the MARKET lot filters; the remainder is dust,
reported, never silently dropped. A close reduces risk, so the risk limits and the kill switch do
not stop it (a halt must never trap a trader in a position). Idempotent like a trade: the same
``Idempotency-Key`` closes once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tradecore.domain.accounts import Network
from tradecore.domain.order_math import prepare_order, round_quantity
from tradecore.domain.orders import OrderRequest, OrderType, Side
from tradecore.domain.positions import Position
from tradecore.domain.trade_json import trade_from_json, trade_to_json
from tradecore.domain.trades import TradeRecord, client_order_id_for
from tradecore.domain.users import Principal
from tradecore.errors import ConflictError, DependencyUnavailableError, InvalidInputError, NotFoundError
from tradecore.ports import Exchange, IdempotencyGuard
from tradecore.services.accounts.account_view import AccountExchanges
from tradecore.services.trading.desk import OrderDesk
from tradecore.services.trading.execution import check_idempotency_key
from tradecore.services.trading.journal import RecordedIn
from tradecore.services.trading.positions import PositionService

_ZERO = Decimal(0)


@dataclass(frozen=True)
class CloseOutcome:
    trade: TradeRecord
    dust: Decimal  # what stays because it is below the exchange's minimum order
    protections_cancelled: int
    degraded: bool

    def to_json(self) -> dict[str, Any]:
        return {"trade": trade_to_json(self.trade), "dust": str(self.dust),
                "protections_cancelled": self.protections_cancelled, "degraded": self.degraded}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CloseOutcome:
        return cls(trade_from_json(data["trade"]), Decimal(data["dust"]), int(data["protections_cancelled"]),
                   bool(data["degraded"]))  # fmt: skip


class PositionCloser:
    def __init__(
        self, *, symbols: tuple[str, ...], network: Network, exchanges: AccountExchanges,
        market: Callable[[], Exchange], desk: OrderDesk, guard: IdempotencyGuard, positions: PositionService,
    ) -> None:  # fmt: skip
        self._symbols = symbols
        self._network = network
        self._exchanges = exchanges
        self._market = market
        self._desk = desk
        self._guard = guard
        self._positions = positions

    def close(
        self, principal: Principal, symbol: str, idempotency_key: str | None,
        *, remaining_ms: Callable[[], int] | None = None,
    ) -> CloseOutcome:  # fmt: skip
        """Sell the caller's ``symbol`` position at market. ``NotFoundError`` when there is none;
        ``ConflictError`` when all of it is dust (nothing was cancelled or sent then)."""
        key = check_idempotency_key(idempotency_key)
        if symbol not in self._symbols:
            raise InvalidInputError(f"{symbol} is not traded here", details={"field": "symbol"})
        stored = self._guard.once(
            f"{principal.user_id}#close#{key}",
            {"symbol": symbol},
            lambda: self._close(principal.user_id, symbol, key).to_json(),
            remaining_ms=remaining_ms,
        )
        return CloseOutcome.from_json(stored)

    def _close(self, user_id: str, symbol: str, key: str) -> CloseOutcome:
        exchange = self._exchanges.exchange_for(user_id)
        market = self._market()
        rules = market.get_symbol_rules(symbol)
        price = market.get_price(symbol)
        balance = exchange.get_balances().get(rules.base_asset)
        free = balance.free if balance else _ZERO
        held = balance.total if balance else _ZERO
        position = self._recorded_position(user_id, symbol)
        recorded = position.quantity if position is not None else held
        if recorded <= _ZERO or held <= _ZERO:
            raise NotFoundError(f"You have no open {symbol} position")
        # coins locked by the position's own protection are freed by cancelling it first
        sellable = min(recorded, held)
        quantity = round_quantity(sellable, rules, market=True)
        order = OrderRequest(symbol, Side.SELL, OrderType.MARKET, quantity,
                             client_order_id=client_order_id_for(user_id, f"close:{key}"))  # fmt: skip
        try:
            order = prepare_order(order, rules, price)
        except InvalidInputError as exc:
            raise ConflictError(
                f"Your {sellable.normalize():f} {rules.base_asset} is below the exchange's minimum order and "
                f"cannot be sold ({exc.message})",
                details={"dust": str(sellable)},
            ) from exc
        cancelled = self._desk.cancel_protection(user_id, exchange, symbol)
        if cancelled == 0 and free < (order.quantity or _ZERO):
            raise ConflictError(
                f"Only {free.normalize():f} {rules.base_asset} is free; cancel your open orders first",
                details={"free": str(free)},
            )
        trade = self._desk.pending(user_id, order, rules, self._network.mode, requested_quantity=sellable,
                                   source="close")  # fmt: skip
        trade, recorded_in = self._desk.send(exchange, trade, order, price, rules)
        dust = sellable - (order.quantity or _ZERO)
        return CloseOutcome(trade, dust, cancelled, degraded=recorded_in is not RecordedIn.STORE)

    def _recorded_position(self, user_id: str, symbol: str) -> Position | None:
        try:
            return self._positions.position(user_id, symbol)
        except DependencyUnavailableError:
            return None  # MongoDB down: the account's own balance says what there is to sell
