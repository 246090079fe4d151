"""A user's performance over a period, from their own recorded fills (see
:mod:`tradecore.domain.performance` for every definition) and the exchange's last prices.

The period is ``[start, end)``; without ``end`` it runs to now (the injected clock), and only then
are open positions valued: the last prices say nothing about a moment in the past. A price outage
never fails the report; the unrealized PnL is null then.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from tradecore.domain.performance import Performance, Period, measure_performance
from tradecore.domain.trades import TradeRecord
from tradecore.domain.users import Principal
from tradecore.errors import DependencyUnavailableError, InvalidInputError
from tradecore.observability import logger
from tradecore.ports import Exchange, TradeStore


class PerformanceService:
    def __init__(
        self, store: TradeStore, market: Callable[[], Exchange], clock: Callable[[], float], currency: str = "USDT"
    ) -> None:
        self._store = store
        self._market = market  # public market data only
        self._clock = clock
        self._currency = currency

    def report(self, principal: Principal, start: datetime | None = None, end: datetime | None = None) -> Performance:
        """The caller's performance over ``[start, end)`` (naive times are UTC). ``InvalidInputError``
        when ``end`` is after now or ``start`` is not before the period's end;
        ``DependencyUnavailableError`` when the trade store cannot be read."""
        period = self._period(_utc(start), _utc(end))
        trades = self._store.executed(principal.user_id)
        prices = self._prices(trades) if end is None else None
        return measure_performance(trades, prices, period, self._currency)

    def _period(self, start: datetime | None, end: datetime | None) -> Period:
        now = datetime.fromtimestamp(self._clock(), UTC)
        if end is not None and end > now:
            raise InvalidInputError("'to' is in the future: a period ends now at the latest", details={"field": "to"})
        end = end or now
        if start is not None and start >= end:
            raise InvalidInputError("'from' must be before 'to' (or before now)", details={"field": "from"})
        return Period(start, end)

    def _prices(self, trades: list[TradeRecord]) -> dict[str, Decimal] | None:
        """The last prices of every symbol traded (one request), or None when the exchange cannot say."""
        symbols = sorted({trade.symbol for trade in trades})
        if not symbols:
            return {}
        try:
            return self._market().get_prices(symbols)
        except DependencyUnavailableError as exc:
            logger.warning("performance without prices: the exchange cannot say", extra={"reason": exc.message})
            return None


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
