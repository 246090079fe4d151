"""Candles that closed while the market stream was down, fetched from the exchange once it is back.

:class:`CandleGaps` follows every candle the stream delivers: per symbol and interval it knows from
which open time a fresh connection may have missed closes (just after the last closed candle seen,
or the first candle seen when none has closed yet), and whether a closed candle is new (a close seen
again, streamed or fetched, is not sent twice). :func:`fetch_missed` asks the exchange's klines from
there and keeps the ones that are final: followed by another candle, or ending before the newest
exchange time the stream reported. Pure but for the one blocking port call.
"""

from __future__ import annotations

from tradecore.domain.market_events import CandleTick
from tradecore.domain.orders import Kline
from tradecore.ports.stream import CandleHistory

PAGE = 1000  # Binance's largest klines page
MAX_PAGES = 5  # a longer gap is history for the chart to load, not the stream to replay

Key = tuple[str, str]  # symbol, interval


class CandleGaps:
    """Where each symbol's interval resumes after a gap, and which closes were already passed on."""

    def __init__(self) -> None:
        self._resume: dict[Key, int] = {}  # the first open time whose close may not have been seen
        self.exchange_now = 0  # the newest event time the stream reported (exchange epoch ms)

    def note(self, tick: CandleTick) -> bool:
        """Record ``tick``; False for a closed candle whose close was already passed on."""
        key = (tick.symbol, tick.interval)
        self.exchange_now = max(self.exchange_now, tick.time_ms)
        resume = self._resume.get(key)
        if not tick.closed:
            if resume is None:
                self._resume[key] = tick.candle.open_time
            return True
        if resume is not None and tick.candle.open_time < resume:
            return False
        self._resume[key] = tick.candle.open_time + 1
        return True

    def resume_points(self) -> dict[Key, int]:
        """Per symbol and interval followed so far, the open time to fetch closes from."""
        return dict(self._resume)


def fetch_missed(history: CandleHistory, gaps: CandleGaps) -> list[CandleTick]:
    """The closed candles the stream has not delivered, oldest first per symbol and interval, as
    ticks stamped with their close time. Exchange errors propagate (the caller logs and goes on)."""
    missed: list[CandleTick] = []
    for (symbol, interval), start_ms in gaps.resume_points().items():
        for _ in range(MAX_PAGES):
            page = history.get_klines(symbol, interval, limit=PAGE, start_ms=start_ms)
            final = _final(page, gaps.exchange_now)
            missed.extend(CandleTick(symbol, interval, k, True, k.close_time) for k in final)
            if len(page) < PAGE or not final:
                break
            start_ms = final[-1].open_time + 1  # a full page's last candle is judged on the next page
    return missed


def _final(page: list[Kline], exchange_now: int) -> list[Kline]:
    """The klines of ``page`` that are closed: all but the last, and the last too when it ended
    before ``exchange_now`` (the exchange always lists the candle in progress)."""
    if not page:
        return []
    last = page[-1]
    return page if last.close_time < exchange_now else page[:-1]
