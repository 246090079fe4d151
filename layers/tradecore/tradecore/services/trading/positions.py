"""A user's positions, built from their own recorded fills (average-cost, see
:mod:`tradecore.domain.positions`) and valued at the last prices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from tradecore.domain.positions import Position, build_position, fills_of
from tradecore.domain.trades import TradeRecord
from tradecore.domain.users import Principal
from tradecore.errors import DependencyUnavailableError
from tradecore.observability import logger
from tradecore.ports import Exchange, TradeStore


@dataclass(frozen=True)
class PositionView:
    position: Position
    price: Decimal | None  # None when the exchange cannot say right now

    @property
    def unrealized_pnl(self) -> Decimal | None:
        return None if self.price is None else self.position.unrealized_pnl(self.price)

    @property
    def market_value(self) -> Decimal | None:
        return None if self.price is None else self.position.market_value(self.price)


class PositionService:
    def __init__(self, store: TradeStore, market: Callable[[], Exchange]) -> None:
        self._store = store
        self._market = market

    def positions(self, principal: Principal) -> list[PositionView]:
        """Every symbol the caller has traded that is open or has realized PnL, by symbol."""
        return [
            view for view in self._views(principal.user_id, None) if view.position.is_open or view.position.realized_pnl
        ]

    def position(self, user_id: str, symbol: str) -> Position | None:
        views = self._views(user_id, symbol, priced=False)
        return views[0].position if views else None

    def _views(self, user_id: str, symbol: str | None, *, priced: bool = True) -> list[PositionView]:
        by_symbol: dict[str, list[TradeRecord]] = defaultdict(list)
        for trade in self._store.executed(user_id, symbol):
            by_symbol[trade.symbol].append(trade)
        positions = [
            build_position(s, trades[0].base_asset, trades[0].quote_asset, fills_of(trades))
            for s, trades in sorted(by_symbol.items())
        ]
        prices = self._prices([p.symbol for p in positions if p.is_open]) if priced else {}
        return [PositionView(p, prices.get(p.symbol)) for p in positions]

    def _prices(self, symbols: list[str]) -> dict[str, Decimal]:
        if not symbols:
            return {}
        try:
            return self._market().get_prices(symbols)
        except DependencyUnavailableError as exc:
            logger.warning("positions without prices: the exchange cannot say", extra={"reason": exc.message})
            return {}
