"""What a trade would add to: the user's holdings on the exchange, today's realized PnL, and the
balance that must pay for it.

Holdings come from the exchange's balances (the truth, whatever placed the orders), valued at the
last prices; a holding worth less than the symbol's minimum order is dust, not an open position.
Today's realized PnL comes from the user's recorded fills (the injected clock's UTC day); with
MongoDB down it counts as zero and the other limits still apply, because trading goes on then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradecore.domain.orders import Balance, Side, SymbolRules
from tradecore.domain.positions import fills_of, realized_between
from tradecore.domain.risk import RiskExposure
from tradecore.domain.trades import ProtectionStatus, TradeRecord
from tradecore.errors import DependencyUnavailableError, InsufficientFundsError
from tradecore.observability import logger
from tradecore.ports import Exchange, TradeStore
from tradecore.services.trading.intent import PlannedOrder, TradeIntent

_ZERO = Decimal(0)
USDT = "USDT"


@dataclass(frozen=True)
class Exposure:
    risk: RiskExposure
    plan: PlannedOrder
    rules: SymbolRules
    available: Decimal  # of the asset the order spends (quote for a BUY, base for a SELL)

    def check_balance(self) -> None:
        """``InsufficientFundsError`` when the account cannot pay for the order (nothing is sent)."""
        buying = self.risk.side is Side.BUY
        needed = self.plan.value if buying else self.plan.base_quantity
        asset = self.rules.quote_asset if buying else self.rules.base_asset
        if needed > self.available:
            raise InsufficientFundsError(
                f"You have {self.available.normalize():f} {asset} available; this order needs "
                f"{needed.normalize():f} {asset}",
                details={"asset": asset, "available": str(self.available), "needed": str(needed)},
            )


class ExposureReader:
    def __init__(self, store: TradeStore, symbols: tuple[str, ...], clock: Callable[[], float]) -> None:
        self._store = store
        self._symbols = symbols
        self._clock = clock

    def read(
        self, user_id: str, exchange: Exchange, market: Exchange, intent: TradeIntent, plan: PlannedOrder,
        rules: SymbolRules,
    ) -> Exposure:  # fmt: skip
        balances = exchange.get_balances()
        prices = market.get_prices(list(self._symbols))
        info = market.get_exchange_info()
        to_usdt = Decimal(1) if rules.quote_asset == USDT else prices.get(f"{rules.quote_asset}{USDT}", _ZERO)
        price = prices.get(intent.symbol, plan.reference_price)
        held = _total(balances, rules.base_asset)
        risk = RiskExposure(
            side=intent.side,
            symbol=intent.symbol,
            order_value_usdt=plan.value * to_usdt,
            position_value_usdt=held * price * to_usdt,
            open_position_symbols=_open_positions(balances, prices, info, self._symbols),
            realized_pnl_today_usdt=self._realized_today(user_id, info),
        )
        if intent.side is Side.BUY:
            available = _free(balances, rules.quote_asset)
        else:  # coins held by the position's own protection are freed before selling
            available = _free(balances, rules.base_asset) + min(
                self._protected_quantity(user_id, intent.symbol), _locked(balances, rules.base_asset)
            )
        return Exposure(risk, plan, rules, available)

    def _realized_today(self, user_id: str, info: Mapping[str, SymbolRules]) -> Decimal:
        now = datetime.fromtimestamp(self._clock(), UTC)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            trades = self._store.executed(user_id)
        except DependencyUnavailableError:
            logger.warning("today's realized PnL unknown (trade store down); counted as zero")
            return _ZERO
        by_symbol: dict[str, list[TradeRecord]] = defaultdict(list)
        for trade in trades:
            by_symbol[trade.symbol].append(trade)
        total = _ZERO
        for symbol, symbol_trades in by_symbol.items():
            first = symbol_trades[0]
            total += realized_between(
                symbol, first.base_asset, first.quote_asset, fills_of(symbol_trades), start, start + timedelta(days=1)
            )
        return total

    def _protected_quantity(self, user_id: str, symbol: str) -> Decimal:
        try:
            trades = self._store.protected(user_id, symbol)
        except DependencyUnavailableError:
            return _ZERO
        return sum(
            (t.protection.quantity or _ZERO for t in trades
             if t.protection is not None and t.protection.status is ProtectionStatus.ACTIVE),
            _ZERO,
        )  # fmt: skip


def _open_positions(
    balances: Mapping[str, Balance], prices: Mapping[str, Decimal], info: Mapping[str, SymbolRules],
    symbols: tuple[str, ...],
) -> frozenset[str]:  # fmt: skip
    """The symbols whose base asset the user holds worth at least one minimum order (less is dust)."""
    open_symbols = set()
    for symbol in symbols:
        rules, price = info.get(symbol), prices.get(symbol)
        if rules is None or price is None:
            continue
        held = _total(balances, rules.base_asset)
        if held > _ZERO and held * price >= rules.min_notional:
            open_symbols.add(symbol)
    return frozenset(open_symbols)


def _free(balances: Mapping[str, Balance], asset: str) -> Decimal:
    balance = balances.get(asset)
    return balance.free if balance else _ZERO


def _locked(balances: Mapping[str, Balance], asset: str) -> Decimal:
    balance = balances.get(asset)
    return balance.locked if balance else _ZERO


def _total(balances: Mapping[str, Balance], asset: str) -> Decimal:
    balance = balances.get(asset)
    return balance.total if balance else _ZERO
