"""The equity curve of a performance report: its maximum drawdown and the daily PnL series.

Pure Decimal maths, no I/O. The curve is the cumulative realized PnL after each fill of the period
(starting at 0 when the period opens), with the open positions' unrealized PnL added as a last
point when it is known (see :mod:`tradecore.domain.performance`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Drawdown:
    """The largest fall from a peak of the curve to a later trough. ``percent`` is of that peak
    (0-100), None when the peak was not above 0 (a fall from nothing has no percentage)."""

    amount: Decimal
    peak: Decimal
    trough: Decimal
    percent: Decimal | None


def max_drawdown(curve: Sequence[Decimal]) -> Drawdown:
    """The largest peak-to-trough fall along ``curve`` (oldest point first); the first of equal falls.
    An empty or never-falling curve has a drawdown of 0."""
    if not curve:
        return Drawdown(_ZERO, _ZERO, _ZERO, None)
    peak = curve[0]
    worst = Drawdown(_ZERO, peak, peak, None)
    for point in curve:
        peak = max(peak, point)
        if peak - point > worst.amount:
            worst = Drawdown(peak - point, peak, point, None)
    percent = worst.amount / worst.peak * _HUNDRED if worst.peak > _ZERO else None
    return Drawdown(worst.amount, worst.peak, worst.trough, percent)


@dataclass(frozen=True)
class DailyPnl:
    day: date  # a UTC day
    realized_pnl: Decimal  # realized by that day's sells
    cumulative_pnl: Decimal  # realized since the period began, that day included


def daily_series(realized_by_day: Mapping[date, Decimal], first: date | None, last: date) -> list[DailyPnl]:
    """One entry per UTC day from ``first`` to ``last`` (both included; days without a sell are 0, so
    a chart's axis has no gaps); empty when ``first`` is None or after ``last``."""
    series: list[DailyPnl] = []
    if first is None:
        return series
    cumulative, day = _ZERO, first
    while day <= last:
        realized = realized_by_day.get(day, _ZERO)
        cumulative += realized
        series.append(DailyPnl(day, realized, cumulative))
        day += timedelta(days=1)
    return series
