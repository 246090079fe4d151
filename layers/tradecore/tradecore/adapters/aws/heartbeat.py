"""Heartbeats in the ServiceStateTable: ``heartbeat#<component>`` / ``beat``, with ``at`` (epoch
seconds) and ``expires_at`` an hour later, so a component long gone leaves no record behind.
Failures surface as ``DependencyUnavailableError`` (the table layer translates them)."""

from __future__ import annotations

import time
from collections.abc import Callable

from tradecore.adapters.aws.state_table import StateTable

_SK = "beat"
_KEEP_SECONDS = 3600


def _key(component: str) -> tuple[str, str]:
    return f"heartbeat#{component}", _SK


class DynamoStreamHeartbeat:
    """The :class:`~tradecore.ports.stream.StreamHeartbeat` over the ServiceStateTable."""

    def __init__(self, table_name: str, region: str, *, clock: Callable[[], float] = time.time) -> None:
        self._table = StateTable(table_name, region, clock=clock)

    def beat(self, component: str, at: float) -> None:
        self._table.put(*_key(component), {"at": at}, expires_at=int(at) + _KEEP_SECONDS)

    def last_beat(self, component: str) -> float | None:
        item = self._table.get(*_key(component))
        return None if item is None else float(item["at"])
