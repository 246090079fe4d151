"""Analyses waiting for MongoDB: a bounded in-memory queue flushed in bulk once it is back.

While MongoDB is down, requests must stay fast, so they only enqueue; a background thread retries
the flush every ``retry_seconds`` until the queue is empty, and a health check or request that
finds MongoDB reachable flushes it too. The queue keeps at most ``max_size`` analyses: the oldest
is dropped (and counted) when a new one arrives at a full queue. Inserts are idempotent by
analysis id, so a flush interrupted half way can be repeated without duplicates.

A batch MongoDB refuses while reachable (a write error other than a duplicate) would come back
forever, so each analysis gets at most ``max_attempts`` such refusals; then it is given up
(logged, counted, ``AnalysisQueueGivenUp`` metric). Refusals while MongoDB is down do not count.
The insert is unordered, so the acceptable analyses of a refused batch are already stored when
it is refused; giving them up with it loses nothing.
"""

from __future__ import annotations

import threading
from collections import deque
from contextlib import suppress

from tradecore.domain.analysis_record import AnalysisRecord
from tradecore.domain.health import ComponentHealth, HealthStatus
from tradecore.errors import DependencyUnavailableError
from tradecore.observability import logger
from tradecore.ports import AnalysisStore
from tradecore.services.analysis import metrics as analysis_metrics

DEFAULT_MAX_ATTEMPTS = 5


class PendingAnalyses:
    """Also the ``analysis_queue`` health probe: a check flushes when MongoDB is back."""

    name = "analysis_queue"

    def __init__(
        self, store: AnalysisStore, *, max_size: int, retry_seconds: float, max_attempts: int = DEFAULT_MAX_ATTEMPTS
    ) -> None:
        self._store = store
        self._items: deque[AnalysisRecord] = deque()
        self._max_size = max_size
        self._retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self.max_attempts = max_attempts
        self._refusals: dict[str, int] = {}  # analysis id -> flushes MongoDB refused while reachable
        self.dropped = 0
        self.given_up = 0
        self.flushed = 0
        # set when MongoDB failed us: requests then skip it (and its timeouts) until a flush succeeds
        self.store_down = False

    @property
    def depth(self) -> int:
        return len(self._items)

    def add(self, record: AnalysisRecord) -> None:
        """Queue ``record``; drop the oldest when full; make sure a background flusher runs."""
        with self._lock:
            self._push([record])
            self.store_down = True
        self.flush_in_background()

    def _push(self, records: list[AnalysisRecord], *, front: bool = False) -> None:
        for record in reversed(records) if front else records:
            if len(self._items) >= self._max_size:
                # new analyses matter more than old ones: the oldest goes
                self.dropped += 1
                logger.warning("analysis queue full: oldest analysis dropped", extra={"dropped": self.dropped})
                if front:
                    self._refusals.pop(record.analysis_id, None)
                    continue  # a returned batch is older than anything queued meanwhile
                self._refusals.pop(self._items.popleft().analysis_id, None)
            if front:
                self._items.appendleft(record)
            else:
                self._items.append(record)

    def flush(self) -> int:
        """Bulk-insert everything queued; return how many were written.

        Raises ``DependencyUnavailableError`` (everything stays queued) when MongoDB is still down.
        Concurrent calls do not overlap: a second caller returns 0 at once.
        """
        if not self._items or not self._flush_lock.acquire(blocking=False):
            return 0
        try:
            with self._lock:
                batch = list(self._items)
                self._items.clear()
            try:
                self._store.save_many(batch)
            except DependencyUnavailableError:
                with self._lock:
                    self._push(batch, front=True)
                raise
            except BaseException as exc:
                kept = self._count_refusal(batch, exc)
                with self._lock:
                    self._push(kept, front=True)
                raise
            for record in batch:
                self._refusals.pop(record.analysis_id, None)
            self.flushed += len(batch)
            self.store_down = False
            logger.info("queued analyses stored", extra={"count": len(batch)})
            return len(batch)
        finally:
            self._flush_lock.release()

    def _count_refusal(self, batch: list[AnalysisRecord], exc: BaseException) -> list[AnalysisRecord]:
        """The records to retry; those refused ``max_attempts`` times are given up (a poison batch)."""
        kept: list[AnalysisRecord] = []
        for record in batch:
            refusals = self._refusals.get(record.analysis_id, 0) + 1
            if refusals < self.max_attempts:
                self._refusals[record.analysis_id] = refusals
                kept.append(record)
                continue
            self._refusals.pop(record.analysis_id, None)
            self.given_up += 1
            logger.error(
                "queued analysis given up: MongoDB refused it repeatedly",
                extra={"analysis_id": record.analysis_id, "attempts": refusals, "error": type(exc).__name__},
            )
        if len(kept) < len(batch):
            analysis_metrics.record_queue_given_up(len(batch) - len(kept))
        return kept

    def flush_in_background(self) -> None:
        """Start the retrying flusher thread unless it is already running."""
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                return
            self._worker = threading.Thread(target=self._retry_until_empty, name="analysis-flush", daemon=True)
            self._worker.start()

    def _retry_until_empty(self) -> None:
        while self._items and not self._stop.wait(self._retry_seconds):
            try:
                self.flush()
            except DependencyUnavailableError:
                logger.debug("MongoDB still unavailable; analyses stay queued", extra={"queued": self.depth})
            except Exception:  # noqa: BLE001 - a background thread must not die silently
                logger.exception("flushing queued analyses failed")

    def check(self) -> ComponentHealth:
        """Flush now if anything is queued; ``degraded`` while analyses wait for MongoDB."""
        with suppress(DependencyUnavailableError):  # still down: reported below
            self.flush()
        info = {
            "depth": self.depth,
            "max": self._max_size,
            "dropped": self.dropped,
            "given_up": self.given_up,
            "flushed": self.flushed,
        }
        if self.depth:
            return ComponentHealth(self.name, HealthStatus.DEGRADED, "analyses waiting for MongoDB", info)
        return ComponentHealth(self.name, HealthStatus.OK, None, info)

    def close(self) -> None:
        """Stop the background flusher (tests, shutdown)."""
        self._stop.set()
