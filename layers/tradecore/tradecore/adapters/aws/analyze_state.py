"""Users' "analyze now" in the ServiceStateTable: answers every instance shares for a while, and each
user's request window.

Items (keys are this module's business alone):

* an answer: ``analysis#answer`` / the request key (symbol, timeframes, last closed candle), with
  ``answer`` (JSON) and ``expires_at``;
* a user's window: ``analyze#<user id>`` / ``requests``, a windowed counter.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from tradecore.adapters.aws.state_table import StateTable
from tradecore.domain.analysis_answer import AnalysisAnswer
from tradecore.domain.service_state import WindowCount

_ANSWERS, _REQUESTS = "analysis#answer", "requests"


class DynamoAnalyzeState:
    """The :class:`~tradecore.ports.analysis.AnalysisAnswerCache` and
    :class:`~tradecore.ports.analysis.AnalyzeQuota` over the ServiceStateTable.
    ``DependencyUnavailableError`` when DynamoDB cannot be reached."""

    def __init__(self, table_name: str, region: str, *, clock: Callable[[], float] = time.time) -> None:
        self._table = StateTable(table_name, region, clock=clock)
        self._clock = clock

    def answer(self, key: str) -> AnalysisAnswer | None:
        item = self._table.get(_ANSWERS, key)
        if item is None:
            return None
        try:
            return AnalysisAnswer.from_json(json.loads(item["answer"]))
        except (KeyError, ValueError, TypeError):
            return None  # written by another version of this code: a miss

    def put_answer(self, key: str, answer: AnalysisAnswer, *, ttl_seconds: int) -> None:
        text = json.dumps(answer.to_json(), separators=(",", ":"))
        self._table.put(_ANSWERS, key, {"answer": text}, expires_at=int(self._clock()) + ttl_seconds)

    def acquire_analyze(self, user_id: str, *, limit: int, window_seconds: int, now: float) -> WindowCount:
        return self._table.acquire_in_window(
            f"analyze#{user_id}", _REQUESTS, limit=limit, window_seconds=window_seconds, now=now
        )
