"""What a trade would add to: the user's holdings on the exchange, today's realized PnL, and the
balance that must pay for it.

Holdings come from the exchange's balances (the truth, whatever placed the orders), valued at the
last prices; a holding worth less than the symbol's minimum order is dust, not an open position.
Today's realized PnL comes from the user's recorded fills (the injected clock's UTC day).

With MongoDB down (trading goes on, DESIGN.md §5) the choice is this: the exposure that caps a BUY
(the symbol's position, the open positions) needs no record, it comes from the exchange's balances,
so those limits still bind in full; only today's realized PnL is unknown, and it counts as zero
(the daily loss limit cannot refuse), which the answer's ``degraded_by`` says. A SELL can then spend
only the free coins (those held by protective orders are unknown), and the exchange still refuses
what the account cannot pay for. No check here reads MongoDB twice or sends anything.
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
from tradecore.ports import TradeStore
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


@dataclass(frozen=True)
class StoredHistory:
    realized_today: Decimal  # today's realized PnL (UTC day of the injected clock)
    protected: dict[str, Decimal]  # per symbol, coins held by the user's active protective orders
    known: bool = True  # False: the store was down, both are empty stand-ins


class ExposureReader:
    def __init__(self, store: TradeStore, symbols: tuple[str, ...], clock: Callable[[], float]) -> None:
        self._store = store
        self._symbols = symbols
        self._clock = clock

    def history(self, user_id: str) -> StoredHistory:
        """What the user's records say (MongoDB): today's realized PnL and the coins their active
        protection holds per symbol. With the store down: zero and nothing, logged."""
        try:
            trades = self._store.executed(user_id)
        except DependencyUnavailableError:
            logger.warning("today's realized PnL unknown (trade store down); counted as zero")
            return StoredHistory(_ZERO, {}, known=False)
        protected: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        for trade in trades:
            if trade.protection is not None and trade.protection.status is ProtectionStatus.ACTIVE:
                protected[trade.symbol] += trade.protection.quantity or _ZERO
        return StoredHistory(self._realized_today(trades), dict(protected))

    def read(
        self, intent: TradeIntent, plan: PlannedOrder, rules: SymbolRules, balances: Mapping[str, Balance],
        prices: Mapping[str, Decimal], info: Mapping[str, SymbolRules], history: StoredHistory,
    ) -> Exposure:  # fmt: skip
        """The trade's exposure from what was read (nothing is read here)."""
        to_usdt = Decimal(1) if rules.quote_asset == USDT else prices.get(f"{rules.quote_asset}{USDT}", _ZERO)
        price = prices.get(intent.symbol, plan.reference_price)
        held = _total(balances, rules.base_asset)
        risk = RiskExposure(
            side=intent.side,
            symbol=intent.symbol,
            order_value_usdt=plan.value * to_usdt,
            position_value_usdt=held * price * to_usdt,
            open_position_symbols=_open_positions(balances, prices, info, self._symbols),
            realized_pnl_today_usdt=history.realized_today,
        )
        if intent.side is Side.BUY:
            available = _free(balances, rules.quote_asset)
        else:  # coins held by the position's own protection are freed before selling
            protected = history.protected.get(intent.symbol, _ZERO)
            available = _free(balances, rules.base_asset) + min(protected, _locked(balances, rules.base_asset))
        return Exposure(risk, plan, rules, available)

    def _realized_today(self, trades: list[TradeRecord]) -> Decimal:
        now = datetime.fromtimestamp(self._clock(), UTC)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
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
