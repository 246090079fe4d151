"""In-memory fakes for the analysis ports: a store that can be 'down'."""

from __future__ import annotations

import threading
from datetime import datetime

from tradecore.domain.analysis_record import AnalysisRecord
from tradecore.errors import DependencyUnavailableError


class FakeAnalysisStore:
    def __init__(self) -> None:
        self.records: dict[str, AnalysisRecord] = {}
        self.down = False
        self.lookups = 0
        self._lock = threading.Lock()

    def _check(self) -> None:
        if self.down:
            raise DependencyUnavailableError("MongoDB is unavailable (fake)", dependency="mongodb")

    def save(self, record: AnalysisRecord) -> None:
        self._check()
        with self._lock:
            self.records.setdefault(record.analysis_id, record)

    def save_many(self, records: list[AnalysisRecord]) -> int:
        self._check()
        with self._lock:
            new = [r for r in records if r.analysis_id not in self.records]
            self.records.update({r.analysis_id: r for r in new})
        return len(new)

    def newest(
        self, symbol: str, timeframe: str, candle_time: int, input_digest: str, not_before: datetime
    ) -> AnalysisRecord | None:
        self._check()
        self.lookups += 1
        matches = [
            r
            for r in self.records.values()
            if (r.symbol, r.timeframe, r.candle_time, r.input_digest) == (symbol, timeframe, candle_time, input_digest)
            and r.timestamp >= not_before
        ]
        return max(matches, key=lambda r: r.timestamp) if matches else None
