"""Posting one message to many connections at once, through a bounded pool of threads.

Each ``@connections`` post is a network round trip (a few milliseconds in AWS): one after another,
a tick to a thousand subscribers would take seconds. The posts of one message are spread over
``workers`` threads (32 by default) instead. Per connection: a post API Gateway answers as gone is
not retried (the caller forgets the connection); any other failure is retried once, then counted.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from typing import Any

from tradecore.domain.realtime import DeliveryReport, MessageType
from tradecore.observability import logger
from tradecore.ports import MessageSender

FANOUT_WORKERS = 32
# Pause before the one retry of a failed post: long enough for a throttled burst to pass, short
# enough that a tick is still fresh.
POST_RETRY_DELAY_SECONDS = 0.05
# Posts per task handed to the pool: a few tasks per worker balance slow posts without paying a
# task's overhead for every connection.
_TASKS_PER_WORKER = 4


class _Outcome(Enum):
    DELIVERED = "delivered"
    GONE = "gone"
    FAILED = "failed"


class ConcurrentPoster:
    """Posts a message to many connections over a bounded thread pool; never raises."""

    def __init__(
        self,
        sender: MessageSender,
        *,
        workers: int = FANOUT_WORKERS,
        retry_delay: float = POST_RETRY_DELAY_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sender = sender
        self._workers = workers
        self._retry_delay = retry_delay
        self._sleep = sleep
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def post(
        self, connection_ids: Sequence[str], message_type: MessageType, data: dict[str, Any], trace_id: str | None
    ) -> DeliveryReport:
        """Send to every connection; the calling thread waits until each post is done or given up."""
        ids = list(connection_ids)
        if len(ids) <= 1:  # one user's single tab: no thread hop
            outcomes = [self._post_one(cid, message_type, data, trace_id) for cid in ids]
        else:
            size = math.ceil(len(ids) / (self._workers * _TASKS_PER_WORKER))
            chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
            pool = self._executor()
            futures = [pool.submit(self._post_chunk, chunk, message_type, data, trace_id) for chunk in chunks]
            outcomes = [outcome for future in futures for outcome in future.result()]
        return DeliveryReport(
            delivered=sum(outcome is _Outcome.DELIVERED for outcome in outcomes),
            gone=tuple(cid for cid, outcome in zip(ids, outcomes, strict=True) if outcome is _Outcome.GONE),
            failed=tuple(cid for cid, outcome in zip(ids, outcomes, strict=True) if outcome is _Outcome.FAILED),
        )

    def shutdown(self) -> None:
        """Stop the pool's threads once the posts under way are done (a stopping worker calls this)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="fanout")
            return self._pool

    def _post_chunk(
        self, ids: list[str], message_type: MessageType, data: dict[str, Any], trace_id: str | None
    ) -> list[_Outcome]:
        return [self._post_one(cid, message_type, data, trace_id) for cid in ids]

    def _post_one(
        self, connection_id: str, message_type: MessageType, data: dict[str, Any], trace_id: str | None
    ) -> _Outcome:
        for attempt in range(2):
            try:
                sent = self._sender.send(connection_id, message_type, data, trace_id)
            except Exception as exc:  # noqa: BLE001 - any other failure: retried once, then counted
                if attempt == 0:
                    self._sleep(self._retry_delay)
                else:
                    logger.debug("post failed twice", extra={"connection_id": connection_id, "error": repr(exc)})
                continue
            return _Outcome.DELIVERED if sent else _Outcome.GONE
        return _Outcome.FAILED
